//! Users, their passwords (argon2id hashes) and the sign-in throttle.

use sqlx::FromRow;

use super::{Db, TenantId, now};
use crate::domain::account::Role;

#[derive(Debug, Clone, FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub tenant_id: Option<i64>,
    /// 0 or 1 (flags are integers in both dialects).
    pub may_edit_manually: i64,
    /// 0 or 1.
    pub active: i64,
    pub language: String,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.active != 0
    }

    pub fn may_edit(&self) -> bool {
        self.may_edit_manually != 0
    }

    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Manager)
    }
}

const COLUMNS: &str =
    "id, email, password_hash, role, tenant_id, may_edit_manually, active, language";

pub async fn create(
    db: &Db,
    email: &str,
    password_hash: &str,
    role: Role,
    tenant: Option<TenantId>,
    may_edit_manually: bool,
) -> sqlx::Result<User> {
    sqlx::query_as::<_, User>(&format!(
        "INSERT INTO users (email, password_hash, role, tenant_id, may_edit_manually, active, language, created_at)
         VALUES ($1, $2, $3, $4, $5, 1, '', $6) RETURNING {COLUMNS}"
    ))
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(tenant.map(|t| t.0))
    .bind(i64::from(may_edit_manually))
    .bind(now())
    .fetch_one(&db.pool)
    .await
}

/// For sign-in and session loading only: users are otherwise always read within a tenant.
pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

pub async fn find_by_id(db: &Db, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await
}

pub async fn list_in_tenant(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<User>> {
    sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY email"
    ))
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

pub async fn get_in_tenant(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn update_in_tenant(
    db: &Db,
    tenant: TenantId,
    id: i64,
    role: Role,
    active: bool,
    may_edit_manually: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET role = $3, active = $4, may_edit_manually = $5
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(role.as_str())
    .bind(i64::from(active))
    .bind(i64::from(may_edit_manually))
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Users of the tenant who may still edit data by hand (the wizard recommends turning it off).
pub async fn count_manual_editors(db: &Db, tenant: TenantId) -> sqlx::Result<i64> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND may_edit_manually = 1 AND active = 1",
    )
    .bind(tenant.0)
    .fetch_one(&db.pool)
    .await
}

pub async fn set_language(db: &Db, id: i64, language: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
        .bind(id)
        .bind(language)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Seconds the account must still wait before another sign-in attempt, if any.
pub async fn throttle_wait(db: &Db, email: &str) -> sqlx::Result<Option<i64>> {
    let locked_until =
        sqlx::query_scalar::<_, i64>("SELECT locked_until FROM login_throttle WHERE email = $1")
            .bind(email)
            .fetch_optional(&db.pool)
            .await?;
    let now = now();
    Ok(locked_until
        .filter(|until| *until > now)
        .map(|until| until - now))
}

/// Failures allowed before sign-in is slowed down, and the longest wait it grows to.
const FREE_FAILURES: i64 = 5;
const MAX_WAIT_SECONDS: i64 = 15 * 60;

/// Records a failed sign-in; from the sixth on, each one doubles the wait.
pub async fn record_failure(db: &Db, email: &str) -> sqlx::Result<()> {
    let failures = sqlx::query_scalar::<_, i64>(
        "INSERT INTO login_throttle (email, failures, locked_until) VALUES ($1, 1, 0)
         ON CONFLICT (email) DO UPDATE SET failures = login_throttle.failures + 1
         RETURNING failures",
    )
    .bind(email)
    .fetch_one(&db.pool)
    .await?;
    if failures >= FREE_FAILURES {
        let exponent = (failures - FREE_FAILURES).min(10) as u32;
        let wait = (2_i64.pow(exponent) * 2).min(MAX_WAIT_SECONDS);
        sqlx::query("UPDATE login_throttle SET locked_until = $2 WHERE email = $1")
            .bind(email)
            .bind(now() + wait)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

pub async fn clear_failures(db: &Db, email: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE email = $1")
        .bind(email)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// One-time setup token (stored hashed) printed on the very first start.
pub async fn setting(db: &Db, key: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await
}

pub async fn set_setting(db: &Db, key: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_setting(db: &Db, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}
