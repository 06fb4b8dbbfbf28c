//! Traffic: the administrator's file import (`/admin/traffic`), API keys
//! (`/admin/api-keys`) and the API that counters post to (`/api/v1/traffic`).

pub mod api;
pub mod card;
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

/// Bodies read to their end before a refusal for their size, so the client gets the answer
/// rather than a connection cut while it still sends; past this much the connection is cut.
const DRAINED_BYTES: usize = 64 * 1024 * 1024;

/// Reads and drops a body refused for its size (see [`DRAINED_BYTES`]).
pub async fn drain(body: axum::body::Body) {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut read = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len();
        if read > DRAINED_BYTES {
            break;
        }
    }
}

/// The most row errors a page or an answer lists; the rest are counted.
pub const ERRORS_LISTED: usize = 200;

/// The first errors of a read, and how many more there are.
pub fn listed_errors(read: &ReadRows) -> (Vec<RowError>, usize) {
    let shown: Vec<RowError> = read.errors.iter().take(ERRORS_LISTED).cloned().collect();
    let more = read.errors.len() - shown.len();
    (shown, more)
}
