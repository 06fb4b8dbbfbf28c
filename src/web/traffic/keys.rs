//! Administration → API keys: named keys that let a door counter or a script post traffic for
//! this tenant. A key is shown once, when created; only its SHA-256 is kept.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::super::AppState;
use super::super::audit_details::{Details, Value};
use super::super::context::{Layout, TenantAdmin};
use crate::db;
use crate::error::{AppError, AppResult, render};
use crate::i18n;

/// Keys start with this, so a leaked one is recognisable (secret scanners, logs).
pub const KEY_PREFIX: &str = "tmas_";
/// Live keys one tenant may hold: one per counter system or script is plenty.
const MAX_LIVE_KEYS: usize = 20;
const MAX_NAME_CHARS: usize = 60;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api-keys", get(page).post(create))
        .route("/admin/api-keys/{id}/revoke", post(revoke))
}

struct KeyView {
    id: i64,
    name: String,
    hint: String,
    created: String,
    created_by: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<KeyView>,
    /// The key just created, shown this once.
    new_key: Option<(String, String)>,
    name: String,
    error: Option<String>,
}

async fn keys_page(
    state: &AppState,
    admin: &TenantAdmin,
    status: StatusCode,
    new_key: Option<(String, String)>,
    name: String,
    error: Option<String>,
) -> AppResult<Response> {
    let lang = i18n::current();
    let tz: chrono_tz::Tz = admin.0.tenant.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let keys = db::api_keys::list(&state.db, admin.0.tenant_id())
        .await?
        .into_iter()
        .map(|k| KeyView {
            id: k.id,
            revoked: k.is_revoked(),
            name: k.name,
            hint: format!("{KEY_PREFIX}…{}", k.key_hint),
            created: i18n::format_instant(lang, k.created_at, tz),
            created_by: k.created_by,
            last_used: k
                .last_used_at
                .map(|at| i18n::format_instant(lang, at, tz))
                .unwrap_or_else(|| i18n::t("never")),
        })
        .collect();
    Ok((
        status,
        render(&KeysPage {
            layout: admin.0.layout(state).await?,
            keys,
            new_key,
            name,
            error,
        })?,
    )
        .into_response())
}

async fn page(State(state): State<AppState>, admin: TenantAdmin) -> AppResult<Response> {
    keys_page(&state, &admin, StatusCode::OK, None, String::new(), None).await
}

#[derive(Deserialize)]
struct NewKeyForm {
    #[serde(default)]
    name: String,
}

/// A key's name: what it is for ("Door counters", "Nightly script").
fn parse_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Name the key after what will use it (e.g. Door counters).".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "The name is too long (at most {MAX_NAME_CHARS} characters)."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("The name cannot hold control characters.".into());
    }
    Ok(name.to_string())
}

async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Form(form): Form<NewKeyForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let name = match parse_name(&form.name) {
        Ok(name) => name,
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return keys_page(&state, &admin, status, None, form.name, Some(e)).await;
        }
    };
    let live = db::api_keys::list(&state.db, tenant)
        .await?
        .iter()
        .filter(|k| !k.is_revoked())
        .count();
    if live >= MAX_LIVE_KEYS {
        let error =
            format!("A tenant can hold at most {MAX_LIVE_KEYS} live keys: revoke one first.");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return keys_page(&state, &admin, status, None, name, Some(error)).await;
    }
    let key = format!("{KEY_PREFIX}{}", crate::crypto::random_token());
    let hint: String = key[key.len() - 4..].to_string();
    let created = db::api_keys::create(
        &state.db,
        tenant,
        &name,
        &crate::crypto::sha256_hex(&key),
        &hint,
        &admin.0.current.user.email,
    )
    .await?;
    admin
        .0
        .audit(
            &state,
            "api_key.create",
            &Details::new()
                .subject(Value::Text(created.name.clone()))
                .fact("Key", Value::Text(format!("{KEY_PREFIX}…{hint}")))
                .to_stored(),
        )
        .await?;
    keys_page(
        &state,
        &admin,
        StatusCode::OK,
        Some((name, key)),
        String::new(),
        None,
    )
    .await
}

async fn revoke(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    // Another tenant's key id is not found, like any id that is not this tenant's.
    let key = db::api_keys::get(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if db::api_keys::revoke(&state.db, tenant, id).await? {
        admin
            .0
            .audit(
                &state,
                "api_key.revoke",
                &Details::new()
                    .subject(Value::Text(key.name.clone()))
                    .fact("Key", Value::Text(format!("{KEY_PREFIX}…{}", key.key_hint)))
                    .to_stored(),
            )
            .await?;
    }
    Ok(Redirect::to("/admin/api-keys").into_response())
}
