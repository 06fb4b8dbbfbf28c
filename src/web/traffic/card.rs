//! The dashboard's traffic card: for each of the dashboard's periods, the visitors counted,
//! conversion (flagged above 100 %), sales per shopper, shoppers per staff hour, and the hours
//! with sales whose traffic is missing. Shown only to tenants whose counters report.

use chrono::NaiveDate;

use super::super::AppState;
use crate::db::{self, TenantId};
use crate::domain::report::DateRange;
use crate::domain::traffic::TrafficSums;
use crate::i18n::{self, Lang};

/// One period's row of the card.
pub struct TrafficRowView {
    pub title: &'static str,
    pub traffic: String,
    pub conversion: String,
    /// More sales than visitors: a counter that undercounted.
    pub above_100: bool,
    pub per_shopper: String,
    pub per_staff_hour: String,
    /// "Traffic missing for 3 hours", or empty.
    pub missing: String,
}

/// A share in tenths of a percent, unsigned: `6.0%` / `6,0 %`.
fn percent(lang: Lang, tenths: i64) -> String {
    i18n::format_share_tenths(lang, tenths)
}

fn view(
    lang: Lang,
    title: &'static str,
    sums: &TrafficSums,
    digits: u32,
    currency: &str,
) -> TrafficRowView {
    let dash = || "—".to_string();
    TrafficRowView {
        title,
        traffic: if sums.has_traffic() {
            i18n::format_integer(lang, sums.traffic)
        } else {
            dash()
        },
        conversion: sums
            .conversion_tenths_percent()
            .map_or_else(dash, |t| percent(lang, t)),
        above_100: sums.conversion_above_100(),
        per_shopper: sums
            .sales_per_shopper()
            .map_or_else(dash, |m| i18n::format_money(lang, m, digits, currency)),
        per_staff_hour: sums
            .shoppers_per_staff_hour_tenths()
            .map_or_else(dash, |t| i18n::format_decimal(lang, t, 1)),
        missing: if sums.has_traffic() && sums.missing_hours > 0 {
            let hours = i18n::format_count(lang, sums.missing_hours, "hour", "hours");
            i18n::fill(lang, "Traffic missing for {}", &[hours])
        } else {
            String::new()
        },
    }
}

/// The card's rows for `periods` (all of the tenant's locations); empty when no hour of them
/// was counted, so a tenant without counters sees no card.
pub async fn rows(
    state: &AppState,
    tenant: TenantId,
    periods: &[(&'static str, DateRange)],
    digits: u32,
    currency: &str,
) -> sqlx::Result<Vec<TrafficRowView>> {
    let (Some(from), Some(to)) = (
        periods.iter().map(|(_, r)| r.from).min(),
        periods.iter().map(|(_, r)| r.to).max(),
    ) else {
        return Ok(Vec::new());
    };
    let days = db::traffic::day_sums(&state.db, tenant, from, to).await?;
    if days.iter().all(|d| !d.sums.has_traffic()) {
        return Ok(Vec::new());
    }
    let lang = i18n::current();
    Ok(periods
        .iter()
        .map(|(title, range)| {
            let mut sums = TrafficSums::default();
            for day in &days {
                if let Ok(date) = day.local_date.parse::<NaiveDate>()
                    && (range.from..=range.to).contains(&date)
                {
                    sums.add(&day.sums);
                }
            }
            view(lang, title, &sums, digits, currency)
        })
        .collect())
}
