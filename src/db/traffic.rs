//! Traffic and staff hours per location-hour (`traffic_hours`), the uploaded files waiting
//! for their commit (`traffic_uploads`), and the sums the conversion figures are made of.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::{Any, FromRow, Transaction};

use super::{Db, TenantId, now};
use crate::domain::traffic::{CountedHour, HourFigures, StaffHours, TrafficSums};
use crate::domain::traffic_rows::TrafficRow;

/// Rows written per statement: 7 values each, well under both back ends' parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

/// Uploaded files not committed within this long are forgotten.
pub const UPLOAD_KEPT_SECS: i64 = 24 * 60 * 60;

/// Where a location-hour's numbers came from (shown in the audit log, kept per row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    File,
    Api,
    Manual,
    Demo,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Api => "api",
            Source::Manual => "manual",
            Source::Demo => "demo",
        }
    }
}

/// What storing a set of rows does: location-hours new to TMAS, ones whose numbers change,
/// and ones already stored with the same numbers (left alone, so sending a file twice changes
/// nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct StoreCounts {
    pub added: usize,
    pub replaced: usize,
    pub unchanged: usize,
}

type HourKey = (i64, String, i64);

#[derive(FromRow)]
struct StoredHour {
    location_id: i64,
    local_date: String,
    hour: i64,
    traffic: i64,
    staff_centihours: Option<i64>,
}

fn key_of(row: &TrafficRow) -> HourKey {
    (
        row.location,
        row.date.format("%Y-%m-%d").to_string(),
        i64::from(row.hour),
    )
}

/// The stored numbers of the location-hours in `rows`' date range.
async fn stored_in_range(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    rows: &[TrafficRow],
) -> sqlx::Result<HashMap<HourKey, CountedHour>> {
    let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.date).min(),
        rows.iter().map(|r| r.date).max(),
    ) else {
        return Ok(HashMap::new());
    };
    let stored = sqlx::query_as::<_, StoredHour>(
        "SELECT location_id, local_date, hour, traffic, staff_centihours FROM traffic_hours
         WHERE tenant_id = $1 AND local_date BETWEEN $2 AND $3",
    )
    .bind(tenant.0)
    .bind(first.format("%Y-%m-%d").to_string())
    .bind(last.format("%Y-%m-%d").to_string())
    .fetch_all(&mut **tx)
    .await?;
    Ok(stored
        .into_iter()
        .map(|h| {
            (
                (h.location_id, h.local_date, h.hour),
                CountedHour {
                    traffic: h.traffic,
                    staff: h.staff_centihours.and_then(StaffHours::from_centihours),
                },
            )
        })
        .collect())
}

/// Sorts rows into new, changed and unchanged against what is stored.
fn classify<'r>(
    rows: &'r [TrafficRow],
    stored: &HashMap<HourKey, CountedHour>,
) -> (StoreCounts, Vec<&'r TrafficRow>) {
    let mut counts = StoreCounts::default();
    let mut writes = Vec::new();
    for row in rows {
        match stored.get(&key_of(row)) {
            None => {
                counts.added += 1;
                writes.push(row);
            }
            Some(old) if *old != row.counted => {
                counts.replaced += 1;
                writes.push(row);
            }
            Some(_) => counts.unchanged += 1,
        }
    }
    (counts, writes)
}

/// What storing `rows` would do, storing nothing (the preview).
pub async fn preview(db: &Db, tenant: TenantId, rows: &[TrafficRow]) -> sqlx::Result<StoreCounts> {
    let mut tx = db.pool.begin().await?;
    let stored = stored_in_range(&mut tx, tenant, rows).await?;
    tx.rollback().await?;
    Ok(classify(rows, &stored).0)
}

/// Stores `rows` (each replaces what its location-hour held) in one transaction: all or none.
pub async fn store(
    db: &Db,
    tenant: TenantId,
    rows: &[TrafficRow],
    source: Source,
) -> sqlx::Result<StoreCounts> {
    let mut tx = db.pool.begin().await?;
    let counts = store_in(&mut tx, tenant, rows, source).await?;
    tx.commit().await?;
    Ok(counts)
}

