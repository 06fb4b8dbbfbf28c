//! What the integration alerts read and remember: every integration's state with the cause
//! its admins were last told about, the people to tell, and the claim of each change of cause
//! (so two workers never mail one change twice).

use sqlx::FromRow;

use super::{Db, TenantId, now};
use crate::domain::integration::IntegrationStatus;

/// An integration as the alert check sees it.
#[derive(Debug, Clone, FromRow)]
pub struct Watched {
    pub tenant_id: i64,
    pub id: i64,
    pub label: String,
    pub tenant_name: String,
    #[sqlx(try_from = "String")]
    pub status: IntegrationStatus,
    pub status_reason: String,
    /// The cause last mailed about ('' = healthy); `None` before the first check.
    pub alerted: Option<String>,
    /// The start of the first failed run since the last successful one, if any.
    pub failing_since: Option<i64>,
    /// The error of the latest failed run.
    pub last_error: Option<String>,
    /// The Admin API version Shopify last answered with (it answers with another than the
    /// one asked once that one is retired).
    pub api_version_answered: Option<String>,
}

/// Every integration past its setup, of every tenant: the check is the operator's, like the
/// worker's claims.
pub async fn watched(db: &Db) -> sqlx::Result<Vec<Watched>> {
    sqlx::query_as::<_, Watched>(
        "SELECT i.tenant_id, i.id, i.label, t.name AS tenant_name, i.status, i.status_reason,
                a.cause AS alerted,
                (SELECT MIN(r.started_at) FROM import_runs r
                  WHERE r.tenant_id = i.tenant_id AND r.integration_id = i.id
                    AND r.outcome = 'failed'
                    AND r.id > COALESCE((SELECT MAX(s.id) FROM import_runs s
                                          WHERE s.tenant_id = i.tenant_id
                                            AND s.integration_id = i.id
                                            AND s.outcome = 'succeeded'), 0)) AS failing_since,
                (SELECT r.error FROM import_runs r
                  WHERE r.tenant_id = i.tenant_id AND r.integration_id = i.id
                    AND r.outcome = 'failed'
                  ORDER BY r.id DESC LIMIT 1) AS last_error,
                i.api_version_answered
         FROM integrations i
         JOIN tenants t ON t.id = i.tenant_id
         LEFT JOIN integration_alerts a
                ON a.tenant_id = i.tenant_id AND a.integration_id = i.id
         WHERE i.status <> 'draft'
         ORDER BY i.tenant_id, i.id",
    )
    .fetch_all(&db.pool)
    .await
}

/// Moves the integration's remembered cause from `old` (`None`: never checked) to `new`;
/// true when this call made the change (and so must mail about it).
pub async fn claim_change(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    old: Option<&str>,
    new: &str,
) -> sqlx::Result<bool> {
    let done = match old {
        None => {
            sqlx::query(
                "INSERT INTO integration_alerts (tenant_id, integration_id, cause, since)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, integration_id) DO NOTHING",
            )
            .bind(tenant.0)
            .bind(integration)
            .bind(new)
            .bind(now())
            .execute(&db.pool)
            .await?
        }
        Some(old) => {
            sqlx::query(
                "UPDATE integration_alerts SET cause = $4, since = $5
                 WHERE tenant_id = $1 AND integration_id = $2 AND cause = $3",
            )
            .bind(tenant.0)
            .bind(integration)
            .bind(old)
            .bind(new)
            .bind(now())
            .execute(&db.pool)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// Someone an alert goes to.
#[derive(Debug, Clone, FromRow)]
pub struct Recipient {
    pub email: String,
    pub language: String,
}

/// The tenant's active admins, and the active onboarding staff who asked for every tenant's
/// alerts.
pub async fn recipients(db: &Db, tenant: TenantId) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as::<_, Recipient>(
        "SELECT email, language FROM users
         WHERE active = 1 AND ((tenant_id = $1 AND role = 'admin')
                               OR (role = 'staff' AND mail_all_alerts = 1))
         ORDER BY email",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
}

/// Whether a staff member gets every tenant's alerts.
pub async fn set_mail_all_alerts(db: &Db, staff_user: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET mail_all_alerts = $2 WHERE id = $1 AND role = 'staff'")
        .bind(staff_user)
        .bind(i64::from(on))
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn mail_all_alerts(db: &Db, staff_user: i64) -> sqlx::Result<bool> {
    let on = sqlx::query_scalar::<_, i64>("SELECT mail_all_alerts FROM users WHERE id = $1")
        .bind(staff_user)
        .fetch_optional(&db.pool)
        .await?;
    Ok(on == Some(1))
}
