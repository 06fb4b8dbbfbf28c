//! The audit log: who did what, when, inside which tenant, and whether staff acted for them.

use sqlx::FromRow;

use super::{Db, TenantId, now};

#[derive(Debug, Clone, FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub at: i64,
    pub actor_email: String,
    pub acting_staff: i64,
    pub action: String,
    pub details: String,
}

/// Who the log names for what is done on the server's command line (shown translated).
pub const COMMAND_LINE_OPERATOR: &str = "operator (command line)";

/// The person behind an action.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    /// True when onboarding staff act inside a customer's tenant.
    pub acting_staff: bool,
}

pub async fn record(
    db: &Db,
    tenant: Option<TenantId>,
    actor: &Actor,
    action: &str,
    details: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, at, actor_user_id, actor_email, acting_staff, action, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant.map(|t| t.0))
    .bind(now())
    .bind(actor.user_id)
    .bind(&actor.email)
    .bind(i64::from(actor.acting_staff))
    .bind(action)
    .bind(details)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// How many entries with one of `actions` a tenant's log holds since `since` (unix seconds):
/// what throttles actions that must stay rare.
pub async fn count_since(
    db: &Db,
    tenant: TenantId,
    actions: &[&str],
    since: i64,
) -> sqlx::Result<i64> {
    let mut total = 0;
    for action in actions {
        total += sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log
             WHERE tenant_id = $1 AND action = $2 AND at >= $3",
        )
        .bind(tenant.0)
        .bind(action)
        .bind(since)
        .fetch_one(&db.pool)
        .await?;
    }
    Ok(total)
}

const COLUMNS: &str = "id, tenant_id, at, actor_email, acting_staff, action, details";

pub async fn list_for_tenant(
    db: &Db,
    tenant: TenantId,
    limit: i64,
) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(tenant.0)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Every entry, for staff: the operator's own actions and those inside tenants.
pub async fn list_all(db: &Db, limit: i64) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as::<_, AuditEntry>(&format!(
        "SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}
