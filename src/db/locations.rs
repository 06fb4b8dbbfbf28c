//! A tenant's store locations.

use sqlx::FromRow;

use super::{Db, TenantId, now};
use crate::domain::location::{LocationInput, LocationStatus};

#[derive(Debug, Clone, FromRow)]
pub struct Location {
    pub id: i64,
    pub tenant_id: i64,
    pub location_id: String,
    pub name: String,
    pub time_zone: String,
    #[sqlx(try_from = "String")]
    pub status: LocationStatus,
}

impl Location {
    pub fn is_active(&self) -> bool {
        self.status == LocationStatus::Active
    }
}

const COLUMNS: &str = "id, tenant_id, location_id, name, time_zone, status";

pub async fn list(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<Location>> {
    sqlx::query_as::<_, Location>(&format!(
        "SELECT {COLUMNS} FROM locations WHERE tenant_id = $1 ORDER BY location_id"
    ))
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

pub async fn get(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<Option<Location>> {
    sqlx::query_as::<_, Location>(&format!(
        "SELECT {COLUMNS} FROM locations WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn find_by_code(db: &Db, tenant: TenantId, code: &str) -> sqlx::Result<Option<Location>> {
    sqlx::query_as::<_, Location>(&format!(
        "SELECT {COLUMNS} FROM locations WHERE tenant_id = $1 AND location_id = $2"
    ))
    .bind(tenant.0)
    .bind(code)
    .fetch_optional(&db.pool)
    .await
}

pub async fn create(db: &Db, tenant: TenantId, input: &LocationInput) -> sqlx::Result<Location> {
    sqlx::query_as::<_, Location>(&format!(
        "INSERT INTO locations (tenant_id, location_id, name, time_zone, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(tenant.0)
    .bind(input.code.as_str())
    .bind(&input.name)
    .bind(input.time_zone.name())
    .bind(input.status.as_str())
    .bind(now())
    .fetch_one(&db.pool)
    .await
}

pub async fn update(
    db: &Db,
    tenant: TenantId,
    id: i64,
    input: &LocationInput,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE locations SET location_id = $3, name = $4, time_zone = $5, status = $6
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(input.code.as_str())
    .bind(&input.name)
    .bind(input.time_zone.name())
    .bind(input.status.as_str())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
