//! Administration → Users: list, create, change role, deactivate, reset a password, delete,
//! and the "may edit data manually" permission.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::audit_details::{Details, Value};
use super::context::{FormErrors, Layout, TenantAdmin};
use crate::db;
use crate::db::users::User;
use crate::domain::account::{Email, NewPassword, Role};
use crate::error::{AppError, AppResult, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{id}", get(edit_page).post(edit))
        .route(
            "/admin/users/{id}/password",
            get(show_reset_password).post(reset_password),
        )
        .route("/admin/users/{id}/delete", post(delete))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    form: NewUserForm,
    errors: FormErrors,
    /// What the last action did, after its redirect.
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    notice: String,
}

/// Messages after an action on a user; only these fixed texts are ever shown.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "The user is added.",
        "saved" => "The changes to the user are saved.",
        "deleted" => "The user is deleted.",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    may_edit_manually: Option<String>,
}

async fn users_page(
    state: &AppState,
    admin: &TenantAdmin,
    form: NewUserForm,
    errors: FormErrors,
) -> AppResult<Response> {
    users_page_with(state, admin, form, errors, None).await
}

async fn users_page_with(
    state: &AppState,
    admin: &TenantAdmin,
    form: NewUserForm,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    let status = errors.status();
    Ok((
        status,
        render(&UsersPage {
            layout: admin.0.layout(state).await?,
            users: db::users::list_in_tenant(&state.db, admin.0.tenant_id()).await?,
            form,
            errors,
            notice,
        })?,
    )
        .into_response())
}

async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let form = NewUserForm {
        role: "manager".into(),
        ..NewUserForm::default()
    };
    let notice = notice_text(&query.notice);
    users_page_with(&state, &admin, form, FormErrors::default(), notice).await
}

/// Tenant users are admins or managers; staff accounts are the operator's and made elsewhere.
fn tenant_role(value: &str) -> Result<Role, String> {
    match Role::parse(value)? {
        Role::Staff => Err("Choose admin or manager.".into()),
        role => Ok(role),
    }
}

