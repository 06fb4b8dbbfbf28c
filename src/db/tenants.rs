//! Tenants (retail companies). Listing and creating them is staff-only work.

use sqlx::FromRow;

use super::{Db, TenantId, now};
use crate::domain::account::Plan;

#[derive(Debug, Clone, FromRow)]
pub struct Tenant {
    pub id: i64,
    pub name: String,
    pub plan: String,
    pub time_zone: String,
    pub created_at: i64,
}

impl Tenant {
    pub fn tenant_id(&self) -> TenantId {
        TenantId(self.id)
    }

    pub fn plan(&self) -> Plan {
        Plan::parse(&self.plan).unwrap_or(Plan::Basic)
    }
}

pub async fn create(db: &Db, name: &str, plan: Plan, time_zone: &str) -> sqlx::Result<Tenant> {
    sqlx::query_as::<_, Tenant>(
        "INSERT INTO tenants (name, plan, time_zone, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id, name, plan, time_zone, created_at",
    )
    .bind(name)
    .bind(plan.as_str())
    .bind(time_zone)
    .bind(now())
    .fetch_one(&db.pool)
    .await
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<Tenant>> {
    sqlx::query_as::<_, Tenant>(
        "SELECT id, name, plan, time_zone, created_at FROM tenants ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
}

/// The tenant itself: scoped by the id taken from the session (or chosen by staff).
pub async fn get(db: &Db, tenant: TenantId) -> sqlx::Result<Option<Tenant>> {
    sqlx::query_as::<_, Tenant>(
        "SELECT id, name, plan, time_zone, created_at FROM tenants WHERE id = $1",
    )
    .bind(tenant.0)
    .fetch_optional(&db.pool)
    .await
}

pub async fn find_by_name(db: &Db, name: &str) -> sqlx::Result<Option<Tenant>> {
    sqlx::query_as::<_, Tenant>(
        "SELECT id, name, plan, time_zone, created_at FROM tenants WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(&db.pool)
    .await
}

pub async fn update(db: &Db, tenant: TenantId, plan: Plan, time_zone: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE tenants SET plan = $2, time_zone = $3 WHERE id = $1")
        .bind(tenant.0)
        .bind(plan.as_str())
        .bind(time_zone)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
