//! The integration page's section "Checked against Shopify's report": each location-day of
//! the last daily check (matching, or both figures and the difference with the reasons TMAS
//! can name), the check's state when it could not run, "Check now", and the dashboard's
//! small badge that links here.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;

use super::{integration_url, load};
use crate::db::integrations::{Integration, LocationMatch};
use crate::db::reconciliation::{self as store, DayCheck};
use crate::db::{self, TenantId};
use crate::domain::money::currency_digits;
use crate::domain::reconciliation::CheckState;
use crate::error::{AppResult, render};
use crate::i18n;
use crate::shopify::shopifyql::REPORTS_SCOPE;
use crate::web::AppState;
use crate::web::audit_details::{Details, Value};
use crate::web::context::{Layout, TenantAdmin};
use crate::worker::reconcile::{reason, request_now};

/// One checked location-day as shown.
pub struct DayView {
    pub location: String,
    pub date: String,
    /// `YYYY-MM-DD`, for the re-import form.
    pub iso_date: String,
    pub matches: bool,
    /// Each figure that differs: (label, Shopify, TMAS, difference).
    pub differences: Vec<(&'static str, String, String, String)>,
    pub reasons: Vec<&'static str>,
    /// The day can be re-imported (its location is imported).
    pub can_reimport: bool,
}

#[derive(Template)]
#[template(path = "integration_reconciliation.html")]
struct Section {
    layout: Layout,
    integration_id: i64,
    csrf: String,
    /// The app lacks `read_reports` (as last seen), so the section explains how to add it.
    needs_scope: bool,
    /// The check's problem, in words, when its last attempt did not compare.
    problem: Option<String>,
    warnings: Vec<String>,
    last_check: String,
    next_check: String,
    days: Vec<DayView>,
    differing_days: usize,
    checked_days: usize,
}

/// What a reason code means, in English (translated by the catalog).
pub fn reason_text(code: &str) -> &'static str {
    match code {
        reason::EDITED => "The day was edited by hand in TMAS.",
        reason::DISABLED => {
            "The location is disabled (in this integration or in TMAS): new sales are not imported."
        }
        reason::UNREADABLE => {
            "An order of this day could not be read by TMAS (see Import history)."
        }
        reason::RETURNS_SCOPE => {
            "Without the read_returns scope, TMAS counts exchanges at the store of the sale."
        }
        _ => "Shopify's data changed after TMAS's last import of this day.",
    }
}

fn problem_text(check: &store::CheckRow) -> Option<String> {
    let text = match check.state {
        CheckState::NoScope => i18n::t(
            "Shopify refused the check: the app does not have the read_reports scope. Add it as explained below.",
        ),
        CheckState::ParseError => crate::i18n::fill(
            i18n::current(),
            "Shopify could not read TMAS's report query ({}). Imported numbers are not affected; TMAS support has to adjust the query.",
            std::slice::from_ref(&check.message),
        ),
        CheckState::MissingColumn => crate::i18n::fill(
            i18n::current(),
            "Shopify's sales report no longer has the column {}. Imported numbers are not affected; TMAS support has to adjust the check.",
            std::slice::from_ref(&check.message),
        ),
        CheckState::Throttled => i18n::t(
            "Shopify was too busy to answer the check (throttled). It is tried again within the hour.",
        ),
        CheckState::Failed => crate::i18n::fill(
            i18n::current(),
            "The check could not run: {}",
            &[i18n::plain_reason(i18n::current(), &check.message)],
        ),
        CheckState::Never | CheckState::Done => return None,
    };
    Some(text)
}

/// The section of the integration page, rendered (empty while the integration is a draft).
pub async fn section(
    state: &AppState,
    tenant: TenantId,
    integration: &Integration,
    matches: &[LocationMatch],
    tz: Tz,
    csrf: &str,
) -> AppResult<String> {
    if integration.is_draft() {
        return Ok(String::new());
    }
    let check = store::check(&state.db, tenant, integration.id).await?;
    let days = store::days(&state.db, tenant, integration.id).await?;
    let lang = i18n::current();
    let mut views = day_views(&days, matches, integration, lang);
    // The days that differ first (newest first), then those that match.
    views.sort_by_key(|v| v.matches);
    let summary = summarize(days.iter());
    let needs_scope = check
        .as_ref()
        .map(|c| c.state == CheckState::NoScope)
        .unwrap_or_else(|| !integration.scope_list().contains(&REPORTS_SCOPE));
    let section = Section {
        layout: Layout::default(),
        integration_id: integration.id,
        csrf: csrf.to_string(),
        needs_scope,
        problem: check.as_ref().and_then(problem_text),
        warnings: check.as_ref().map(warning_lines).unwrap_or_default(),
        last_check: check
            .as_ref()
            .and_then(|c| c.checked_at)
            .map(|at| i18n::format_instant(lang, at, tz))
            .unwrap_or_default(),
        next_check: check
            .as_ref()
            .map(|c| i18n::format_instant(lang, c.next_check_at, tz))
            .unwrap_or_default(),
        differing_days: summary.differing,
        checked_days: summary.checked,
        days: views,
    };
    Ok(render(&section)?.0)
}

