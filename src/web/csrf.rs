//! CSRF protection: each session holds a random token; every state-changing form carries it in
//! a hidden `csrf` field, and any POST without the session's token is refused before a handler
//! runs, so it changes nothing.
//!
//! A visitor who has not signed in has no stored session (storing one per anonymous page view
//! would let anyone fill the table). Their forms (sign-in, setup, language) carry instead a
//! token bound to a random pre-session cookie: an HMAC of the cookie's value under a server
//! key, so a cookie planted from elsewhere cannot be paired with a token (OWASP's "signed
//! double-submit cookie").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::AppState;
use crate::error::AppError;

const SESSION_KEY: &str = "csrf";
const PRESESSION_COOKIE: &str = "tmas_presession";
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

/// The pre-session of one request: its cookie's value (new when the browser sent none) and
/// whether a page used it, in which case the cookie is set on the response.
#[derive(Clone)]
struct PreSession {
    nonce: String,
    fresh: bool,
    used: Arc<AtomicBool>,
    key: [u8; 32],
}

impl PreSession {
    fn token(&self) -> String {
        presession_token(&self.key, &self.nonce)
    }
}

fn presession_key(secret: &[u8; 32]) -> [u8; 32] {
    // Derived, so the key that encrypts credentials is never used for anything else.
    let mut digest = Sha256::new();
    digest.update(b"tmas pre-session csrf\0");
    digest.update(secret);
    digest.finalize().into()
}

fn presession_token(key: &[u8; 32], nonce: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn cookie_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == PRESESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        // Only values this server could have made: 43 URL-safe characters.
        .filter(|v| {
            v.len() == 43
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

pub async fn require_token_on_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let nonce = cookie_nonce(request.headers());
    let presession = PreSession {
        fresh: nonce.is_none(),
        nonce: nonce.unwrap_or_else(crate::crypto::random_token),
        used: Arc::new(AtomicBool::new(false)),
        key: presession_key(&state.secret_key),
    };
    let mut request = if request.method() == Method::POST
        && !checked_elsewhere(request.uri().path(), request.headers())
    {
        let Some(session) = request.extensions().get::<Session>().cloned() else {
            return AppError::Csrf.into_response();
        };
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return AppError::BadRequest("The form is too large.".into()).into_response();
        };
        let sent = form_urlencoded_field(&bytes, FIELD);
        // A session's own token when it has one; otherwise the pre-session cookie's.
        let expected = match session.get::<String>(SESSION_KEY).await.ok().flatten() {
            Some(token) => Some(token),
            None if !presession.fresh => Some(presession.token()),
            None => None,
        };
        match (sent, expected) {
            (Some(sent), Some(expected))
                if crate::crypto::constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {}
            _ => return AppError::Csrf.into_response(),
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    request.extensions_mut().insert(presession.clone());
    let mut response = next.run(request).await;
    if presession.fresh && presession.used.load(Ordering::Relaxed) {
        let secure = if state.settings.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{PRESESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            presession.nonce
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The API: its clients prove who they are with a key in a header, never with a cookie, so a
/// page elsewhere has nothing to borrow. Its handlers ignore the session.
pub const API_PREFIX: &str = "/api/";

/// Multipart forms (the traffic upload): too large to buffer here, and not URL-encoded. Their
/// handler reads the `csrf` field before anything else and checks it with [`verify`].
pub const MULTIPART_FORMS: [&str; 1] = ["/admin/traffic/preview"];

/// POSTs whose protection is elsewhere (see [`API_PREFIX`] and [`MULTIPART_FORMS`]).
fn checked_elsewhere(path: &str, headers: &HeaderMap) -> bool {
    if path.starts_with(API_PREFIX) {
        return true;
    }
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    multipart && MULTIPART_FORMS.contains(&path)
}

/// True when `sent` is the session's token (for the forms the middleware leaves to their
/// handler).
pub async fn verify(session: &Session, sent: &str) -> bool {
    match session.get::<String>(SESSION_KEY).await.ok().flatten() {
        Some(expected) => crate::crypto::constant_time_eq(sent.as_bytes(), expected.as_bytes()),
        None => false,
    }
}

/// The CSRF token for a form on a page anyone may open (sign-in, setup): the session's own
/// token when it has one, else the pre-session one, which stores nothing.
pub struct FormToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for FormToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        if let Some(token) = session
            .get::<String>(SESSION_KEY)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
        {
            return Ok(FormToken(token));
        }
        let presession = parts
            .extensions
            .get::<PreSession>()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("CSRF layer missing")))?;
        presession.used.store(true, Ordering::Relaxed);
        Ok(FormToken(presession.token()))
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}
