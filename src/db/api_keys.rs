//! A tenant's API keys: only each key's SHA-256 is stored, with a hint (its last characters)
//! to tell keys apart, when it was last used, and a per-minute request count for the rate limit.

use sqlx::FromRow;

use super::{Db, TenantId, now};

#[derive(Debug, Clone, FromRow)]
pub struct ApiKey {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub key_hint: String,
    pub created_at: i64,
    pub created_by: String,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiKey {
    pub fn tenant(&self) -> TenantId {
        TenantId(self.tenant_id)
    }
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

const COLUMNS: &str = "id, tenant_id, name, key_hint, created_at, created_by, last_used_at, \
                       revoked_at";

pub async fn create(
    db: &Db,
    tenant: TenantId,
    name: &str,
    key_hash: &str,
    key_hint: &str,
    created_by: &str,
) -> sqlx::Result<ApiKey> {
    sqlx::query_as::<_, ApiKey>(&format!(
        "INSERT INTO api_keys (tenant_id, name, key_hash, key_hint, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(tenant.0)
    .bind(name)
    .bind(key_hash)
    .bind(key_hint)
    .bind(now())
    .bind(created_by)
    .fetch_one(&db.pool)
    .await
}

/// The tenant's keys, live ones first, newest first.
pub async fn list(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<ApiKey>> {
    sqlx::query_as::<_, ApiKey>(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1
         ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, id DESC"
    ))
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

pub async fn get(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<Option<ApiKey>> {
    sqlx::query_as::<_, ApiKey>(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Revokes a live key of the tenant; false when there is none with that id (or it was revoked).
pub async fn revoke(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE api_keys SET revoked_at = $3
         WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(now())
    .execute(&db.pool)
    .await?
    .rows_affected()
        > 0)
}

/// The live key with this hash: the one lookup not scoped by a tenant, because the key is what
/// says which tenant is asking.
pub async fn find_live(db: &Db, key_hash: &str) -> sqlx::Result<Option<ApiKey>> {
    sqlx::query_as::<_, ApiKey>(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(key_hash)
    .fetch_optional(&db.pool)
    .await
}

/// Counts one request of the key in the current minute and records its use; answers the
/// requests it made in this minute, this one included.
pub async fn count_request(db: &Db, tenant: TenantId, key: i64) -> sqlx::Result<i64> {
    let at = now();
    let minute = at / 60;
    let mut tx = db.pool.begin().await?;
    let requests = sqlx::query_scalar::<_, i64>(
        "INSERT INTO api_key_usage (tenant_id, key_id, minute, requests) VALUES ($1, $2, $3, 1)
         ON CONFLICT (tenant_id, key_id) DO UPDATE SET
             requests = CASE WHEN api_key_usage.minute = excluded.minute
                             THEN api_key_usage.requests + 1 ELSE 1 END,
             minute = excluded.minute
         RETURNING requests",
    )
    .bind(tenant.0)
    .bind(key)
    .bind(minute)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(key)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(requests)
}
