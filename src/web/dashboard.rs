//! The dashboard at `/`: a first look at the tenant's numbers.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::context::{Layout, TenantUser};
use crate::db;
use crate::db::locations::Location;
use crate::error::{AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(page))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    locations: Vec<Location>,
}

async fn page(State(state): State<AppState>, user: TenantUser) -> AppResult<Response> {
    Ok(render(&DashboardPage {
        layout: user.layout(&state).await?,
        locations: db::locations::list(&state.db, user.tenant_id()).await?,
    })?
    .into_response())
}
