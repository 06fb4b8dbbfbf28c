//! Tenant isolation and roles across every tenant route: another tenant's ids answer 404 and
//! change nothing; a manager gets 403 on every administration route.

mod common;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use tmas::db::{self, TenantId};
use tmas::domain::account::{Plan, Role};
use tmas::sim::SimHandle;

sim_backend_tests!(
    another_tenants_ids_answer_404_everywhere,
    managers_get_403_on_every_administration_route
);

/// Tenant routes that carry ids, for an integration `i`, a location row `l` and a user `u`.
fn get_routes(i: i64, l: i64, u: i64) -> Vec<String> {
    vec![
        format!("/admin/integrations/{i}"),
        format!("/admin/integrations/{i}/wizard/general"),
        format!("/admin/integrations/{i}/wizard/locations"),
        format!("/admin/integrations/{i}/wizard/confirm"),
        format!("/admin/integrations/{i}/wizard/schedule"),
        format!("/admin/integrations/{i}/wizard/finish"),
        format!("/admin/integrations/{i}/credentials"),
        format!("/admin/integrations/{i}/delete"),
        format!("/admin/integrations/{i}/imports"),
        format!("/admin/integrations/{i}/imports/status.json"),
        format!("/admin/locations/{l}"),
        format!("/admin/users/{u}"),
    ]
}

fn post_routes(i: i64, l: i64, u: i64) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            format!("/admin/integrations/{i}/wizard/general"),
            vec![
                ("label", "x"),
                ("store_name", "examples"),
                ("credential_kind", "access_token"),
                ("access_token", "shpat_sim_examples"),
            ],
        ),
        (format!("/admin/integrations/{i}/wizard/locations"), vec![]),
        (format!("/admin/integrations/{i}/wizard/confirm"), vec![]),
        (
            format!("/admin/integrations/{i}/wizard/schedule"),
            vec![
                ("frequency", "hourly"),
                ("minute", "5"),
                ("backfill_from", "2026-11-01"),
            ],
        ),
        (format!("/admin/integrations/{i}/wizard/finish"), vec![]),
        (format!("/admin/integrations/{i}/discard"), vec![]),
        (
            format!("/admin/integrations/{i}/locations/{l}/enable"),
            vec![],
        ),
        (
            format!("/admin/integrations/{i}/locations/{l}/disable"),
            vec![],
        ),
        (format!("/admin/integrations/{i}/deactivate"), vec![]),
        (format!("/admin/integrations/{i}/reactivate"), vec![]),
        (format!("/admin/integrations/{i}/test"), vec![]),
        (
            format!("/admin/integrations/{i}/credentials"),
            vec![
                ("credential_kind", "access_token"),
                ("access_token", "shpat_sim_examples"),
            ],
        ),
        (
            format!("/admin/integrations/{i}/delete"),
            vec![("data", "remove"), ("confirm", "yes")],
        ),
        (format!("/admin/integrations/{i}/imports/now"), vec![]),
        (
            format!("/admin/integrations/{i}/imports/backfill"),
            vec![("from", "2026-11-01")],
        ),
        (
            format!("/admin/locations/{l}"),
            vec![
                ("name", "Stolen"),
                ("location_id", "X-1"),
                ("time_zone", "UTC"),
                ("status", "inactive"),
            ],
        ),
        (format!("/admin/users/{u}"), vec![("role", "manager")]),
        (format!("/admin/users/{u}/password"), vec![]),
        (format!("/admin/users/{u}/delete"), vec![("confirm", "yes")]),
    ]
}

/// What another tenant could have changed, read straight from the database.
async fn snapshot(app: &TestApp, tenant: TenantId) -> String {
    let mut parts = Vec::new();
    for sql in [
        "SELECT id || ':' || status || ':' || wizard_step || ':' || schedule_minute || ':' || COALESCE(next_run_at, -1) || ':' || label FROM integrations WHERE tenant_id = $1 ORDER BY id",
        "SELECT location_id || ':' || shopify_location_id || ':' || enabled FROM integration_locations WHERE tenant_id = $1 ORDER BY location_id",
        "SELECT id || ':' || location_id || ':' || name || ':' || status FROM locations WHERE tenant_id = $1 ORDER BY id",
        "SELECT id || ':' || role || ':' || active || ':' || password_hash || ':' || session_generation FROM users WHERE tenant_id = $1 ORDER BY id",
        "SELECT CAST(COUNT(*) AS TEXT) FROM import_runs WHERE tenant_id = $1",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .bind(tenant.0)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        parts.push(rows.join(","));
    }
    parts.join(" | ")
}

