//! The data export's rows: one location's hours or days, each with its sales beside its
//! traffic. A bucket is a row when it has sales activity, or a count worth reading (visitors or
//! staff hours above zero): a counter that reports 0 all night adds no rows, and an hour with
//! visitors but no sale is a row, since that is where conversion is lost.

use sqlx::FromRow;

use super::totals::StoredSums;
use super::{Db, TenantId};
use crate::domain::traffic::{CountedHour, HourFigures, StaffHours, TrafficSums};

/// One row of the export.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub local_date: String,
    /// None for a day.
    pub hour: Option<i64>,
    /// The bucket's sales (zeros for an hour that only has a count).
    pub sums: StoredSums,
    /// The bucket's sales transactions, counted or not (returns and exchanges are not sales).
    pub sales_transactions: i64,
    /// The sums over the bucket's counted hours: conversion and the other figures are their
    /// quotients (DOMAIN.md), never averages of hourly ratios.
    pub traffic: TrafficSums,
    /// How many of the bucket's counted hours have staff hours: none, and the staff hours and
    /// shoppers per staff hour are empty rather than 0.
    pub staffed_hours: i64,
}

/// Page through one location's rows after a key, for the CSV stream (and the XLSX, in one
/// large page).
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub tenant: TenantId,
    pub location: i64,
    pub from: &'a str,
    pub to: &'a str,
    pub limit: i64,
}

#[derive(FromRow)]
struct HourExport {
    local_date: String,
    hour: i64,
    #[sqlx(flatten)]
    sums: StoredSums,
    sales_transactions: i64,
    traffic: Option<i64>,
    staff_centihours: Option<i64>,
}

/// An hour of sales that is not all zeros (the totals queries' rule).
const ACTIVE_HOUR: &str = "NOT (gross = 0 AND discounts = 0 AND returns = 0 AND net = 0
                           AND transactions = 0 AND items = 0)";

/// A count worth a row: visitors or staff hours above zero.
const COUNTED: &str = "(traffic > 0 OR staff_centihours > 0)";

/// The location's hours after `(after_date, after_hour)`, in time order.
pub async fn hours(
    db: &Db,
    page: Page<'_>,
    after: Option<(&str, i64)>,
) -> sqlx::Result<Vec<ExportRow>> {
    let (after_date, after_hour) = after.unwrap_or(("", -1));
    let after_key = "(local_date > $5 OR (local_date = $5 AND hour > $6))";
    let rows = sqlx::query_as::<_, HourExport>(&format!(
        "SELECT k.local_date, k.hour,
                COALESCE(h.gross, 0) AS gross, COALESCE(h.discounts, 0) AS discounts,
                COALESCE(h.returns, 0) AS returns, COALESCE(h.net, 0) AS net,
                COALESCE(h.transactions, 0) AS transactions, COALESCE(h.items, 0) AS items,
                COALESCE(h.edited, 0) AS edited,
                COALESCE(h.sales_transactions, 0) AS sales_transactions,
                t.traffic, t.staff_centihours
         FROM (SELECT local_date, hour FROM hourly_totals
               WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3
                 AND local_date <= $4 AND {after_key} AND {ACTIVE_HOUR}
               UNION
               SELECT local_date, hour FROM traffic_hours
               WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3
                 AND local_date <= $4 AND {after_key} AND {COUNTED}) k
         LEFT JOIN hourly_totals h ON h.tenant_id = $1 AND h.location_id = $2
              AND h.local_date = k.local_date AND h.hour = k.hour
         LEFT JOIN traffic_hours t ON t.tenant_id = $1 AND t.location_id = $2
              AND t.local_date = k.local_date AND t.hour = k.hour
         ORDER BY k.local_date, k.hour
         LIMIT $7"
    ))
    .bind(page.tenant.0)
    .bind(page.location)
    .bind(page.from)
    .bind(page.to)
    .bind(after_date)
    .bind(after_hour)
    .bind(page.limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counted = r.traffic.map(|traffic| CountedHour {
                traffic,
                staff: r.staff_centihours.and_then(StaffHours::from_centihours),
            });
            let figures = HourFigures {
                counted,
                sales_transactions: r.sales_transactions,
                net: r.sums.net,
            };
            ExportRow {
                local_date: r.local_date,
                hour: Some(r.hour),
                sales_transactions: r.sales_transactions,
                traffic: TrafficSums::of_hours([&figures]),
                staffed_hours: i64::from(counted.is_some_and(|c| c.staff.is_some())),
                sums: r.sums,
            }
        })
        .collect())
}

