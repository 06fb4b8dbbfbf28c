//! `/reports/totals`: a table per location and period with each location's total, a grand
//! total, the comparison with the previous period of the same length, a chart, and a print
//! layout.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};

use super::detail_pages::{DetailPages, parse_page};
use super::params::{self, PAGE_RULES, ReportForm, ReportRequest};
use super::{ReportScope, count};
use crate::db::locations::Location;
use crate::domain::coverage::Covered;
use crate::domain::periods::{
    BucketKey, Compare, Preset, Span, all_buckets, bucket_days, bucket_of,
};
use crate::domain::report::{DateRange, Granularity, Totals, TotalsOverflow};
use crate::domain::traffic::TrafficSums;
use crate::error::{AppResult, render};
use crate::i18n;
use crate::totals_cache::TenantTotals;
use crate::web::AppState;
use crate::web::cached_page::{CachedPage, shared_layout};
use crate::web::charts::{Bar, BarChart};
use crate::web::completeness::{self, Completeness, LocationCompleteness};
use crate::web::context::{Layout, TenantUser};
use crate::web::coverage::{TenantCoverage, covered_note, data_from_text, mark_bars};
use crate::web::figures::{ChangeView, RowView, change_view_covered, row_view, span_sums};

pub struct LocationSection {
    pub code: String,
    pub name: String,
    /// `imported up to …` / `not imported yet` while its history is being imported.
    pub incomplete: String,
    pub pending: bool,
    /// The range lies wholly outside this location's data: "no data", not "no activity".
    pub no_data: bool,
    pub rows: Vec<RowView>,
    pub total: RowView,
}

pub struct ComparisonRow {
    pub name: String,
    /// Where this location's detail is: its anchor on this page, or the detail page that
    /// shows it (empty on the row of all locations).
    pub detail_href: String,
    pub net_now: String,
    pub net_before: String,
    pub net_change: ChangeView,
    pub transactions_now: String,
    pub transactions_before: String,
    pub transactions_change: ChangeView,
    /// `imported up to …` / `not imported yet` while its history is being imported; a
    /// change against a whole previous period would mislead then, so none is shown.
    pub incomplete: String,
    pub pending: bool,
    /// Nothing of the previous period imported yet either.
    pub before_pending: bool,
    /// The previous period lies wholly outside the data: its figures read "no data".
    pub before_no_data: bool,
}

pub struct ReportView {
    pub range: DateRange,
    /// Why the report is not complete yet (a history import under way); empty when it is.
    pub incomplete: String,
    /// `data from Oct 5, 2026` when the range starts before the chosen locations' data.
    pub data_from: String,
    pub range_text: String,
    pub previous_text: String,
    pub compare_label: &'static str,
    pub granularity: &'static str,
    /// The detail of the locations on this page.
    pub sections: Vec<LocationSection>,
    pub detail: DetailView,
    pub grand: RowView,
    pub comparisons: Vec<ComparisonRow>,
    pub chart: BarChart,
    /// Traffic and conversion per chosen location and over all of them; None for a tenant
    /// whose counters never reported (no empty columns).
    pub traffic: Option<crate::web::traffic::card::ReportTraffic>,
    pub export_query: String,
}

#[derive(Template)]
#[template(path = "report_totals.html")]
struct TotalsPage {
    layout: Layout,
    form: ReportForm,
    problems: Vec<String>,
    presets: Vec<(&'static str, &'static str)>,
    granularities: Vec<&'static str>,
    compares: Vec<(&'static str, &'static str)>,
    locations: Vec<Location>,
    report: Option<ReportView>,
    /// Hours of the report that miss an order no import could read yet.
    uncounted: Vec<crate::web::uncounted::UncountedHour>,
    /// The reader may correct hourly data (the link would otherwise lead to a refusal).
    may_edit: bool,
}

