//! `/reports/totals`: a table per location and period with each location's total, a grand
//! total, the comparison with the previous period of the same length, a chart, and a print
//! layout.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};

use super::params::{self, PAGE_RULES, ReportForm, ReportRequest};
use super::{ReportScope, count};
use crate::db::locations::Location;
use crate::domain::report::{
    DateRange, Granularity, Preset, Totals, change_tenths_of_percent, format_tenths,
    units_per_transaction_hundredths, week_start,
};
use crate::error::{AppResult, render};
use crate::totals_cache::TenantTotals;
use crate::web::AppState;
use crate::web::charts::{Bar, BarChart};
use crate::web::context::{Layout, TenantUser};

/// A bucket of a report: its first day, and its hour for hourly reports.
pub type BucketKey = (NaiveDate, Option<i64>);

/// One table row as shown.
#[derive(Debug, Clone)]
pub struct RowView {
    pub label: String,
    pub net: String,
    pub transactions: String,
    pub average: String,
    pub items: String,
    pub units_per_transaction: String,
    pub gross: String,
    pub discounts: String,
    pub returns: String,
    pub edited: bool,
}

pub fn row_view(scope: &ReportScope, label: String, t: &Totals) -> RowView {
    RowView {
        label,
        net: scope.amount(t.net),
        transactions: count(t.transactions),
        average: scope.optional_amount(t.average_sale()),
        items: count(t.items),
        units_per_transaction: units_per_transaction_hundredths(t.items, t.transactions)
            .map(|h| crate::i18n::format_decimal(crate::i18n::current(), h, 2))
            .unwrap_or_default(),
        gross: scope.amount(t.gross),
        discounts: scope.amount(t.discounts),
        returns: scope.amount(t.returns),
        edited: t.edited,
    }
}

pub struct LocationSection {
    pub code: String,
    pub name: String,
    pub rows: Vec<RowView>,
    pub total: RowView,
}

pub struct ComparisonRow {
    pub name: String,
    pub net_now: String,
    pub net_before: String,
    pub net_difference: String,
    pub net_percent: String,
    pub transactions_now: String,
    pub transactions_before: String,
    pub transactions_difference: String,
    pub transactions_percent: String,
}

pub struct ReportView {
    pub range: DateRange,
    pub previous: DateRange,
    pub granularity: &'static str,
    pub sections: Vec<LocationSection>,
    pub grand: RowView,
    pub comparisons: Vec<ComparisonRow>,
    pub chart: BarChart,
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
    locations: Vec<Location>,
    currency: String,
    report: Option<ReportView>,
    /// Hours of the report that miss an order no import could read yet.
    uncounted: Vec<crate::web::uncounted::UncountedHour>,
}

pub fn bucket_label(granularity: Granularity, key: BucketKey) -> String {
    let (date, hour) = key;
    match granularity {
        Granularity::Hour => format!("{date} {:02}:00", hour.unwrap_or(0)),
        Granularity::Day => date.to_string(),
        Granularity::Week => format!("{date} – {}", date + Duration::days(6)),
        Granularity::Month => format!("{}-{:02}", date.year(), date.month()),
    }
}

/// Every bucket of the range in order, active or not (for the chart's axis).
pub fn all_buckets(granularity: Granularity, range: DateRange) -> Vec<BucketKey> {
    let mut keys = Vec::new();
    let mut date = granularity.bucket_start(range.from);
    while date <= range.to {
        match granularity {
            Granularity::Hour => keys.extend((0..24).map(|h| (date, Some(h)))),
            _ => keys.push((date, None)),
        }
        date = match granularity {
            Granularity::Hour | Granularity::Day => date + Duration::days(1),
            Granularity::Week => week_start(date) + Duration::days(7),
            Granularity::Month => {
                let next = date + Duration::days(32);
                next.with_day(1).expect("first day")
            }
        };
    }
    keys
}

/// The report's buckets per location (location row id → bucket → totals), summed from the
/// hourly totals.
pub async fn bucketed(
    totals: &TenantTotals,
    request: &ReportRequest,
) -> AppResult<BTreeMap<i64, BTreeMap<BucketKey, Totals>>> {
    let ids = request.location_ids();
    let (from, to) = (request.range.from.to_string(), request.range.to.to_string());
    let mut out: BTreeMap<i64, BTreeMap<BucketKey, Totals>> = BTreeMap::new();
    if request.granularity == Granularity::Hour {
        for row in totals.hours(&ids, &from, &to).await?.iter() {
            let Ok(date) = row.local_date.parse::<NaiveDate>() else {
                continue;
            };
            out.entry(row.location_id)
                .or_default()
                .entry((date, Some(row.hour)))
                .or_default()
                .add(&row.totals());
        }
    } else {
        for row in totals.days(&ids, &from, &to).await?.iter() {
            let Ok(date) = row.local_date.parse::<NaiveDate>() else {
                continue;
            };
            out.entry(row.location_id)
                .or_default()
                .entry((request.granularity.bucket_start(date), None))
                .or_default()
                .add(&row.totals());
        }
    }
    Ok(out)
}