/// The check's warnings from Shopify, one a line, empty lines left out.
fn warning_lines(check: &store::CheckRow) -> Vec<String> {
    check
        .warnings
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Each checked location-day as shown, in the order stored.
fn day_views(
    days: &[DayCheck],
    matches: &[LocationMatch],
    integration: &Integration,
    lang: i18n::Lang,
) -> Vec<DayView> {
    let names: HashMap<i64, String> = matches
        .iter()
        .map(|m| {
            (
                m.location_id,
                format!("{} {}", m.location_code, m.location_name),
            )
        })
        .collect();
    let imported: HashMap<i64, bool> = matches
        .iter()
        .map(|m| (m.location_id, m.is_enabled()))
        .collect();
    days.iter()
        .map(|d| {
            let date = chrono::NaiveDate::parse_from_str(&d.local_date, "%Y-%m-%d").ok();
            DayView {
                location: names
                    .get(&d.location_id)
                    .cloned()
                    .unwrap_or_else(|| d.location_id.to_string()),
                date: date
                    .map(|d| i18n::format_date(lang, d))
                    .unwrap_or_else(|| d.local_date.clone()),
                iso_date: d.local_date.clone(),
                matches: d.matches(),
                differences: differences(d, integration, lang),
                reasons: d.reason_list().into_iter().map(reason_text).collect(),
                can_reimport: !d.matches()
                    && imported.get(&d.location_id).copied().unwrap_or(false)
                    && integration.status == crate::domain::integration::IntegrationStatus::Active,
            }
        })
        .collect()
}

/// The figures of a day that differ: (label, Shopify, TMAS, TMAS minus Shopify signed).
fn differences(
    d: &DayCheck,
    integration: &Integration,
    lang: i18n::Lang,
) -> Vec<(&'static str, String, String, String)> {
    let digits = currency_digits(&integration.shop_currency);
    let money = |v: i64| i18n::format_money(lang, v, digits, &integration.shop_currency);
    let signed = |v: i64| {
        let m = money(v);
        if v > 0 { format!("+{m}") } else { m }
    };
    let mut differences = Vec::new();
    if d.shopify_net != d.tmas_net {
        differences.push((
            "Net sales",
            money(d.shopify_net),
            money(d.tmas_net),
            signed(d.tmas_net - d.shopify_net),
        ));
    }
    if d.shopify_orders != d.tmas_orders {
        let diff = d.tmas_orders - d.shopify_orders;
        differences.push((
            "Orders",
            i18n::format_integer(lang, d.shopify_orders),
            i18n::format_integer(lang, d.tmas_orders),
            if diff > 0 {
                format!("+{}", i18n::format_integer(lang, diff))
            } else {
                i18n::format_integer(lang, diff)
            },
        ));
    }
    if d.shopify_returns != d.tmas_returns {
        differences.push((
            "Returns",
            money(d.shopify_returns),
            money(d.tmas_returns),
            signed(d.tmas_returns - d.shopify_returns),
        ));
    }
    differences
}

/// Days checked and days that differ (a day differs when any of its locations does).
pub struct Summary {
    pub checked: usize,
    pub differing: usize,
}

fn summarize<'a>(days: impl Iterator<Item = &'a DayCheck>) -> Summary {
    let mut by_date: BTreeMap<&str, bool> = BTreeMap::new();
    for d in days {
        let all = by_date.entry(d.local_date.as_str()).or_insert(true);
        *all &= d.matches();
    }
    Summary {
        checked: by_date.len(),
        differing: by_date.values().filter(|m| !**m).count(),
    }
}

/// `POST /admin/integrations/{id}/reconciliation`: check now (the worker runs it within
/// seconds), then back to the integration's page with a notice.
pub async fn check_now(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load(&state, &admin, id).await?;
    request_now(&state.db, admin.0.tenant_id(), integration.id).await?;
    admin
        .0
        .audit(
            &state,
            "integration.reconciliation_check",
            &Details::new().subject(Value::Integration(id)).to_stored(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{}?notice=check_queued#reconciliation",
        integration_url(id)
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "dashboard_reconciliation.html")]
struct Badge {
    layout: Layout,
    integration_id: i64,
    /// Admins follow it to the integration's page; managers read it.
    link: bool,
    checked: usize,
    differing: usize,
}

/// The dashboard's badge: "checked against Shopify: 7 of 7 days match" or "2 days differ",
/// linking to the integration's page; empty when nothing was checked yet.
pub async fn dashboard_badge(db: &db::Db, tenant: TenantId, link: bool) -> AppResult<String> {
    let days = store::tenant_days(db, tenant).await?;
    let Some(integration_id) = days.iter().map(|(i, _)| *i).min() else {
        return Ok(String::new());
    };
    let summary = summarize(days.iter().map(|(_, d)| d));
    Ok(render(&Badge {
        layout: Layout::default(),
        integration_id,
        link,
        checked: summary.checked,
        differing: summary.differing,
    })?
    .0)
}
