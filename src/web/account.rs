//! The signed-in user's own account: choosing a new password (with the current one), which is
//! also where a user lands after an administrator reset their password.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{CurrentUser, FormErrors, GENERATION_KEY, Layout};
use crate::db;
use crate::db::throttle;
use crate::domain::account::NewPassword;
use crate::error::{AppError, AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/password", get(page).post(change))
        .route("/account/alerts", post(alerts))
        .route("/account/digests", post(digests))
        .route("/digest/unsubscribe", get(unsubscribe))
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    layout: Layout,
    /// After a reset: the user must choose a password before anything else.
    forced: bool,
    changed: bool,
    errors: FormErrors,
    /// Onboarding staff: whether they get every tenant's integration alerts by mail.
    staff_alerts: Option<bool>,
    mail_on: bool,
    /// Managers and admins: their digest choices (daily, weekly).
    digests: Option<(bool, bool)>,
    /// Which choices were just saved (`digests`, `alerts`), said beside their form.
    saved: &'static str,
}

async fn digest_choices(state: &AppState, user: &CurrentUser) -> AppResult<Option<(bool, bool)>> {
    if user.user.tenant_id.is_none() {
        return Ok(None);
    }
    Ok(Some(db::digests::choices(&state.db, user.user.id).await?))
}

