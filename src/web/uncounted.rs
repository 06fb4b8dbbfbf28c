//! The hours of a page's date range that hold something TMAS could not count (an order no
//! import could read yet), so that the dashboard and reports say so beside their numbers.

use crate::db::locations::Location;
use crate::domain::report::DateRange;
use crate::error::AppResult;
use crate::i18n;
use crate::totals_cache::TenantTotals;

/// One local hour of one location that misses an unreadable order.
pub struct UncountedHour {
    /// "TMAS location ID · name".
    pub location: String,
    /// The local day as the reader's language writes it, with its weekday.
    pub date: String,
    /// "HH:00".
    pub hour: String,
    pub orders: i64,
}

/// The uncounted hours of `locations` in `range` (local dates, both ends included).
/// Read through the tenant's data-version cache (unreadable orders' hours raise the version).
pub async fn hours(
    totals: &TenantTotals,
    locations: &[Location],
    range: &DateRange,
) -> AppResult<Vec<UncountedHour>> {
    let rows = totals
        .unreadable_hours(&range.from.to_string(), &range.to.to_string())
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let l = locations.iter().find(|l| l.id == r.location_id)?;
            Some(UncountedHour {
                location: format!("{} · {}", l.location_id, l.name),
                date: r
                    .local_date
                    .parse::<chrono::NaiveDate>()
                    .map(|d| i18n::format_weekday_date(i18n::current(), d))
                    .unwrap_or_else(|_| r.local_date.clone()),
                hour: format!("{:02}:00", r.local_hour),
                orders: r.orders,
            })
        })
        .collect())
}