/// A bucket for people, with the days it really holds: `Mon, Mar 2, 2026 09:00`,
/// `Thu, Oct 1 – Sun, Oct 4, 2026`, `Oct 2026`, `Sep 2026 (Sep 15 – 30)`.
pub fn bucket_label(granularity: Granularity, key: BucketKey, range: DateRange) -> String {
    let lang = i18n::current();
    let (date, hour) = key;
    let days = bucket_days(granularity, key, range);
    match granularity {
        Granularity::Hour => format!(
            "{} {:02}:00",
            i18n::format_weekday_date(lang, date),
            hour.unwrap_or(0)
        ),
        Granularity::Day => i18n::format_weekday_date(lang, date),
        Granularity::Week => {
            let short = |d: NaiveDate| {
                let weekday = i18n::weekday_short(lang, d.weekday());
                match lang {
                    i18n::Lang::En => format!("{weekday}, {}", i18n::format_day_month(lang, d)),
                    i18n::Lang::Es => format!("{weekday} {}", i18n::format_day_month(lang, d)),
                }
            };
            match lang {
                i18n::Lang::En => {
                    format!(
                        "{} – {}, {}",
                        short(days.from),
                        short(days.to),
                        days.to.year()
                    )
                }
                i18n::Lang::Es => {
                    format!(
                        "{} – {} {}",
                        short(days.from),
                        short(days.to),
                        days.to.year()
                    )
                }
            }
        }
        Granularity::Month => {
            let whole = bucket_days(
                granularity,
                key,
                DateRange {
                    from: date,
                    to: date + Duration::days(40),
                },
            );
            let month = i18n::format_month(lang, date);
            if days == whole {
                month
            } else if days.from == days.to {
                format!("{month} ({})", i18n::format_day_month(lang, days.from))
            } else {
                format!(
                    "{month} ({} – {})",
                    i18n::format_day_month(lang, days.from),
                    i18n::format_day_month(lang, days.to)
                )
            }
        }
    }
}

/// The short text under a bar of the report's chart; hours of a multi-day report are labelled
/// only where a day starts.
fn bucket_tick(granularity: Granularity, key: BucketKey, range: DateRange, first: bool) -> String {
    let lang = i18n::current();
    let (date, hour) = key;
    match granularity {
        Granularity::Hour if range.days() == 1 => format!("{:02}:00", hour.unwrap_or(0)),
        Granularity::Hour if hour == Some(0) => i18n::format_day_month(lang, date),
        Granularity::Hour => String::new(),
        Granularity::Day => i18n::format_day_month(lang, date),
        Granularity::Week => {
            i18n::format_day_month(lang, bucket_days(granularity, key, range).from)
        }
        Granularity::Month if first || date.month() == 1 => i18n::format_month(lang, date),
        Granularity::Month => i18n::month_short(lang, date.month0()).to_string(),
    }
}

/// The report's buckets per location (location row id → bucket → totals) for `ids`, summed
/// from the hourly totals: the rows of the detail's page.
pub async fn bucketed(
    totals: &TenantTotals,
    request: &ReportRequest,
    ids: &[i64],
) -> AppResult<BTreeMap<i64, BTreeMap<BucketKey, Totals>>> {
    let (from, to) = (request.range.from.to_string(), request.range.to.to_string());
    let mut out: BTreeMap<i64, BTreeMap<BucketKey, Totals>> = BTreeMap::new();
    if request.granularity == Granularity::Hour {
        for row in totals.hours(ids, &from, &to).await?.iter() {
            if let Some(key) = bucket_of(request.granularity, &row.local_date, Some(row.hour)) {
                out.entry(row.location_id)
                    .or_default()
                    .entry(key)
                    .or_default()
                    .add(&row.totals())?;
            }
        }
    } else {
        for row in totals.days(ids, &from, &to).await?.iter() {
            if let Some(key) = bucket_of(request.granularity, &row.local_date, None) {
                out.entry(row.location_id)
                    .or_default()
                    .entry(key)
                    .or_default()
                    .add(&row.totals())?;
            }
        }
    }
    Ok(out)
}

/// The net sales of all the chosen locations together in each bucket (the chart), summed by
/// the database so that no row per location and day has to be read.
async fn net_by_bucket(
    totals: &TenantTotals,
    request: &ReportRequest,
    ids: &[i64],
) -> AppResult<BTreeMap<BucketKey, i64>> {
    let (from, to) = (request.range.from.to_string(), request.range.to.to_string());
    let mut out: BTreeMap<BucketKey, i64> = BTreeMap::new();
    if request.granularity == Granularity::Hour {
        for (date, hour, net) in totals.net_by_date_hour(ids, &from, &to).await?.iter() {
            if let Some(key) = bucket_of(request.granularity, date, Some(*hour)) {
                let sum = out.entry(key).or_default();
                *sum = sum.checked_add(*net).ok_or(TotalsOverflow)?;
            }
        }
    } else {
        for (date, net) in totals.net_by_day(ids, &from, &to).await?.iter() {
            if let Some(key) = bucket_of(request.granularity, date, None) {
                let sum = out.entry(key).or_default();
                *sum = sum.checked_add(*net).ok_or(TotalsOverflow)?;
            }
        }
    }
    Ok(out)
}

