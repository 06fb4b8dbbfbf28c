//! The dashboard at `/`: today, yesterday, week to date and month to date per location and in
//! total, each against its comparable period; a store ranking; an hourly chart of today with
//! last week's same weekday as a reference line, and a daily chart of the last 30 days; and the
//! state of each POS integration with what the reader can do about it. Every number is a sum of
//! `hourly_totals` (days read from `daily_totals`, which holds them summed).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use super::AppState;
use super::cached_page::{CachedPage, shared_layout};
use super::charts::{Bar, BarChart};
use super::completeness::{
    Completeness, HistoryImports, LocationCompleteness, history_imports, overall, shared_point,
};
use super::context::{Layout, TenantUser};
use super::coverage::{TenantCoverage, data_from_text, mark_bars, row_mark};
use super::dashboard_tiles::{KpiTiles, LeadPeriod, PeriodSums};
use super::figures::{
    ChangeCoverage, ChangeView, RowView, change_view_covered, row_view, span_sums,
};
use super::integration_state::status_now;
use super::reports::ReportScope;
use super::traffic::card::{CardPeriod, RankTraffic, rank_traffic};
use crate::db::totals::IntegrationState;
use crate::domain::coverage::Covered;
use crate::domain::integration::IntegrationStatus;
use crate::domain::periods::{DashboardPeriod, Span, local_date_and_hour};
use crate::domain::report::{DateRange, Totals};
use crate::domain::traffic::TrafficSums;
use crate::error::{AppResult, render};
use crate::i18n::{self, Lang};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(page))
}

/// One period's card: the headline, its change, and a row per location and the total.
pub struct PeriodView {
    pub title: &'static str,
    pub completeness: Completeness,
    /// Why the card is incomplete ("history imported up to …"); empty when complete.
    pub completeness_text: String,
    pub range_text: String,
    pub compare_text: String,
    pub change: ChangeView,
    pub transactions_text: String,
    pub rows: Vec<RowView>,
    /// Each row's change of net sales against the comparable period (a phone shows it).
    pub row_changes: Vec<ChangeView>,
    pub total: RowView,
    /// Locations with no source of data and nothing in the period: named, not shown as 0.00.
    pub unsourced: Vec<String>,
    /// The card's sums, for the KPI tiles.
    pub sums: PeriodSums,
    /// No shown location has data for any of the period: "no data", never 0.00.
    pub no_data: bool,
    /// Where the data starts (`data from Oct 5, 2026`) when the period begins before it.
    pub data_from: String,
}

impl PeriodView {
    pub fn is_pending(&self) -> bool {
        self.completeness == Completeness::Pending
    }
    pub fn is_partial(&self) -> bool {
        self.completeness == Completeness::Partial
    }
    /// Each location's row beside its change.
    pub fn store_rows(&self) -> impl Iterator<Item = (&RowView, &ChangeView)> {
        self.rows.iter().zip(&self.row_changes)
    }
}

/// The KPI tiles of the lead card, the first one (today).
fn lead_tiles(scope: &ReportScope, periods: &[PeriodView]) -> Option<KpiTiles> {
    let p = periods.first()?;
    let period = LeadPeriod {
        title: p.title,
        range_text: &p.range_text,
        compare_text: &p.compare_text,
        completeness: p.completeness,
        completeness_text: &p.completeness_text,
    };
    Some(KpiTiles::new(scope, period, p.sums))
}

/// A store's place in the week's ranking.
pub struct RankView {
    pub rank: usize,
    pub name: String,
    pub net: String,
    pub change: ChangeView,
    /// `imported up to …` while the store's history is being imported; empty when complete.
    pub incomplete: String,
    /// Nothing of the week imported yet: the amount is not shown.
    pub pending: bool,
    /// The week's traffic and conversion (shown when the tenant's counters report).
    pub traffic: RankTraffic,
}

