//! Onboarding staff's own accounts: the list, and resetting another staff member's password
//! (tenant users' passwords are reset from inside their tenant, under Users).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{Layout, StaffUser};
use super::users::{PasswordResetPage, keep_temporary, take_temporary};
use crate::db;
use crate::db::users::User;
use crate::error::{AppError, AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/users", get(list)).route(
        "/staff/users/{id}/password",
        get(show_reset_password).post(reset_password),
    )
}

#[derive(Template)]
#[template(path = "staff_users.html")]
struct StaffUsersPage {
    layout: Layout,
    users: Vec<User>,
    me: i64,
}

async fn list(State(state): State<AppState>, staff: StaffUser) -> AppResult<Response> {
    Ok(render(&StaffUsersPage {
        layout: staff.0.layout(&state).await?,
        users: db::users::list_staff(&state.db).await?,
        me: staff.0.user.id,
    })?
    .into_response())
}

/// The page after a reset: the temporary password once, then the list.
async fn show_reset_password(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = db::users::get_staff(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(temporary) = take_temporary(&staff.0.session, id).await? else {
        return Ok(Redirect::to("/staff/users").into_response());
    };
    PasswordResetPage {
        layout: staff.0.layout(&state).await?,
        user,
        temporary,
        back: "/staff/users",
    }
    .respond()
}

async fn reset_password(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = db::users::get_staff(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.id == staff.0.user.id {
        return Err(AppError::BadRequest(
            "To change your own password, use Change your password.".into(),
        ));
    }
    let temporary = crate::password::reset_to_temporary(&state.db, user.id).await?;
    let mut actor = staff.0.actor();
    actor.acting_staff = false;
    db::audit::record(
        &state.db,
        None,
        &actor,
        "user.reset_password",
        &Details::new()
            .subject(Value::Text(user.email.clone()))
            .fact("Role", Value::Word(user.role.clone()))
            .to_stored(),
    )
    .await?;
    keep_temporary(&staff.0.session, id, temporary).await?;
    Ok(Redirect::to(&format!("/staff/users/{id}/password")).into_response())
}
