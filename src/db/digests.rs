//! Daily and weekly digests: who asked for which, the claim of each period (so it is sent
//! once, by one worker), and how far the tenant's imports have come.

use sqlx::FromRow;

use super::{Db, TenantId};

/// Which digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestKind {
    Daily,
    Weekly,
}

impl DigestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::Daily => "daily",
            DigestKind::Weekly => "weekly",
        }
    }

    pub fn parse(text: &str) -> Option<DigestKind> {
        match text {
            "daily" => Some(DigestKind::Daily),
            "weekly" => Some(DigestKind::Weekly),
            _ => None,
        }
    }

    fn columns(self) -> (&'static str, &'static str) {
        match self {
            DigestKind::Daily => ("digest_daily", "digest_daily_sent"),
            DigestKind::Weekly => ("digest_weekly", "digest_weekly_sent"),
        }
    }
}

/// A subscriber, with their tenant.
#[derive(Debug, Clone, FromRow)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub language: String,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub time_zone: String,
    pub sent: String,
}

/// The active managers and admins who asked for `kind`, of every tenant.
pub async fn subscribers(db: &Db, kind: DigestKind) -> sqlx::Result<Vec<Subscriber>> {
    let (flag, sent) = kind.columns();
    sqlx::query_as::<_, Subscriber>(&format!(
        "SELECT u.id, u.email, u.language, t.id AS tenant_id, t.name AS tenant_name,
                t.time_zone, u.{sent} AS sent
         FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.active = 1 AND u.{flag} = 1 AND u.role IN ('manager', 'admin')
         ORDER BY t.id, u.id"
    ))
    .fetch_all(&db.pool)
    .await
}

/// Marks the period starting `first_day` as sent to the user; true when this call did (and so
/// must queue it).
pub async fn claim_period(
    db: &Db,
    user: i64,
    kind: DigestKind,
    first_day: &str,
) -> sqlx::Result<bool> {
    let (flag, sent) = kind.columns();
    let done = sqlx::query(&format!(
        "UPDATE users SET {sent} = $2 WHERE id = $1 AND {flag} = 1 AND {sent} < $2"
    ))
    .bind(user)
    .bind(first_day)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The user's choices: (daily, weekly).
pub async fn choices(db: &Db, user: i64) -> sqlx::Result<(bool, bool)> {
    let row = sqlx::query_as::<_, (i64, i64)>(
        "SELECT digest_daily, digest_weekly FROM users WHERE id = $1",
    )
    .bind(user)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map_or((false, false), |(d, w)| (d == 1, w == 1)))
}

pub async fn set(db: &Db, user: i64, kind: DigestKind, on: bool) -> sqlx::Result<()> {
    let (flag, _) = kind.columns();
    sqlx::query(&format!("UPDATE users SET {flag} = $2 WHERE id = $1"))
        .bind(user)
        .bind(i64::from(on))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The instant up to which every importing integration of the tenant has stored its orders
/// (the least watermark); `Some(None)` when one has stored nothing yet, `None` when the tenant
/// imports nothing (its numbers are whatever was entered).
pub async fn imported_until(db: &Db, tenant: TenantId) -> sqlx::Result<Option<Option<i64>>> {
    let rows: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT watermark FROM integrations
         WHERE tenant_id = $1 AND status IN ('active', 'attention')",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .try_fold(i64::MAX, |least, w| w.map(|w| least.min(w))),
    ))
}