/// How much of the range and of the compared period some locations' data covers, where it
/// starts, and the time zone its instants are worded in.
#[derive(Clone, Copy)]
struct Coverages {
    now: Covered,
    before: Covered,
    data_from: Option<NaiveDate>,
    tz: chrono_tz::Tz,
}

impl Coverages {
    fn of(cx: &DetailContext<'_>, ids: &[i64]) -> Coverages {
        Coverages {
            now: cx.coverage.of_dates_all(ids, cx.request.range),
            before: cx.coverage.of_dates_all(ids, cx.previous_range),
            data_from: cx.coverage.data_from_after(ids, cx.previous_range.from),
            tz: cx.coverage.tz_of(ids).unwrap_or(cx.scope.tz),
        }
    }
}

fn comparison(
    scope: &ReportScope,
    name: String,
    (now, before): (&Totals, &Totals),
    c: Coverages,
) -> ComparisonRow {
    let change = |a: i64, b: i64| {
        let mut change = change_view_covered((a, c.now), (b, c.before), c.data_from, c.tz);
        // "data from …" stands once above the report; beside every "no data" it only crowds.
        if c.now.is_not() || c.before.is_not() {
            change.note.clear();
        }
        change
    };
    // A period wholly outside the data has no figures, not zeros.
    let shown = |covered: Covered, text: String| {
        if covered.is_not() {
            i18n::t("no data")
        } else {
            text
        }
    };
    ComparisonRow {
        name,
        detail_href: String::new(),
        net_now: shown(c.now, scope.amount(now.net)),
        net_before: scope.amount(before.net),
        net_change: change(now.net, before.net),
        transactions_now: shown(c.now, count(now.transactions)),
        transactions_before: count(before.transactions),
        transactions_change: change(now.transactions, before.transactions),
        incomplete: String::new(),
        pending: false,
        before_pending: false,
        before_no_data: c.before.is_not(),
    }
}

/// One link of the detail's page navigation.
pub struct PageLink {
    /// `S-000 – S-004`: the first and last location on the page.
    pub label: String,
    pub query: String,
    pub current: bool,
}

