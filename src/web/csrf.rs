//! CSRF protection: each session holds a random token; every state-changing form carries it in
//! a hidden `csrf` field, and any POST without the session's token is refused before a handler
//! runs, so it changes nothing.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::error::AppError;

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf";
/// The largest form body accepted; TMAS forms are small.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session
        .get::<String>(SESSION_KEY)
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    {
        return Ok(token);
    }
    renew(session).await
}

/// A fresh token, e.g. at sign-in.
pub async fn renew(session: &Session) -> Result<String, AppError> {
    let token = crate::crypto::random_token();
    session
        .insert(SESSION_KEY, &token)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(token)
}

pub async fn require_token_on_posts(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return AppError::Csrf.into_response();
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::BadRequest("The form is too large.".into()).into_response();
    };
    let sent = form_urlencoded_field(&bytes, FIELD);
    let expected = session.get::<String>(SESSION_KEY).await.ok().flatten();
    match (sent, expected) {
        (Some(sent), Some(expected))
            if crate::crypto::constant_time_eq(sent.as_bytes(), expected.as_bytes()) =>
        {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::Csrf.into_response(),
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}
