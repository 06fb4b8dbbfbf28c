//! "Forgot your password?": a form that mails a single-use link, valid for 30 minutes, and
//! the page that link opens to choose a new password. The first answer (a redirect to the
//! page that says a link is on its way) is the same whether or not the address has an
//! account, and takes as long; requests are throttled per address and per client; using the
//! link ends every session of the account.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{FormErrors, Layout};
use super::csrf::FormToken;
use super::sign_in::ClientAddress;
use crate::db::mail::MailKind;
use crate::db::{self, TenantId, throttle};
use crate::domain::account::{Email, NewPassword};
use crate::error::{AppResult, render};
use crate::i18n::{self, Lang};
use crate::mail::compose::{self, MailLayout};

/// How long a link works.
pub const LINK_MINUTES: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/password/reset", get(reset_page).post(reset))
}

fn layout(csrf: String) -> Layout {
    Layout {
        csrf,
        ..Layout::default()
    }
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    layout: Layout,
    mail_on: bool,
    /// After a request: the same words whether or not the address has an account.
    sent: bool,
    email: String,
    error: String,
    minutes: i64,
}

impl ForgotPage {
    fn new(state: &AppState, csrf: String) -> ForgotPage {
        ForgotPage {
            layout: layout(csrf),
            mail_on: state.mail.is_on(),
            sent: false,
            email: String::new(),
            error: String::new(),
            minutes: LINK_MINUTES,
        }
    }
}

#[derive(Deserialize, Default)]
struct ForgotQuery {
    /// Set by the redirect after a request: the page then says a link may be on its way.
    #[serde(default)]
    sent: Option<String>,
}

async fn forgot_page(
    State(state): State<AppState>,
    FormToken(token): FormToken,
    Query(query): Query<ForgotQuery>,
) -> AppResult<Response> {
    let mut page = ForgotPage::new(&state, token);
    // The words are the same for any address, so this says nothing about any account.
    page.sent = query.sent.is_some();
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    FormToken(token): FormToken,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    let mut page = ForgotPage::new(&state, token);
    if !state.mail.is_on() {
        return Ok((StatusCode::SERVICE_UNAVAILABLE, render(&page)?).into_response());
    }
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            page.email = form.email;
            page.error = message;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    // Counted whether or not the address has an account, so the refusal tells nothing either.
    if let throttle::Attempt::Wait(seconds) =
        throttle::begin_reset_request(&state.db, email.as_str(), &address).await?
    {
        page.email = form.email;
        page.error = i18n::fill(
            i18n::current(),
            "Too many requests for a new password. Try again in {} minutes.",
            &[((seconds + 59) / 60).to_string()],
        );
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response());
    }
    // The link is made and queued apart from the answer, which therefore takes as long for an
    // address with an account as for one without.
    let lang = i18n::current();
    let background = state.clone();
    tokio::spawn(async move {
        if let Err(error) = send_link(&background, &email, lang).await {
            tracing::error!(%error, "a password-reset link could not be queued");
        }
    });
    Ok(Redirect::to("/password/forgot?sent=1").into_response())
}

/// Makes and queues the link when `email` belongs to an active account; does nothing else.
async fn send_link(state: &AppState, email: &Email, request_lang: Lang) -> anyhow::Result<()> {
    let Some(config) = state.mail.config() else {
        return Ok(());
    };
    let Some(user) = db::users::find_by_email(&state.db, email.as_str())
        .await?
        .filter(|user| user.is_active())
    else {
        return Ok(());
    };
    let tenant = user.tenant_id.map(TenantId);
    let tenant_name = match tenant {
        Some(id) => db::tenants::get(&state.db, id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let token = crate::crypto::random_token();
    db::mail::create_reset(
        &state.db,
        user.id,
        tenant,
        &crate::crypto::sha256_hex(&token),
        db::now() + LINK_MINUTES * 60,
    )
    .await?;
    let layout = MailLayout {
        // The account's own language, else the one the request was made in.
        lang: Lang::from_code(&user.language).unwrap_or(request_lang),
        tenant_name,
    };
    let link = config
        .public_url()
        .link(&format!("/password/reset?token={token}"));
    let message = compose::password_reset(&layout, &user.email, &link, LINK_MINUTES)?;
    crate::mail::outbox::queue(
        state,
        tenant,
        MailKind::PasswordReset,
        &user.email,
        &message,
    )
    .await?;
    db::audit::record(
        &state.db,
        tenant,
        &db::audit::Actor {
            user_id: user.id,
            email: user.email.clone(),
            acting_staff: false,
        },
        "user.password_reset_requested",
        &Details::new()
            .subject(Value::Text(user.email.clone()))
            .to_stored(),
    )
    .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    layout: Layout,
    /// False when the link is unknown, used, expired or replaced by a newer one.
    valid: bool,
    token: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct ResetQuery {
    #[serde(default)]
    token: String,
}

/// The account a link that still works belongs to.
async fn link_user(state: &AppState, token: &str) -> AppResult<Option<db::users::User>> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let hash = crate::crypto::sha256_hex(token);
    let Some(user_id) = db::mail::reset_user(&state.db, &hash).await? else {
        return Ok(None);
    };
    Ok(db::users::find_by_id(&state.db, user_id)
        .await?
        .filter(|user| user.is_active()))
}

fn invalid_link(csrf: String) -> AppResult<Response> {
    let page = ResetPage {
        layout: layout(csrf),
        valid: false,
        token: String::new(),
        errors: FormErrors::default(),
    };
    Ok((StatusCode::GONE, render(&page)?).into_response())
}

// Opening the link changes nothing (mail scanners open links too); only the form uses it.
async fn reset_page(
    State(state): State<AppState>,
    FormToken(csrf): FormToken,
    Query(query): Query<ResetQuery>,
) -> AppResult<Response> {
    if link_user(&state, &query.token).await?.is_none() {
        return invalid_link(csrf);
    }
    Ok(render(&ResetPage {
        layout: layout(csrf),
        valid: true,
        token: query.token,
        errors: FormErrors::default(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn reset(
    State(state): State<AppState>,
    FormToken(csrf): FormToken,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let Some(user) = link_user(&state, &form.token).await? else {
        return invalid_link(csrf);
    };
    let mut errors = FormErrors::default();
    let password = NewPassword::parse_for(&form.password, &[user.email.as_str()])
        .map_err(|e| errors.add("password", e))
        .ok();
    if form.password != form.password_confirm {
        errors.add("password_confirm", "The two new passwords differ.");
    }
    let (Some(password), false) = (password, errors.any()) else {
        let page = ResetPage {
            layout: layout(csrf),
            valid: true,
            token: form.token,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let hash = crate::password::hash(password.expose().to_string()).await?;
    // The link is used and the password set in one transaction; every session of the
    // account ends with it.
    let Some(user_id) =
        db::mail::use_reset(&state.db, &crate::crypto::sha256_hex(&form.token), &hash).await?
    else {
        return invalid_link(csrf);
    };
    db::audit::record(
        &state.db,
        user.tenant_id.map(TenantId),
        &db::audit::Actor {
            user_id,
            email: user.email.clone(),
            acting_staff: false,
        },
        "user.password_reset_by_link",
        &Details::new()
            .subject(Value::Text(user.email.clone()))
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/login?reset=1").into_response())
}