pub struct IntegrationView {
    pub id: i64,
    pub label: String,
    pub status: IntegrationStatus,
    pub status_text: &'static str,
    pub status_reason: String,
    pub last_import: String,
    pub last_outcome: &'static str,
    pub next_import: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    has_locations: bool,
    /// The plan lets the tenant connect Shopify (a basic plan enters data by hand).
    plan_has_pos: bool,
    imports: Vec<super::completeness::ImportBanner>,
    today_text: String,
    /// The lead period's KPI tiles, first on the page.
    tiles: Option<KpiTiles>,
    periods: Vec<PeriodView>,
    ranking: Vec<RankView>,
    ranking_compare: String,
    hourly: BarChart,
    hourly_legend: String,
    daily: BarChart,
    integrations: Vec<IntegrationView>,
    /// Hours shown here that miss an order no import could read yet.
    uncounted: Vec<super::uncounted::UncountedHour>,
    /// The periods' traffic and conversion; empty for a tenant without counters.
    traffic: Vec<super::traffic::card::TrafficRowView>,
    /// "Checked against Shopify: …", rendered by the reconciliation module.
    reconciliation: String,
    /// Staff hours were reported: the shoppers-per-staff-hour tile is shown.
    traffic_staffed: bool,
    /// Today's traffic beside its sales transactions, by hour; None without counters.
    hourly_traffic: Option<BarChart>,
}

fn local_time(at: Option<i64>, tz: Tz) -> String {
    at.and_then(|s| DateTime::from_timestamp(s, 0))
        .map(|t| i18n::format_date_time(i18n::current(), t.with_timezone(&tz).naive_local()))
        .unwrap_or_default()
}

fn integration_view(i: IntegrationState, tz: Tz, running: &[i64]) -> IntegrationView {
    IntegrationView {
        id: i.id,
        label: if i.label.is_empty() {
            i.store_name.clone()
        } else {
            i.label.clone()
        },
        status_text: status_now(i.status, running.contains(&i.id)),
        status: i.status,
        status_reason: i18n::plain_reason(i18n::current(), &i.status_reason),
        last_import: local_time(i.last_finished_at.or(i.last_started_at), tz),
        last_outcome: i
            .last_outcome
            .as_deref()
            .map(super::imports::outcome_label)
            .unwrap_or(""),
        next_import: local_time(i.next_run_at, tz),
    }
}

