//! Error pages for signed-in people: a 403, 404 or any other error page is shown inside the
//! normal layout (menu, language, sign-out) in the reader's language, with the way back and
//! what the reader can do in their role: a manager is told which administrator to ask, an
//! administrator is pointed at the menu where the page lives. Signed-out visitors keep the
//! plain page `AppError` renders.

use askama::Template;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tower_sessions::Session;

use super::AppState;
use super::context::{CurrentUser, Layout};
use crate::domain::account::Role;
use crate::error::ErrorShown;
use crate::i18n;

#[derive(Template)]
#[template(path = "error_in_layout.html")]
struct ErrorInLayout {
    layout: Layout,
    title: &'static str,
    message: String,
    /// What the reader can do about it, in their role.
    advice: String,
    back_href: &'static str,
    back_label: &'static str,
    /// For an administrator: the page where the cause is fixed, and its label.
    fix: Option<(&'static str, &'static str)>,
}

/// Where an administrator fixes what a refusal names: the refusals that come from a setting
/// of theirs, by the page refused.
fn fix_for(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "/data/edit" => Some(("/admin/users", "Turn on manual editing under Users")),
        _ => None,
    }
}

/// Re-renders an error response inside the layout when someone is signed in; any failure
/// on the way (no session, no user, the database down) keeps the plain page already made.
pub async fn in_layout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let Some(shown) = response.extensions().get::<ErrorShown>().cloned() else {
        return response;
    };
    let Some(session) = session else {
        return response;
    };
    let Ok(user) = CurrentUser::from_session(session, &state, &path).await else {
        return response;
    };
    let Ok(layout) = user.layout(&state).await else {
        return response;
    };
    let advice = match advice(&state, &user, &shown).await {
        Ok(advice) => advice,
        Err(_) => return response,
    };
    let outside_tenant = user.tenant_id().is_none();
    let administers = matches!(user.user.role(), Role::Admin | Role::Staff) && !outside_tenant;
    let fix = (administers && shown.status.as_u16() == 403)
        .then(|| fix_for(&path))
        .flatten();
    let page = ErrorInLayout {
        layout,
        title: shown.title,
        message: i18n::t(&shown.message),
        back_href: if outside_tenant {
            "/staff/tenants"
        } else {
            "/"
        },
        back_label: if outside_tenant {
            "Back to the tenant list"
        } else {
            "Back to the dashboard"
        },
        advice: if fix.is_some() { String::new() } else { advice },
        fix,
    };
    match page.render() {
        Ok(body) => {
            let mut fresh = (shown.status, Html(body)).into_response();
            for (name, value) in response.headers() {
                if name != axum::http::header::CONTENT_LENGTH {
                    fresh.headers_mut().insert(name.clone(), value.clone());
                }
            }
            fresh
        }
        Err(_) => response,
    }
}

/// The sentence that tells the reader what to do next, or nothing when the message says it.
async fn advice(
    state: &AppState,
    user: &CurrentUser,
    shown: &ErrorShown,
) -> Result<String, crate::error::AppError> {
    let lang = i18n::current();
    let status = shown.status.as_u16();
    if !matches!(status, 403 | 404) || shown.title == "Form expired" {
        return Ok(String::new());
    }
    Ok(match (user.user.role(), user.tenant_id()) {
        (Role::Manager, Some(tenant)) => {
            let admins: Vec<String> = crate::db::users::list_in_tenant(&state.db, tenant)
                .await?
                .into_iter()
                .filter(|u| u.role() == Role::Admin && u.is_active())
                .map(|u| u.email)
                .collect();
            let pattern = if status == 403 {
                "If you need this page, ask your administrator: {}."
            } else {
                "If a link in TMAS brought you here, tell your administrator: {}."
            };
            let ask = if admins.is_empty() {
                i18n::t(if status == 403 {
                    "If you need this page, ask your company's administrator."
                } else {
                    "If a link in TMAS brought you here, tell your company's administrator."
                })
            } else {
                i18n::fill(lang, pattern, &[admins.join(", ")])
            };
            // A missing page: first what a manager can open (no administration page).
            if status == 404 {
                format!(
                    "{} {ask}",
                    i18n::t(
                        "Every page you can open is in the menu above: the dashboard, reports and export."
                    )
                )
            } else {
                ask
            }
        }
        (_, Some(_)) => i18n::t(
            "Every page you can open is in the menu above: the dashboard, reports and export, and the administration pages (POS integration, Locations, Traffic, Users and the audit log).",
        ),
        (_, None) => i18n::t("Enter a tenant from the tenant list to open its pages."),
    })
}
