//! One error type for the web app: client errors carry a message for the page; database and
//! unexpected errors are logged and become an opaque 500 page that never shows internals.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    LoginRequired,
    /// After a password reset: nothing opens until the user picks a new password.
    #[error("a new password is required")]
    PasswordChangeRequired,
    /// Staff must enter a tenant before using a tenant page.
    #[error("no tenant entered")]
    TenantRequired,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("the form has expired or was not sent by this site")]
    Csrf,
    /// A method the address does not take (a POST on a page, a GET on an unknown form's address).
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Render(#[from] askama::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// What an error page says (English, translated when shown), kept on the response so that the
/// web layer that knows the signed-in user can show it inside the normal layout with the menu
/// and an action for the reader's role (`web::error_layout`).
#[derive(Debug, Clone)]
pub struct ErrorShown {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

/// The page says what happened in words; the status code stays in the response, for
/// browsers and support, and is not what a person reads.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    title: String,
    message: String,
    back_label: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message): (StatusCode, &'static str, String) = match &self {
            AppError::LoginRequired => return Redirect::to("/login").into_response(),
            AppError::PasswordChangeRequired => {
                return Redirect::to("/account/password").into_response();
            }
            AppError::TenantRequired => return Redirect::to("/staff/tenants").into_response(),
            AppError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "You don't have access to this page",
                why.clone(),
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here. Check the address, or go back to the dashboard.".into(),
            ),
            AppError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "This could not be done",
                why.clone(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form has expired or was not sent from this site, so nothing was changed. Go back, reload the page and try again.".into(),
            ),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "This could not be done",
                "This address is used by a form and cannot be opened directly. Go back to the dashboard and use the page's buttons.".into(),
            ),
            AppError::Database(error) if number_out_of_range(error) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "This could not be done",
                TOO_LARGE.into(),
            ),
            AppError::Database(_) | AppError::Render(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "TMAS could not complete this request. It has been logged; please try again in a moment.".into(),
                )
            }
        };
        let t = crate::i18n::t;
        let page = ErrorPage {
            lang: crate::i18n::current().code(),
            title: t(title),
            message: t(&message),
            back_label: t("Back to the dashboard"),
        };
        let shown = ErrorShown {
            status,
            title,
            message,
        };
        let mut response = match page.render() {
            Ok(body) => (status, Html(body)).into_response(),
            Err(_) => (status, page.message).into_response(),
        };
        response.extensions_mut().insert(shown);
        response
    }
}

/// What a reader is told when a number (a cell, or a sum of them) leaves the range TMAS keeps.
pub const TOO_LARGE: &str = "A number is too large for TMAS to store or add up, so nothing was changed. Check the amounts and counts entered for this period.";

/// A sum that overflowed in the database (SQLite's "integer overflow", PostgreSQL's numeric
/// value out of range) or a cell the CHECK constraints refused: the reader's numbers, not a
/// fault of the server.
fn number_out_of_range(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    let code = db.code();
    let message = db.message();
    matches!(code.as_deref(), Some("22003" | "23514"))
        || message.contains("integer overflow")
        || message.contains("CHECK constraint failed")
        || message.contains(CELL_OUT_OF_RANGE)
}

/// The message of the SQLite triggers (migration 0017) that refuse impossible cell values.
pub const CELL_OUT_OF_RANGE: &str = "cell value out of range";

impl From<crate::domain::report::TotalsOverflow> for AppError {
    fn from(_: crate::domain::report::TotalsOverflow) -> AppError {
        AppError::BadRequest(TOO_LARGE.into())
    }
}

/// Renders a page template, turning a template failure into an `AppError`.
pub fn render<T: Template>(page: &T) -> AppResult<Html<String>> {
    Ok(Html(page.render()?))
}
