//! Queries over `hourly_totals` for the dashboard, reports, exports and manual editing. Reports
//! never read the raw orders: every number here is a sum of hours. Day queries read
//! `daily_totals`, the sums of each day's active hours that triggers on `hourly_totals` keep in
//! step (migration 0007), so a year of days is 365 rows per location instead of 8,760.
//!
//! Each query names the tenant's locations explicitly (`location_id IN (…)`), so both back ends
//! walk the primary key `(tenant_id, location_id, local_date, hour)` instead of scanning all of
//! a tenant's hours. Sums are cast to BIGINT: PostgreSQL's `SUM(bigint)` is NUMERIC, which the
//! Any driver cannot read as an integer.

use sqlx::FromRow;

use super::{Db, TenantId, now};
use crate::domain::integration::IntegrationStatus;
use crate::domain::report::Totals;

/// The stored sums of an hour, a day or a range of days: one shape for every totals row.
#[derive(Debug, Clone, FromRow)]
pub struct StoredSums {
    pub gross: i64,
    pub discounts: i64,
    pub returns: i64,
    pub net: i64,
    pub transactions: i64,
    pub items: i64,
    pub edited: i64,
}

impl StoredSums {
    pub fn totals(&self) -> Totals {
        Totals {
            gross: self.gross,
            discounts: self.discounts,
            returns: self.returns,
            net: self.net,
            transactions: self.transactions,
            items: self.items,
            edited: self.edited != 0,
        }
    }
}

/// One stored hour.
#[derive(Debug, Clone, FromRow)]
pub struct HourRow {
    pub location_id: i64,
    pub local_date: String,
    pub hour: i64,
    #[sqlx(flatten)]
    pub sums: StoredSums,
}

impl HourRow {
    pub fn totals(&self) -> Totals {
        self.sums.totals()
    }
}

/// One location's day: the sums of its active hours (a `daily_totals` row).
#[derive(Debug, Clone, FromRow)]
pub struct DayRow {
    pub location_id: i64,
    pub local_date: String,
    #[sqlx(flatten)]
    pub sums: StoredSums,
}

impl DayRow {
    pub fn totals(&self) -> Totals {
        self.sums.totals()
    }
}

/// An hour with no activity at all is not a bucket (an hour set to zero by hand, for instance).
const ACTIVE: &str = "NOT (gross = 0 AND discounts = 0 AND returns = 0 AND net = 0
                      AND transactions = 0 AND items = 0)";

const HOUR_COLUMNS: &str =
    "location_id, local_date, hour, gross, discounts, returns, net, transactions, items, edited";

const DAY_COLUMNS: &str =
    "location_id, local_date, gross, discounts, returns, net, transactions, items, edited";

/// Runs a query over these locations between two local dates (inclusive): `sql` is given
/// the placeholders of the location ids (`$4, $5, …`) and binds `$1` tenant, `$2` from and
/// `$3` to. No locations, no rows (and no query).
pub(super) async fn over_locations<T>(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
    sql: impl FnOnce(&str) -> String,
) -> sqlx::Result<Vec<T>>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    if locations.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sql(&super::placeholder_list(locations.len(), 4));
    let mut query = sqlx::query_as::<_, T>(&sql)
        .bind(tenant.0)
        .bind(from)
        .bind(to);
    for id in locations {
        query = query.bind(*id);
    }
    query.fetch_all(&db.pool).await
}

/// Every hour of these locations between two local dates (inclusive), ordered by location then
/// time.
pub async fn hours(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<HourRow>> {
    over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT {HOUR_COLUMNS} FROM hourly_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids}) AND {ACTIVE}
             ORDER BY location_id, local_date, hour"
        )
    })
    .await
}

/// Days of these locations between two local dates (inclusive): the sums of their active hours,
/// as `daily_totals` holds them.
pub async fn days(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<DayRow>> {
    over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT {DAY_COLUMNS} FROM daily_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids})
             ORDER BY location_id, local_date"
        )
    })
    .await
}

/// One location's sums over a range of days.
#[derive(Debug, Clone, FromRow)]
pub struct LocationSums {
    pub location_id: i64,
    #[sqlx(flatten)]
    pub sums: StoredSums,
}

impl LocationSums {
    pub fn totals(&self) -> Totals {
        self.sums.totals()
    }
}

