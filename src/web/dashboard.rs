//! The dashboard at `/`: today, yesterday, week to date and month to date per location and in
//! total; an hourly chart of today and a daily chart of the last 30 days; and the state of each
//! POS integration with a link to fix it. Every number is a sum of `hourly_totals` (days read
//! from `daily_totals`, which holds them summed).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use super::AppState;
use super::charts::{Bar, BarChart};
use super::context::{Layout, TenantUser};
use super::reports::ReportScope;
use super::reports::totals::{RowView, row_view};
use crate::db::totals::IntegrationState;
use crate::domain::report::{DateRange, Totals, week_start};
use crate::error::{AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(page))
}

/// One period's table: a row per location and the total.
pub struct PeriodView {
    pub title: &'static str,
    pub range: DateRange,
    pub rows: Vec<RowView>,
    pub total: RowView,
}

pub struct IntegrationView {
    pub id: i64,
    pub label: String,
    pub status: String,
    pub status_reason: String,
    pub last_import: String,
    pub last_outcome: String,
    pub next_import: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    has_locations: bool,
    currency: String,
    today: NaiveDate,
    periods: Vec<PeriodView>,
    hourly: BarChart,
    daily: BarChart,
    integrations: Vec<IntegrationView>,
    /// Hours shown here that miss an order no import could read yet.
    uncounted: Vec<super::uncounted::UncountedHour>,
}

fn local_time(at: Option<i64>, tz: Tz) -> String {
    at.and_then(|s| DateTime::from_timestamp(s, 0))
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn integration_view(i: IntegrationState, tz: Tz) -> IntegrationView {
    IntegrationView {
        id: i.id,
        label: if i.label.is_empty() {
            i.store_name.clone()
        } else {
            i.label.clone()
        },
        status: i.status,
        status_reason: i.status_reason,
        last_import: local_time(i.last_finished_at.or(i.last_started_at), tz),
        last_outcome: i.last_outcome.unwrap_or_default(),
        next_import: local_time(i.next_run_at, tz),
    }
}

async fn page(State(state): State<AppState>, user: TenantUser) -> AppResult<Response> {
    let scope = ReportScope::load(&state, &user).await?;
    let tz: Tz = user.tenant.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = scope.today;
    let yesterday = today - Duration::days(1);
    let month_start = today.with_day(1).expect("first day");
    let periods_def = [
        (
            "Today",
            DateRange {
                from: today,
                to: today,
            },
        ),
        (
            "Yesterday",
            DateRange {
                from: yesterday,
                to: yesterday,
            },
        ),
        (
            "Week to date",
            DateRange {
                from: week_start(today),
                to: today,
            },
        ),
        (
            "Month to date",
            DateRange {
                from: month_start,
                to: today,
            },
        ),
    ];
    let thirty = DateRange {
        from: today - Duration::days(29),
        to: today,
    };
    let ids: Vec<i64> = scope.locations.iter().map(|l| l.id).collect();
    // Served from memory while the tenant's data version and local hour hold.
    let totals = &scope.totals;
    // Sums come from the database per location and period, per day and per hour: a few hundred
    // rows instead of every location's days and hours.
    let mut per_period: Vec<BTreeMap<i64, Totals>> = Vec::with_capacity(periods_def.len());
    for (_, range) in &periods_def {
        let sums = totals
            .location_sums(&ids, &range.from.to_string(), &range.to.to_string())
            .await?;
        per_period.push(
            sums.iter()
                .map(|row| (row.location_id, row.totals()))
                .collect(),
        );
    }
    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let days = totals
        .net_by_day(&ids, &thirty.from.to_string(), &thirty.to.to_string())
        .await?;
    for (date, net) in days.iter() {
        if let Ok(date) = date.parse::<NaiveDate>() {
            per_day.insert(date, *net);
        }
    }
    let today_text = today.to_string();
    let hours = totals.net_by_hour(&ids, &today_text).await?;

    let periods = periods_def
        .iter()
        .zip(per_period)
        .map(|((title, range), sums)| {
            let mut total = Totals::default();
            let rows = scope
                .locations
                .iter()
                .map(|l| {
                    let t = sums.get(&l.id).copied().unwrap_or_default();
                    total.add(&t);
                    row_view(&scope, format!("{} · {}", l.location_id, l.name), &t)
                })
                .collect();
            PeriodView {
                title,
                range: *range,
                rows,
                total: row_view(&scope, "Total".into(), &total),
            }
        })
        .collect();

    let mut per_hour = [0_i64; 24];
    for (hour, net) in hours.iter() {
        if let Some(slot) = usize::try_from(*hour)
            .ok()
            .and_then(|i| per_hour.get_mut(i))
        {
            *slot += net;
        }
    }
    let hourly = BarChart {
        id: "chart-today".into(),
        title: format!("Net sales ({}) by hour, {today}", scope.currency),
        bars: per_hour
            .iter()
            .enumerate()
            .map(|(h, v)| Bar {
                label: format!("{h:02}:00"),
                value: *v,
                shown: scope.amount(*v),
            })
            .collect(),
    };
    let daily = BarChart {
        id: "chart-30-days".into(),
        title: format!(
            "Net sales ({}) by day, {} to {}",
            scope.currency, thirty.from, thirty.to
        ),
        bars: (0..30)
            .map(|i| {
                let date = thirty.from + Duration::days(i);
                let v = per_day.get(&date).copied().unwrap_or(0);
                Bar {
                    label: date.to_string(),
                    value: v,
                    shown: scope.amount(v),
                }
            })
            .collect(),
    };
    let integrations = totals
        .integration_states()
        .await?
        .iter()
        .cloned()
        .map(|i| integration_view(i, tz))
        .collect();

    // Every hour this page sums: from the earliest period (the month, the week or the 30
    // days of the chart) to today.
    let shown = DateRange {
        from: thirty.from.min(month_start).min(week_start(today)),
        to: today,
    };
    let uncounted =
        super::uncounted::hours(&state, user.tenant_id(), &scope.locations, &shown).await?;
    Ok(render(&DashboardPage {
        uncounted,
        layout: user.layout(&state).await?,
        has_locations: !scope.locations.is_empty(),
        currency: scope.currency.clone(),
        today,
        periods,
        hourly,
        daily,
        integrations,
    })?
    .into_response())
}
