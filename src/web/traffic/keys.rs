//! Administration → API keys: named keys that let a door counter or a script post traffic for
//! this tenant. A key is shown once, on the page its creation redirects to; only its SHA-256 is
//! kept. Between the POST and that page the key waits sealed in the server-side session, never
//! in a URL, and the page takes it out as it shows it, so a reload no longer shows it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

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
/// The session entry holding the key just created until the keys page shows it.
const FRESH_KEY: &str = "fresh_api_key";

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
    /// The key just created (its name and the key), shown this once.
    new_key: Option<(String, String)>,
    /// Back on the page after creating a key whose one showing is over (a reload).
    key_shown_before: bool,
    name: String,
    error: Option<String>,
}

/// A key just created, as it waits in the session: sealed with the app's secret key, so the
/// session row never holds it in clear, and tied to the tenant it was made in.
#[derive(Serialize, Deserialize)]
struct FreshKey {
    tenant_id: i64,
    name: String,
    sealed: String,
}

/// Keeps the key just created for the page the creation redirects to.
async fn keep_fresh_key(
    state: &AppState,
    admin: &TenantAdmin,
    name: &str,
    key: &str,
) -> AppResult<()> {
    let fresh = FreshKey {
        tenant_id: admin.0.tenant_id().0,
        name: name.to_string(),
        sealed: crate::crypto::encrypt(&state.secret_key, key)?,
    };
    admin
        .0
        .current
        .session
        .insert(FRESH_KEY, fresh)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// What the keys page shows besides the list: the key just made, or that it was shown.
#[derive(Default)]
struct Fresh {
    new_key: Option<(String, String)>,
    key_shown_before: bool,
}

/// Takes the key just created out of the session (it is shown once) when it was made in this
/// tenant and still opens with this app's secret key. A key made in another tenant (staff who
/// moved on before the page showed it) waits for that tenant's page. `created`: the page was
/// reached from the creation, so with no key waiting it says the key was shown already.
async fn take_fresh_key(
    state: &AppState,
    session: &Session,
    tenant: db::TenantId,
    created: bool,
) -> AppResult<Fresh> {
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.into());
    let fresh = session.get::<FreshKey>(FRESH_KEY).await.map_err(internal)?;
    let Some(fresh) = fresh else {
        return Ok(Fresh {
            new_key: None,
            key_shown_before: created,
        });
    };
    if fresh.tenant_id != tenant.0 {
        return Ok(Fresh::default());
    }
    session.remove_value(FRESH_KEY).await.map_err(internal)?;
    let key = crate::crypto::decrypt(&state.secret_key, &fresh.sealed).ok();
    Ok(Fresh {
        key_shown_before: key.is_none() && created,
        new_key: key.map(|key| (fresh.name, key)),
    })
}

async fn keys_page(
    state: &AppState,
    admin: &TenantAdmin,
    status: StatusCode,
    fresh: Fresh,
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
            new_key: fresh.new_key,
            key_shown_before: fresh.key_shown_before,
            name,
            error,
        })?,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct PageQuery {
    /// `created` after a key is made: the page then shows it, or says it was shown already.
    #[serde(default)]
    notice: String,
}

async fn page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let session = &admin.0.current.session;
    let created = query.notice == "created";
    let fresh = take_fresh_key(&state, session, admin.0.tenant_id(), created).await?;
    keys_page(&state, &admin, StatusCode::OK, fresh, String::new(), None).await
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
            let fresh = Fresh::default();
            return keys_page(&state, &admin, status, fresh, form.name, Some(e)).await;
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
        let fresh = Fresh::default();
        return keys_page(&state, &admin, status, fresh, name, Some(error)).await;
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
    keep_fresh_key(&state, &admin, &name, &key).await?;
    Ok(Redirect::to("/admin/api-keys?notice=created").into_response())
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
