//! Sign-in, sign-out, and the one-time `/setup` link that creates the first staff account.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::context::{ACTING_TENANT_KEY, FormErrors, Layout, USER_KEY};
use super::{AppState, csrf};
use crate::db;
use crate::domain::account::{Email, NewPassword, Role};
use crate::error::{AppError, AppResult, render};

pub const SETUP_TOKEN_KEY: &str = "setup_token_sha256";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/setup", get(setup_page).post(setup))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    error: String,
}

async fn login_page(session: Session) -> AppResult<Response> {
    let layout = Layout {
        csrf: csrf::token(&session).await?,
        ..Layout::default()
    };
    Ok(render(&LoginPage {
        layout,
        email: String::new(),
        error: String::new(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_lowercase();
    let again = |error: String| async {
        let layout = Layout {
            csrf: csrf::token(&session).await?,
            ..Layout::default()
        };
        Ok::<_, AppError>(
            render(&LoginPage {
                layout,
                email: form.email.clone(),
                error,
            })?
            .into_response(),
        )
    };
    if email.is_empty() || form.password.is_empty() {
        return again("Enter your email and password.".into()).await;
    }
    if let Some(wait) = db::users::throttle_wait(&state.db, &email).await? {
        return again(format!(
            "Too many failed sign-ins for this account. Wait {wait} seconds and try again."
        ))
        .await;
    }
    let user = db::users::find_by_email(&state.db, &email).await?;
    let verified = match &user {
        Some(user) if user.is_active() => {
            crate::password::verify(form.password.clone(), user.password_hash.clone()).await
        }
        _ => false,
    };
    let Some(user) = user.filter(|_| verified) else {
        db::users::record_failure(&state.db, &email).await?;
        return again("Wrong email or password.".into()).await;
    };
    db::users::clear_failures(&state.db, &email).await?;
    // A new id at sign-in defeats session fixation; a new CSRF token goes with it.
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    session
        .insert(USER_KEY, user.id)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let _ = session.remove::<i64>(ACTING_TENANT_KEY).await;
    super::language::adopt_saved_language(&session, &user.language).await?;
    csrf::renew(&session).await?;
    let home = if user.role() == Role::Staff {
        "/staff/tenants"
    } else {
        "/"
    };
    Ok(Redirect::to(home).into_response())
}

async fn logout(session: Session) -> AppResult<Redirect> {
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to("/login"))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    email: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct SetupQuery {
    #[serde(default)]
    token: String,
}

async fn setup_token_is_valid(state: &AppState, token: &str) -> AppResult<bool> {
    let stored = db::users::setting(&state.db, SETUP_TOKEN_KEY).await?;
    Ok(match stored {
        Some(hash) if !token.is_empty() => crate::crypto::constant_time_eq(
            hash.as_bytes(),
            crate::crypto::sha256_hex(token).as_bytes(),
        ),
        _ => false,
    })
}

async fn setup_page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SetupQuery>,
) -> AppResult<Response> {
    if !setup_token_is_valid(&state, &query.token).await? {
        return Err(AppError::Forbidden(
            "This setup link is not valid or has already been used.".into(),
        ));
    }
    let layout = Layout {
        csrf: csrf::token(&session).await?,
        ..Layout::default()
    };
    Ok(render(&SetupPage {
        layout,
        token: query.token,
        email: String::new(),
        errors: FormErrors::default(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn setup(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SetupForm>,
) -> AppResult<Response> {
    if !setup_token_is_valid(&state, &form.token).await? {
        return Err(AppError::Forbidden(
            "This setup link is not valid or has already been used.".into(),
        ));
    }
    let mut errors = FormErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.add("email", e))
        .ok();
    let password = NewPassword::parse(&form.password)
        .map_err(|e| errors.add("password", e))
        .ok();
    let (Some(email), Some(password)) = (email, password) else {
        let layout = Layout {
            csrf: csrf::token(&session).await?,
            ..Layout::default()
        };
        return Ok(render(&SetupPage {
            layout,
            token: form.token,
            email: form.email,
            errors,
        })?
        .into_response());
    };
    let hash = crate::password::hash(password.expose().to_string()).await?;
    let user =
        db::users::create(&state.db, email.as_str(), &hash, Role::Staff, None, false).await?;
    db::users::delete_setting(&state.db, SETUP_TOKEN_KEY).await?;
    let actor = db::audit::Actor {
        user_id: user.id,
        email: user.email.clone(),
        acting_staff: false,
    };
    db::audit::record(
        &state.db,
        None,
        &actor,
        "setup.first_staff_account",
        &user.email,
    )
    .await?;
    Ok(Redirect::to("/login").into_response())
}

/// Prints nothing unless the database has no user yet; then creates and returns the one-time
/// setup token (only its hash is stored).
pub async fn issue_setup_token_if_empty(db: &db::Db) -> anyhow::Result<Option<String>> {
    if db::users::count(db).await? > 0 {
        return Ok(None);
    }
    let token = crate::crypto::random_token();
    db::users::set_setting(db, SETUP_TOKEN_KEY, &crate::crypto::sha256_hex(&token)).await?;
    Ok(Some(token))
}
