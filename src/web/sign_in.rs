//! Sign-in, sign-out, and the one-time `/setup` link that creates the first staff account.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::audit_details::{Details, Value};
use super::context::{ACTING_TENANT_KEY, FormErrors, GENERATION_KEY, Layout, USER_KEY};
use super::csrf::FormToken;
use super::{AppState, csrf};
use crate::db;
use crate::db::throttle;
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
    /// After a new password was set through a mailed link.
    notice: String,
}

fn login_form(
    status: StatusCode,
    token: String,
    email: String,
    error: String,
) -> AppResult<Response> {
    let layout = Layout {
        csrf: token,
        ..Layout::default()
    };
    Ok((
        status,
        render(&LoginPage {
            layout,
            email,
            error,
            notice: String::new(),
        })?,
    )
        .into_response())
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    reset: Option<String>,
}

async fn login_page(
    FormToken(token): FormToken,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    let notice = if query.reset.is_some() {
        "Your new password is set and every session of your account has been signed out. Sign in with it."
    } else {
        ""
    };
    let layout = Layout {
        csrf: token,
        ..Layout::default()
    };
    Ok(render(&LoginPage {
        layout,
        email: String::new(),
        error: String::new(),
        notice: notice.into(),
    })?
    .into_response())
}

/// Who is signing in, as the sign-in throttle counts them: the TCP peer's address. TMAS does
/// not trust `X-Forwarded-For` (anyone can send it); behind a proxy every client shares the
/// proxy's address, so such a deployment must pass the client's address on at the TCP level
/// (e.g. the PROXY protocol) or accept one shared per-address budget.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| throttle_address(peer.ip()))
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// An IPv4 address as it is; an IPv6 address by its /64 network, which one client usually
/// holds whole.
fn throttle_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
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
    ClientAddress(address): ClientAddress,
    FormToken(token): FormToken,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    // As addresses are stored: compatibility forms folded (NFKC), lower case.
    let email = crate::domain::lookalike::nfkc(form.email.trim()).to_lowercase();
    let again = |status: StatusCode, error: String| {
        login_form(status, token.clone(), form.email.clone(), error)
    };
    if email.is_empty() || form.password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your email and password.".into(),
        );
    }
    if email.len() > Email::MAX_LEN || form.password.len() > 4 * NewPassword::MAX_LEN {
        return again(StatusCode::UNAUTHORIZED, "Wrong email or password.".into());
    }
    // Counted before any hashing, atomically: concurrent guesses all count.
    let keys = throttle::Keys::new(&email, &address);
    if let throttle::Attempt::Wait(seconds) = throttle::begin_attempt(&state.db, &keys).await? {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins. Wait {seconds} seconds and try again."),
        );
    }
    let user = db::users::find_by_email(&state.db, &email)
        .await?
        .filter(|user| user.is_active());
    // An unknown or inactive email is checked against a dummy hash: it takes as long as a
    // wrong password, so the answer's timing does not tell which emails have accounts.
    let verified = crate::password::verify_or_waste(
        form.password.clone(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let Some(user) = user.filter(|_| verified) else {
        return again(StatusCode::UNAUTHORIZED, "Wrong email or password.".into());
    };
    throttle::succeeded(&state.db, &keys).await?;
    start_session(&session, &user).await?;
    let home = if user.must_change_password() {
        "/account/password"
    } else if user.role() == Role::Staff {
        "/staff/tenants"
    } else {
        "/"
    };
    Ok(Redirect::to(home).into_response())
}

/// Signs `user` in on `session`: a new id (against session fixation), their generation, their
/// language, a new CSRF token.
pub async fn start_session(session: &Session, user: &db::users::User) -> AppResult<()> {
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.into());
    session.cycle_id().await.map_err(internal)?;
    session.insert(USER_KEY, user.id).await.map_err(internal)?;
    session
        .insert(GENERATION_KEY, user.session_generation)
        .await
        .map_err(internal)?;
    let _ = session.remove::<i64>(ACTING_TENANT_KEY).await;
    super::language::adopt_saved_language(session, &user.language).await?;
    csrf::renew(session).await?;
    Ok(())
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
    FormToken(token): FormToken,
    Query(query): Query<SetupQuery>,
) -> AppResult<Response> {
    if !setup_token_is_valid(&state, &query.token).await? {
        return Err(AppError::Forbidden(
            "This setup link is not valid or has already been used.".into(),
        ));
    }
    let layout = Layout {
        csrf: token,
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
    FormToken(token): FormToken,
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
    let password = NewPassword::parse_for(&form.password, &[form.email.trim()])
        .map_err(|e| errors.add("password", e))
        .ok();
    let (Some(email), Some(password)) = (email, password) else {
        let layout = Layout {
            csrf: token,
            ..Layout::default()
        };
        return Ok((
            errors.status(),
            render(&SetupPage {
                layout,
                token: form.token,
                email: form.email,
                errors,
            })?,
        )
            .into_response());
    };
    let hash = crate::password::hash(password.expose().to_string()).await?;
    // The token is claimed and the account created in one transaction, so however many times
    // the link is posted at once, one post wins and the others find the token gone.
    let Some(user) = db::users::create_first_staff(
        &state.db,
        SETUP_TOKEN_KEY,
        &crate::crypto::sha256_hex(&form.token),
        email.as_str(),
        &hash,
    )
    .await?
    else {
        return Err(AppError::Forbidden(
            "This setup link is not valid or has already been used.".into(),
        ));
    };
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
        &Details::new()
            .subject(Value::Text(user.email.clone()))
            .fact("Role", Value::Word(user.role.clone()))
            .to_stored(),
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
