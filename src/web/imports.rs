//! Administration → an integration's imports: run history, "Import now", re-importing history
//! from a chosen date (a backfill), and the progress of the run in progress with the time it
//! still needs at the pace measured so far.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{FormErrors, Layout, TenantAdmin};
use crate::db::imports::{self, ImportRun, ImportsIntegration, QueueRefusal};
use crate::domain::import_run::{Outcome, ReadMode, RunState, Trigger};
use crate::domain::integration::{IntegrationStatus, RunRequest};
use crate::error::{AppError, AppResult, render};
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/integrations/{id}/imports", get(page))
        .route("/admin/integrations/{id}/imports/now", post(import_now))
        .route("/admin/integrations/{id}/imports/backfill", post(backfill))
        .route("/admin/integrations/{id}/imports/status.json", get(status))
        .route(
            "/admin/integrations/{id}/imports/{run}/cancel",
            post(super::imports_cancel::cancel),
        )
}

/// Runs shown in the history.
const HISTORY: i64 = 50;
/// How far back Shopify returns orders without the `read_all_orders` scope.
pub const DAYS_WITHOUT_READ_ALL_ORDERS: i64 = 60;

/// A run as the page shows it, times in the tenant's time zone.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: i64,
    pub trigger: String,
    /// Read through a Shopify bulk export (not page by page).
    pub bulk: bool,
    pub window_from: String,
    pub window_to: String,
    pub started: String,
    pub finished: String,
    pub pages: i64,
    pub orders_read: i64,
    pub refunds_read: i64,
    pub orders_stored: i64,
    pub refunds_stored: i64,
    /// The stored word of `state`: the page's CSS class and the status poll's value.
    pub outcome: String,
    #[serde(skip)]
    pub state: RunState,
    pub error: String,
    /// What the run adapted to (e.g. smaller pages because Shopify priced them higher), one
    /// line each, in the reader's language.
    pub notes: Vec<String>,
    /// Whether an administrator asked to cancel the run (it stops at its next batch).
    pub cancel_requested: bool,
    pub percent: i64,
    /// `percent` as the language writes it (`45%` / `45 %`).
    pub percent_text: String,
    pub read_until: String,
    /// The counts as people read them, grouped for the language (`1,234 / 1,200`).
    pub pages_text: String,
    pub orders_text: String,
    pub refunds_text: String,
    /// The progress line of a running run, in the reader's language, with the time left.
    pub progress_text: String,
}

fn local(at: Option<i64>, tz: Tz) -> String {
    at.and_then(|s| DateTime::from_timestamp(s, 0))
        .map(|t| i18n::format_date_time(i18n::current(), t.with_timezone(&tz).naive_local()))
        .unwrap_or_default()
}

/// A stored note with its whole numbers grouped for the language (`1200 points` becomes
/// `1,200 points` / `1.200 puntos`). Only free-standing numbers: digits inside a word, an id
/// (`…/Order/12345`) or a decimal are left as they are.
fn group_numbers(lang: i18n::Lang, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let digits: String = chars[start..i].iter().collect();
        let before = start.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i).copied();
        let joined = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "/_-#".contains(c));
        let decimal = |c: Option<char>, next: Option<&char>| {
            matches!(c, Some('.' | ',')) && next.is_some_and(char::is_ascii_digit)
        };
        let attached = joined(before)
            || joined(after)
            || decimal(after, chars.get(i + 1))
            || (start >= 2 && decimal(before, chars.get(start - 2)));
        match digits.parse::<i64>() {
            Ok(n) if !attached && digits.len() > 3 => out.push_str(&i18n::format_integer(lang, n)),
            _ => out.push_str(&digits),
        }
    }
    out
}

/// A duration for people: `less than a minute`, `12 min`, `2 h 5 min`.
pub fn duration_text(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    if minutes <= 1 {
        return i18n::t("less than a minute");
    }
    if minutes < 60 {
        return i18n::fill(i18n::current(), "{} min", &[minutes.to_string()]);
    }
    i18n::fill(
        i18n::current(),
        "{} h {} min",
        &[(minutes / 60).to_string(), (minutes % 60).to_string()],
    )
}

/// The time a running run still needs at the pace measured so far: the share of its window
/// read in the time spent. None until there is a pace worth trusting (some of the window read
/// and at least ten seconds spent).
pub fn time_left(run: &ImportRun, now: i64) -> Option<i64> {
    let until = run.progress_until?;
    let done = until - run.window_from;
    let remaining = run.window_to - until;
    let spent = now - run.started_at;
    if done <= 0 || spent < 10 || remaining < 0 {
        return None;
    }
    i64::try_from(i128::from(spent) * i128::from(remaining) / i128::from(done)).ok()
}

