//! A request with a method its address does not take: a GET (a reload, a bookmark, a typed
//! address) on a form's POST-only address goes to the page the form is on; anything else is
//! told so on the app's own error page, in the reader's language, never an empty 405.

use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;

/// The answer to a method the address does not take.
pub async fn not_allowed(method: Method, uri: Uri) -> Response {
    match (method, page_of(uri.path())) {
        (Method::GET | Method::HEAD, Some(page)) => Redirect::to(&page).into_response(),
        _ => AppError::MethodNotAllowed.into_response(),
    }
}

/// The page whose form posts to `path`, for every POST-only address of the app.
pub fn page_of(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().ok();
    Some(match segments.as_slice() {
        ["logout"] | ["language"] | ["staff", "leave"] => "/".to_string(),
        ["account", "alerts" | "digests"] => "/account/password".to_string(),
        ["admin", "integrations", i, "imports", ..] => {
            format!("/admin/integrations/{}/imports", id(i)?)
        }
        ["admin", "integrations", i, "wizard", "locations", "create"] => {
            format!("/admin/integrations/{}/wizard/locations", id(i)?)
        }
        ["admin", "integrations", i, ..] => format!("/admin/integrations/{}", id(i)?),
        ["admin", "users", i, ..] => format!("/admin/users/{}", id(i)?),
        ["staff", "users", i, "password"] => {
            id(i)?;
            "/staff/users".to_string()
        }
        ["staff", "tenants", i, ..] => format!("/staff/tenants/{}", id(i)?),
        ["admin", "traffic", "preview" | "commit"] => "/admin/traffic".to_string(),
        ["admin", "api-keys", i, "revoke"] => {
            id(i)?;
            "/admin/api-keys".to_string()
        }
        // A person who types the API's address finds the page that explains it.
        ["api", "v1", "traffic"] => "/admin/api-keys".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::page_of;

    #[test]
    fn a_post_only_address_leads_to_its_page() {
        for (path, page) in [
            ("/logout", Some("/")),
            ("/language", Some("/")),
            ("/staff/leave", Some("/")),
            ("/account/digests", Some("/account/password")),
            ("/account/alerts", Some("/account/password")),
            (
                "/admin/integrations/7/imports/now",
                Some("/admin/integrations/7/imports"),
            ),
            (
                "/admin/integrations/7/imports/3/cancel",
                Some("/admin/integrations/7/imports"),
            ),
            ("/admin/integrations/7/test", Some("/admin/integrations/7")),
            (
                "/admin/integrations/7/locations/STORE-01/enable",
                Some("/admin/integrations/7"),
            ),
            (
                "/admin/integrations/7/wizard/locations/create",
                Some("/admin/integrations/7/wizard/locations"),
            ),
            ("/admin/users/4/password", Some("/admin/users/4")),
            ("/staff/users/4/password", Some("/staff/users")),
            ("/staff/tenants/2/enter", Some("/staff/tenants/2")),
            ("/admin/integrations/x/test", None),
            ("/reports/totals", None),
        ] {
            assert_eq!(page_of(path).as_deref(), page, "{path}");
        }
    }
}
