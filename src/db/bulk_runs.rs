//! What a run reading through a Shopify bulk export records for its progress line (the
//! operation, Shopify's export phase with its object count, then TMAS's writing phase with
//! orders done of the file's total), and what a running run is told from outside: an
//! administrator's request to cancel it, or its integration deactivated or deleted.

use super::{Db, TenantId};
use crate::domain::import_run::ReadMode;
use crate::domain::integration::IntegrationStatus;

/// The run reads through a bulk export: the operation it waits for, Shopify exporting.
pub async fn started(db: &Db, tenant: TenantId, run: i64, operation: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_runs SET read_mode = 'bulk', bulk_operation = $3,
                bulk_phase = 'exporting', bulk_objects = 0
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(run)
    .bind(operation)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Objects Shopify has exported so far.
pub async fn exporting(db: &Db, tenant: TenantId, run: i64, objects: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE import_runs SET bulk_objects = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(run)
        .bind(objects)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// TMAS is writing the file's orders: `done` of `total`.
pub async fn writing(
    db: &Db,
    tenant: TenantId,
    run: i64,
    done: i64,
    total: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_runs SET bulk_phase = 'writing', bulk_orders_done = $3,
                bulk_orders_total = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(run)
    .bind(done)
    .bind(total)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The bulk read is over: `read_mode` says how the run read Shopify in the end ('bulk', or
/// 'paged' when it fell back to reading page by page).
pub async fn ended(db: &Db, tenant: TenantId, run: i64, read_mode: ReadMode) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_runs SET bulk_phase = '', read_mode = $3 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(run)
    .bind(read_mode.as_str())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// What a running run must do now, as decided outside the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunControl {
    Continue,
    /// An administrator asked to cancel the run.
    CancelRequested,
    /// The integration was deactivated or deleted.
    IntegrationStopped,
}

pub async fn control(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
) -> sqlx::Result<RunControl> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT i.status, r.cancel_requested FROM integrations i
         LEFT JOIN import_runs r ON r.tenant_id = i.tenant_id AND r.integration_id = i.id
                                AND r.id = $3
         WHERE i.tenant_id = $1 AND i.id = $2",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(run)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        None => RunControl::IntegrationStopped,
        Some((status, _))
            if IntegrationStatus::parse(&status) == Ok(IntegrationStatus::Deactivated) =>
        {
            RunControl::IntegrationStopped
        }
        Some((_, Some(1))) => RunControl::CancelRequested,
        Some(_) => RunControl::Continue,
    })
}

/// Asks the worker to cancel a running run of the tenant's integration; false when there is
/// no such running run (finished meanwhile, or another tenant's).
pub async fn request_cancel(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE import_runs SET cancel_requested = 1
         WHERE tenant_id = $1 AND integration_id = $2 AND id = $3 AND outcome = 'running'",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(run)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The Shopify bulk operation a running run of the integration waits for, if any (named in
/// the audit of a cancel, deactivation or deletion: the worker cancels it).
pub async fn running_operation(
    db: &Db,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar::<_, String>(
        "SELECT bulk_operation FROM import_runs
         WHERE tenant_id = $1 AND integration_id = $2 AND outcome = 'running'
           AND bulk_operation <> '' AND bulk_phase = 'exporting'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant.0)
    .bind(integration)
    .fetch_optional(&db.pool)
    .await
}
