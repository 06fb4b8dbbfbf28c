//! Each tenant's data version: a number that triggers on `hourly_totals` raise in the same
//! transaction as every change of the tenant's totals (migration 0012). Pages built from the
//! totals are cached under it, so a committed change is seen by the next request of any
//! process.

use super::{Db, TenantId};

/// The tenant's current data version (0 before its first change).
pub async fn current(db: &Db, tenant: TenantId) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT version FROM tenant_data_versions WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_optional(&db.pool)
    .await?
    .unwrap_or(0))
}
