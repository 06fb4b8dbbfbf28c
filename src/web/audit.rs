//! The audit-log page: a tenant's log for its admins (and staff acting in it); everything for
//! staff outside a tenant.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::context::{CurrentUser, Layout};
use crate::db;
use crate::db::audit::AuditEntry;
use crate::domain::account::Role;
use crate::error::{AppError, AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(page))
}

const SHOWN: i64 = 500;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditEntry>,
}

impl AuditPage {
    fn when(&self, at: &i64) -> String {
        chrono::DateTime::from_timestamp(*at, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default()
    }
}

async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let entries = match (user.user.role(), user.tenant_id()) {
        (Role::Manager, _) => {
            return Err(AppError::Forbidden(
                "Only the tenant's administrators can read the audit log.".into(),
            ));
        }
        (_, Some(tenant)) => db::audit::list_for_tenant(&state.db, tenant, SHOWN).await?,
        (Role::Staff, None) => db::audit::list_all(&state.db, SHOWN).await?,
        (Role::Admin, None) => return Err(AppError::NotFound),
    };
    Ok(render(&AuditPage {
        layout: user.layout(&state).await?,
        entries,
    })?
    .into_response())
}