/// Each location's sums between two local dates (inclusive), for the dashboard's periods: one
/// row per location, where fetching its days would move a row per location and day (rows, not
/// the sums, are what a dashboard request spends its time on).
pub async fn location_sums(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<LocationSums>> {
    over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT location_id,
                 CAST(SUM(gross) AS BIGINT) AS gross, CAST(SUM(discounts) AS BIGINT) AS discounts,
                 CAST(SUM(returns) AS BIGINT) AS returns, CAST(SUM(net) AS BIGINT) AS net,
                 CAST(SUM(transactions) AS BIGINT) AS transactions,
                 CAST(SUM(items) AS BIGINT) AS items, CAST(MAX(edited) AS BIGINT) AS edited
             FROM daily_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids})
             GROUP BY location_id
             ORDER BY location_id"
        )
    })
    .await
}

/// The net sales of these locations together on each day between two local dates
/// (inclusive), ordered by date; days without an active hour are absent.
pub async fn net_by_day(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<(String, i64)>> {
    over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT local_date, CAST(SUM(net) AS BIGINT) FROM daily_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids})
             GROUP BY local_date
             ORDER BY local_date"
        )
    })
    .await
}

/// Each location's sums over the hours `0..=last_hour` of one local date: the comparable part
/// of a past day ("today so far" against the same weekday last week up to the same hour).
pub async fn location_sums_until_hour(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    date: &str,
    last_hour: u32,
) -> sqlx::Result<Vec<LocationSums>> {
    // The hour is a number we computed, written into the SQL as one (the placeholders after
    // `$3` belong to the location ids).
    over_locations(db, tenant, locations, date, date, |ids| {
        format!(
            "SELECT location_id,
                 CAST(SUM(gross) AS BIGINT) AS gross, CAST(SUM(discounts) AS BIGINT) AS discounts,
                 CAST(SUM(returns) AS BIGINT) AS returns, CAST(SUM(net) AS BIGINT) AS net,
                 CAST(SUM(transactions) AS BIGINT) AS transactions,
                 CAST(SUM(items) AS BIGINT) AS items, CAST(MAX(edited) AS BIGINT) AS edited
             FROM hourly_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids}) AND hour <= {last_hour} AND {ACTIVE}
             GROUP BY location_id
             ORDER BY location_id"
        )
    })
    .await
}

/// The net sales of these locations together in each active hour of one local date.
pub async fn net_by_hour(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    date: &str,
) -> sqlx::Result<Vec<(i64, i64)>> {
    over_locations(db, tenant, locations, date, date, |ids| {
        format!(
            "SELECT hour, CAST(SUM(net) AS BIGINT) FROM hourly_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids}) AND {ACTIVE}
             GROUP BY hour
             ORDER BY hour"
        )
    })
    .await
}

/// The net sales of these locations together in each active hour between two local dates
/// (inclusive), ordered by time: the hourly report's chart, without a row per location.
pub async fn net_by_date_hour(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT local_date, hour, CAST(SUM(net) AS BIGINT) FROM hourly_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids}) AND {ACTIVE}
             GROUP BY local_date, hour
             ORDER BY local_date, hour"
        )
    })
    .await
}