/// Each location's totals over a range.
async fn location_totals(
    totals: &TenantTotals,
    ids: &[i64],
    range: DateRange,
) -> AppResult<BTreeMap<i64, Totals>> {
    let mut out: BTreeMap<i64, Totals> = BTreeMap::new();
    let rows = totals
        .days(ids, &range.from.to_string(), &range.to.to_string())
        .await?;
    for row in rows.iter() {
        out.entry(row.location_id).or_default().add(&row.totals());
    }
    Ok(out)
}

fn comparison(scope: &ReportScope, name: String, now: &Totals, before: &Totals) -> ComparisonRow {
    let percent = |n: i64, b: i64| {
        change_tenths_of_percent(n, b)
            .map(|t| format!("{} %", format_tenths(t)))
            .unwrap_or_else(|| "–".to_string())
    };
    let signed_amount = |v: i64| {
        let shown = scope.amount(v);
        if v > 0 { format!("+{shown}") } else { shown }
    };
    let signed_count = |v: i64| {
        let shown = count(v);
        if v > 0 { format!("+{shown}") } else { shown }
    };
    ComparisonRow {
        name,
        net_now: scope.amount(now.net),
        net_before: scope.amount(before.net),
        net_difference: signed_amount(now.net - before.net),
        net_percent: percent(now.net, before.net),
        transactions_now: count(now.transactions),
        transactions_before: count(before.transactions),
        transactions_difference: signed_count(now.transactions - before.transactions),
        transactions_percent: percent(now.transactions, before.transactions),
    }
}

async fn build(
    scope: &ReportScope,
    form: &ReportForm,
    request: &ReportRequest,
) -> AppResult<ReportView> {
    let buckets = bucketed(&scope.totals, request).await?;
    let previous_range = request.range.previous();
    let ids = request.location_ids();
    let previous = location_totals(&scope.totals, &ids, previous_range).await?;

    let mut sections = Vec::new();
    let mut comparisons = Vec::new();
    let mut grand = Totals::default();
    let mut grand_before = Totals::default();
    let mut by_bucket: BTreeMap<BucketKey, Totals> = BTreeMap::new();
    for location in &request.locations {
        let empty = BTreeMap::new();
        let rows = buckets.get(&location.id).unwrap_or(&empty);
        let mut total = Totals::default();
        let mut views = Vec::new();
        for (key, t) in rows {
            total.add(t);
            by_bucket.entry(*key).or_default().add(t);
            views.push(row_view(scope, bucket_label(request.granularity, *key), t));
        }
        let before = previous.get(&location.id).copied().unwrap_or_default();
        grand.add(&total);
        grand_before.add(&before);
        comparisons.push(comparison(
            scope,
            format!("{} · {}", location.location_id, location.name),
            &total,
            &before,
        ));
        sections.push(LocationSection {
            code: location.location_id.clone(),
            name: location.name.clone(),
            rows: views,
            total: row_view(scope, "Total".into(), &total),
        });
    }
    comparisons.push(comparison(
        scope,
        "All chosen locations".into(),
        &grand,
        &grand_before,
    ));
    let bars = all_buckets(request.granularity, request.range)
        .into_iter()
        .map(|key| {
            let value = by_bucket.get(&key).map(|t| t.net).unwrap_or(0);
            Bar {
                label: bucket_label(request.granularity, key),
                value,
                shown: scope.amount(value),
            }
        })
        .collect();
    Ok(ReportView {
        range: request.range,
        previous: previous_range,
        granularity: request.granularity.as_str(),
        sections,
        grand: row_view(scope, "Grand total".into(), &grand),
        comparisons,
        chart: BarChart {
            id: "report-chart".into(),
            title: format!(
                "Net sales ({}) by {}, {} to {}",
                scope.currency,
                request.granularity.as_str(),
                request.range.from,
                request.range.to
            ),
            bars,
        },
        export_query: form.query_string(request),
    })
}

pub async fn page(
    State(state): State<AppState>,
    user: TenantUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let scope = ReportScope::load(&state, &user).await?;
    let mut form = ReportForm::from_query(query.as_deref());
    let parsed = params::parse(&form, scope.today, &scope.locations, PAGE_RULES);
    let mut uncounted = Vec::new();
    let (status, problems, report) = match parsed {
        Ok(request) => {
            uncounted = crate::web::uncounted::hours(
                &state,
                user.tenant_id(),
                &request.locations,
                &request.range,
            )
            .await?;
            if request.preset != Preset::Custom {
                form.preset = request.preset.as_str().into();
                form.from = request.range.from.to_string();
                form.to = request.range.to.to_string();
            }
            if form.granularity.is_empty() {
                form.granularity = request.granularity.as_str().into();
            }
            let view = build(&scope, &form, &request).await?;
            (StatusCode::OK, Vec::new(), Some(view))
        }
        Err(problems) => (StatusCode::BAD_REQUEST, problems, None),
    };
    let page = TotalsPage {
        layout: user.layout(&state).await?,
        form,
        problems,
        presets: Preset::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        granularities: Granularity::ALL.iter().map(|g| g.as_str()).collect(),
        locations: scope.locations.clone(),
        currency: scope.currency.clone(),
        report,
        uncounted,
    };
    Ok((status, render(&page)?).into_response())
}