/// Which part of the detail by location this page shows, and the way to the rest.
#[derive(Default)]
pub struct DetailView {
    /// `Locations 1–5 of 100`; empty when the detail fits one page.
    pub showing: String,
    pub links: Vec<PageLink>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl DetailView {
    fn new(form: &ReportForm, request: &ReportRequest, pages: DetailPages, page: usize) -> Self {
        let lang = i18n::current();
        if pages.count() <= 1 {
            return DetailView::default();
        }
        let shown = pages.locations_on(page);
        let links = (1..=pages.count())
            .map(|p| {
                let on = pages.locations_on(p);
                let first = &request.locations[on.start].location_id;
                let last = &request.locations[on.end - 1].location_id;
                PageLink {
                    label: if on.len() == 1 {
                        first.clone()
                    } else {
                        format!("{first} – {last}")
                    },
                    query: form.page_query(p),
                    current: p == page,
                }
            })
            .collect();
        DetailView {
            showing: i18n::fill(
                lang,
                "Locations {}–{} of {}",
                &[
                    i18n::format_integer(lang, shown.start as i64 + 1),
                    i18n::format_integer(lang, shown.end as i64),
                    i18n::format_integer(lang, request.locations.len() as i64),
                ],
            ),
            links,
            previous: (page > 1).then(|| form.page_query(page - 1)),
            next: (page < pages.count()).then(|| form.page_query(page + 1)),
        }
    }
}

async fn build(
    db: &crate::db::Db,
    tenant: crate::db::TenantId,
    scope: &ReportScope,
    form: &ReportForm,
    request: &ReportRequest,
    pages: DetailPages,
    page: usize,
) -> AppResult<ReportView> {
    let previous_range = request.compare.range(request.preset, request.range);
    let ids = request.location_ids();
    let on_page = pages.locations_on(page);
    let page_ids: Vec<i64> = request.locations[on_page.clone()]
        .iter()
        .map(|l| l.id)
        .collect();
    let totals = &scope.totals;
    // Independent reads, each summed by the database: on SQLite every connection has its own
    // thread, so they run side by side.
    let (now, previous, chart_net, buckets, integrations, imported) = tokio::try_join!(
        span_sums(
            totals,
            &ids,
            Span::days(request.range.from, request.range.to),
        ),
        span_sums(
            totals,
            &ids,
            Span::days(previous_range.from, previous_range.to),
        ),
        net_by_bucket(totals, request, &ids),
        bucketed(totals, request, &page_ids),
        async { Ok(totals.integration_states().await?) },
        async { Ok(totals.imported_locations().await?) },
    )?;
    let traffic_buckets = traffic_by_bucket(db, tenant, request, &page_ids).await?;
    let history = completeness::history_imports(totals, &integrations, scope.tz).await?;
    let coverage =
        TenantCoverage::load_cached(totals, (db, tenant), &request.locations, scope.tz).await?;
    let cx = DetailContext {
        coverage: &coverage,
        scope,
        form,
        request,
        pages,
        on_page,
        previous_range,
        history: &history,
        instant: crate::db::now(),
    };
    let summary = summarize(
        &cx,
        (&now, &previous),
        &buckets,
        traffic_buckets.as_ref(),
        &imported,
    )?;
    let traffic = traffic_table(db, tenant, &cx, &summary.comparisons).await?;
    let (data_from, data_from_covered) = data_from_notice(&cx, &ids);
    Ok(ReportView {
        data_from,
        traffic,
        range: request.range,
        incomplete: incomplete_notice(&summary.states, scope.tz),
        range_text: dates_text(i18n::current(), request.range),
        previous_text: dates_text(i18n::current(), previous_range),
        compare_label: request.compare.label(),
        granularity: request.granularity.as_str(),
        sections: summary.sections,
        detail: DetailView::new(form, request, pages, page),
        grand: grand_row(scope, &summary.grand, data_from_covered.is_not()),
        comparisons: summary.comparisons,
        chart: covered_chart(&cx, &ids, &chart_net),
        export_query: form.query_string(request),
    })
}

/// `data from Oct 5, 2026` when the range starts before the chosen locations' data, `imported
/// up to …` when it runs past their last import (empty otherwise), and how much of the range
/// the data covers.
fn data_from_notice(cx: &DetailContext<'_>, ids: &[i64]) -> (String, Covered) {
    let all = Coverages::of(cx, ids);
    let text = match all {
        Coverages {
            now: Covered::Not | Covered::Partly { from: Some(_), .. },
            data_from: Some(day),
            ..
        } if day > cx.request.range.from => data_from_text(i18n::current(), day),
        // The range runs past the last import: say how far the data reaches.
        Coverages {
            now: Covered::Partly {
                until: Some(until), ..
            },
            tz,
            ..
        } => i18n::fill(
            i18n::current(),
            "imported up to {}",
            &[i18n::format_instant(i18n::current(), until, tz)],
        ),
        _ => String::new(),
    };
    (text, all.now)
}

/// The report's chart with its buckets outside the data marked.
fn covered_chart(
    cx: &DetailContext<'_>,
    ids: &[i64],
    chart_net: &BTreeMap<BucketKey, i64>,
) -> BarChart {
    let mut chart = net_chart(cx.scope, cx.request, chart_net);
    mark_bars(&mut chart, &buckets_covered(cx, ids));
    chart
}

/// How much of each of the report's buckets the chosen locations' data covers.
fn buckets_covered(cx: &DetailContext<'_>, ids: &[i64]) -> Vec<Covered> {
    let request = cx.request;
    all_buckets(request.granularity, request.range)
        .into_iter()
        .map(|key| match (request.granularity, key.1) {
            (Granularity::Hour, Some(hour)) => {
                cx.coverage
                    .of_hour_all(ids, key.0, u32::try_from(hour).unwrap_or(0))
            }
            _ => cx
                .coverage
                .of_dates_all(ids, bucket_days(request.granularity, key, request.range)),
        })
        .collect()
}

/// The grand total; "no data" rather than zeros when the range lies wholly outside the data.
fn grand_row(scope: &ReportScope, grand: &Totals, no_data: bool) -> RowView {
    let mut row = row_view(scope, "Grand total".into(), grand);
    if no_data {
        row.no_data = true;
        row.net = i18n::t("no data");
        for cell in [
            &mut row.transactions,
            &mut row.average,
            &mut row.items,
            &mut row.gross,
            &mut row.discounts,
            &mut row.returns,
        ] {
            cell.clear();
        }
    }
    row
}

/// What laying out the report's locations reads besides the sums: the request, which of its
/// locations this page details, and how far the history import has come.
struct DetailContext<'a> {
    scope: &'a ReportScope,
    form: &'a ReportForm,
    request: &'a ReportRequest,
    pages: DetailPages,
    on_page: std::ops::Range<usize>,
    previous_range: DateRange,
    history: &'a completeness::HistoryImports,
    instant: i64,
    /// Which stretch of time each chosen location's data covers.
    coverage: &'a TenantCoverage,
}

