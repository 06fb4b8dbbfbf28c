//! The daily check against Shopify's own report: each integration's check (state, message,
//! schedule and lease) and the location-days of its last check with both sides' figures;
//! and the TMAS side of the comparison, read from `daily_totals`. Nothing here writes an
//! imported number.

use sqlx::FromRow;

use super::{Db, TenantId};
use crate::domain::reconciliation::CheckState;

/// An integration's check as stored.
#[derive(Debug, Clone, FromRow)]
pub struct CheckRow {
    pub tenant_id: i64,
    pub integration_id: i64,
    #[sqlx(try_from = "String")]
    pub state: CheckState,
    pub message: String,
    /// Shopify's warnings, one a line.
    pub warnings: String,
    pub checked_at: Option<i64>,
    pub next_check_at: i64,
}

/// One location-day of a check: what Shopify's report said and what TMAS holds.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DayCheck {
    pub location_id: i64,
    pub local_date: String,
    pub shopify_net: i64,
    pub shopify_orders: i64,
    pub shopify_returns: i64,
    pub tmas_net: i64,
    pub tmas_orders: i64,
    pub tmas_returns: i64,
    /// Comma-separated reason codes (`edited`, `disabled`, `unreadable`, `returns_scope`,
    /// `changed`).
    pub reasons: String,
    pub checked_at: i64,
}

impl DayCheck {
    pub fn matches(&self) -> bool {
        self.shopify_net == self.tmas_net
            && self.shopify_orders == self.tmas_orders
            && self.shopify_returns == self.tmas_returns
    }

    pub fn reason_list(&self) -> Vec<&str> {
        self.reasons.split(',').filter(|r| !r.is_empty()).collect()
    }
}

/// A TMAS location's day as the reports read it.
#[derive(Debug, Clone, FromRow)]
pub struct TmasDay {
    pub location_id: i64,
    pub local_date: String,
    pub net: i64,
    pub returns: i64,
    pub sales_transactions: i64,
    pub edited: i64,
}

const CHECK_COLUMNS: &str =
    "tenant_id, integration_id, state, message, warnings, checked_at, next_check_at";

const DAY_COLUMNS: &str = "location_id, local_date, shopify_net, shopify_orders, \
    shopify_returns, tmas_net, tmas_orders, tmas_returns, reasons, checked_at";

/// An active integration whose check is not scheduled yet, with its shop's time zone.
#[derive(Debug, Clone, FromRow)]
pub struct Unscheduled {
    pub tenant_id: i64,
    pub integration_id: i64,
    pub shop_time_zone: String,
}

/// Active integrations (of every tenant) that have no check row yet: the worker schedules
/// their first check.
pub async fn unscheduled(db: &Db) -> sqlx::Result<Vec<Unscheduled>> {
    sqlx::query_as::<_, Unscheduled>(
        "SELECT i.tenant_id, i.id AS integration_id, i.shop_time_zone FROM integrations i
         WHERE i.status = 'active' AND NOT EXISTS (
            SELECT 1 FROM reconciliation_checks r
            WHERE r.tenant_id = i.tenant_id AND r.integration_id = i.id)
         LIMIT 100",
    )
    .fetch_all(&db.pool)
    .await
}

/// Schedules an integration's check at `at` (or sooner, when it is due earlier already).
pub async fn schedule(db: &Db, tenant: TenantId, integration: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO reconciliation_checks (tenant_id, integration_id, next_check_at)
         VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, integration_id) DO UPDATE
         SET next_check_at = CASE WHEN reconciliation_checks.next_check_at < excluded.next_check_at
                                  THEN reconciliation_checks.next_check_at
                                  ELSE excluded.next_check_at END",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Claims one due check for `owner` until `lease_until`: (tenant, integration).
pub async fn claim_due(
    db: &Db,
    owner: &str,
    now: i64,
    lease_until: i64,
) -> sqlx::Result<Option<(i64, i64)>> {
    for _ in 0..5 {
        let candidate: Option<(i64, i64)> = sqlx::query_as(
            "SELECT r.tenant_id, r.integration_id FROM reconciliation_checks r
             JOIN integrations i ON i.tenant_id = r.tenant_id AND i.id = r.integration_id
             WHERE r.next_check_at <= $1 AND (r.lease_until IS NULL OR r.lease_until < $1)
               AND i.status = 'active'
             ORDER BY r.next_check_at LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&db.pool)
        .await?;
        let Some((tenant, integration)) = candidate else {
            return Ok(None);
        };
        let taken = sqlx::query(
            "UPDATE reconciliation_checks SET lease_until = $3, lease_owner = $4
             WHERE tenant_id = $1 AND integration_id = $2 AND next_check_at <= $5
               AND (lease_until IS NULL OR lease_until < $5)",
        )
        .bind(tenant)
        .bind(integration)
        .bind(lease_until)
        .bind(owner)
        .bind(now)
        .execute(&db.pool)
        .await?;
        if taken.rows_affected() == 1 {
            return Ok(Some((tenant, integration)));
        }
    }
    Ok(None)
}

