//! The demo's door counters: believable traffic for the demo tenant's stores, made from the
//! sales the worker imported, so conversion shows at once — between about 15 % and 35 % a
//! day, busier weekends (more people browse for each one who buys), and one day with the
//! counter down at one store (its hours are missing, as a real broken counter leaves them).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use sqlx::FromRow;

use crate::db::traffic::Source;
use crate::db::{self, Db, TenantId};
use crate::domain::traffic::{CountedHour, StaffHours};
use crate::domain::traffic_rows::TrafficRow;

/// The hours a demo store's counter sees people in even without a sale.
const OPEN_HOURS: std::ops::RangeInclusive<u8> = 9..=20;
/// How often the demo looks for imported hours without traffic.
const FILL_EVERY: Duration = Duration::from_secs(15);

/// One imported hour of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SalesHour {
    pub location: i64,
    pub date: NaiveDate,
    pub hour: u8,
    pub sales_transactions: i64,
}

/// A number in [0, 1) that is always the same for the same hour (no state to keep between
/// fills, so a day filled twice gets the same counts).
fn unit(location: i64, date: NaiveDate, hour: u8, salt: u64) -> f64 {
    let mut x = (location as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::from(date.num_days_from_ce().unsigned_abs()) << 8)
        .wrapping_add(u64::from(hour))
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    // splitmix64's finalizer.
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The counted hours of whole days: the open hours and every hour with sales, for each
/// (location, date) in `days`, except `counter_down`.
pub fn counted_days(
    hours: &[SalesHour],
    days: &HashSet<(i64, NaiveDate)>,
    counter_down: Option<(i64, NaiveDate)>,
) -> Vec<TrafficRow> {
    let mut by_day: BTreeMap<(i64, NaiveDate), BTreeMap<u8, i64>> = BTreeMap::new();
    for day in days {
        if Some(*day) == counter_down {
            continue;
        }
        let hours_of_day = by_day.entry(*day).or_default();
        for hour in OPEN_HOURS {
            hours_of_day.insert(hour, 0);
        }
    }
    for h in hours {
        if let Some(hours_of_day) = by_day.get_mut(&(h.location, h.date)) {
            hours_of_day.insert(h.hour, h.sales_transactions.max(0));
        }
    }
    by_day
        .into_iter()
        .flat_map(|((location, date), hours_of_day)| {
            hours_of_day
                .into_iter()
                .map(move |(hour, sales)| counted(location, date, hour, sales))
        })
        .collect()
}

/// Hours with sales on a day already counted in part (today, as it goes on).
pub fn counted_hours(hours: &[SalesHour]) -> Vec<TrafficRow> {
    hours
        .iter()
        .map(|h| counted(h.location, h.date, h.hour, h.sales_transactions.max(0)))
        .collect()
}

fn counted(location: i64, date: NaiveDate, hour: u8, sales: i64) -> TrafficRow {
    let u = unit(location, date, hour, 1);
    let traffic = if sales > 0 {
        // Each hour converts 21–33 % on weekdays, 18–28 % at weekends: with the few visitors
        // of the hours without a sale, a quiet store's day stays above 15 %.
        let conversion = if weekend(date) {
            0.18 + 0.10 * u
        } else {
            0.21 + 0.12 * u
        };
        (sales as f64 / conversion).ceil() as i64
    } else {
        // A few people look around and leave.
        (u * if weekend(date) { 3.0 } else { 2.0 }) as i64
    };
    // Staff: two people, a third when it is busy; in half hours.
    let staff_halves = 4 + traffic / 15;
    TrafficRow {
        location,
        date,
        hour,
        counted: CountedHour {
            traffic,
            staff: StaffHours::from_centihours(staff_halves * 50),
        },
    }
}

#[derive(FromRow)]
struct HourRow {
    location_id: i64,
    local_date: String,
    hour: i64,
    sales_transactions: i64,
}

/// Counts the imported hours that have no traffic yet: whole days for days without any, the
/// hours with sales for a day counted in part.
pub async fn fill(
    db: &Db,
    tenant: TenantId,
    counter_down: Option<(i64, NaiveDate)>,
) -> sqlx::Result<usize> {
    let rows = sqlx::query_as::<_, HourRow>(
        "SELECT h.location_id, h.local_date, h.hour, h.sales_transactions FROM hourly_totals h
         WHERE h.tenant_id = $1 AND NOT EXISTS (
             SELECT 1 FROM traffic_hours t WHERE t.tenant_id = h.tenant_id
               AND t.location_id = h.location_id AND t.local_date = h.local_date
               AND t.hour = h.hour)",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let counted_days_so_far: HashSet<(i64, String)> = sqlx::query_as::<_, (i64, String)>(
        "SELECT DISTINCT location_id, local_date FROM traffic_hours WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect();
    let (mut whole, mut partial) = (Vec::new(), Vec::new());
    for r in rows {
        let Ok(date) = r.local_date.parse::<NaiveDate>() else {
            continue;
        };
        let hour = SalesHour {
            location: r.location_id,
            date,
            hour: u8::try_from(r.hour).unwrap_or(0),
            sales_transactions: r.sales_transactions,
        };
        if counted_days_so_far.contains(&(r.location_id, r.local_date)) {
            if Some((hour.location, hour.date)) != counter_down {
                partial.push(hour);
            }
        } else {
            whole.push(hour);
        }
    }
    let days: HashSet<(i64, NaiveDate)> = whole.iter().map(|h| (h.location, h.date)).collect();
    let mut counted = counted_days(&whole, &days, counter_down);
    counted.extend(counted_hours(&partial));
    if counted.is_empty() {
        return Ok(0);
    }
    db::traffic::store(db, tenant, &counted, Source::Demo).await?;
    Ok(counted.len())
}

/// Keeps the demo's counters counting while the demo runs: the history once the worker has
/// imported it, then each new hour with sales.
pub fn spawn(db: Db, tenant: TenantId, counter_down: Option<(i64, NaiveDate)>) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = fill(&db, tenant, counter_down).await {
                tracing::warn!(error = %e, "demo traffic");
            }
            tokio::time::sleep(FILL_EVERY).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::traffic::{HourFigures, TrafficSums};

    fn day_of(location: i64, date: NaiveDate, sales: &[(u8, i64)]) -> Vec<SalesHour> {
        sales
            .iter()
            .map(|(hour, s)| SalesHour {
                location,
                date,
                hour: *hour,
                sales_transactions: *s,
            })
            .collect()
    }

    fn sums(rows: &[TrafficRow], hours: &[SalesHour]) -> TrafficSums {
        let figures: Vec<HourFigures> = rows
            .iter()
            .map(|r| HourFigures {
                counted: Some(r.counted),
                sales_transactions: hours
                    .iter()
                    .find(|h| h.location == r.location && h.date == r.date && h.hour == r.hour)
                    .map_or(0, |h| h.sales_transactions),
                net: 0,
            })
            .collect();
        TrafficSums::of_hours(&figures)
    }

    #[test]
    fn days_convert_between_15_and_35_percent_and_weekends_are_busier() {
        // A quiet weekday and a Saturday with the same sales, at a store like the demo's.
        let tuesday = NaiveDate::from_ymd_opt(2026, 3, 3).expect("date");
        let saturday = NaiveDate::from_ymd_opt(2026, 3, 7).expect("date");
        let sales = [
            (10, 1),
            (11, 2),
            (12, 3),
            (13, 2),
            (15, 1),
            (17, 2),
            (18, 1),
        ];
        let mut traffic = Vec::new();
        for date in [tuesday, saturday] {
            let hours = day_of(7, date, &sales);
            let days = HashSet::from([(7, date)]);
            let rows = counted_days(&hours, &days, None);
            assert_eq!(rows.len(), 12, "the open hours, sales or not");
            let day = sums(&rows, &hours);
            let conversion = day.conversion_tenths_percent().expect("counted");
            assert!((150..=350).contains(&conversion), "{date}: {conversion}");
            assert!(day.shoppers_per_staff_hour_tenths().is_some());
            traffic.push(day.traffic);
        }
        assert!(traffic[1] > traffic[0], "weekend {traffic:?}");
    }

    #[test]
    fn the_counter_down_leaves_its_day_missing_and_the_same_day_counts_the_same() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 3).expect("date");
        let hours = [day_of(1, date, &[(10, 2)]), day_of(2, date, &[(10, 2)])].concat();
        let days = HashSet::from([(1, date), (2, date)]);
        let rows = counted_days(&hours, &days, Some((2, date)));
        assert!(rows.iter().all(|r| r.location == 1));
        assert_eq!(rows, counted_days(&hours, &days, Some((2, date))));
    }
}