/// The report's locations laid out: the detail sections of this page, a comparison row per
/// location and one over all of them, how complete each imported location is, and the grand
/// totals.
struct Summary {
    sections: Vec<LocationSection>,
    comparisons: Vec<ComparisonRow>,
    states: Vec<LocationCompleteness>,
    grand: Totals,
    grand_before: Totals,
}

type TrafficBuckets = BTreeMap<(i64, BucketKey), TrafficSums>;

fn summarize(
    cx: &DetailContext<'_>,
    (now, previous): (&BTreeMap<i64, Totals>, &BTreeMap<i64, Totals>),
    buckets: &BTreeMap<i64, BTreeMap<BucketKey, Totals>>,
    traffic_buckets: Option<&TrafficBuckets>,
    imported: &[i64],
) -> AppResult<Summary> {
    let (scope, request) = (cx.scope, cx.request);
    let mut out = Summary {
        sections: Vec::new(),
        comparisons: Vec::new(),
        states: Vec::new(),
        grand: Totals::default(),
        grand_before: Totals::default(),
    };
    for (position, location) in request.locations.iter().enumerate() {
        let total = now.get(&location.id).copied().unwrap_or_default();
        let before = previous.get(&location.id).copied().unwrap_or_default();
        out.grand.add(&total)?;
        out.grand_before.add(&before)?;
        let done = cx
            .history
            .location(location.id, request.range, cx.instant, scope.tz);
        let shown = cx.on_page.contains(&position);
        out.comparisons.push(location_comparison(
            cx,
            position,
            location,
            (&total, &before),
            &done,
        ));
        if shown {
            let empty = BTreeMap::new();
            let rows = buckets.get(&location.id).unwrap_or(&empty);
            out.sections.push(location_section(
                cx,
                location,
                (rows, &total),
                &done,
                traffic_buckets,
            ));
        }
        if imported.contains(&location.id) {
            out.states.push(done);
        }
    }
    let ids = request.location_ids();
    let mut all = comparison(
        scope,
        "All chosen locations".into(),
        (&out.grand, &out.grand_before),
        Coverages::of(cx, &ids),
    );
    if completeness::overall(&out.states) != Completeness::Complete {
        all.incomplete = i18n::t("incomplete");
    }
    out.comparisons.push(all);
    Ok(out)
}

/// `Mon, Mar 2, 2026 – Sun, Mar 8, 2026`.
fn dates_text(lang: i18n::Lang, r: DateRange) -> String {
    format!(
        "{} – {}",
        i18n::format_weekday_date(lang, r.from),
        i18n::format_weekday_date(lang, r.to)
    )
}

