//! Security headers on every route, whatever the answer (page, redirect, 403, 404, JSON,
//! static file), for every kind of visitor.

mod common;
mod report_fixtures;

use common::TestApp;
use tmas::domain::account::{Plan, Role};

/// Every GET route of the app (ids that exist or not: the headers must be there either way).
pub const GET_ROUTES: &[&str] = &[
    "/",
    "/healthz",
    "/login",
    "/setup",
    "/setup?token=x",
    "/password/forgot",
    "/password/reset?token=x",
    "/static/app.css",
    "/staff/tenants",
    "/staff/tenants/1",
    "/staff/users",
    "/admin/locations",
    "/admin/locations/new",
    "/admin/locations/1",
    "/admin/users",
    "/admin/users/1",
    "/account/password",
    "/admin/audit",
    "/admin/traffic",
    "/admin/api-keys",
    "/api/v1/openapi.json",
    "/admin/integrations",
    "/admin/integrations/shopify/new",
    "/admin/integrations/1",
    "/admin/integrations/1/imports",
    "/reports/totals",
    "/reports/export",
    "/reports/export.csv?from=2026-01-01&to=2026-01-31&granularity=day",
    "/reports/export.xlsx?from=2026-01-01&to=2026-01-31&granularity=day",
    "/data/edit",
    "/no/such/page",
];

const POST_ROUTES: &[&str] = &[
    "/login",
    "/password/forgot",
    "/password/reset",
    "/logout",
    "/language",
    "/admin/locations",
    "/staff/tenants",
    "/api/v1/traffic",
];

fn assert_headers(response: &reqwest::Response, what: &str) {
    let h = response.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self'")
            && csp.contains("style-src 'self'"),
        "{what}: {csp}"
    );
    assert!(
        !csp.contains("unsafe-inline"),
        "{what}: inline scripts/styles allowed"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}");
    assert_eq!(
        h.get("x-frame-options").map(|v| v.to_str().unwrap()),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
    assert!(
        h.get("referrer-policy").is_some(),
        "{what}: no referrer policy"
    );
}

backend_tests!(
    every_route_carries_the_security_headers,
    nothing_but_static_assets_may_be_stored,
);

async fn every_route_carries_the_security_headers(app: TestApp) {
    let anonymous = app.other_browser();
    let staff = app.other_browser();
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    staff.login("ops@tmas.example", common::PASSWORD).await;
    app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let manager = app.browser();
    for (who, browser) in [
        ("anonymous", &anonymous),
        ("staff", &staff),
        ("manager", &manager),
    ] {
        for route in GET_ROUTES {
            let response = browser.get(route).await;
            assert_headers(
                &response,
                &format!("{who} GET {route} ({})", response.status()),
            );
        }
        for route in POST_ROUTES {
            let response = browser.post_raw(route, &[]).await;
            assert_headers(&response, &format!("{who} POST {route} without token"));
        }
    }
}

#[tokio::test]
async fn secure_cookies_and_hsts_behind_https() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |s| s.secure_cookies = true).await;
    let response = app.get("/login").await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
}

/// No browser or proxy may keep a signed-in page, an export, a status or an error after
/// sign-out: every answer but a static asset says `no-store`, for every kind of visitor.
async fn nothing_but_static_assets_may_be_stored(app: TestApp) {
    let anonymous = app.other_browser();
    let staff = app.other_browser();
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    staff.login("ops@tmas.example", common::PASSWORD).await;
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let admin = app.browser();
    let manager = app.other_browser();
    app.create_user("bo@acme.example", Role::Manager, Some(tenant))
        .await;
    manager.login("bo@acme.example", common::PASSWORD).await;
    let extra = [
        "/admin/integrations/1/imports/status.json",
        "/reports/totals?from=2026-01-01&to=2026-01-31&granularity=day",
    ];
    for (who, browser) in [
        ("anonymous", &anonymous),
        ("staff", &staff),
        ("admin", &admin),
        ("manager", &manager),
    ] {
        for route in GET_ROUTES.iter().chain(&extra) {
            let response = browser.get(route).await;
            let cache = response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap().to_string());
            if route.starts_with("/static/") {
                assert_ne!(cache.as_deref(), Some("no-store"), "{who} GET {route}");
            } else {
                assert_eq!(
                    cache.as_deref(),
                    Some("no-store"),
                    "{who} GET {route} ({})",
                    response.status()
                );
            }
        }
        for route in POST_ROUTES {
            let response = browser.post_raw(route, &[]).await;
            assert_eq!(
                response
                    .headers()
                    .get("cache-control")
                    .map(|v| v.to_str().unwrap()),
                Some("no-store"),
                "{who} POST {route}"
            );
        }
    }
    // The pages that hold sales data and accounts were really shown, not refused.
    let integration = report_fixtures::integration(&app, tenant, "Shop", "active", "", "CAD").await;
    let status_json = format!("/admin/integrations/{integration}/imports/status.json");
    let imports = format!("/admin/integrations/{integration}/imports");
    for route in [
        status_json.as_str(),
        imports.as_str(),
        "/",
        "/reports/totals",
        "/reports/export",
        "/reports/export.csv?from=2026-01-01&to=2026-01-31&granularity=day",
        "/reports/export.xlsx?from=2026-01-01&to=2026-01-31&granularity=day",
        "/admin/users",
        "/admin/integrations",
        "/admin/locations",
        "/admin/audit",
        "/account/password",
    ] {
        let response = admin.get(route).await;
        assert_eq!(
            response.status(),
            reqwest::StatusCode::OK,
            "admin GET {route}"
        );
        assert_eq!(
            response.headers()["cache-control"].to_str().unwrap(),
            "no-store",
            "admin GET {route}"
        );
    }
    let (status, _) = staff.text("/staff/tenants").await;
    assert_eq!(status, reqwest::StatusCode::OK);
}
