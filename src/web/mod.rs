//! The web app: one router per screen area, assembled here with the session, CSRF and
//! security layers.

pub mod account;
pub mod audit;
pub mod audit_details;
pub mod cached_page;
pub mod charts;
pub mod completeness;
pub mod context;
pub mod coverage;
pub mod csrf;
pub mod dashboard;
pub mod dashboard_tiles;
pub mod error_layout;
pub mod figures;
pub mod health;
pub mod imports;
mod imports_cancel;
pub mod integration_state;
pub mod integrations;
pub mod language;
pub mod locations;
pub mod manual_edit;
pub mod password_reset;
pub mod post_only;
pub mod reports;
pub mod safe_redirect;
pub mod security;
pub mod sign_in;
pub mod staff;
pub mod staff_users;
pub mod traffic;
pub mod uncounted;
pub mod users;

use axum::Router;
use axum::middleware;
use tower_http::services::ServeDir;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::error::AppError;
use crate::session_store::AppSessionStore;

/// The shared state lives in [`crate::state`] (the worker uses it too); re-exported so
/// that web code keeps naming it `web::AppState`.
pub use crate::state::AppState;

/// A signed-in session ends after this long without a request.
const IDLE_TIMEOUT_HOURS: i64 = 8;

pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(AppSessionStore::new(&state.db.session_pool))
        .with_name("tmas_session")
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(
            IDLE_TIMEOUT_HOURS,
        )));

    Router::new()
        .merge(health::router())
        .merge(language::router())
        .merge(sign_in::router())
        .merge(password_reset::router())
        .merge(dashboard::router())
        .merge(staff::router())
        .merge(staff_users::router())
        .merge(users::router())
        .merge(account::router())
        .merge(locations::router())
        .merge(integrations::router())
        .merge(audit::router())
        .merge(imports::router())
        .merge(reports::router())
        .merge(manual_edit::router())
        .merge(traffic::router())
        // After every route: a method an address does not take gets a page, not an empty 405.
        .method_not_allowed_fallback(post_only::not_allowed)
        .nest_service("/static", ServeDir::new(static_dir()))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::require_token_on_posts,
        ))
        // Inside the language and session layers: error pages are re-rendered in the reader's
        // language with their menu.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error_layout::in_layout,
        ))
        .layer(middleware::from_fn(language::set_request_language))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            state.settings.secure_cookies,
            security::headers,
        ))
        .with_state(state)
}

/// The static folder beside the crate, found at run time so tests and `cargo run` agree.
fn static_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
}