/// A location's row of the comparison, linked to its detail on this page or on the page that
/// shows it.
fn location_comparison(
    cx: &DetailContext<'_>,
    position: usize,
    location: &Location,
    (total, before): (&Totals, &Totals),
    done: &LocationCompleteness,
) -> ComparisonRow {
    let lang = i18n::current();
    let scope = cx.scope;
    let mut row = comparison(
        scope,
        format!("{} · {}", location.location_id, location.name),
        (total, before),
        Coverages::of(cx, &[location.id]),
    );
    row.detail_href = if cx.on_page.contains(&position) {
        format!("#loc-{}", location.location_id)
    } else {
        format!(
            "/reports/totals?{}#loc-{}",
            cx.form.page_query(cx.pages.page_of(position)),
            location.location_id
        )
    };
    row.incomplete = done.mark(lang, scope.tz);
    row.pending = done.is_pending();
    row.before_pending = cx
        .history
        .location(location.id, cx.previous_range, cx.instant, scope.tz)
        .is_pending();
    row
}

/// A location's detail: a row per bucket and its total, each with its traffic when counted.
fn location_section(
    cx: &DetailContext<'_>,
    location: &Location,
    (rows, total): (&BTreeMap<BucketKey, Totals>, &Totals),
    done: &LocationCompleteness,
    traffic_buckets: Option<&TrafficBuckets>,
) -> LocationSection {
    let (scope, request) = (cx.scope, cx.request);
    let lang = i18n::current();
    let tz = cx.coverage.tz_of(&[location.id]).unwrap_or(scope.tz);
    LocationSection {
        incomplete: done.mark(lang, scope.tz),
        pending: done.is_pending(),
        no_data: cx.coverage.of_dates(location.id, request.range).is_not(),
        code: location.location_id.clone(),
        name: location.name.clone(),
        rows: rows
            .iter()
            .map(|(key, t)| {
                let mut row = row_view(
                    scope,
                    bucket_label(request.granularity, *key, request.range),
                    t,
                );
                row.traffic =
                    traffic_buckets.map(|by| traffic_cells(lang, by.get(&(location.id, *key))));
                // A bucket the data starts (or stops) inside holds part of its days' sales.
                let days = bucket_days(request.granularity, *key, request.range);
                let bucket_covered = match (request.granularity, key.1) {
                    (Granularity::Hour, Some(hour)) => {
                        cx.coverage
                            .of_hour(location.id, key.0, u32::try_from(hour).unwrap_or(0))
                    }
                    _ => cx.coverage.of_dates(location.id, days),
                };
                if let Covered::Partly { .. } = bucket_covered {
                    row.incomplete = covered_note(lang, bucket_covered, tz);
                }
                row
            })
            .collect(),
        total: {
            let mut row = row_view(scope, "Total".into(), total);
            row.traffic = traffic_buckets.map(|by| {
                let mut sums = TrafficSums::default();
                for ((id, _), s) in by.iter() {
                    if *id == location.id {
                        sums.add(s);
                    }
                }
                traffic_cells(lang, Some(&sums))
            });
            row
        },
    }
}

/// The report's chart: the chosen locations' net sales per bucket.
fn net_chart(
    scope: &ReportScope,
    request: &ReportRequest,
    chart_net: &BTreeMap<BucketKey, i64>,
) -> BarChart {
    let lang = i18n::current();
    let bars = all_buckets(request.granularity, request.range)
        .into_iter()
        .enumerate()
        .map(|(i, key)| {
            let value = chart_net.get(&key).copied().unwrap_or(0);
            Bar {
                label: bucket_label(request.granularity, key, request.range),
                tick: bucket_tick(request.granularity, key, request.range, i == 0),
                value,
                shown: scope.amount(value),
            }
        })
        .collect();
    let mut chart = BarChart::new(
        "report-chart",
        i18n::fill(
            lang,
            match request.granularity {
                Granularity::Hour => "Net sales by hour, {} to {}",
                Granularity::Day => "Net sales by day, {} to {}",
                Granularity::Week => "Net sales by week, {} to {}",
                Granularity::Month => "Net sales by month, {} to {}",
            },
            &[
                i18n::format_date(lang, request.range.from),
                i18n::format_date(lang, request.range.to),
            ],
        ),
        bars,
        scope.axis(),
    );
    // A week or month the range cuts is drawn paler: its bar holds fewer days than the others.
    chart.partial = all_buckets(request.granularity, request.range)
        .into_iter()
        .map(|key| is_part_bucket(request.granularity, key, request.range))
        .collect();
    chart
}