async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Form(mut form): Form<NewUserForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.add("email", e))
        .ok();
    let password = NewPassword::parse_for(&form.password, &[form.email.trim()])
        .map_err(|e| errors.add("password", e))
        .ok();
    let role = tenant_role(&form.role)
        .map_err(|e| errors.add("role", e))
        .ok();
    let may_edit = form.may_edit_manually.is_some();
    let (Some(email), Some(password), Some(role)) = (email, password, role) else {
        form.password.clear();
        return users_page(&state, &admin, form, errors).await;
    };
    let tenant = admin.0.tenant_id();
    // Each try counts, made or refused: an admin cannot probe many addresses for accounts.
    let recent = db::audit::count_since(
        &state.db,
        tenant,
        &["user.create", CREATE_REFUSED],
        db::now() - 3600,
    )
    .await?;
    if recent >= CREATIONS_PER_HOUR {
        errors.add(
            "email",
            format!(
                "{CREATIONS_PER_HOUR} users were added or tried in the last hour, the most allowed: wait a while before adding more."
            ),
        );
        form.password.clear();
        let mut response = users_page(&state, &admin, form, errors).await?;
        *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    // An address in use anywhere (this tenant, another, staff) or one that looks like it is
    // refused in the same words, so the answer never tells that someone has an account
    // elsewhere.
    if db::users::address_or_look_alike_exists(&state.db, &email).await? {
        return refuse_address(&state, &admin, form, &email, role).await;
    }
    let hash = crate::password::hash(password.expose().to_string()).await?;
    match db::users::create(
        &state.db,
        email.as_str(),
        &hash,
        role,
        Some(tenant),
        may_edit,
    )
    .await
    {
        Ok(user) => {
            admin
                .0
                .audit(
                    &state,
                    "user.create",
                    &Details::new()
                        .subject(Value::Text(user.email.clone()))
                        .fact("Role", Value::Word(user.role.clone()))
                        .fact("May edit data manually", Value::Flag(may_edit))
                        .to_stored(),
                )
                .await?;
            Ok(Redirect::to("/admin/users?notice=created").into_response())
        }
        Err(e) if db::is_unique_violation(&e) => {
            refuse_address(&state, &admin, form, &email, role).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Users an admin (or staff in the tenant) may add or try to add in an hour.
pub const CREATIONS_PER_HOUR: i64 = 30;
const CREATE_REFUSED: &str = "user.create_refused";
/// The one answer to an address that cannot be used, wherever it is in use.
pub const ADDRESS_REFUSED: &str =
    "This email address cannot be used for a new user. Use another address.";

async fn refuse_address(
    state: &AppState,
    admin: &TenantAdmin,
    mut form: NewUserForm,
    email: &Email,
    role: Role,
) -> AppResult<Response> {
    admin
        .0
        .audit(
            state,
            CREATE_REFUSED,
            &Details::new()
                .subject(Value::Text(email.as_str().to_string()))
                .fact("Role", Value::Word(role.as_str().to_string()))
                .to_stored(),
        )
        .await?;
    let mut errors = FormErrors::default();
    errors.add("email", ADDRESS_REFUSED);
    form.password.clear();
    users_page(state, admin, form, errors).await
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserEditPage {
    layout: Layout,
    user: User,
    errors: FormErrors,
}

async fn edit_page(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = db::users::get_in_tenant(&state.db, admin.0.tenant_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&UserEditPage {
        layout: admin.0.layout(&state).await?,
        user,
        errors: FormErrors::default(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct EditUserForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    may_edit_manually: Option<String>,
}

async fn edit(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<EditUserForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let user = db::users::get_in_tenant(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::default();
    let role = tenant_role(&form.role)
        .map_err(|e| errors.add("role", e))
        .ok();
    let active = form.active.is_some();
    if user.id == admin.0.current.user.id && (!active || role != Some(Role::Admin)) {
        errors.add(
            "role",
            "You cannot deactivate yourself or remove your own admin role; ask another admin.",
        );
    }
    let Some(role) = role.filter(|_| !errors.any()) else {
        return Ok((
            errors.status(),
            render(&UserEditPage {
                layout: admin.0.layout(&state).await?,
                user,
                errors,
            })?,
        )
            .into_response());
    };
    let may_edit = form.may_edit_manually.is_some();
    db::users::update_in_tenant(&state.db, tenant, id, role, active, may_edit).await?;
    admin
        .0
        .audit(
            &state,
            "user.update",
            &Details::new()
                .subject(Value::Text(user.email.clone()))
                .change(
                    "Role",
                    Value::Word(user.role.clone()),
                    Value::Word(role.as_str().into()),
                )
                .change("Active", Value::Flag(user.active != 0), Value::Flag(active))
                .change(
                    "May edit data manually",
                    Value::Flag(user.may_edit_manually != 0),
                    Value::Flag(may_edit),
                )
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to("/admin/users?notice=saved").into_response())
}

/// The one page that ever shows a temporary password.
#[derive(Template)]
#[template(path = "user_password_reset.html")]
pub struct PasswordResetPage {
    pub layout: Layout,
    pub user: User,
    pub temporary: String,
    /// The list to go back to.
    pub back: &'static str,
}

impl PasswordResetPage {
    pub fn respond(&self) -> AppResult<Response> {
        // The page holds a password: no cache may keep it.
        Ok((
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            render(self)?,
        )
            .into_response())
    }
}

/// Where a reset's temporary password waits in the resetting user's session for its one
/// showing, after the POST's redirect (a reload then shows no password, and resets nothing).
fn temporary_key(user: i64) -> String {
    format!("temporary_password:{user}")
}

/// Keeps the temporary password for the page the POST redirects to.
pub async fn keep_temporary(
    session: &tower_sessions::Session,
    user: i64,
    temporary: String,
) -> AppResult<()> {
    session
        .insert(&temporary_key(user), temporary)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The temporary password, once: the second reading finds none.
pub async fn take_temporary(
    session: &tower_sessions::Session,
    user: i64,
) -> AppResult<Option<String>> {
    session
        .remove::<String>(&temporary_key(user))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The page after a reset: the temporary password once, then the user's page.
async fn show_reset_password(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = db::users::get_in_tenant(&state.db, admin.0.tenant_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(temporary) = take_temporary(&admin.0.current.session, id).await? else {
        return Ok(Redirect::to(&format!("/admin/users/{id}")).into_response());
    };
    PasswordResetPage {
        layout: admin.0.layout(&state).await?,
        user,
        temporary,
        back: "/admin/users",
    }
    .respond()
}

/// A temporary password, shown once on the page this redirects to and never stored in clear:
/// the user's sessions end, and they must choose their own password at the next sign-in.
async fn reset_password(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = db::users::get_in_tenant(&state.db, admin.0.tenant_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.id == admin.0.current.user.id {
        return Err(AppError::BadRequest(
            "To change your own password, use Change your password.".into(),
        ));
    }
    let temporary = crate::password::reset_to_temporary(&state.db, user.id).await?;
    admin
        .0
        .audit(
            &state,
            "user.reset_password",
            &Details::new()
                .subject(Value::Text(user.email.clone()))
                .fact("Role", Value::Word(user.role.clone()))
                .to_stored(),
        )
        .await?;
    keep_temporary(&admin.0.current.session, id, temporary).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}/password")).into_response())
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// Removes the user; the audit log keeps their email on every entry they made.
async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    let tenant = admin.0.tenant_id();
    let user = db::users::get_in_tenant(&state.db, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::default();
    if user.id == admin.0.current.user.id {
        errors.add(
            "delete",
            "You cannot delete your own account; ask another admin.",
        );
    } else if form.confirm.is_none() {
        errors.add(
            "delete",
            "Tick the box to confirm that this user is to be deleted.",
        );
    }
    if errors.any() {
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            render(&UserEditPage {
                layout: admin.0.layout(&state).await?,
                user,
                errors,
            })?,
        )
            .into_response());
    }
    db::users::delete_in_tenant(&state.db, tenant, id).await?;
    admin
        .0
        .audit(
            &state,
            "user.delete",
            &Details::new()
                .subject(Value::Text(user.email.clone()))
                .fact("Role", Value::Word(user.role.clone()))
                .to_stored(),
        )
        .await?;
    Ok(Redirect::to("/admin/users?notice=deleted").into_response())
}