/// What one check found, to record.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    pub state: CheckState,
    pub message: &'a str,
    pub warnings: &'a str,
    /// The location-days compared; `None` keeps those of the last check that compared.
    pub days: Option<&'a [DayCheck]>,
    pub checked_at: i64,
    pub next_check_at: i64,
}

/// Records a check's outcome and releases its lease.
pub async fn record(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    outcome: &Outcome<'_>,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    if let Some(days) = outcome.days {
        sqlx::query("DELETE FROM reconciliation_days WHERE tenant_id = $1 AND integration_id = $2")
            .bind(tenant.0)
            .bind(integration)
            .execute(&mut *tx)
            .await?;
        for d in days {
            sqlx::query(&format!(
                "INSERT INTO reconciliation_days (tenant_id, integration_id, {DAY_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(tenant.0)
            .bind(integration)
            .bind(d.location_id)
            .bind(&d.local_date)
            .bind(d.shopify_net)
            .bind(d.shopify_orders)
            .bind(d.shopify_returns)
            .bind(d.tmas_net)
            .bind(d.tmas_orders)
            .bind(d.tmas_returns)
            .bind(&d.reasons)
            .bind(d.checked_at)
            .execute(&mut *tx)
            .await?;
        }
        // The dashboard's badge is cached under the tenant's data version: a new check is news.
        sqlx::query(
            "INSERT INTO tenant_data_versions (tenant_id, version) VALUES ($1, 1)
             ON CONFLICT (tenant_id) DO UPDATE SET version = tenant_data_versions.version + 1",
        )
        .bind(tenant.0)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO reconciliation_checks (tenant_id, integration_id, state, message, warnings,
                                            checked_at, next_check_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, integration_id) DO UPDATE
         SET state = excluded.state, message = excluded.message, warnings = excluded.warnings,
             checked_at = excluded.checked_at, next_check_at = excluded.next_check_at,
             lease_until = NULL, lease_owner = NULL",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(outcome.state.as_str())
    .bind(outcome.message)
    .bind(outcome.warnings)
    .bind(outcome.checked_at)
    .bind(outcome.next_check_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// An integration's check, if it was ever scheduled.
pub async fn check(db: &Db, tenant: TenantId, integration: i64) -> sqlx::Result<Option<CheckRow>> {
    sqlx::query_as::<_, CheckRow>(&format!(
        "SELECT {CHECK_COLUMNS} FROM reconciliation_checks
         WHERE tenant_id = $1 AND integration_id = $2"
    ))
    .bind(tenant.0)
    .bind(integration)
    .fetch_optional(&db.pool)
    .await
}

/// The location-days of an integration's last check, by date (newest first) then location.
pub async fn days(db: &Db, tenant: TenantId, integration: i64) -> sqlx::Result<Vec<DayCheck>> {
    sqlx::query_as::<_, DayCheck>(&format!(
        "SELECT {DAY_COLUMNS} FROM reconciliation_days
         WHERE tenant_id = $1 AND integration_id = $2
         ORDER BY local_date DESC, location_id"
    ))
    .bind(tenant.0)
    .bind(integration)
    .fetch_all(&db.pool)
    .await
}

/// Every checked location-day of the tenant's existing integrations, with the integration it
/// belongs to (for the dashboard's badge).
pub async fn tenant_days(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<(i64, DayCheck)>> {
    #[derive(FromRow)]
    struct Row {
        integration_id: i64,
        #[sqlx(flatten)]
        day: DayCheck,
    }
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT integration_id, {DAY_COLUMNS} FROM reconciliation_days d
         WHERE d.tenant_id = $1 AND EXISTS (
            SELECT 1 FROM integrations i WHERE i.tenant_id = d.tenant_id AND i.id = d.integration_id)"
    ))
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.integration_id, r.day))
        .collect())
}

/// TMAS's days of these locations between two local dates (inclusive), as `daily_totals`
/// holds them for the dashboard and the reports.
pub async fn tmas_days(
    db: &Db,
    tenant: TenantId,
    locations: &[i64],
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<TmasDay>> {
    super::totals::over_locations(db, tenant, locations, from, to, |ids| {
        format!(
            "SELECT location_id, local_date, net, returns, sales_transactions, edited
             FROM daily_totals
             WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
               AND location_id IN ({ids})"
        )
    })
    .await
}

/// The location-days where an order the integration could not read would have counted.
pub async fn unreadable_days(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT DISTINCT location_id, local_date FROM unreadable_order_hours
         WHERE tenant_id = $1 AND integration_id = $2 AND local_date >= $3 AND local_date <= $4",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}