/// The detail's traffic per location and bucket for the locations on the page; None for a
/// tenant whose counters never reported (no empty columns).
async fn traffic_by_bucket(
    db: &crate::db::Db,
    tenant: crate::db::TenantId,
    request: &ReportRequest,
    ids: &[i64],
) -> AppResult<Option<BTreeMap<(i64, BucketKey), TrafficSums>>> {
    if !crate::db::traffic::presence(db, tenant).await?.0 {
        return Ok(None);
    }
    let mut out: BTreeMap<(i64, BucketKey), TrafficSums> = BTreeMap::new();
    let (from, to) = (request.range.from, request.range.to);
    if request.granularity == Granularity::Hour {
        for h in crate::db::traffic::hour_sums(db, tenant, ids, from, to).await? {
            if let Some(key) = bucket_of(request.granularity, &h.local_date, Some(h.hour)) {
                out.entry((h.location_id, key)).or_default().add(&h.sums);
            }
        }
    } else {
        for d in crate::db::traffic::day_sums(db, tenant, from, to).await? {
            if !ids.contains(&d.location_id) {
                continue;
            }
            if let Some(key) = bucket_of(request.granularity, &d.local_date, None) {
                out.entry((d.location_id, key)).or_default().add(&d.sums);
            }
        }
    }
    Ok(Some(out))
}

/// A detail row's traffic and conversion: "no data" where nothing was counted.
fn traffic_cells(lang: i18n::Lang, sums: Option<&TrafficSums>) -> (String, String) {
    use crate::web::traffic::card::{conversion_text, traffic_text};
    let sums = sums.copied().unwrap_or_default();
    (traffic_text(lang, &sums), conversion_text(lang, &sums))
}

/// Whether the range holds only part of the bucket's week or month.
fn is_part_bucket(granularity: Granularity, key: BucketKey, range: DateRange) -> bool {
    match granularity {
        Granularity::Week | Granularity::Month => {
            let whole = DateRange {
                from: key.0,
                to: key.0 + Duration::days(40),
            };
            bucket_days(granularity, key, range) != bucket_days(granularity, key, whole)
        }
        Granularity::Hour | Granularity::Day => false,
    }
}

/// The report's traffic table, one row per chosen location (linked like the summary's) and
/// one over all of them; None for a tenant whose counters never reported.
async fn traffic_table(
    db: &crate::db::Db,
    tenant: crate::db::TenantId,
    cx: &DetailContext<'_>,
    comparisons: &[ComparisonRow],
) -> AppResult<Option<crate::web::traffic::card::ReportTraffic>> {
    use crate::web::traffic::card::{
        ReportTraffic, counting_began, report_row, span_sums, together,
    };
    let (scope, request, previous_range) = (cx.scope, cx.request, cx.previous_range);
    let (any, staffed) = crate::db::traffic::presence(db, tenant).await?;
    if !any {
        return Ok(None);
    }
    let (now, before) = tokio::try_join!(
        span_sums(db, tenant, Span::days(request.range.from, request.range.to)),
        span_sums(
            db,
            tenant,
            Span::days(previous_range.from, previous_range.to)
        ),
    )?;
    let money = (scope.digits, scope.currency.as_str());
    let first = crate::db::traffic::first_counted(db, tenant).await?;
    let mut rows = Vec::with_capacity(request.locations.len() + 1);
    for (location, summary) in request.locations.iter().zip(comparisons) {
        let empty = Default::default();
        let mut row = report_row(
            format!("{} · {}", location.location_id, location.name),
            (
                now.get(&location.id).unwrap_or(&empty),
                before.get(&location.id).unwrap_or(&empty),
            ),
            counting_began(&first, &now, &[location.id], previous_range.from),
            money,
        );
        row.detail_href = summary.detail_href.clone();
        rows.push(row);
    }
    let ids = request.location_ids();
    rows.push(report_row(
        "All chosen locations".into(),
        (&together(&now, &ids), &together(&before, &ids)),
        counting_began(&first, &now, &ids, previous_range.from),
        money,
    ));
    Ok(Some(ReportTraffic { staffed, rows }))
}

