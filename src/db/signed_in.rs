//! The signed-in user of a request, the tenant they work in and that tenant's data version,
//! read in one query. Every page asks for all three; one round trip instead of three keeps a
//! page served from the cache close to the cost of a trivial request. Nothing here is kept in
//! memory: a deactivation, a new password or role (the session generation) or a deleted
//! tenant is seen by the next request of every process.

use sqlx::FromRow;

use super::tenants::Tenant;
use super::users::User;
use super::{Db, TenantId};

/// What a request knows about who is asking.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    /// The tenant the user works in now: their own (admins and managers), the one entered
    /// (staff); none for staff outside any tenant, or when the tenant is gone.
    pub tenant: Option<Tenant>,
    /// The tenant's data version ([`super::data_version`]), read with the user: whatever the
    /// request reads after it is at least that new. 0 without a tenant.
    pub data_version: i64,
}

#[derive(FromRow)]
struct Row {
    #[sqlx(flatten)]
    user: User,
    t_id: Option<i64>,
    t_name: Option<String>,
    t_plan: Option<String>,
    t_time_zone: Option<String>,
    t_created_at: Option<i64>,
    data_version: i64,
}

/// The user `user_id` with their tenant (staff: `acting_tenant`) and its data version.
pub async fn load(
    db: &Db,
    user_id: i64,
    acting_tenant: Option<TenantId>,
) -> sqlx::Result<Option<SignedIn>> {
    let row = sqlx::query_as::<_, Row>(
        "SELECT u.id, u.email, u.password_hash, u.role, u.tenant_id, u.may_edit_manually,
                u.active, u.language, u.session_generation, u.must_change_password,
                t.id AS t_id, t.name AS t_name, t.plan AS t_plan, t.time_zone AS t_time_zone,
                t.created_at AS t_created_at, COALESCE(v.version, 0) AS data_version
         FROM users u
         LEFT JOIN tenants t
           ON t.id = CASE WHEN u.role = 'staff' THEN $2 ELSE u.tenant_id END
         LEFT JOIN tenant_data_versions v ON v.tenant_id = t.id
         WHERE u.id = $1",
    )
    .bind(user_id)
    .bind(acting_tenant.map(|t| t.0))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| {
        let tenant = match (r.t_id, r.t_name, r.t_plan, r.t_time_zone, r.t_created_at) {
            (Some(id), Some(name), Some(plan), Some(time_zone), Some(created_at)) => Some(Tenant {
                id,
                name,
                plan,
                time_zone,
                created_at,
            }),
            _ => None,
        };
        SignedIn {
            user: r.user,
            data_version: if tenant.is_some() { r.data_version } else { 0 },
            tenant,
        }
    }))
}
