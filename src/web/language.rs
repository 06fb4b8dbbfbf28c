//! The interface language: chosen per user (saved with the account), else the browser's
//! `Accept-Language`; every request runs with its language set (see `crate::i18n`).

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::AppState;
use super::context::{GENERATION_KEY, USER_KEY};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};

pub const SESSION_KEY: &str = "lang";

pub fn router() -> Router<AppState> {
    Router::new().route("/language", post(choose))
}

/// Sets the request's language: the session's choice, else the browser's preference.
pub async fn set_request_language(request: Request, next: Next) -> Response {
    let chosen = match request.extensions().get::<Session>() {
        Some(session) => session
            .get::<String>(SESSION_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|code| Lang::from_code(&code)),
        None => None,
    };
    let lang = chosen.unwrap_or_else(|| {
        Lang::from_accept_language(
            request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default(),
        )
    });
    let mut response = i18n::scope(lang, next.run(request)).await;
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.code()),
    );
    response
}

/// Remembers a signed-in user's saved language in the session (at sign-in).
pub async fn adopt_saved_language(session: &Session, saved: &str) -> Result<(), AppError> {
    if let Some(lang) = Lang::from_code(saved) {
        session
            .insert(SESSION_KEY, lang.code())
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

async fn choose(
    State(state): State<AppState>,
    session: Session,
    headers: axum::http::HeaderMap,
    Form(form): Form<LanguageForm>,
) -> AppResult<Response> {
    let lang = Lang::from_code(&form.lang).ok_or_else(|| {
        AppError::BadRequest(format!(
            "Unknown language {:?}: choose en or es.",
            form.lang
        ))
    })?;
    session
        .insert(SESSION_KEY, lang.code())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    // Saved with the account only from a session that is still good (see CurrentUser): an
    // ended session may pick a language for itself, not for the account.
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.into());
    let user_id = session.get::<i64>(USER_KEY).await.map_err(internal)?;
    let generation = session.get::<i64>(GENERATION_KEY).await.map_err(internal)?;
    if let Some(user_id) = user_id {
        let user = db::users::find_by_id(&state.db, user_id).await?;
        if user.is_some_and(|u| u.is_active() && Some(u.session_generation) == generation) {
            db::users::set_language(&state.db, user_id, lang.code()).await?;
        }
    }
    // Back to the page the form was on; only a local path, never another site.
    let referer_path = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()));
    let back = super::safe_redirect::local_or_home(
        [Some(form.back.as_str()), referer_path.as_deref()]
            .into_iter()
            .flatten(),
    );
    Ok(Redirect::to(&back).into_response())
}