pub(crate) fn progress_text(run: &ImportRun, tz: Tz, now: i64) -> String {
    let lang = i18n::current();
    if let Some(text) = super::imports_cancel::bulk_progress_text(run, lang) {
        return text;
    }
    let mut parts = vec![
        i18n::format_count(lang, run.pages, "page read", "pages read"),
        i18n::format_count(lang, run.orders_read, "order read", "orders read"),
        i18n::fill(
            lang,
            "{} counted in TMAS",
            &[i18n::format_integer(lang, run.orders_stored)],
        ),
    ];
    let until = local(run.progress_until, tz);
    if !until.is_empty() {
        parts.push(i18n::fill(lang, "complete up to {}", &[until]));
    }
    match time_left(run, now) {
        Some(left) if left < 60 => parts.push(i18n::t("less than a minute left")),
        Some(left) => parts.push(i18n::fill(lang, "about {} left", &[duration_text(left)])),
        None => {}
    }
    parts.join(", ")
}

pub(crate) fn trigger_label(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Schedule => "Scheduled",
        Trigger::Manual => "Import now",
        Trigger::Backfill => "Re-import of history",
        Trigger::Initial => "First import",
        Trigger::CatchUp => "Catch-up",
    }
}

/// The label of a stored outcome word the dashboard's totals carry (read through
/// `RunState`, so an unknown word is "Unknown").
pub(crate) fn outcome_label(stored: &str) -> &'static str {
    RunState::parse(stored).map_or("Unknown", run_state_label)
}

pub(crate) fn run_state_label(state: RunState) -> &'static str {
    match state {
        RunState::Running => "Running",
        RunState::Ended(Outcome::Succeeded) => "Succeeded",
        RunState::Ended(Outcome::Failed) => "Failed",
        RunState::Ended(Outcome::NeedsAttention) => "Needs attention",
    }
}

impl RunView {
    fn new(run: &ImportRun, tz: Tz) -> Self {
        let percent = super::imports_cancel::bulk_percent(run).unwrap_or_else(|| run.percent());
        RunView {
            id: run.id,
            trigger: trigger_label(run.trigger).to_string(),
            bulk: run.read_mode == ReadMode::Bulk,
            window_from: local(Some(run.window_from), tz),
            window_to: local(Some(run.window_to), tz),
            started: local(Some(run.started_at), tz),
            finished: local(run.finished_at, tz),
            pages: run.pages,
            orders_read: run.orders_read,
            refunds_read: run.refunds_read,
            orders_stored: run.orders_stored,
            refunds_stored: run.refunds_stored,
            outcome: run.outcome.as_str().to_string(),
            state: run.outcome,
            error: run.error.clone(),
            notes: run
                .note
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| group_numbers(i18n::current(), &i18n::t(l)))
                .collect(),
            cancel_requested: run.cancel_requested == 1,
            percent,
            percent_text: i18n::format_percent(i18n::current(), percent),
            read_until: local(run.progress_until, tz),
            pages_text: i18n::format_integer(i18n::current(), run.pages),
            orders_text: format!(
                "{} / {}",
                i18n::format_integer(i18n::current(), run.orders_read),
                i18n::format_integer(i18n::current(), run.orders_stored)
            ),
            refunds_text: format!(
                "{} / {}",
                i18n::format_integer(i18n::current(), run.refunds_read),
                i18n::format_integer(i18n::current(), run.refunds_stored)
            ),
            progress_text: progress_text(run, tz, crate::db::now()),
        }
    }

    pub fn outcome_label(&self) -> &'static str {
        run_state_label(self.state)
    }

    /// The run's error in the reader's language, without the HTTP status it carries.
    pub fn error_text(&self) -> String {
        i18n::plain_reason(i18n::current(), &i18n::split_support_detail(&self.error).0)
    }
    /// The technical detail of the run's error, for support only (English, internal).
    pub fn error_support(&self) -> Option<String> {
        i18n::split_support_detail(&self.error).1
    }
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    layout: Layout,
    integration: ImportsIntegration,
    schedule: String,
    next_run: String,
    imported_until: String,
    time_zone: String,
    running: Option<RunView>,
    queued: bool,
    runs: Vec<RunView>,
    notice: String,
    backfill_from: String,
    errors: FormErrors,
    has_all_orders: bool,
    earliest_without_scope: String,
    today: String,
    /// Orders earlier runs could not read, not counted until a run reads them.
    unreadable: Vec<UnreadableView>,
    /// Orders counted by their ledger that support should look at.
    to_check: Vec<UnreadableView>,
}