/// The report's notice while a history import fills some of its locations: one sentence when
/// they all stand at the same point, otherwise a pointer to the locations marked in the tables.
fn incomplete_notice(states: &[LocationCompleteness], tz: chrono_tz::Tz) -> String {
    let lang = i18n::current();
    match (
        completeness::overall(states),
        completeness::shared_point(states),
    ) {
        (Completeness::Complete, _) => String::new(),
        (Completeness::Pending, _) => {
            i18n::t("Not imported yet: the history import has not reached these days.")
        }
        (Completeness::Partial, Some(Some(until))) => i18n::fill(
            lang,
            "Incomplete: the history is imported up to {}; the days after it are still missing.",
            &[chrono::DateTime::from_timestamp(until, 0)
                .map(|t| i18n::format_date_time(lang, t.with_timezone(&tz).naive_local()))
                .unwrap_or_default()],
        ),
        (Completeness::Partial, _) => i18n::t(
            "Incomplete: the history of some locations is still being imported; each one is \
             marked with how far it has come.",
        ),
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: TenantUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let layout = user.layout(&state).await?;
    let may_edit = user.current.user.role() != crate::domain::account::Role::Manager
        && user.current.user.may_edit();
    let key = page_key(&layout, &user, may_edit, query.as_deref());
    let scope = ReportScope::load(&state, &user).await?;
    if let Some(kept) = scope.totals.kept::<CachedPage>(&key) {
        return Ok(Html(kept.fill(&layout)).into_response());
    }
    let mut form = ReportForm::from_query(query.as_deref());
    let (status, problems, report, uncounted) =
        requested_report(&state, &user, &scope, &mut form).await?;
    // Not kept while a history import is under way: what it has reached moves with the
    // clock, not only with the data version.
    let integrations = scope.totals.integration_states().await?;
    let keep = status == StatusCode::OK
        && scope.totals.local_hour().0 == scope.today
        && !completeness::history_imports(&scope.totals, &integrations, scope.tz)
            .await?
            .any();
    let page = TotalsPage {
        layout: shared_layout(&layout),
        form,
        problems,
        presets: Preset::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        granularities: Granularity::ALL.iter().map(|g| g.as_str()).collect(),
        compares: Compare::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        locations: scope.locations.clone(),
        report,
        uncounted,
        may_edit,
    };
    let kept = CachedPage::new(&render(&page)?.0);
    let body = kept.fill(&layout);
    if keep {
        let bytes = kept.bytes();
        scope.totals.keep(key, std::sync::Arc::new(kept), bytes);
    }
    Ok((status, Html(body)).into_response())
}

/// Everything besides the tenant's data, version and local hour the page varies on; the
/// CSRF token and the reader's email are filled in per request.
fn page_key(layout: &Layout, user: &TenantUser, may_edit: bool, query: Option<&str>) -> String {
    format!(
        "page report\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{may_edit}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        i18n::current().code(),
        layout.role.as_str(),
        layout.acting,
        user.tenant.plan,
        user.tenant.time_zone,
        user.tenant.name,
        query.unwrap_or_default(),
    )
}

/// The report the form asks for, with the status and problems to show: the form is filled in
/// with what the request settled on (a preset's dates, the granularity chosen).
async fn requested_report(
    state: &AppState,
    user: &TenantUser,
    scope: &ReportScope,
    form: &mut ReportForm,
) -> AppResult<(
    StatusCode,
    Vec<String>,
    Option<ReportView>,
    Vec<crate::web::uncounted::UncountedHour>,
)> {
    let request = match params::parse(form, scope.today, &scope.locations, PAGE_RULES) {
        Ok(request) => request,
        Err(problems) => return Ok((StatusCode::BAD_REQUEST, problems, None, Vec::new())),
    };
    let uncounted =
        crate::web::uncounted::hours(&scope.totals, &request.locations, &request.range).await?;
    if request.preset != Preset::Custom {
        form.preset = request.preset.as_str().into();
        form.from = request.range.from.to_string();
        form.to = request.range.to.to_string();
    }
    if form.granularity.is_empty() {
        form.granularity = request.granularity.as_str().into();
    }
    let pages = DetailPages::new(request.locations.len(), request.range, request.granularity);
    match parse_page(&form.page, pages) {
        Ok(page) => {
            let view = build(
                &state.db,
                user.tenant_id(),
                scope,
                form,
                &request,
                pages,
                page,
            )
            .await?;
            Ok((StatusCode::OK, Vec::new(), Some(view), uncounted))
        }
        Err(problem) => Ok((StatusCode::BAD_REQUEST, vec![problem], None, uncounted)),
    }
}
