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
    /// Raised whenever the user's sessions must end (deactivation, new password or role);
    /// a session signed in under an older generation is no longer accepted.
    pub session_generation: i64,
    /// 1 after a password reset: the user must choose a new password before anything else.
    pub must_change_password: i64,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.active != 0
    }

    pub fn must_change_password(&self) -> bool {
        self.must_change_password != 0
    }

    pub fn may_edit(&self) -> bool {
        self.may_edit_manually != 0
    }

    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Manager)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }
}

const COLUMNS: &str = "id, email, password_hash, role, tenant_id, may_edit_manually, active, \
     language, session_generation, must_change_password";

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

/// Creates the first staff account if, and only if, this call consumes the one-time setup
/// token (stored under `token_key` as `token_hash`); `None` when the token is gone or wrong.
pub async fn create_first_staff(
    db: &Db,
    token_key: &str,
    token_hash: &str,
    email: &str,
    password_hash: &str,
) -> sqlx::Result<Option<User>> {
    let mut tx = db.pool.begin().await?;
    let claimed = sqlx::query("DELETE FROM settings WHERE key = $1 AND value = $2")
        .bind(token_key)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !claimed {
        tx.rollback().await?;
        return Ok(None);
    }
    let user = sqlx::query_as::<_, User>(&format!(
        "INSERT INTO users (email, password_hash, role, tenant_id, may_edit_manually, active, language, created_at)
         VALUES ($1, $2, 'staff', NULL, 0, 1, '', $3) RETURNING {COLUMNS}"
    ))
    .bind(email)
    .bind(password_hash)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(user))
}

/// For sign-in and session loading only: users are otherwise always read within a tenant.
pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// Whether `email`, or an address that looks like it (the same skeleton), belongs to any
/// user: staff or any tenant's. Checked in Rust, as the skeleton is; user creation is rare and
/// throttled, and the list is one column.
pub async fn address_or_look_alike_exists(
    db: &Db,
    email: &crate::domain::account::Email,
) -> sqlx::Result<bool> {
    let skeleton = email.skeleton();
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&db.pool)
        .await?;
    Ok(emails
        .iter()
        .any(|e| e == email.as_str() || crate::domain::lookalike::skeleton(e) == skeleton))
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
    // A new role or a deactivation ends the user's sessions: they sign in again under what
    // they may now do (or not at all).
    let done = sqlx::query(
        "UPDATE users SET session_generation = session_generation
                + CASE WHEN role <> $3 OR active <> $4 THEN 1 ELSE 0 END,
            role = $3, active = $4, may_edit_manually = $5
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

/// The operator's onboarding staff (they belong to no tenant).
pub async fn list_staff(db: &Db) -> sqlx::Result<Vec<User>> {
    sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE role = 'staff' ORDER BY email"
    ))
    .fetch_all(&db.pool)
    .await
}

pub async fn get_staff(db: &Db, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE role = 'staff' AND id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Removes a user of the tenant (their audit entries keep their email); false if none.
pub async fn delete_in_tenant(db: &Db, tenant: TenantId, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new password hash and ends every session of the user; `must_change` makes them
/// choose their own at the next sign-in (after a reset). Returns the new session generation.
pub async fn set_password(
    db: &Db,
    id: i64,
    password_hash: &str,
    must_change: bool,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar::<_, i64>(
        "UPDATE users SET password_hash = $2, must_change_password = $3,
            session_generation = session_generation + 1
         WHERE id = $1 RETURNING session_generation",
    )
    .bind(id)
    .bind(password_hash)
    .bind(i64::from(must_change))
    .fetch_optional(&db.pool)
    .await
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