/// An order that could not be read, as the imports page lists it.
struct UnreadableView {
    name: String,
    id: String,
    problem: String,
    since: String,
}

impl ImportsPage {
    fn reason(&self) -> String {
        i18n::plain_reason(i18n::current(), &self.integration.status_reason)
    }

    /// The earliest backfill date as people read it.
    fn earliest_text(&self) -> String {
        NaiveDate::parse_from_str(&self.earliest_without_scope, "%Y-%m-%d")
            .map(|d| i18n::format_date(i18n::current(), d))
            .unwrap_or_default()
    }

    fn status_text(&self) -> &'static str {
        super::integration_state::status_now(self.integration.status, self.running.is_some())
    }
}

#[derive(Deserialize, Default)]
struct Notice {
    #[serde(default)]
    notice: String,
}

fn notice_text(code: &str) -> &'static str {
    match code {
        "cancel_requested" => {
            "Cancel requested: the import stops within a few seconds and its Shopify bulk export, if any, is canceled. Orders already written stay counted."
        }
        "not_running" => "That import is no longer running: nothing was canceled.",
        "queued" => "The import is queued and starts within a few seconds.",
        "running" => {
            "An import is already running: nothing new was started. Its progress is shown below."
        }
        "already_queued" => "An import is already queued: nothing new was started.",
        "backfill_queued" => {
            "The re-import of history is queued and starts within a few seconds. Imported hours are recomputed; nothing is counted twice."
        }
        _ => "",
    }
}