/// One page of a location's hours after `(after_date, after_hour)`, for streaming exports.
pub async fn hours_page(
    db: &Db,
    tenant: TenantId,
    location: i64,
    from: &str,
    to: &str,
    after: Option<(&str, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<HourRow>> {
    let (after_date, after_hour) = after.unwrap_or(("", -1));
    sqlx::query_as::<_, HourRow>(&format!(
        "SELECT {HOUR_COLUMNS} FROM hourly_totals
         WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3 AND local_date <= $4
           AND (local_date > $5 OR (local_date = $5 AND hour > $6)) AND {ACTIVE}
         ORDER BY local_date, hour
         LIMIT $7"
    ))
    .bind(tenant.0)
    .bind(location)
    .bind(from)
    .bind(to)
    .bind(after_date)
    .bind(after_hour)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// One page of a location's days after `after_date`, for streaming exports.
pub async fn days_page(
    db: &Db,
    tenant: TenantId,
    location: i64,
    from: &str,
    to: &str,
    after_date: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<DayRow>> {
    sqlx::query_as::<_, DayRow>(&format!(
        "SELECT {DAY_COLUMNS} FROM daily_totals
         WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3 AND local_date <= $4
           AND local_date > $5
         ORDER BY local_date
         LIMIT $6"
    ))
    .bind(tenant.0)
    .bind(location)
    .bind(from)
    .bind(to)
    .bind(after_date.unwrap_or(""))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// How many active hours these locations have in the range (to size an export).
pub async fn count_hours(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<i64> {
    let counts: Vec<(i64,)> = over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM hourly_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids}) AND {ACTIVE}"
        )
    })
    .await?;
    Ok(counts.first().map_or(0, |c| c.0))
}

/// The tenant's currency: its integration's shop currency, else USD.
pub async fn currency(db: &Db, tenant: TenantId) -> sqlx::Result<String> {
    Ok(shop_currency(db, tenant)
        .await?
        .unwrap_or_else(|| "USD".to_string()))
}

/// The shop currency of the tenant's integration, if one has told it (pages show amounts
/// without a currency sign rather than guess one).
pub async fn shop_currency(db: &Db, tenant: TenantId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT shop_currency FROM integrations
         WHERE tenant_id = $1 AND shop_currency <> ''
         ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, id LIMIT 1",
    )
    .bind(tenant.0)
    .fetch_optional(&db.pool)
    .await
}