async fn another_tenants_ids_answer_404_everywhere(app: TestApp, sim: SimHandle) {
    // Acme: an active integration made through the wizard, its locations and admin.
    let (acme, integration) = wizard_support::active_examples_integration(&app, &sim).await;
    let location = db::locations::list(&app.db, acme).await.unwrap()[0].id;
    let user = db::users::list_in_tenant(&app.db, acme).await.unwrap()[0].id;
    let before = snapshot(&app, acme).await;

    // Zulu's admin (retail plan too) tries Acme's ids on every route.
    let zulu = app.create_tenant("Zulu", Plan::Retail).await;
    app.create_user("admin@zulu.example", Role::Admin, Some(zulu))
        .await;
    let browser = app.other_browser();
    browser.login("admin@zulu.example", PASSWORD).await;
    for path in get_routes(integration, location, user) {
        assert_eq!(
            browser.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    for (path, fields) in post_routes(integration, location, user) {
        let response = browser.post_form(&path, &fields).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    assert_eq!(
        snapshot(&app, acme).await,
        before,
        "nothing of Acme changed"
    );
    // Zulu's own lists show nothing of Acme.
    for path in [
        "/admin/integrations",
        "/admin/locations",
        "/admin/users",
        "/admin/audit",
        "/admin/traffic",
        "/admin/api-keys",
        "/",
    ] {
        let (status, page) = browser.text(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !page.contains("King Street") && !page.contains("admin@acme.example"),
            "{path} leaks Acme"
        );
    }

    // Staff acting in Zulu cannot reach Acme's rows either.
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let staff = app.other_browser();
    staff.login("ops@tmas.example", PASSWORD).await;
    staff
        .post_form(&format!("/staff/tenants/{}/enter", zulu.0), &[])
        .await;
    for path in get_routes(integration, location, user) {
        assert_eq!(
            staff.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "staff GET {path}"
        );
    }
    assert_eq!(snapshot(&app, acme).await, before);
}

async fn managers_get_403_on_every_administration_route(app: TestApp, sim: SimHandle) {
    let (acme, integration) = wizard_support::active_examples_integration(&app, &sim).await;
    let location = db::locations::list(&app.db, acme).await.unwrap()[0].id;
    let user = db::users::list_in_tenant(&app.db, acme).await.unwrap()[0].id;
    app.create_user("manager@acme.example", Role::Manager, Some(acme))
        .await;
    let before = snapshot(&app, acme).await;
    let manager = app.other_browser();
    manager.login("manager@acme.example", PASSWORD).await;
    let mut gets = get_routes(integration, location, user);
    gets.extend(
        [
            "/admin/integrations",
            "/admin/integrations/shopify/new",
            "/admin/locations",
            "/admin/locations/new",
            "/admin/users",
            "/admin/audit",
            "/admin/traffic",
            "/admin/api-keys",
            "/staff/tenants",
        ]
        .map(String::from),
    );
    for path in gets {
        assert_eq!(
            manager.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "manager GET {path}"
        );
    }
    let mut posts = post_routes(integration, location, user);
    posts.push((
        "/admin/integrations/shopify/new".into(),
        vec![
            ("label", "x"),
            ("store_name", "examples"),
            ("credential_kind", "access_token"),
            ("access_token", "shpat_sim_examples"),
        ],
    ));
    posts.push((
        "/admin/locations".into(),
        vec![
            ("name", "X"),
            ("location_id", "X-9"),
            ("time_zone", "UTC"),
            ("status", "active"),
        ],
    ));
    posts.push(("/admin/api-keys".into(), vec![("name", "Counters")]));
    posts.push(("/admin/traffic/commit".into(), vec![("upload", "1")]));
    posts.push(("/admin/api-keys/1/revoke".into(), vec![]));
    posts.push((
        "/admin/users".into(),
        vec![
            ("email", "x@acme.example"),
            ("password", PASSWORD),
            ("role", "admin"),
        ],
    ));
    for (path, fields) in posts {
        let response = manager.post_form(&path, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "manager POST {path}"
        );
    }
    assert_eq!(
        snapshot(&app, acme).await,
        before,
        "a manager changed nothing"
    );
    assert_eq!(
        manager.get("/").await.status(),
        StatusCode::OK,
        "managers read the dashboard"
    );
}