fn tenant_tz(admin: &TenantAdmin) -> Tz {
    admin.0.tenant.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

fn today_in(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

async fn load(
    state: &AppState,
    admin: &TenantAdmin,
    id: i64,
) -> AppResult<(ImportsIntegration, Vec<ImportRun>)> {
    let tenant = admin.0.tenant_id();
    let integration = imports::integration(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let runs = imports::runs(&state.db, tenant, id, HISTORY).await?;
    Ok((integration, runs))
}

async fn render_page(
    state: &AppState,
    admin: &TenantAdmin,
    id: i64,
    notice: &str,
    backfill_from: String,
    errors: FormErrors,
) -> AppResult<Response> {
    let (integration, runs) = load(state, admin, id).await?;
    let tz = tenant_tz(admin);
    let today = today_in(tz);
    let views: Vec<RunView> = runs.iter().map(|r| RunView::new(r, tz)).collect();
    let unreadable = crate::db::unreadable::for_integration(&state.db, admin.0.tenant_id(), id)
        .await?
        .into_iter()
        .map(|u| UnreadableView {
            name: u.order_name,
            id: u.shopify_order_id,
            problem: u.problem,
            since: local(Some(u.first_seen_at), tz),
        })
        .collect();
    let to_check = crate::db::order_checks::for_integration(&state.db, admin.0.tenant_id(), id)
        .await?
        .into_iter()
        .map(|c| UnreadableView {
            name: c.order_name,
            id: c.shopify_order_id,
            problem: c.problem,
            since: local(Some(c.first_seen_at), tz),
        })
        .collect();
    let now = crate::db::now();
    let running = views
        .iter()
        .find(|r| r.state.is_running())
        .filter(|_| integration.lease_until.is_some_and(|l| l >= now))
        .cloned();
    let queued = running.is_none()
        && integration.status == IntegrationStatus::Active
        && integration.next_run_at.is_some_and(|n| n <= now);
    let schedule = integration.schedule.describe();
    let status = errors.status();
    let page = render(&ImportsPage {
        layout: admin.0.layout(state).await?,
        schedule,
        next_run: local(integration.next_run_at, tz),
        imported_until: local(integration.watermark, tz),
        time_zone: tz.name().to_string(),
        running,
        queued,
        runs: views,
        notice: notice_text(notice).to_string(),
        backfill_from,
        errors,
        has_all_orders: integration.has_scope("read_all_orders"),
        earliest_without_scope: (today - Duration::days(DAYS_WITHOUT_READ_ALL_ORDERS))
            .format("%Y-%m-%d")
            .to_string(),
        today: today.format("%Y-%m-%d").to_string(),
        unreadable,
        to_check,
        integration,
    })?;
    Ok((status, page).into_response())
}

async fn page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> AppResult<Response> {
    let default_from = (today_in(tenant_tz(&admin)) - Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    render_page(
        &state,
        &admin,
        id,
        &notice.notice,
        default_from,
        FormErrors::default(),
    )
    .await
}

fn refusal_notice(refusal: &QueueRefusal) -> Result<&'static str, AppError> {
    match refusal {
        QueueRefusal::NotFound => Err(AppError::NotFound),
        QueueRefusal::Running => Ok("running"),
        QueueRefusal::AlreadyQueued => Ok("already_queued"),
        QueueRefusal::NotActive { .. } => Ok("inactive"),
    }
}

fn inactive_message(integration: &ImportsIntegration) -> String {
    match integration.status {
        // The reason in the reader's words without its HTTP status; the sentence around it
        // is translated when shown and keeps it as it is.
        IntegrationStatus::Attention => format!(
            "This integration needs attention, so imports are stopped: {} Save new credentials in the integration to resume.",
            i18n::plain_reason(i18n::current(), &integration.status_reason)
        ),
        IntegrationStatus::Draft => "Finish setting up this integration before importing.".into(),
        _ => "This integration is deactivated; activate it before importing.".into(),
    }
}

async fn import_now(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    match imports::queue_run(&state.db, tenant, id, RunRequest::Manual, None).await? {
        Ok(()) => {
            admin
                .0
                .audit(
                    &state,
                    "import.now",
                    &Details::new().subject(Value::Integration(id)).to_stored(),
                )
                .await?;
            Ok(
                Redirect::to(&format!("/admin/integrations/{id}/imports?notice=queued"))
                    .into_response(),
            )
        }
        Err(QueueRefusal::NotActive { .. }) => {
            let (integration, _) = load(&state, &admin, id).await?;
            let mut errors = FormErrors::default();
            errors.add("import_now", inactive_message(&integration));
            render_page(&state, &admin, id, "", String::new(), errors).await
        }
        Err(refusal) => {
            let notice = refusal_notice(&refusal)?;
            Ok(
                Redirect::to(&format!("/admin/integrations/{id}/imports?notice={notice}"))
                    .into_response(),
            )
        }
    }
}

#[derive(Deserialize, Default)]
struct BackfillForm {
    #[serde(default)]
    backfill_from: String,
}

/// The date a backfill starts from, or why it cannot. Dates in the messages are written as
/// the reader's language writes them; the expected input stays the date field's own format.
fn parse_backfill(text: &str, today: NaiveDate, has_all_orders: bool) -> Result<NaiveDate, String> {
    let lang = i18n::current();
    let day = |d: NaiveDate| i18n::format_date(lang, d);
    let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") else {
        return Err(format!(
            "Enter the date to import from as YYYY-MM-DD (for example {}), not {:?}.",
            today.format("%Y-%m-%d"),
            text.trim()
        ));
    };
    if date > today {
        return Err(format!(
            "The date to import from cannot be in the future (today is {}).",
            day(today)
        ));
    }
    let earliest = today - Duration::days(DAYS_WITHOUT_READ_ALL_ORDERS);
    if !has_all_orders && date < earliest {
        return Err(format!(
            "Without the read_all_orders access scope Shopify returns only the last 60 days of orders, so an import from {} would silently stop at {}. Choose {} or later, or add the read_all_orders scope to the app in Shopify and try again.",
            day(date),
            day(earliest),
            day(earliest)
        ));
    }
    if date < NaiveDate::from_ymd_opt(2006, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err("Shopify holds no orders from before 2006; choose a later date.".into());
    }
    Ok(date)
}

async fn backfill(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<BackfillForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let (integration, _) = load(&state, &admin, id).await?;
    let today = today_in(tenant_tz(&admin));
    let date = match parse_backfill(
        &form.backfill_from,
        today,
        integration.has_scope("read_all_orders"),
    ) {
        Ok(date) => date,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("backfill_from", message);
            return render_page(&state, &admin, id, "", form.backfill_from, errors).await;
        }
    };
    match imports::queue_run(&state.db, tenant, id, RunRequest::Backfill, Some(date)).await? {
        Ok(()) => {
            admin
                .0
                .audit(
                    &state,
                    "import.backfill",
                    // The range re-imported: from the chosen day to the day it was asked for,
                    // both in the tenant's time zone.
                    &Details::new()
                        .subject(Value::Integration(id))
                        .fact("From", Value::Date(date.format("%Y-%m-%d").to_string()))
                        .fact("To", Value::Date(today.format("%Y-%m-%d").to_string()))
                        .to_stored(),
                )
                .await?;
            Ok(Redirect::to(&format!(
                "/admin/integrations/{id}/imports?notice=backfill_queued"
            ))
            .into_response())
        }
        Err(QueueRefusal::NotActive { .. }) => {
            let mut errors = FormErrors::default();
            errors.add("backfill_from", inactive_message(&integration));
            render_page(&state, &admin, id, "", form.backfill_from, errors).await
        }
        Err(refusal) => {
            let notice = refusal_notice(&refusal)?;
            Ok(
                Redirect::to(&format!("/admin/integrations/{id}/imports?notice={notice}"))
                    .into_response(),
            )
        }
    }
}

/// What the page's script polls while a run is in progress.
#[derive(Debug, Serialize)]
struct Status {
    status: String,
    status_reason: String,
    running: Option<RunView>,
    queued: bool,
    latest: Option<RunView>,
}

async fn status(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let integration = imports::integration(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let runs = imports::runs(&state.db, tenant, id, 1).await?;
    let tz = tenant_tz(&admin);
    let now = crate::db::now();
    let latest = runs.first().map(|r| RunView::new(r, tz));
    let running = latest
        .clone()
        .filter(|r| r.state.is_running() && integration.lease_until.is_some_and(|l| l >= now));
    Ok(Json(Status {
        queued: running.is_none()
            && integration.status == IntegrationStatus::Active
            && integration.next_run_at.is_some_and(|n| n <= now),
        status: integration.status.to_string(),
        status_reason: integration.status_reason,
        running,
        latest,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backfill_dates_follow_the_sixty_day_rule() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        assert!(parse_backfill("2026-10-01", today, false).is_ok());
        let err = parse_backfill("2026-08-01", today, false).expect_err("too far back");
        assert!(
            err.contains("read_all_orders") && err.contains("Sep 30, 2026"),
            "{err}"
        );
        assert!(parse_backfill("2026-08-01", today, true).is_ok());
        assert!(parse_backfill("2026-12-01", today, true).is_err());
        assert!(parse_backfill("01/08/2026", today, true).is_err());
    }

    fn run(started: i64, from: i64, to: i64, until: Option<i64>) -> ImportRun {
        ImportRun {
            id: 1,
            integration_id: 1,
            trigger: Trigger::Initial,
            window_from: from,
            window_to: to,
            started_at: started,
            finished_at: None,
            pages: 50,
            orders_read: 1400,
            refunds_read: 0,
            orders_stored: 1234,
            refunds_stored: 0,
            outcome: RunState::Running,
            error: String::new(),
            worker: String::new(),
            progress_until: until,
            note: String::new(),
            read_mode: ReadMode::Paged,
            bulk_phase: crate::domain::import_run::BulkPhase::Idle,
            bulk_objects: 0,
            bulk_orders_done: 0,
            bulk_orders_total: 0,
            cancel_requested: 0,
        }
    }

    #[test]
    fn notes_group_free_standing_numbers_only() {
        let note = "Shopify priced a page of 250 orders at 1200 points (limit 1000); \
                    order #10045, gid://shopify/Order/123456 and 12.3456 stay";
        assert_eq!(
            group_numbers(i18n::Lang::En, note),
            "Shopify priced a page of 250 orders at 1,200 points (limit 1,000); \
             order #10045, gid://shopify/Order/123456 and 12.3456 stay"
        );
        assert_eq!(
            group_numbers(i18n::Lang::Es, "1200 puntos, límite 1000"),
            "1.200 puntos, límite 1.000"
        );
    }

    #[test]
    fn time_left_comes_from_the_measured_pace() {
        // A quarter of 90 days read in 60 s: 180 s left.
        let day = 86_400;
        let r = run(1_000, 0, 90 * day, Some(90 * day / 4));
        assert_eq!(time_left(&r, 1_060), Some(180));
        assert_eq!(duration_text(180), "3 min");
        assert_eq!(duration_text(20), "less than a minute");
        let soon = run(1_000, 0, 90 * day, Some(89 * day));
        assert!(progress_text(&soon, chrono_tz::UTC, 1_060).ends_with(", less than a minute left"));
        assert_eq!(duration_text(3 * 3600 + 300), "3 h 5 min");
        // Nothing read yet, or too soon to tell: no estimate.
        assert_eq!(time_left(&run(1_000, 0, day, None), 1_060), None);
        assert_eq!(time_left(&run(1_000, 0, day, Some(10)), 1_005), None);
        let text = progress_text(&r, chrono_tz::UTC, 1_060);
        assert!(
            text.starts_with("50 pages read, 1,400 orders read, 1,234 counted in TMAS, complete up to Jan 23, 1970, 12:00")
                && text.ends_with("about 3 min left"),
            "{text}"
        );
    }
}