async fn staff_alerts(state: &AppState, user: &CurrentUser) -> AppResult<Option<bool>> {
    if user.user.role() != crate::domain::account::Role::Staff {
        return Ok(None);
    }
    Ok(Some(
        db::alerts::mail_all_alerts(&state.db, user.user.id).await?,
    ))
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    changed: Option<String>,
    #[serde(default)]
    saved: String,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    Ok(render(&PasswordPage {
        layout: user.layout(&state).await?,
        forced: user.user.must_change_password(),
        changed: query.changed.is_some() && !user.user.must_change_password(),
        errors: FormErrors::default(),
        staff_alerts: staff_alerts(&state, &user).await?,
        mail_on: state.mail.is_on(),
        digests: digest_choices(&state, &user).await?,
        // Only these fixed words are ever echoed.
        saved: match query.saved.as_str() {
            "digests" => "digests",
            "alerts" => "alerts",
            _ => "",
        },
    })?
    .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Whether the form's current password is right, checked like a sign-in (throttled, bounded
/// hashing) so a left-open session cannot be used to guess it; a refusal is added to `errors`.
async fn check_current_password(
    state: &AppState,
    user: &CurrentUser,
    client: &super::sign_in::ClientAddress,
    form: &PasswordForm,
    errors: &mut FormErrors,
) -> AppResult<bool> {
    let keys = throttle::Keys::new(&user.user.email, &client.0);
    Ok(match throttle::begin_attempt(&state.db, &keys).await? {
        throttle::Attempt::Wait(seconds) => {
            errors.add(
                "current_password",
                format!("Too many failed sign-ins. Wait {seconds} seconds and try again."),
            );
            false
        }
        throttle::Attempt::Allowed => {
            let ok = crate::password::verify(
                form.current_password.clone(),
                user.user.password_hash.clone(),
            )
            .await;
            if ok {
                throttle::succeeded(&state.db, &keys).await?;
            } else {
                errors.add("current_password", "The current password is wrong.");
            }
            ok
        }
    })
}

/// The password page again, with the form's refusals.
async fn refused_page(
    state: &AppState,
    user: &CurrentUser,
    errors: FormErrors,
) -> AppResult<Response> {
    let page = PasswordPage {
        layout: user.layout(state).await?,
        forced: user.user.must_change_password(),
        changed: false,
        errors,
        staff_alerts: staff_alerts(state, user).await?,
        mail_on: state.mail.is_on(),
        digests: digest_choices(state, user).await?,
        saved: "",
    };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    client: super::sign_in::ClientAddress,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let new = NewPassword::parse_for(&form.new_password, &[user.user.email.as_str()])
        .map_err(|e| errors.add("new_password", e))
        .ok();
    if form.new_password != form.confirm_password {
        errors.add("confirm_password", "The two new passwords differ.");
    }
    if form.new_password == form.current_password && !form.new_password.is_empty() {
        errors.add(
            "new_password",
            "Choose a password different from the current one.",
        );
    }
    let current_ok = check_current_password(&state, &user, &client, &form, &mut errors).await?;
    let (Some(new), true, false) = (new, current_ok, errors.any()) else {
        return refused_page(&state, &user, errors).await;
    };
    let hash = crate::password::hash(new.expose().to_string()).await?;
    let generation = db::users::set_password(&state.db, user.user.id, &hash, false)
        .await?
        .ok_or(AppError::LoginRequired)?;
    // Every other session of this user ends; this one carries on under the new generation,
    // with a new id.
    user.session
        .cycle_id()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    user.session
        .insert(GENERATION_KEY, generation)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let tenant = user.user.tenant_id.map(db::TenantId);
    db::audit::record(
        &state.db,
        tenant,
        &user.actor(),
        "user.change_password",
        &Details::new()
            .subject(Value::Text(user.user.email.clone()))
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/account/password?changed=1").into_response())
}

#[derive(Deserialize)]
struct AlertsForm {
    /// A checkbox: present when ticked.
    #[serde(default)]
    mail_all_alerts: Option<String>,
}

/// Onboarding staff choose whether every tenant's integration alerts are mailed to them.
async fn alerts(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<AlertsForm>,
) -> AppResult<Response> {
    if user.user.role() != crate::domain::account::Role::Staff {
        return Err(AppError::Forbidden(
            "Only onboarding staff receive every tenant's alerts.".into(),
        ));
    }
    let on = form.mail_all_alerts.is_some();
    db::alerts::set_mail_all_alerts(&state.db, user.user.id, on).await?;
    db::audit::record(
        &state.db,
        None,
        &user.actor(),
        "user.alert_mail",
        &Details::new()
            .subject(Value::Text(user.user.email.clone()))
            .fact("Every tenant's alerts", Value::Flag(on))
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/account/password?saved=alerts").into_response())
}

#[derive(Deserialize)]
struct DigestsForm {
    /// Checkboxes: present when ticked.
    #[serde(default)]
    digest_daily: Option<String>,
    #[serde(default)]
    digest_weekly: Option<String>,
}

/// A manager or admin chooses the daily and weekly digests.
async fn digests(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<DigestsForm>,
) -> AppResult<Response> {
    let Some(tenant) = user.user.tenant_id.map(db::TenantId) else {
        return Err(AppError::Forbidden(
            "Digests are for the managers and admins of a company.".into(),
        ));
    };
    let (daily, weekly) = (form.digest_daily.is_some(), form.digest_weekly.is_some());
    db::digests::set(
        &state.db,
        user.user.id,
        db::digests::DigestKind::Daily,
        daily,
    )
    .await?;
    db::digests::set(
        &state.db,
        user.user.id,
        db::digests::DigestKind::Weekly,
        weekly,
    )
    .await?;
    db::audit::record(
        &state.db,
        Some(tenant),
        &user.actor(),
        "user.digests",
        &Details::new()
            .subject(Value::Text(user.user.email.clone()))
            .fact("Daily digest", Value::Flag(daily))
            .fact("Weekly digest", Value::Flag(weekly))
            .to_stored(),
    )
    .await?;
    Ok(Redirect::to("/account/password?saved=digests").into_response())
}

#[derive(Deserialize)]
struct UnsubscribeQuery {
    #[serde(default)]
    user: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sig: String,
}

#[derive(Template)]
#[template(path = "digest_unsubscribed.html")]
struct UnsubscribedPage {
    layout: Layout,
    weekly: bool,
}

/// The digest's one-click unsubscribe link: signed for its reader, so it needs no sign-in,
/// and harmless to open twice.
async fn unsubscribe(
    State(state): State<AppState>,
    csrf: super::csrf::FormToken,
    Query(query): Query<UnsubscribeQuery>,
) -> AppResult<Response> {
    let kind = db::digests::DigestKind::parse(&query.kind);
    let valid = kind.is_some_and(|kind| {
        let expected =
            crate::mail::digest::unsubscribe_signature(&state.secret_key, query.user, kind);
        crate::crypto::constant_time_eq(expected.as_bytes(), query.sig.as_bytes())
    });
    let Some(kind) = kind.filter(|_| valid) else {
        return Err(AppError::Forbidden(
            "This unsubscribe link is not valid. Change your digests on your account page.".into(),
        ));
    };
    db::digests::set(&state.db, query.user, kind, false).await?;
    Ok(render(&UnsubscribedPage {
        layout: Layout {
            csrf: csrf.0,
            ..Layout::default()
        },
        weekly: kind == db::digests::DigestKind::Weekly,
    })?
    .into_response())
}
