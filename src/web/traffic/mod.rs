//! Traffic: the administrator's file import (`/admin/traffic`), API keys
//! (`/admin/api-keys`) and the API that counters post to (`/api/v1/traffic`).

pub mod api;
pub mod keys;
pub mod upload;

use axum::Router;

use super::AppState;
use crate::db::{self, TenantId};
use crate::domain::traffic_rows::{LocationIndex, ReadRows, RowError};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(upload::router())
        .merge(keys::router())
        .merge(api::router())
}

/// The tenant's locations by TMAS location ID, read fresh for every file and request.
pub async fn location_index(state: &AppState, tenant: TenantId) -> sqlx::Result<LocationIndex> {
    let locations = db::locations::list(&state.db, tenant).await?;
    Ok(LocationIndex::new(
        locations.iter().map(|l| (l.location_id.as_str(), l.id)),
    ))
}

/// The most row errors a page or an answer lists; the rest are counted.
pub const ERRORS_LISTED: usize = 200;

/// The first errors of a read, and how many more there are.
pub fn listed_errors(read: &ReadRows) -> (Vec<RowError>, usize) {
    let shown: Vec<RowError> = read.errors.iter().take(ERRORS_LISTED).cloned().collect();
    let more = read.errors.len() - shown.len();
    (shown, more)
}