#[derive(FromRow)]
struct DayExport {
    local_date: String,
    #[sqlx(flatten)]
    sums: StoredSums,
    sales_transactions: i64,
    traffic: i64,
    counted_sales: i64,
    counted_net: i64,
    staffed_traffic: i64,
    staff_centihours: i64,
    counted_hours: i64,
    staffed_hours: i64,
}

/// The location's days after `after_date`, in date order: a day's sales as `daily_totals`
/// holds them, its traffic sums over its counted hours joined to their sales.
pub async fn days(
    db: &Db,
    page: Page<'_>,
    after_date: Option<&str>,
) -> sqlx::Result<Vec<ExportRow>> {
    let rows = sqlx::query_as::<_, DayExport>(&format!(
        "SELECT k.local_date,
                COALESCE(d.gross, 0) AS gross, COALESCE(d.discounts, 0) AS discounts,
                COALESCE(d.returns, 0) AS returns, COALESCE(d.net, 0) AS net,
                COALESCE(d.transactions, 0) AS transactions, COALESCE(d.items, 0) AS items,
                COALESCE(d.edited, 0) AS edited,
                COALESCE(d.sales_transactions, 0) AS sales_transactions,
                COALESCE(c.traffic, 0) AS traffic,
                COALESCE(c.counted_sales, 0) AS counted_sales,
                COALESCE(c.counted_net, 0) AS counted_net,
                COALESCE(c.staffed_traffic, 0) AS staffed_traffic,
                COALESCE(c.staff_centihours, 0) AS staff_centihours,
                COALESCE(c.counted_hours, 0) AS counted_hours,
                COALESCE(c.staffed_hours, 0) AS staffed_hours
         FROM (SELECT local_date FROM daily_totals
               WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3
                 AND local_date <= $4 AND local_date > $5
               UNION
               SELECT local_date FROM traffic_hours
               WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3
                 AND local_date <= $4 AND local_date > $5 AND {COUNTED}) k
         LEFT JOIN daily_totals d ON d.tenant_id = $1 AND d.location_id = $2
              AND d.local_date = k.local_date
         LEFT JOIN (
             SELECT t.local_date,
                    CAST(SUM(t.traffic) AS BIGINT) AS traffic,
                    CAST(SUM(COALESCE(h.sales_transactions, 0)) AS BIGINT) AS counted_sales,
                    CAST(SUM(COALESCE(h.net, 0)) AS BIGINT) AS counted_net,
                    CAST(SUM(CASE WHEN t.staff_centihours IS NULL THEN 0 ELSE t.traffic END)
                         AS BIGINT) AS staffed_traffic,
                    CAST(SUM(COALESCE(t.staff_centihours, 0)) AS BIGINT) AS staff_centihours,
                    CAST(COUNT(*) AS BIGINT) AS counted_hours,
                    CAST(SUM(CASE WHEN t.staff_centihours IS NULL THEN 0 ELSE 1 END)
                         AS BIGINT) AS staffed_hours
             FROM traffic_hours t
             LEFT JOIN hourly_totals h ON h.tenant_id = t.tenant_id
                  AND h.location_id = t.location_id AND h.local_date = t.local_date
                  AND h.hour = t.hour
             WHERE t.tenant_id = $1 AND t.location_id = $2 AND t.local_date >= $3
               AND t.local_date <= $4 AND t.local_date > $5
             GROUP BY t.local_date) c ON c.local_date = k.local_date
         ORDER BY k.local_date
         LIMIT $6"
    ))
    .bind(page.tenant.0)
    .bind(page.location)
    .bind(page.from)
    .bind(page.to)
    .bind(after_date.unwrap_or(""))
    .bind(page.limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ExportRow {
            local_date: r.local_date,
            hour: None,
            sales_transactions: r.sales_transactions,
            traffic: TrafficSums {
                traffic: r.traffic,
                sales_transactions: r.counted_sales,
                net: r.counted_net,
                staffed_traffic: r.staffed_traffic,
                staff_centihours: r.staff_centihours,
                counted_hours: r.counted_hours,
                missing_hours: 0,
            },
            staffed_hours: r.staffed_hours,
            sums: r.sums,
        })
        .collect())
}