async fn store_in(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    rows: &[TrafficRow],
    source: Source,
) -> sqlx::Result<StoreCounts> {
    let stored = stored_in_range(tx, tenant, rows).await?;
    let (counts, writes) = classify(rows, &stored);
    let at = now();
    for chunk in writes.chunks(ROWS_PER_STATEMENT) {
        let values = (0..chunk.len())
            .map(|i| {
                let p = 2 + i * 5;
                format!(
                    "($1, ${}, ${}, ${}, ${}, ${}, '{}', {at})",
                    p,
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    source.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO traffic_hours (tenant_id, location_id, local_date, hour, traffic,
                                        staff_centihours, source, updated_at)
             VALUES {values}
             ON CONFLICT (tenant_id, location_id, local_date, hour) DO UPDATE SET
                 traffic = excluded.traffic, staff_centihours = excluded.staff_centihours,
                 source = excluded.source, updated_at = excluded.updated_at"
        );
        let mut query = sqlx::query(&sql).bind(tenant.0);
        for row in chunk {
            let (location, date, hour) = key_of(row);
            query = query
                .bind(location)
                .bind(date)
                .bind(hour)
                .bind(row.counted.traffic)
                .bind(row.counted.staff.map(StaffHours::centihours));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(counts)
}

/// A location-hour's traffic as typed on the data-edit page: new numbers, or None to make the
/// hour missing again (not a counted 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManualTraffic {
    pub date: NaiveDate,
    pub hour: u8,
    pub counted: Option<CountedHour>,
}

/// Stores the hand-typed hours of one location in one transaction: all or none.
pub async fn save_manual(
    db: &Db,
    tenant: TenantId,
    location: i64,
    edits: &[ManualTraffic],
) -> sqlx::Result<()> {
    let rows: Vec<TrafficRow> = edits
        .iter()
        .filter_map(|e| {
            e.counted.map(|counted| TrafficRow {
                location,
                date: e.date,
                hour: e.hour,
                counted,
            })
        })
        .collect();
    let mut tx = db.pool.begin().await?;
    store_in(&mut tx, tenant, &rows, Source::Manual).await?;
    for e in edits.iter().filter(|e| e.counted.is_none()) {
        sqlx::query(
            "DELETE FROM traffic_hours
             WHERE tenant_id = $1 AND location_id = $2 AND local_date = $3 AND hour = $4",
        )
        .bind(tenant.0)
        .bind(location)
        .bind(e.date.format("%Y-%m-%d").to_string())
        .bind(i64::from(e.hour))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The counted hours of one location from `from` to `to` (the data-edit page's week).
pub async fn hours_between(
    db: &Db,
    tenant: TenantId,
    location: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<HashMap<(NaiveDate, i64), CountedHour>> {
    let rows = sqlx::query_as::<_, StoredHour>(
        "SELECT location_id, local_date, hour, traffic, staff_centihours FROM traffic_hours
         WHERE tenant_id = $1 AND location_id = $2 AND local_date BETWEEN $3 AND $4",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(from.format("%Y-%m-%d").to_string())
    .bind(to.format("%Y-%m-%d").to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|h| {
            let date = h.local_date.parse::<NaiveDate>().ok()?;
            Some((
                (date, h.hour),
                CountedHour {
                    traffic: h.traffic,
                    staff: h.staff_centihours.and_then(StaffHours::from_centihours),
                },
            ))
        })
        .collect())
}

// ---- Uploaded files between preview and commit ----

/// A file waiting for its commit (or committed), as its preview and result pages show it;
/// its bytes are read apart ([`upload_content`]), only when it is committed.
#[derive(Debug, Clone, FromRow)]
pub struct Upload {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub created_at: i64,
    pub committed_at: Option<i64>,
    pub rows_read: i64,
    preview_added: i64,
    preview_replaced: i64,
    preview_unchanged: i64,
    stored_added: Option<i64>,
    stored_replaced: Option<i64>,
    stored_unchanged: Option<i64>,
}

fn count_of(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn stored_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Upload {
    /// What the preview found storing the file would do.
    pub fn preview_counts(&self) -> StoreCounts {
        StoreCounts {
            added: count_of(self.preview_added),
            replaced: count_of(self.preview_replaced),
            unchanged: count_of(self.preview_unchanged),
        }
    }

    /// What the commit stored; None before it.
    pub fn stored_counts(&self) -> Option<StoreCounts> {
        Some(StoreCounts {
            added: count_of(self.stored_added?),
            replaced: count_of(self.stored_replaced?),
            unchanged: count_of(self.stored_unchanged?),
        })
    }
}

/// A clean file as its preview read it, to keep until its commit.
pub struct NewUpload<'a> {
    pub user_id: i64,
    /// The SHA-256 of the random token its pages are opened with.
    pub token_hash: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub rows_read: usize,
    pub counts: StoreCounts,
}

const UPLOAD_COLUMNS: &str = "id, file_name, sha256, created_at, committed_at, rows_read,
    preview_added, preview_replaced, preview_unchanged,
    stored_added, stored_replaced, stored_unchanged";

/// Keeps an uploaded file for its commit, and forgets the tenant's stale ones.
pub async fn save_upload(db: &Db, tenant: TenantId, upload: &NewUpload<'_>) -> sqlx::Result<i64> {
    let at = now();
    sqlx::query("DELETE FROM traffic_uploads WHERE tenant_id = $1 AND created_at < $2")
        .bind(tenant.0)
        .bind(at - UPLOAD_KEPT_SECS)
        .execute(&db.pool)
        .await?;
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO traffic_uploads (tenant_id, user_id, token_hash, file_name, sha256, content,
             created_at, rows_read, preview_added, preview_replaced, preview_unchanged)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(tenant.0)
    .bind(upload.user_id)
    .bind(upload.token_hash)
    .bind(upload.file_name)
    .bind(upload.sha256)
    .bind(upload.content.to_vec())
    .bind(at)
    .bind(stored_count(upload.rows_read))
    .bind(stored_count(upload.counts.added))
    .bind(stored_count(upload.counts.replaced))
    .bind(stored_count(upload.counts.unchanged))
    .fetch_one(&db.pool)
    .await
}

/// The upload opened by a token, when `user_id` sent it in this tenant and it is not stale:
/// another tenant's or another user's token finds nothing, like an unknown one.
pub async fn find_upload(
    db: &Db,
    tenant: TenantId,
    user_id: i64,
    token_hash: &str,
) -> sqlx::Result<Option<Upload>> {
    sqlx::query_as::<_, Upload>(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM traffic_uploads
         WHERE tenant_id = $1 AND token_hash = $2 AND user_id = $3 AND created_at >= $4"
    ))
    .bind(tenant.0)
    .bind(token_hash)
    .bind(user_id)
    .bind(now() - UPLOAD_KEPT_SECS)
    .fetch_optional(&db.pool)
    .await
}

/// The bytes of an upload, read again at its commit.
pub async fn upload_content(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar::<_, Vec<u8>>(
        "SELECT content FROM traffic_uploads WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Stores an upload's rows, marks it committed and keeps what was stored, in one transaction;
/// None when it was committed already (a second click, a second tab): nothing is written again.
pub async fn commit_upload(
    db: &Db,
    tenant: TenantId,
    upload: i64,
    rows: &[TrafficRow],
) -> sqlx::Result<Option<StoreCounts>> {
    let mut tx = db.pool.begin().await?;
    let claimed = sqlx::query(
        "UPDATE traffic_uploads SET committed_at = $3
         WHERE tenant_id = $1 AND id = $2 AND committed_at IS NULL",
    )
    .bind(tenant.0)
    .bind(upload)
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let counts = store_in(&mut tx, tenant, rows, Source::File).await?;
    sqlx::query(
        "UPDATE traffic_uploads SET stored_added = $3, stored_replaced = $4, stored_unchanged = $5
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(upload)
    .bind(stored_count(counts.added))
    .bind(stored_count(counts.replaced))
    .bind(stored_count(counts.unchanged))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(counts))
}

// ---- The sums behind the figures ----

/// The traffic sums of one location and local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySums {
    pub location_id: i64,
    pub local_date: String,
    pub sums: TrafficSums,
}

#[derive(FromRow)]
struct DaySumsRow {
    location_id: i64,
    local_date: String,
    traffic: i64,
    sales_transactions: i64,
    net: i64,
    staffed_traffic: i64,
    staff_centihours: i64,
    counted_hours: i64,
    missing_hours: i64,
}

/// Per location and local date from `from` to `to` (inclusive), the sums of
/// [`TrafficSums::add_hour`] built in SQL: counted hours joined to their sales, and hours with
/// sales that were not counted.
pub async fn day_sums(
    db: &Db,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<DaySums>> {
    day_sums_until(db, tenant, from, to, 23).await
}

/// [`day_sums`] over the hours `0..=last_hour` of each day: a day cut at the hour now reached,
/// compared with the same hours of another day.
pub async fn day_sums_until(
    db: &Db,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    last_hour: u32,
) -> sqlx::Result<Vec<DaySums>> {
    let rows = sqlx::query_as::<_, DaySumsRow>(
        "SELECT location_id, local_date,
                CAST(SUM(traffic) AS BIGINT) AS traffic,
                CAST(SUM(sales_transactions) AS BIGINT) AS sales_transactions,
                CAST(SUM(net) AS BIGINT) AS net,
                CAST(SUM(staffed_traffic) AS BIGINT) AS staffed_traffic,
                CAST(SUM(staff_centihours) AS BIGINT) AS staff_centihours,
                CAST(SUM(counted) AS BIGINT) AS counted_hours,
                CAST(SUM(missing) AS BIGINT) AS missing_hours
         FROM (
             SELECT t.location_id, t.local_date, t.traffic,
                    COALESCE(h.sales_transactions, 0) AS sales_transactions,
                    COALESCE(h.net, 0) AS net,
                    CASE WHEN t.staff_centihours IS NULL THEN 0 ELSE t.traffic END
                        AS staffed_traffic,
                    COALESCE(t.staff_centihours, 0) AS staff_centihours,
                    1 AS counted, 0 AS missing
             FROM traffic_hours t
             LEFT JOIN hourly_totals h ON h.tenant_id = t.tenant_id
                  AND h.location_id = t.location_id AND h.local_date = t.local_date
                  AND h.hour = t.hour
             WHERE t.tenant_id = $1 AND t.local_date BETWEEN $2 AND $3 AND t.hour <= $4
             UNION ALL
             SELECT h.location_id, h.local_date, 0, 0, 0, 0, 0, 0, 1
             FROM hourly_totals h
             WHERE h.tenant_id = $1 AND h.local_date BETWEEN $2 AND $3 AND h.hour <= $4
               AND (h.sales_transactions <> 0 OR h.net <> 0)
               AND NOT EXISTS (SELECT 1 FROM traffic_hours t
                               WHERE t.tenant_id = h.tenant_id
                                 AND t.location_id = h.location_id
                                 AND t.local_date = h.local_date AND t.hour = h.hour)
         ) f
         GROUP BY location_id, local_date
         ORDER BY location_id, local_date",
    )
    .bind(tenant.0)
    .bind(from.format("%Y-%m-%d").to_string())
    .bind(to.format("%Y-%m-%d").to_string())
    .bind(i64::from(last_hour))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DaySums {
            location_id: r.location_id,
            local_date: r.local_date,
            sums: TrafficSums {
                traffic: r.traffic,
                sales_transactions: r.sales_transactions,
                net: r.net,
                staffed_traffic: r.staffed_traffic,
                staff_centihours: r.staff_centihours,
                counted_hours: r.counted_hours,
                missing_hours: r.missing_hours,
            },
        })
        .collect())
}

/// The sums of one location-hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourSums {
    pub location_id: i64,
    pub local_date: String,
    pub hour: i64,
    pub sums: TrafficSums,
}

#[derive(FromRow)]
struct HourSumsRow {
    location_id: i64,
    local_date: String,
    hour: i64,
    traffic: i64,
    sales_transactions: i64,
    net: i64,
    staff_centihours: Option<i64>,
    counted: i64,
}

/// Per location-hour of `locations` from `from` to `to`: what was counted beside the sales
/// (the report's hourly detail), read as [`TrafficSums::add_hour`] reads an hour.
pub async fn hour_sums(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<HourSums>> {
    if locations.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are the tenant's own row ids (integers), never text from a request.
    let list = locations
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let rows = sqlx::query_as::<_, HourSumsRow>(&format!(
        "SELECT t.location_id, t.local_date, t.hour, t.traffic,
                COALESCE(h.sales_transactions, 0) AS sales_transactions,
                COALESCE(h.net, 0) AS net, t.staff_centihours, 1 AS counted
         FROM traffic_hours t
         LEFT JOIN hourly_totals h ON h.tenant_id = t.tenant_id
              AND h.location_id = t.location_id AND h.local_date = t.local_date
              AND h.hour = t.hour
         WHERE t.tenant_id = $1 AND t.local_date BETWEEN $2 AND $3
           AND t.location_id IN ({list})
         UNION ALL
         SELECT h.location_id, h.local_date, h.hour, 0, h.sales_transactions, h.net, NULL, 0
         FROM hourly_totals h
         WHERE h.tenant_id = $1 AND h.local_date BETWEEN $2 AND $3
           AND h.location_id IN ({list})
           AND NOT EXISTS (SELECT 1 FROM traffic_hours t
                           WHERE t.tenant_id = h.tenant_id
                             AND t.location_id = h.location_id
                             AND t.local_date = h.local_date AND t.hour = h.hour)"
    ))
    .bind(tenant.0)
    .bind(from.format("%Y-%m-%d").to_string())
    .bind(to.format("%Y-%m-%d").to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let hour = HourFigures {
                counted: (r.counted == 1).then(|| CountedHour {
                    traffic: r.traffic,
                    staff: r.staff_centihours.and_then(StaffHours::from_centihours),
                }),
                sales_transactions: r.sales_transactions,
                net: r.net,
            };
            HourSums {
                location_id: r.location_id,
                local_date: r.local_date,
                hour: r.hour,
                sums: TrafficSums::of_hours([&hour]),
            }
        })
        .collect())
}

/// The counted hours of one location and day (the data-edit page, tests).
pub async fn hours_of_day(
    db: &Db,
    tenant: TenantId,
    location: i64,
    date: NaiveDate,
) -> sqlx::Result<Vec<(i64, CountedHour)>> {
    let rows = sqlx::query_as::<_, StoredHour>(
        "SELECT location_id, local_date, hour, traffic, staff_centihours FROM traffic_hours
         WHERE tenant_id = $1 AND location_id = $2 AND local_date = $3 ORDER BY hour",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date.format("%Y-%m-%d").to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|h| {
            (
                h.hour,
                CountedHour {
                    traffic: h.traffic,
                    staff: h.staff_centihours.and_then(StaffHours::from_centihours),
                },
            )
        })
        .collect())
}

/// One local hour of a day over all of the tenant's locations: the visitors counted (None
/// when no location counted that hour) and the sales transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourTraffic {
    pub traffic: Option<i64>,
    pub sales_transactions: i64,
}

#[derive(FromRow)]
struct HourTrafficRow {
    hour: i64,
    traffic: Option<i64>,
    sales_transactions: i64,
}

/// Per local hour of `date` (index 0–23), the traffic of `locations` beside the sales
/// transactions of the same counted location-hours (as conversion takes them, so the bars
/// read as its parts): today's hourly chart.
pub async fn by_hour(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    date: NaiveDate,
) -> sqlx::Result<[HourTraffic; 24]> {
    let mut out = [HourTraffic::default(); 24];
    if locations.is_empty() {
        return Ok(out);
    }
    let list = locations
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // The ids are the tenant's own row ids (integers), never text from a request.
    let rows = sqlx::query_as::<_, HourTrafficRow>(&format!(
        "SELECT hour, CAST(SUM(traffic) AS BIGINT) AS traffic,
                CAST(SUM(sales_transactions) AS BIGINT) AS sales_transactions
         FROM (
             SELECT hour, traffic, 0 AS sales_transactions FROM traffic_hours
             WHERE tenant_id = $1 AND local_date = $2 AND location_id IN ({list})
             UNION ALL
             SELECT h.hour, NULL, h.sales_transactions FROM hourly_totals h
             WHERE h.tenant_id = $1 AND h.local_date = $2 AND h.location_id IN ({list})
               AND EXISTS (SELECT 1 FROM traffic_hours t
                           WHERE t.tenant_id = h.tenant_id AND t.location_id = h.location_id
                             AND t.local_date = h.local_date AND t.hour = h.hour)
         ) f
         GROUP BY hour ORDER BY hour"
    ))
    .bind(tenant.0)
    .bind(date.format("%Y-%m-%d").to_string())
    .fetch_all(&db.pool)
    .await?;
    for row in rows {
        if let Some(slot) = usize::try_from(row.hour).ok().and_then(|h| out.get_mut(h)) {
            *slot = HourTraffic {
                traffic: row.traffic,
                sales_transactions: row.sales_transactions,
            };
        }
    }
    Ok(out)
}

/// Each location's first counted date: before it, a period has no count to compare with.
pub async fn first_counted(
    db: &Db,
    tenant: TenantId,
) -> sqlx::Result<std::collections::BTreeMap<i64, NaiveDate>> {
    let rows = sqlx::query_as::<_, (i64, String)>(
        "SELECT location_id, MIN(local_date) FROM traffic_hours WHERE tenant_id = $1
         GROUP BY location_id",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(location, date)| Some((location, date.parse().ok()?)))
        .collect())
}

/// Whether the tenant has counted any hour, and any with staff hours: the pages show the
/// traffic columns (and the staff-hour ones) only to tenants whose counters report them.
pub async fn presence(db: &Db, tenant: TenantId) -> sqlx::Result<(bool, bool)> {
    let (any, staffed) = sqlx::query_as::<_, (i64, i64)>(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM traffic_hours WHERE tenant_id = $1)
                     THEN 1 ELSE 0 END AS BIGINT),
                CAST(CASE WHEN EXISTS (SELECT 1 FROM traffic_hours WHERE tenant_id = $1
                                       AND staff_centihours IS NOT NULL)
                     THEN 1 ELSE 0 END AS BIGINT)",
    )
    .bind(tenant.0)
    .fetch_one(&db.pool)
    .await?;
    Ok((any > 0, staffed > 0))
}

/// How many location-hours the tenant has counted (the import page's summary, tests).
pub async fn count(db: &Db, tenant: TenantId) -> sqlx::Result<i64> {
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM traffic_hours WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_one(&db.pool)
    .await
}
