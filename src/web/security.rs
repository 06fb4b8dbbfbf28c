//! Security headers on every response: a CSP allowing only the site's own scripts and styles,
//! frame denial, no-sniff, a strict referrer policy, HSTS when served over HTTPS, and
//! `Cache-Control: no-store` on everything but the static assets, so that no browser or proxy
//! keeps a signed-in page, an export or a status after sign-out.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// Where the static assets are served: the only answers a cache may keep.
pub const STATIC_PREFIX: &str = "/static/";

pub async fn headers(State(https): State<bool>, request: Request, next: Next) -> Response {
    let cacheable = request.uri().path().starts_with(STATIC_PREFIX);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
