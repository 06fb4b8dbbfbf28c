//! Manual editing ("data tailoring"): a week grid per location of hourly net sales,
//! transactions and items sold that a permitted user corrects by hand.
//!
//! How manual values stay apart from imported facts: the facts of Shopify (tables `sales` and
//! `returns`) are never touched. A correction is written to the hour's row in `hourly_totals`
//! with `edited = 1`, and every correction is recorded in `manual_edits` (who, when, old and new
//! values) and in the audit log. The import worker recomputes only hours with `edited = 0`, so an
//! edited hour keeps its manual values, and reports and exports mark it as edited. Gross sales
//! move with net sales (discounts and returns stay), so net = gross − discounts − returns
//! still holds in every row. Locations whose POS import is active (matched, enabled, in an
//! active integration) cannot be edited at all: their hours belong to the import.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{Layout, TenantUser};
use super::reports::ReportScope;
use crate::db;
use crate::db::locations::Location;
use crate::db::totals::{ActiveImport, HourEdit, HourRow};
use crate::domain::account::Role;
use crate::domain::money::parse_minor;
use crate::domain::report::{Money, earliest_date, parse_date, week_start};
use crate::error::{AppError, AppResult, render};
use crate::i18n;

mod traffic;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/data/edit", get(page).post(save))
        .merge(traffic::router())
}

/// Why a typed net amount was refused, named by what is wrong with it: a currency sign
/// ("$45" is refused for its "$", not its decimals), other characters, or too many decimals.
fn net_problem(when: &str, typed: &str, digits: u32) -> String {
    let is_sign = |c: char| matches!(c, '$' | '€' | '£' | '¥' | '¢' | '₹' | '₩' | '₽' | '₺' | '₱');
    if typed.chars().any(is_sign) {
        let number: String = typed.chars().filter(|c| !is_sign(*c)).collect();
        return format!(
            "Net sales at {when}: {typed:?} holds a currency sign; type only the number, as in {:?}.",
            number.trim()
        );
    }
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | ' ');
    if !typed.chars().all(allowed) {
        return format!("Net sales at {when}: {typed:?} is not an amount.");
    }
    format!("Net sales at {when}: {typed:?} is not an amount with at most {digits} decimals.")
}

/// The largest magnitude accepted in a cell (minor units or counts): far above any real hour,
/// far below where sums could overflow. Migration 0017 holds the database to the same bound.
pub const MAX_CELL: i64 = 1_000_000_000_000;

/// Whether a cell's value is within ±`MAX_CELL` (no `abs()`: it wraps for `i64::MIN`).
fn in_cell_range(value: i64) -> bool {
    (-MAX_CELL..=MAX_CELL).contains(&value)
}