/// The tenant's locations that an integration past its setup imports (matched and enabled):
/// the others have no source of data but what is entered by hand.
pub async fn imported_locations(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT DISTINCT il.location_id FROM integration_locations il
         JOIN integrations i ON i.tenant_id = il.tenant_id AND i.id = il.integration_id
         WHERE il.tenant_id = $1 AND il.enabled = 1 AND i.status <> 'draft'",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

/// An integration as the dashboard's strip shows it.
#[derive(Debug, Clone, FromRow)]
pub struct IntegrationState {
    pub id: i64,
    pub label: String,
    pub store_name: String,
    #[sqlx(try_from = "String")]
    pub status: IntegrationStatus,
    pub status_reason: String,
    pub next_run_at: Option<i64>,
    pub last_started_at: Option<i64>,
    pub last_finished_at: Option<i64>,
    pub last_outcome: Option<String>,
}

pub async fn integration_states(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<IntegrationState>> {
    sqlx::query_as::<_, IntegrationState>(
        "SELECT i.id, i.label, i.store_name, i.status, i.status_reason, i.next_run_at,
                r.started_at AS last_started_at, r.finished_at AS last_finished_at,
                r.outcome AS last_outcome
         FROM integrations i
         LEFT JOIN import_runs r ON r.tenant_id = i.tenant_id AND r.id = (
             SELECT MAX(x.id) FROM import_runs x
             WHERE x.tenant_id = i.tenant_id AND x.integration_id = i.id)
         WHERE i.tenant_id = $1
         ORDER BY i.id",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

/// The integration importing this location now, if any: matched, enabled, and active.
#[derive(Debug, Clone, FromRow)]
pub struct ActiveImport {
    pub integration_id: i64,
    pub label: String,
}

pub async fn active_import(
    db: &Db,
    tenant: TenantId,
    location: i64,
) -> sqlx::Result<Option<ActiveImport>> {
    sqlx::query_as::<_, ActiveImport>(
        "SELECT i.id AS integration_id, i.label
         FROM integration_locations il
         JOIN integrations i ON i.tenant_id = il.tenant_id AND i.id = il.integration_id
         WHERE il.tenant_id = $1 AND il.location_id = $2 AND il.enabled = 1
           AND i.status = 'active'
         ORDER BY i.id LIMIT 1",
    )
    .bind(tenant.0)
    .bind(location)
    .fetch_optional(&db.pool)
    .await
}

/// Every stored hour of one location in a date range, active or not (the editing grid).
pub async fn stored_hours(
    db: &Db,
    tenant: TenantId,
    location: i64,
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<HourRow>> {
    sqlx::query_as::<_, HourRow>(&format!(
        "SELECT {HOUR_COLUMNS} FROM hourly_totals
         WHERE tenant_id = $1 AND location_id = $2 AND local_date >= $3 AND local_date <= $4
         ORDER BY local_date, hour"
    ))
    .bind(tenant.0)
    .bind(location)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// A corrected hour: the new net sales, transactions and items of one hour.
#[derive(Debug, Clone)]
pub struct HourEdit {
    pub local_date: String,
    pub hour: i64,
    pub old: Option<HourRow>,
    pub net: i64,
    pub transactions: i64,
    pub items: i64,
}

/// Saves corrected hours in one transaction: each hour's row takes the new values and the
/// edited flag, and each edit is recorded in `manual_edits` (who, when, old and new values).
/// Gross sales move with net sales so that net = gross − discounts − returns still holds, and
/// the hour's sales transactions are the typed transactions less the returns it held (the
/// edit does not see its facts; a new hour has none).
pub async fn save_edits(
    db: &Db,
    tenant: TenantId,
    location: i64,
    user_id: i64,
    edits: &[HourEdit],
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    let at = now();
    for edit in edits {
        let (old_gross, old_discounts, old_returns, old_net, old_tx, old_items) = match &edit.old {
            Some(o) => (
                o.sums.gross,
                o.sums.discounts,
                o.sums.returns,
                o.sums.net,
                o.sums.transactions,
                o.sums.items,
            ),
            None => (0, 0, 0, 0, 0, 0),
        };
        // Saturating, never wrapping: a gross beyond a cell's range is then refused by the
        // table's CHECK (migration 0017) instead of stored with the wrong sign.
        let gross = old_gross.saturating_add(edit.net.saturating_sub(old_net));
        sqlx::query(
            "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
                 discounts, returns, net, transactions, items, edited, sales_transactions)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $9)
             ON CONFLICT (tenant_id, location_id, local_date, hour) DO UPDATE SET
                 gross = excluded.gross, discounts = excluded.discounts,
                 returns = excluded.returns, net = excluded.net,
                 transactions = excluded.transactions, items = excluded.items, edited = 1,
                 sales_transactions = CASE
                     WHEN excluded.transactions
                          - (hourly_totals.transactions - hourly_totals.sales_transactions) > 0
                     THEN excluded.transactions
                          - (hourly_totals.transactions - hourly_totals.sales_transactions)
                     ELSE 0 END",
        )
        .bind(tenant.0)
        .bind(location)
        .bind(&edit.local_date)
        .bind(edit.hour)
        .bind(gross)
        .bind(old_discounts)
        .bind(old_returns)
        .bind(edit.net)
        .bind(edit.transactions)
        .bind(edit.items)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO manual_edits (tenant_id, location_id, local_date, hour, user_id, at,
                 old_net, old_transactions, old_items, new_net, new_transactions, new_items)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(tenant.0)
        .bind(location)
        .bind(&edit.local_date)
        .bind(edit.hour)
        .bind(user_id)
        .bind(at)
        .bind(old_net)
        .bind(old_tx)
        .bind(old_items)
        .bind(edit.net)
        .bind(edit.transactions)
        .bind(edit.items)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// A recorded edit, for the history under the grid.
#[derive(Debug, Clone, FromRow)]
pub struct ManualEdit {
    pub local_date: String,
    pub hour: i64,
    pub at: i64,
    pub email: String,
    pub old_net: i64,
    pub old_transactions: i64,
    pub old_items: i64,
    pub new_net: i64,
    pub new_transactions: i64,
    pub new_items: i64,
}

pub async fn edit_history(
    db: &Db,
    tenant: TenantId,
    location: i64,
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<ManualEdit>> {
    sqlx::query_as::<_, ManualEdit>(
        "SELECT m.local_date, m.hour, m.at, COALESCE(u.email, '') AS email, m.old_net,
                m.old_transactions, m.old_items, m.new_net, m.new_transactions, m.new_items
         FROM manual_edits m LEFT JOIN users u ON u.id = m.user_id
         WHERE m.tenant_id = $1 AND m.location_id = $2 AND m.local_date >= $3
           AND m.local_date <= $4
         ORDER BY m.id DESC LIMIT 200",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// Which integration imports which location (matched and enabled), for the integrations past
/// their setup: (integration id, location row id). A history import under way leaves only its
/// own locations incomplete.
pub async fn imported_location_pairs(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT il.integration_id, il.location_id FROM integration_locations il
         JOIN integrations i ON i.tenant_id = il.tenant_id AND i.id = il.integration_id
         WHERE il.tenant_id = $1 AND il.enabled = 1 AND i.status <> 'draft'
         ORDER BY il.integration_id, il.location_id",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}
