//! The tenant's integrations at a glance, "Connect Shopify", and resuming or discarding an
//! unfinished wizard.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{load, resume_url, tenant_tz};
use crate::db;
use crate::db::integrations::Integration;
use crate::domain::integration::IntegrationStatus;
use crate::error::{AppResult, render};
use crate::web::AppState;
use crate::web::context::{Layout, TenantAdmin};

pub struct ListRow {
    pub integration: Integration,
    pub locations: usize,
    pub next_run: String,
    pub resume: String,
    /// A worker holds the lease and the run is recorded as running.
    pub running: bool,
}

impl ListRow {
    pub fn status_text(&self) -> &'static str {
        status_text(self.integration.status, self.running)
    }
}

/// The badge's word: "importing" only while a run runs, never for an active integration
/// between runs; a failed test or a refused token reads "needs attention" at once.
pub fn status_text(status: IntegrationStatus, running: bool) -> &'static str {
    match status {
        IntegrationStatus::Draft => "setup not finished",
        IntegrationStatus::Active if running => "importing",
        IntegrationStatus::Active => "active",
        IntegrationStatus::Deactivated => "deactivated",
        IntegrationStatus::Attention => "needs attention",
    }
}

#[derive(Template)]
#[template(path = "integrations.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ListRow>,
    allowed: bool,
    plan: String,
    has_draft: bool,
    /// What the last action did, after its redirect.
    notice: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    notice: String,
}

/// Messages after an action that leaves the integration's own page; only these fixed texts
/// are ever shown.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "deleted" => "The integration is deleted.",
        "discarded" => "The unfinished setup is discarded.",
        _ => return None,
    })
}

pub async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let tz = tenant_tz(&admin);
    let running = db::integrations::running(&state.db, tenant, db::now()).await?;
    let mut rows = Vec::new();
    for integration in db::integrations::list(&state.db, tenant).await? {
        let locations = db::integrations::matches(&state.db, tenant, integration.id)
            .await?
            .len();
        rows.push(ListRow {
            locations,
            next_run: integration
                .next_run_at
                .filter(|_| integration.status == IntegrationStatus::Active)
                .map(|t| crate::i18n::format_instant(crate::i18n::current(), t, tz))
                .unwrap_or_default(),
            resume: resume_url(&integration),
            running: running.contains(&integration.id),
            integration,
        });
    }
    let plan = admin.0.tenant.plan();
    Ok(render(&ListPage {
        layout: admin.0.layout(&state).await?,
        has_draft: rows.iter().any(|r| r.integration.is_draft()),
        rows,
        allowed: plan.allows_pos_integration(),
        plan: plan.as_str().to_string(),
        notice: notice_text(&query.notice),
    })?
    .into_response())
}

/// Discards an unfinished wizard (the draft and its matches).
pub async fn discard(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let integration = load(&state, &admin, id).await?;
    if !integration.is_draft() {
        return Ok(Redirect::to(&format!("/admin/integrations/{id}")).into_response());
    }
    db::integrations::delete(&state.db, admin.0.tenant_id(), id, false).await?;
    admin
        .0
        .audit(
            &state,
            "integration.discard",
            &crate::web::audit_details::Details::new()
                .fact(
                    "Shopify store",
                    crate::web::audit_details::Value::Text(integration.store_name.to_string()),
                )
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to("/admin/integrations?notice=discarded").into_response())
}