/// The stores by net sales over the week so far. A store whose history is still being imported
/// carries the mark instead of a change (its partial week compared with a whole one would
/// mislead); one with nothing of the week imported yet shows that instead of 0.00.
fn rank_stores(
    cx: &CardContext<'_>,
    (range, span): (DateRange, Span),
    now: &BTreeMap<i64, Totals>,
    before: &BTreeMap<i64, Totals>,
    traffic: &BTreeMap<i64, TrafficSums>,
) -> Vec<RankView> {
    let (scope, history, coverage, instant) = (cx.scope, cx.history, cx.coverage, cx.instant);
    let lang = i18n::current();
    let mut ranked: Vec<(i64, String, ChangeView, String, bool, RankTraffic)> = scope
        .locations
        .iter()
        .map(|l| {
            let net = now.get(&l.id).map_or(0, |t| t.net);
            let was = before.get(&l.id).map_or(0, |t| t.net);
            let done = history.location(l.id, range, instant, scope.tz);
            let change = if done.is_complete() {
                change_view_covered(
                    (net, coverage.of_dates(l.id, range)),
                    (was, coverage.of_span(l.id, span)),
                    coverage.data_from_after(&[l.id], span_start(span).unwrap_or(range.from)),
                    coverage.tz_of(&[l.id]).unwrap_or(scope.tz),
                )
            } else {
                ChangeView {
                    class: "none",
                    arrow: "",
                    text: i18n::t("not comparable yet"),
                    note: String::new(),
                }
            };
            (
                net,
                format!("{} · {}", l.location_id, l.name),
                change,
                done.mark(lang, scope.tz),
                done.is_pending(),
                rank_traffic(lang, &traffic.get(&l.id).copied().unwrap_or_default()),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .enumerate()
        .map(
            |(i, (net, name, change, incomplete, pending, traffic))| RankView {
                rank: i + 1,
                name,
                net: scope.amount(net),
                change,
                incomplete,
                pending,
                traffic,
            },
        )
        .collect()
}

/// `Sun, Nov 22` / `dom 22 nov`.
fn weekday_day(lang: Lang, date: NaiveDate) -> String {
    let weekday = i18n::weekday_short(lang, date.weekday());
    match lang {
        Lang::En => format!("{weekday}, {}", i18n::format_day_month(lang, date)),
        Lang::Es => format!("{weekday} {}", i18n::format_day_month(lang, date)),
    }
}

fn range_text(lang: Lang, range: DateRange) -> String {
    if range.from == range.to {
        weekday_day(lang, range.from)
    } else {
        format!(
            "{} – {}",
            i18n::format_day_month(lang, range.from),
            i18n::format_day_month(lang, range.to)
        )
    }
}

/// The first day a span sums.
fn span_start(span: Span) -> Option<NaiveDate> {
    span.days.map(|d| d.from).or(span.partial.map(|(d, _)| d))
}

/// What a card is compared with, in words: `vs Sun, Nov 22, 00:00–15:59`.
fn span_text(lang: Lang, span: Span) -> String {
    let first = span.days.map(|d| d.from).or(span.partial.map(|(d, _)| d));
    let last = span.partial.map(|(d, _)| d).or(span.days.map(|d| d.to));
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let dates = range_text(
        lang,
        DateRange {
            from: first,
            to: last,
        },
    );
    match span.partial {
        // Written as a span of past hours: "until 09:59" read as a time still to come.
        Some((_, hour)) if first == last => {
            i18n::fill(lang, "vs {}, 00:00–{}", &[dates, format!("{hour:02}:59")])
        }
        Some((_, hour)) => i18n::fill(
            lang,
            "vs {} (last day 00:00–{})",
            &[dates, format!("{hour:02}:59")],
        ),
        None => i18n::fill(lang, "vs {}", &[dates]),
    }
}

/// Everything besides the tenant's data, version and local hour that the dashboard's body
/// varies on: the language, what the reader's role shows, the tenant's own settings. The CSRF
/// token and the reader's email are filled in per request ([`CachedPage`]).
fn page_key(lang: Lang, layout: &Layout, tenant: &crate::db::tenants::Tenant) -> String {
    format!(
        "page dashboard\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        lang.code(),
        layout.role.as_str(),
        layout.acting,
        tenant.plan,
        tenant.time_zone,
        tenant.name,
    )
}

async fn page(State(state): State<AppState>, user: TenantUser) -> AppResult<Response> {
    let lang = i18n::current();
    let layout = user.layout(&state).await?;
    let key = page_key(lang, &layout, &user.tenant);
    // The version was read with the user: a page kept under it shows every change committed
    // before this request.
    let totals = state.totals_cache.tenant_at(
        &state.db,
        user.tenant_id(),
        &user.tenant.time_zone,
        user.current.data_version,
    );
    if let Some(kept) = totals.kept::<CachedPage>(&key) {
        return Ok(Html(kept.fill(&layout)).into_response());
    }
    let (html, cacheable) = render_page(&state, &user, shared_layout(&layout)).await?;
    let page = CachedPage::new(&html);
    let body = page.fill(&layout);
    if cacheable {
        let bytes = page.bytes();
        totals.keep(key, std::sync::Arc::new(page), bytes);
    }
    Ok(Html(body).into_response())
}

/// The dashboard rendered with `layout`, and whether it may be kept for later requests: not
/// while a history import is under way (its progress and what it has reached move with the
/// clock, not only with the data version), nor when the local hour turned while rendering.
async fn render_page(
    state: &AppState,
    user: &TenantUser,
    layout: Layout,
) -> AppResult<(String, bool)> {
    let lang = i18n::current();
    let scope = ReportScope::load(state, user).await?;
    let tz = scope.tz;
    let today = scope.today;
    let (_, hour) = local_date_and_hour(chrono::Utc::now(), tz);
    let thirty = thirty_days(today);
    let states = scope.totals.integration_states().await?.as_ref().clone();
    let now_instant = crate::db::now();
    let history = history_imports(&scope.totals, &states, tz).await?;
    // With Shopify connected, a location no integration imports has no data but what is
    // entered by hand; without any activity it is named as such rather than shown as 0.00.
    let imported = scope.totals.imported_locations().await?;
    let uses_pos = states.iter().any(|i| i.status != IntegrationStatus::Draft);
    let ids: Vec<i64> = scope.locations.iter().map(|l| l.id).collect();
    let (has_traffic, traffic_staffed) =
        crate::db::traffic::presence(&state.db, user.tenant_id()).await?;
    let coverage = scope.coverage(&state.db, user.tenant_id()).await?;
    let cx = CardContext {
        scope: &scope,
        history: &history,
        imported: &imported,
        uses_pos,
        instant: now_instant,
        coverage: &coverage,
    };
    let cards = cards(state, user, &cx, &ids, hour, has_traffic).await?;
    let (traffic, hourly_traffic) = traffic_views(
        state,
        user,
        &scope,
        &ids,
        hour,
        &cards.card_periods,
        has_traffic,
    )
    .await?;
    let (hourly, hourly_legend, daily) =
        sales_charts(&scope, &ids, &coverage, (today, hour), thirty).await?;
    let (integrations, running) = integration_views(state, user, states, tz, now_instant).await?;

    let shown = shown_range(today, thirty);
    let uncounted = super::uncounted::hours(&scope.totals, &scope.locations, &shown).await?;
    // Nor while a run runs: its lease may run out with no write that would change the version.
    let cacheable =
        !history.any() && running.is_empty() && scope.totals.local_hour() == (today, hour);
    let reconciliation = super::integrations::reconciliation::dashboard_badge(
        &state.db,
        user.tenant_id(),
        layout.can_administer(),
    )
    .await?;
    let html = render(&DashboardPage {
        reconciliation,
        uncounted,
        layout,
        has_locations: !scope.locations.is_empty(),
        plan_has_pos: user.tenant.plan().allows_pos_integration(),
        imports: history.banners,
        today_text: i18n::format_weekday_date(lang, today),
        tiles: lead_tiles(&scope, &cards.periods),
        periods: cards.periods,
        ranking: cards.ranking,
        ranking_compare: cards.ranking_compare,
        hourly,
        hourly_legend,
        daily,
        integrations,
        traffic,
        traffic_staffed,
        hourly_traffic,
    })?;
    Ok((html.0, cacheable))
}

/// What every period card reads besides its own sums.
struct CardContext<'a> {
    scope: &'a ReportScope,
    history: &'a HistoryImports,
    /// Locations some integration imports.
    imported: &'a [i64],
    /// Shopify is connected: a location nothing imports is named, not shown as 0.00.
    uses_pos: bool,
    instant: i64,
    /// Which stretch of time each location's data covers.
    coverage: &'a TenantCoverage,
}

/// The period cards, the week's store ranking with its words of comparison, and what the
/// traffic card needs of each period.
struct Cards {
    periods: Vec<PeriodView>,
    ranking: Vec<RankView>,
    ranking_compare: String,
    card_periods: Vec<CardPeriod>,
}

/// Builds the cards period by period. Sums come from the database per location and period,
/// per day and per hour: a few hundred rows instead of every location's days and hours.
async fn cards(
    state: &AppState,
    user: &TenantUser,
    cx: &CardContext<'_>,
    ids: &[i64],
    hour: u32,
    has_traffic: bool,
) -> AppResult<Cards> {
    let lang = i18n::current();
    let today = cx.scope.today;
    let mut out = Cards {
        periods: Vec::with_capacity(DashboardPeriod::ALL.len()),
        ranking: Vec::new(),
        ranking_compare: String::new(),
        card_periods: Vec::with_capacity(DashboardPeriod::ALL.len()),
    };
    for period in DashboardPeriod::ALL {
        let range = period.range(today);
        let now = span_sums(&cx.scope.totals, ids, Span::days(range.from, range.to)).await?;
        let span = period.comparable(today, hour);
        let before = span_sums(&cx.scope.totals, ids, span).await?;
        let (card, card_period) = period_card(cx, period, range, span, &now, &before)?;
        if period == DashboardPeriod::WeekToDate {
            let traffic = if has_traffic {
                super::traffic::card::span_sums(
                    &state.db,
                    user.tenant_id(),
                    Span::days(range.from, range.to),
                )
                .await?
            } else {
                BTreeMap::new()
            };
            out.ranking = rank_stores(cx, (range, span), &now, &before, &traffic);
            out.ranking_compare = span_text(lang, span);
        }
        out.card_periods.push(card_period);
        out.periods.push(card);
    }
    Ok(out)
}

/// One period's card, and what the traffic card needs of the period.
fn period_card(
    cx: &CardContext<'_>,
    period: DashboardPeriod,
    range: DateRange,
    span: Span,
    now: &BTreeMap<i64, Totals>,
    before: &BTreeMap<i64, Totals>,
) -> AppResult<(PeriodView, CardPeriod)> {
    let lang = i18n::current();
    let scope = cx.scope;
    let CardRows {
        rows,
        row_changes,
        unsourced,
        states_shown,
        total,
        total_before,
        shown,
    } = card_rows(cx, (range, span), now, before)?;
    let covered_now = cx.coverage.of_dates_all(&shown, range);
    // The card's change, and the KPI tiles built from it, say where the data falls short.
    let coverage = ChangeCoverage {
        now: covered_now,
        before: cx.coverage.of_span_all(&shown, span),
        data_from: cx
            .coverage
            .data_from_after(&shown, span_start(span).unwrap_or(range.from)),
        tz: cx.coverage.tz_of(&shown).unwrap_or(scope.tz),
    };
    let mut state_now = overall(&states_shown);
    // A card shows nothing but "not imported yet" only when no row has anything to show.
    if state_now == Completeness::Pending && rows.iter().any(|r| !r.pending) {
        state_now = Completeness::Partial;
    }
    let completeness_text = completeness_text(lang, state_now, &states_shown, scope.tz);
    let card_period = CardPeriod {
        period,
        compare_text: span_text(lang, span),
        comparable: state_now == Completeness::Complete,
    };
    let mut total_row = row_view(scope, "Total".into(), &total);
    if state_now != Completeness::Complete {
        total_row.incomplete = i18n::t("incomplete");
    }
    total_row.no_data = !shown.is_empty() && covered_now.is_not();
    let card = PeriodView {
        title: period.title(),
        completeness: state_now,
        completeness_text,
        range_text: range_text(lang, range),
        compare_text: span_text(lang, span),
        change: coverage.change(total.net, total_before.net),
        transactions_text: i18n::format_count(
            lang,
            total.transactions,
            "transaction",
            "transactions",
        ),
        rows,
        row_changes,
        total: total_row,
        unsourced,
        sums: PeriodSums {
            now: total,
            before: total_before,
            coverage,
        },
        no_data: !shown.is_empty() && covered_now.is_not(),
        data_from: match cx.coverage.data_from_after(&shown, range.from) {
            Some(day) if !covered_now.is_fully() => data_from_text(lang, day),
            _ => String::new(),
        },
    };
    Ok((card, card_period))
}

/// A card's row per location, the locations named instead of shown, how complete each shown
/// imported location is, and the totals of the period and of its comparable one.
struct CardRows {
    rows: Vec<RowView>,
    row_changes: Vec<ChangeView>,
    unsourced: Vec<String>,
    states_shown: Vec<LocationCompleteness>,
    total: Totals,
    total_before: Totals,
    /// The locations given a row.
    shown: Vec<i64>,
}

fn card_rows(
    cx: &CardContext<'_>,
    (range, span): (DateRange, Span),
    now: &BTreeMap<i64, Totals>,
    before: &BTreeMap<i64, Totals>,
) -> AppResult<CardRows> {
    let lang = i18n::current();
    let scope = cx.scope;
    let mut out = CardRows {
        rows: Vec::new(),
        row_changes: Vec::new(),
        unsourced: Vec::new(),
        states_shown: Vec::new(),
        total: Totals::default(),
        total_before: Totals::default(),
        shown: Vec::new(),
    };
    // Each location is as complete as the history import that feeds it.
    for l in &scope.locations {
        let t = now.get(&l.id).copied().unwrap_or_default();
        let name = format!("{} · {}", l.location_id, l.name);
        if cx.uses_pos && !cx.imported.contains(&l.id) && t.is_empty() {
            out.unsourced.push(name);
            continue;
        }
        let done = cx.history.location(l.id, range, cx.instant, scope.tz);
        out.total.add(&t)?;
        let was = before.get(&l.id).copied().unwrap_or_default();
        out.total_before.add(&was)?;
        let covered = cx.coverage.of_dates(l.id, range);
        out.row_changes.push(change_view_covered(
            (t.net, covered),
            (was.net, cx.coverage.of_span(l.id, span)),
            cx.coverage
                .data_from_after(&[l.id], span_start(span).unwrap_or(range.from)),
            cx.coverage.tz_of(&[l.id]).unwrap_or(scope.tz),
        ));
        let mut row = row_view(scope, name, &t);
        row.incomplete = done.mark(lang, scope.tz);
        row.pending = done.is_pending();
        row.no_data = !row.pending && covered.is_not();
        if row.incomplete.is_empty() {
            let tz = cx.coverage.tz_of(&[l.id]).unwrap_or(scope.tz);
            row.incomplete = row_mark(lang, covered, tz);
        }
        out.rows.push(row);
        out.shown.push(l.id);
        // Only what an import feeds can be incomplete; a store kept by hand never is.
        if cx.imported.contains(&l.id) {
            out.states_shown.push(done);
        }
    }
    Ok(out)
}

/// Why a card is incomplete, in words; empty when it is complete.
fn completeness_text(
    lang: Lang,
    state_now: Completeness,
    states_shown: &[LocationCompleteness],
    tz: Tz,
) -> String {
    match (state_now, shared_point(states_shown)) {
        (Completeness::Complete, _) => String::new(),
        (Completeness::Pending, _) => i18n::t("The import has not reached these days yet."),
        (Completeness::Partial, Some(Some(until))) => i18n::fill(
            lang,
            "Incomplete: history imported up to {}",
            &[local_time(Some(until), tz)],
        ),
        (Completeness::Partial, _) => {
            i18n::t("Incomplete: the locations marked below are still being imported.")
        }
    }
}

/// The traffic card's rows and today's traffic chart; nothing for a tenant without counters.
async fn traffic_views(
    state: &AppState,
    user: &TenantUser,
    scope: &ReportScope,
    ids: &[i64],
    hour: u32,
    card_periods: &[CardPeriod],
    has_traffic: bool,
) -> AppResult<(Vec<super::traffic::card::TrafficRowView>, Option<BarChart>)> {
    if !has_traffic {
        return Ok((Vec::new(), None));
    }
    let today = scope.today;
    let rows = super::traffic::card::rows(
        state,
        user.tenant_id(),
        ids,
        (today, hour),
        card_periods,
        (scope.digits, &scope.currency),
    )
    .await?;
    let chart = hourly_traffic_chart(state, user, ids, today, hour).await?;
    Ok((rows, Some(chart)))
}

/// The 30 days of the daily chart, today the last.
fn thirty_days(today: NaiveDate) -> DateRange {
    DateRange {
        from: today - Duration::days(29),
        to: today,
    }
}

/// Each integration's state as shown, and the integrations whose run is under way now.
async fn integration_views(
    state: &AppState,
    user: &TenantUser,
    states: Vec<IntegrationState>,
    tz: Tz,
    instant: i64,
) -> AppResult<(Vec<IntegrationView>, Vec<i64>)> {
    // Read afresh, not from the cache: a lease runs out with no write to mark it.
    let running = crate::db::integrations::running(&state.db, user.tenant_id(), instant).await?;
    let integrations = states
        .into_iter()
        .map(|i| integration_view(i, tz, &running))
        .collect();
    Ok((integrations, running))
}

/// Every hour this page sums: from the earliest period (a card's or the 30 days of the chart)
/// to today.
fn shown_range(today: NaiveDate, thirty: DateRange) -> DateRange {
    DateRange {
        from: DashboardPeriod::ALL
            .iter()
            .map(|p| p.range(today).from)
            .fold(thirty.from, NaiveDate::min),
        to: today,
    }
}

/// Marks the hours of today's chart and the days of the 30-day chart that lie outside the
/// data, as such rather than as empty bars; hours still to come are simply empty.
fn mark_chart_coverage(
    coverage: &TenantCoverage,
    ids: &[i64],
    (today, hour): (NaiveDate, u32),
    (hourly, daily): (&mut BarChart, &mut BarChart),
) {
    let hours: Vec<Covered> = (0..24)
        .map(|h| {
            if h <= hour {
                coverage.of_hour_all(ids, today, h)
            } else {
                Covered::Fully
            }
        })
        .collect();
    mark_bars(hourly, &hours);
    let thirty = thirty_days(today);
    let days: Vec<Covered> = (0..30)
        .map(|i| {
            let day = thirty.from + Duration::days(i);
            coverage.of_dates_all(ids, DateRange { from: day, to: day })
        })
        .collect();
    mark_bars(daily, &days);
}

/// Today's net sales by hour, with the same weekday last week as a dashed line, and the
/// legend that says so.
/// Today's sales by hour and the last 30 days', each marked where the data falls short.
async fn sales_charts(
    scope: &ReportScope,
    ids: &[i64],
    coverage: &TenantCoverage,
    (today, hour): (NaiveDate, u32),
    thirty: DateRange,
) -> AppResult<(BarChart, String, BarChart)> {
    let (mut hourly, legend) = hourly_sales_chart(scope, ids, today, hour).await?;
    let mut daily = daily_sales_chart(scope, ids, thirty).await?;
    mark_chart_coverage(coverage, ids, (today, hour), (&mut hourly, &mut daily));
    Ok((hourly, legend, daily))
}

async fn hourly_sales_chart(
    scope: &ReportScope,
    ids: &[i64],
    today: NaiveDate,
    hour: u32,
) -> AppResult<(BarChart, String)> {
    let lang = i18n::current();
    let week_ago = today - Duration::days(7);
    let by_hour = |rows: Vec<(i64, i64)>| {
        let mut per_hour = [0_i64; 24];
        for (hour, net) in rows {
            if let Some(slot) = usize::try_from(hour).ok().and_then(|i| per_hour.get_mut(i)) {
                // A chart's bar stops at the edge rather than wrapping; the totals beside
                // it are checked and refuse such a sum with a message.
                *slot = slot.saturating_add(net);
            }
        }
        per_hour
    };
    let per_hour = by_hour(
        scope
            .totals
            .net_by_hour(ids, &today.to_string())
            .await?
            .as_ref()
            .clone(),
    );
    let per_hour_before = by_hour(
        scope
            .totals
            .net_by_hour(ids, &week_ago.to_string())
            .await?
            .as_ref()
            .clone(),
    );

    let mut hourly = BarChart::new(
        "chart-today",
        i18n::fill(
            lang,
            "Net sales by hour, {}",
            &[i18n::format_weekday_date(lang, today)],
        ),
        per_hour
            .iter()
            .enumerate()
            .map(|(h, v)| Bar {
                label: format!("{h:02}:00"),
                tick: format!("{h:02}:00"),
                value: *v,
                shown: scope.amount(*v),
            })
            .collect(),
        scope.axis(),
    );
    hourly.reference = per_hour_before.to_vec();
    hourly.reference_shown = per_hour_before.iter().map(|v| scope.amount(*v)).collect();
    hourly.reference_title = weekday_day(lang, week_ago);
    hourly.marked = usize::try_from(hour).ok();
    hourly.marked_text = i18n::t("now");
    let hourly_legend = i18n::fill(
        lang,
        "Bars: today. Dashed line: {}, the same weekday last week. ▼ marks the current hour.",
        &[weekday_day(lang, week_ago)],
    );
    Ok((hourly, hourly_legend))
}

/// The last 30 days' net sales by day.
async fn daily_sales_chart(
    scope: &ReportScope,
    ids: &[i64],
    thirty: DateRange,
) -> AppResult<BarChart> {
    let lang = i18n::current();
    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let days = scope
        .totals
        .net_by_day(ids, &thirty.from.to_string(), &thirty.to.to_string())
        .await?;
    for (date, net) in days.iter() {
        if let Ok(date) = date.parse::<NaiveDate>() {
            per_day.insert(date, *net);
        }
    }
    Ok(BarChart::new(
        "chart-30-days",
        i18n::fill(
            lang,
            "Net sales by day, {} to {}",
            &[
                i18n::format_date(lang, thirty.from),
                i18n::format_date(lang, thirty.to),
            ],
        ),
        (0..30)
            .map(|i| {
                let date = thirty.from + Duration::days(i);
                let v = per_day.get(&date).copied().unwrap_or(0);
                Bar {
                    label: i18n::format_weekday_date(lang, date),
                    tick: i18n::format_day_month(lang, date),
                    value: v,
                    shown: scope.amount(v),
                }
            })
            .collect(),
        scope.axis(),
    ))
}

/// Today's visitors by hour beside the sales transactions they made: bars of traffic, a bar
/// of sales transactions beside each; an hour nobody counted shows "no data" in the table.
async fn hourly_traffic_chart(
    state: &AppState,
    user: &TenantUser,
    ids: &[i64],
    today: NaiveDate,
    hour: u32,
) -> AppResult<BarChart> {
    let lang = i18n::current();
    let hours = crate::db::traffic::by_hour(&state.db, user.tenant_id(), ids, today).await?;
    let mut chart = BarChart::new(
        "chart-traffic-today",
        i18n::fill(
            lang,
            "Traffic and sales transactions by hour, {}",
            &[i18n::format_weekday_date(lang, today)],
        ),
        hours
            .iter()
            .enumerate()
            .map(|(h, t)| Bar {
                label: format!("{h:02}:00"),
                tick: format!("{h:02}:00"),
                value: t.traffic.unwrap_or(0),
                shown: t
                    .traffic
                    .map_or_else(|| i18n::t("no data"), |v| i18n::format_integer(lang, v)),
            })
            .collect(),
        super::charts::ValueAxis::default(),
    );
    chart.value_title = "Traffic";
    chart.paired = hours.iter().map(|t| t.sales_transactions).collect();
    chart.paired_shown = hours
        .iter()
        .map(|t| i18n::format_integer(lang, t.sales_transactions))
        .collect();
    chart.paired_title = i18n::t("Sales transactions");
    chart.marked = usize::try_from(hour).ok();
    chart.marked_text = i18n::t("now");
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn compared_spans_in_words() {
        let week = DashboardPeriod::WeekToDate.comparable(d("2026-10-15"), 14);
        assert_eq!(
            span_text(Lang::En, week),
            "vs Oct 5 – Oct 8 (last day 00:00–14:59)"
        );
        let yesterday = DashboardPeriod::Yesterday.comparable(d("2026-10-15"), 14);
        assert_eq!(span_text(Lang::En, yesterday), "vs Wed, Oct 7");
    }
}