/// Only users with manual editing turned on; managers never change data.
fn require_editor(user: &TenantUser) -> AppResult<()> {
    let account = &user.current.user;
    if account.role() == Role::Manager {
        return Err(AppError::Forbidden(
            "Managers can read every report and export, but cannot change data.".into(),
        ));
    }
    if !account.may_edit() {
        return Err(AppError::Forbidden(
            "Manual editing is turned off for your account. An administrator can turn it on under Users.".into(),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct CellView {
    pub key: String,
    pub hour: i64,
    pub net: String,
    pub transactions: String,
    pub items: String,
    pub edited: bool,
    pub error: String,
}

pub struct DayView {
    pub date: NaiveDate,
    /// The day as the reader's language writes it, with its weekday.
    pub label: String,
    pub cells: Vec<CellView>,
}

pub struct EditView {
    pub at: String,
    pub who: String,
    pub hour: String,
    pub before: String,
    pub after: String,
}

/// The way from a data-edit page's week to the weeks around it (sales and traffic alike).
pub struct WeekNav {
    /// The week's Monday as the reader's language writes it, with its weekday.
    pub week_text: String,
    pub previous_week: NaiveDate,
    pub next_week: NaiveDate,
    /// The next week holds a day that can be edited (not after today).
    pub next_week_editable: bool,
}

impl WeekNav {
    pub fn new(lang: i18n::Lang, week: NaiveDate, today: NaiveDate) -> WeekNav {
        let next_week = week + Duration::days(7);
        WeekNav {
            week_text: i18n::format_weekday_date(lang, week),
            previous_week: week - Duration::days(7),
            next_week,
            next_week_editable: next_week <= today,
        }
    }
}

#[derive(Template)]
#[template(path = "data_edit.html")]
struct EditPage {
    layout: Layout,
    locations: Vec<Location>,
    location: Location,
    week: NaiveDate,
    nav: WeekNav,
    currency: String,
    digits: u32,
    active_import: Option<ActiveImport>,
    days: Vec<DayView>,
    problems: Vec<String>,
    saved: Option<usize>,
    history: Vec<EditView>,
}

#[derive(Deserialize, Default)]
struct EditQuery {
    #[serde(default)]
    location: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    saved: Option<usize>,
}

/// The location (by TMAS location ID; the first one when none is given) and the week's Monday.
fn choose(scope: &ReportScope, code: &str, week: &str) -> AppResult<(Location, NaiveDate)> {
    let location = if code.trim().is_empty() {
        scope.locations.first().cloned()
    } else {
        scope
            .locations
            .iter()
            .find(|l| l.location_id == code.trim())
            .cloned()
    }
    .ok_or(AppError::NotFound)?;
    let day = if week.trim().is_empty() {
        scope.today
    } else {
        parse_date(week).ok_or_else(|| {
            AppError::BadRequest(format!(
                "The week {:?} is not a date: use YYYY-MM-DD.",
                week.trim()
            ))
        })?
    };
    if day < earliest_date() || day > scope.today {
        return Err(AppError::BadRequest(format!(
            "The week {} is outside the dates that can be edited: {} to {}.",
            // As typed: a year such as 0000 has no readable form.
            week.trim(),
            i18n::format_date(i18n::current(), earliest_date()),
            i18n::format_date(i18n::current(), scope.today)
        )));
    }
    Ok((location, week_start(day)))
}

fn cell_key(date: NaiveDate, hour: i64) -> String {
    format!("{date}_{hour}")
}

fn stored_cells(rows: &[HourRow], digits: u32) -> HashMap<String, CellView> {
    rows.iter()
        .filter_map(|r| {
            let date = r.local_date.parse::<NaiveDate>().ok()?;
            let key = cell_key(date, r.hour);
            Some((
                key.clone(),
                CellView {
                    key,
                    hour: r.hour,
                    // The language's decimal mark, so a Spanish admin edits `1500,00`.
                    net: i18n::amount_for_input(
                        i18n::current(),
                        &Money::new(r.sums.net, digits).to_string(),
                    ),
                    transactions: r.sums.transactions.to_string(),
                    items: r.sums.items.to_string(),
                    edited: r.sums.edited != 0,
                    error: String::new(),
                },
            ))
        })
        .collect()
}

fn grid(week: NaiveDate, cells: &HashMap<String, CellView>) -> Vec<DayView> {
    (0..7)
        .map(|d| {
            let date = week + Duration::days(d);
            DayView {
                date,
                label: i18n::format_weekday_date(i18n::current(), date),
                cells: (0..24)
                    .map(|hour| {
                        let key = cell_key(date, hour);
                        cells.get(&key).cloned().unwrap_or(CellView {
                            key,
                            hour,
                            ..CellView::default()
                        })
                    })
                    .collect(),
            }
        })
        .collect()
}

struct Loaded {
    scope: ReportScope,
    location: Location,
    week: NaiveDate,
    rows: Vec<HourRow>,
    active_import: Option<ActiveImport>,
}

async fn load(state: &AppState, user: &TenantUser, code: &str, week: &str) -> AppResult<Loaded> {
    let scope = ReportScope::load(state, user).await?;
    let (location, week) = choose(&scope, code, week)?;
    let tenant = user.tenant_id();
    let rows = db::totals::stored_hours(
        &state.db,
        tenant,
        location.id,
        &week.to_string(),
        &(week + Duration::days(6)).to_string(),
    )
    .await?;
    let active_import = db::totals::active_import(&state.db, tenant, location.id).await?;
    Ok(Loaded {
        scope,
        location,
        week,
        rows,
        active_import,
    })
}

async fn render_page(
    state: &AppState,
    user: &TenantUser,
    loaded: Loaded,
    days: Vec<DayView>,
    problems: Vec<String>,
    saved: Option<usize>,
    status: StatusCode,
) -> AppResult<Response> {
    let digits = loaded.scope.digits;
    let lang = i18n::current();
    let tz: chrono_tz::Tz = user.tenant.time_zone.parse().unwrap_or(chrono_tz::UTC);
    // Net / transactions / items as the language writes numbers.
    let sums = |net: i64, transactions: i64, items: i64| {
        format!(
            "{} / {} / {}",
            i18n::format_decimal(lang, net, digits),
            i18n::format_integer(lang, transactions),
            i18n::format_integer(lang, items)
        )
    };
    let history = db::totals::edit_history(
        &state.db,
        user.tenant_id(),
        loaded.location.id,
        &loaded.week.to_string(),
        &(loaded.week + Duration::days(6)).to_string(),
    )
    .await?
    .into_iter()
    .map(|e| EditView {
        at: i18n::format_instant(lang, e.at, tz),
        who: e.email,
        hour: match e.local_date.parse::<NaiveDate>() {
            Ok(date) => format!("{} {:02}:00", i18n::format_weekday_date(lang, date), e.hour),
            Err(_) => format!("{} {:02}:00", e.local_date, e.hour),
        },
        before: sums(e.old_net, e.old_transactions, e.old_items),
        after: sums(e.new_net, e.new_transactions, e.new_items),
    })
    .collect();
    let page = EditPage {
        layout: user.layout(state).await?,
        locations: loaded.scope.locations.clone(),
        location: loaded.location,
        week: loaded.week,
        nav: WeekNav::new(lang, loaded.week, loaded.scope.today),
        currency: loaded.scope.currency.clone(),
        digits,
        active_import: loaded.active_import,
        days,
        problems,
        saved,
        history,
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    State(state): State<AppState>,
    user: TenantUser,
    Query(query): Query<EditQuery>,
) -> AppResult<Response> {
    require_editor(&user)?;
    let loaded = load(&state, &user, &query.location, &query.week).await?;
    let cells = stored_cells(&loaded.rows, loaded.scope.digits);
    let days = grid(loaded.week, &cells);
    render_page(
        &state,
        &user,
        loaded,
        days,
        Vec::new(),
        query.saved,
        StatusCode::OK,
    )
    .await
}

fn parse_count(value: &str) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return Some(0);
    }
    v.parse::<i64>().ok().filter(|n| in_cell_range(*n))
}

async fn save(
    State(state): State<AppState>,
    user: TenantUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_editor(&user)?;
    let loaded = load(
        &state,
        &user,
        form_field(&fields, "location").unwrap_or_default(),
        form_field(&fields, "week").unwrap_or_default(),
    )
    .await?;
    let stored = stored_cells(&loaded.rows, loaded.scope.digits);

    if loaded.active_import.is_some() {
        let days = grid(loaded.week, &stored);
        let problem = "Nothing was saved: this location's hours come from an active POS import and cannot be edited.".to_string();
        return render_page(
            &state,
            &user,
            loaded,
            days,
            vec![problem],
            None,
            StatusCode::CONFLICT,
        )
        .await;
    }

    let (cells, problems, edits) = check_week(&loaded, &fields, stored);
    if !problems.is_empty() {
        let days = grid(loaded.week, &cells);
        return render_page(
            &state,
            &user,
            loaded,
            days,
            problems,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    store_edits(&state, &user, &loaded, &edits).await?;
    let target = format!(
        "/data/edit?{}",
        serde_urlencoded::to_string([
            ("location", loaded.location.location_id.clone()),
            ("week", loaded.week.to_string()),
            ("saved", edits.len().to_string()),
        ])
        .unwrap_or_default()
    );
    Ok(Redirect::to(&target).into_response())
}

/// The first value the form holds under `name`.
fn form_field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Checks every hour of the week the form holds, starting from the stored cells: the cells to
/// show again (as typed), the problems found, and the changed hours to store.
fn check_week(
    loaded: &Loaded,
    fields: &[(String, String)],
    mut cells: HashMap<String, CellView>,
) -> (HashMap<String, CellView>, Vec<String>, Vec<HourEdit>) {
    let mut problems = Vec::new();
    let mut edits = Vec::new();
    for d in 0..7 {
        let date = loaded.week + Duration::days(d);
        for hour in 0..24_i64 {
            let key = cell_key(date, hour);
            let (Some(net), Some(tx), Some(items)) = (
                form_field(fields, &format!("net_{key}")),
                form_field(fields, &format!("transactions_{key}")),
                form_field(fields, &format!("items_{key}")),
            ) else {
                continue;
            };
            let typed = (net, tx, items);
            if let Some(edit) = check_hour(loaded, date, hour, typed, &mut cells, &mut problems) {
                edits.push(edit);
            }
        }
    }
    (cells, problems, edits)
}

/// Checks one typed hour, keeping what was typed (and any refusal) in its cell; returns the
/// edit to store when the hour is valid and differs from what is stored.
fn check_hour(
    loaded: &Loaded,
    date: NaiveDate,
    hour: i64,
    (net, tx, items): (&str, &str, &str),
    cells: &mut HashMap<String, CellView>,
    problems: &mut Vec<String>,
) -> Option<HourEdit> {
    let key = cell_key(date, hour);
    // People read the hour as their language writes dates.
    let when = format!(
        "{} {hour:02}:00",
        i18n::format_weekday_date(i18n::current(), date)
    );
    let parsed = parse_hour(&when, net, tx, items, loaded.scope.digits);
    let old = loaded
        .rows
        .iter()
        .find(|r| r.local_date == date.to_string() && r.hour == hour)
        .cloned();
    let entry = cells.entry(key.clone()).or_insert_with(|| CellView {
        key: key.clone(),
        hour,
        ..CellView::default()
    });
    entry.net = net.to_string();
    entry.transactions = tx.to_string();
    entry.items = items.to_string();
    let (net, transactions, items) = match parsed {
        Ok(values) => values,
        Err(errors) => {
            // The cell's own line, in the reader's language like the list above.
            entry.error = errors
                .iter()
                .map(|e| i18n::t(e))
                .collect::<Vec<_>>()
                .join(" ");
            problems.extend(errors);
            return None;
        }
    };
    let unchanged = match &old {
        Some(o) => {
            o.sums.net == net && o.sums.transactions == transactions && o.sums.items == items
        }
        None => net == 0 && transactions == 0 && items == 0,
    };
    if unchanged {
        return None;
    }
    let typed_net = entry.net.trim().to_string();
    let refused = refusal(
        loaded.scope.today,
        date,
        &when,
        old.as_ref(),
        (net, transactions),
        &typed_net,
    );
    if let Some(problem) = refused {
        entry.error = i18n::t(&problem);
        problems.push(problem);
        return None;
    }
    Some(HourEdit {
        local_date: date.to_string(),
        hour,
        old,
        net,
        transactions,
        items,
    })
}

/// Reads one hour's typed net sales, transactions and items sold, or every problem with them.
fn parse_hour(
    when: &str,
    net: &str,
    tx: &str,
    items: &str,
    digits: u32,
) -> Result<(i64, i64, i64), Vec<String>> {
    let mut errors = Vec::new();
    let net_value = if net.trim().is_empty() {
        Some(0)
    } else {
        i18n::parse_amount_input(i18n::current(), net)
            .and_then(|plain| parse_minor(&plain, digits).ok())
            .filter(|v| in_cell_range(*v))
    };
    if net_value.is_none() {
        errors.push(net_problem(when, net.trim(), digits));
    }
    let tx_value = parse_count(tx).filter(|n| *n >= 0);
    if tx_value.is_none() {
        errors.push(format!(
            "Transactions at {when}: {:?} is not a whole number of 0 or more.",
            tx.trim()
        ));
    }
    let items_value = parse_count(items);
    if items_value.is_none() {
        errors.push(format!(
            "Items sold at {when}: {:?} is not a whole number.",
            items.trim()
        ));
    }
    match (net_value, tx_value, items_value) {
        (Some(net), Some(tx), Some(items)) => Ok((net, tx, items)),
        _ => Err(errors),
    }
}

/// Why a changed, well-typed hour cannot be stored, if it cannot: a date after today, a gross
/// that would leave the cell range, or a positive amount with no transactions.
fn refusal(
    today: NaiveDate,
    date: NaiveDate,
    when: &str,
    old: Option<&HourRow>,
    (net, transactions): (i64, i64),
    typed_net: &str,
) -> Option<String> {
    if date > today {
        return Some(format!(
            "The hour {when} is outside the dates that can be edited: {} to {}.",
            i18n::format_date(i18n::current(), earliest_date()),
            i18n::format_date(i18n::current(), today)
        ));
    }
    // Gross sales move with net sales: the hour's new gross must stay a cell value too.
    let gross_ok = old.is_none_or(|o| {
        net.checked_sub(o.sums.net)
            .and_then(|change| o.sums.gross.checked_add(change))
            .is_some_and(in_cell_range)
    });
    if !gross_ok {
        return Some(format!(
            "Net sales at {when}: the hour's gross sales would be out of range."
        ));
    }
    // Sales need a sale: a positive amount with no transactions is a count left out
    // (a return alone may bring the hour below zero with none).
    if net > 0 && transactions == 0 {
        return Some(format!(
            "Net sales at {when}: {typed_net:?} with 0 transactions. Enter how many sales made up this amount."
        ));
    }
    None
}

/// Stores the checked hours and records them in the audit log, one entry for all of them.
async fn store_edits(
    state: &AppState,
    user: &TenantUser,
    loaded: &Loaded,
    edits: &[HourEdit],
) -> AppResult<()> {
    let digits = loaded.scope.digits;
    db::totals::save_edits(
        &state.db,
        user.tenant_id(),
        loaded.location.id,
        user.current.user.id,
        edits,
    )
    .await?;
    if edits.is_empty() {
        return Ok(());
    }
    let mut details = Details::new();
    for e in edits {
        let (on, ot, oi) = e
            .old
            .as_ref()
            .map(|o| (o.sums.net, o.sums.transactions, o.sums.items))
            .unwrap_or((0, 0, 0));
        details = details
            .subject(Value::Text(loaded.location.location_id.clone()))
            .subject(Value::Hour(e.local_date.to_string(), e.hour))
            .change(
                "Net sales",
                Value::Amount(on, digits),
                Value::Amount(e.net, digits),
            )
            .change(
                "Transactions",
                Value::Count(ot),
                Value::Count(e.transactions),
            )
            .change("Items sold", Value::Count(oi), Value::Count(e.items));
    }
    user.audit(state, "data.edit", &details.to_stored()).await
}
