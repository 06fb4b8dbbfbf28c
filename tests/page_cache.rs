//! The pages' cache of tenant data: a page asked again is served from memory, and every
//! committed change of what it shows — hours written by any path, a manual edit, a deletion,
//! a renamed location, an integration's new state, a newly matched location, an order that
//! could not be read — is on the very next request; one
//! tenant's cached pages are never another's.
mod common;
mod report_fixtures;

use common::{PASSWORD, TestApp, hidden_inputs, shown};
use report_fixtures::{between, hour, two_tenants};
use reqwest::StatusCode;
use tmas::db::TenantId;
use tmas::domain::account::Role;

backend_tests!(
    every_committed_change_is_on_the_next_page,
    a_kept_dashboard_is_only_its_own_readers
);

const MARCH: &str = "/reports/totals?from=2026-03-01&to=2026-03-31&granularity=month";

/// The tenant's net sales of March 2026, from the database.
async fn march_net(app: &TestApp, tenant: TenantId) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(net), 0) AS BIGINT) FROM hourly_totals
         WHERE tenant_id = $1 AND local_date >= '2026-03-01' AND local_date <= '2026-03-31'",
    )
    .bind(tenant.0)
    .fetch_one(&app.db.pool)
    .await
    .expect("sum")
}

async fn report(browser: &common::Browser) -> String {
    let (status, page) = browser.text(MARCH).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

/// Asserts the report's grand total is the tenant's March net in the database, twice (the
/// second answer comes from memory).
async fn shows_net(app: &TestApp, browser: &common::Browser, tenant: TenantId, context: &str) {
    let net = march_net(app, tenant).await;
    for _ in 0..2 {
        let page = report(browser).await;
        let row = between(&page, "id=\"grand-total\"", "</tr>");
        assert!(
            row.contains(&format!(">{}<", shown(net))),
            "{context}: expected net {} in {row}",
            shown(net)
        );
    }
}

async fn every_committed_change_is_on_the_next_page(app: TestApp) {
    let f = two_tenants(&app, Role::Admin).await;
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = 'admin@acme.example'")
        .execute(&app.db.pool)
        .await
        .expect("allow editing");
    let acme = app.browser();
    let bravo = app.other_browser();
    app.create_user("admin@bravo.example", Role::Admin, Some(f.b))
        .await;
    bravo.login("admin@bravo.example", PASSWORD).await;

    shows_net(&app, &acme, f.a, "first").await;
    shows_net(
        &app,
        &bravo,
        f.b,
        "the other tenant, same page and parameters",
    )
    .await;
    assert_ne!(march_net(&app, f.a).await, march_net(&app, f.b).await);

    // Hours written straight to the table (as a fixture or any write path would).
    hour(&app, f.a, f.s03, "2026-03-10", 12, 12_345, 0, 0, 1, 1).await;
    shows_net(&app, &acme, f.a, "after an hour was written").await;

    // A manual edit through the page.
    let saved = acme
        .post_form(
            "/data/edit",
            &[
                ("location", "S-03"),
                ("week", "2026-03-09"),
                ("net_2026-03-10_12", "200.00"),
                ("transactions_2026-03-10_12", "2"),
                ("items_2026-03-10_12", "2"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(march_net(&app, f.a).await > 20_000, "the edit was saved");
    shows_net(&app, &acme, f.a, "after a manual edit").await;

    // A deletion of hours (as removing an integration's data does).
    sqlx::query("DELETE FROM hourly_totals WHERE tenant_id = $1 AND location_id = $2")
        .bind(f.a.0)
        .bind(f.s01)
        .execute(&app.db.pool)
        .await
        .expect("delete");
    shows_net(&app, &acme, f.a, "after a deletion").await;

    // A renamed location is named so on the next page.
    assert!(report(&acme).await.contains("Airport"));
    let renamed = acme
        .post_form(
            &format!("/admin/locations/{}", f.s03),
            &[
                ("name", "Airport Terminal 2"),
                ("location_id", "S-03"),
                ("time_zone", "America/Toronto"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::SEE_OTHER);
    assert!(report(&acme).await.contains("Airport Terminal 2"));

    // An integration's new state is on the next dashboard.
    let pos = report_fixtures::integration(&app, f.a, "Till", "active", "", "CAD").await;
    let (status, dashboard) = acme.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!dashboard.contains("Shopify says the token was revoked"));
    sqlx::query(
        "UPDATE integrations SET status = 'attention',
                status_reason = 'Shopify says the token was revoked' WHERE id = $1",
    )
    .bind(pos)
    .execute(&app.db.pool)
    .await
    .expect("attention");
    let (_, dashboard) = acme.text("/").await;
    assert!(
        dashboard.contains("Shopify says the token was revoked"),
        "the dashboard shows the integration's new state"
    );

    // A location matched to the integration leaves the dashboard's "no data source" list
    // on the next request (matching raises the data version: migration 0015).
    let unsourced = |page: &str| {
        page.find("class=\"muted unsourced\"")
            .map(|_| between(page, "class=\"muted unsourced\"", "</p>").to_string())
            .unwrap_or_default()
    };
    let (_, dashboard) = acme.text("/").await;
    assert!(unsourced(&dashboard).contains("S-02"), "{dashboard}");
    let (_, again) = acme.text("/").await;
    assert!(
        unsourced(&again).contains("S-02"),
        "the same page from memory"
    );
    sqlx::query(
        "INSERT INTO integration_locations
             (tenant_id, integration_id, location_id, shopify_location_id, enabled)
         VALUES ($1, $2, $3, '1002', 1)",
    )
    .bind(f.a.0)
    .bind(pos)
    .bind(f.s02)
    .execute(&app.db.pool)
    .await
    .expect("match");
    let (_, dashboard) = acme.text("/").await;
    assert!(!unsourced(&dashboard).contains("S-02"), "{dashboard}");
    assert!(unsourced(&dashboard).contains("S-03"), "{dashboard}");

    // An order no import could read is named beside the hours it misses on the next report
    // (its hours raise the data version: migration 0015).
    assert!(!report(&acme).await.contains("id=\"uncounted-hours\""));
    sqlx::query(
        "INSERT INTO unreadable_order_hours
             (tenant_id, integration_id, shopify_order_id, location_id, local_date, local_hour)
         VALUES ($1, $2, 'gid://shopify/Order/77', $3, '2026-03-10', 12)",
    )
    .bind(f.a.0)
    .bind(pos)
    .bind(f.s03)
    .execute(&app.db.pool)
    .await
    .expect("unreadable hour");
    let page = report(&acme).await;
    let uncounted = between(&page, "id=\"uncounted-hours\"", "</section>");
    assert!(
        uncounted.contains("S-03 · Airport Terminal 2 · Tue, Mar 10, 2026 12:00"),
        "{uncounted}"
    );

    // The other tenant's pages never changed.
    shows_net(&app, &bravo, f.b, "the other tenant at the end").await;
    assert!(!report(&bravo).await.contains("Airport"));
}

/// The tenant's net sales of its local today, from the database.
async fn today_net(app: &TestApp, tenant: TenantId, today: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(net), 0) AS BIGINT) FROM hourly_totals
         WHERE tenant_id = $1 AND local_date = $2",
    )
    .bind(tenant.0)
    .bind(today)
    .fetch_one(&app.db.pool)
    .await
    .expect("sum")
}

/// The headline of the dashboard's first card (today).
fn today_headline(page: &str) -> &str {
    let card = between(page, "<section class=\"card period", "</section>");
    between(card, "class=\"big\">", "</span>").trim_start_matches("class=\"big\">")
}

/// `12,345.67` as the Spanish pages write it: `12.345,67`.
fn spanish(english: &str) -> String {
    english
        .chars()
        .map(|c| match c {
            ',' => '.',
            '.' => ',',
            c => c,
        })
        .collect()
}

/// Dashboards kept in memory are filled per request: at the same moment, readers of two
/// tenants, in two languages and two roles, each get their own tenant's numbers, their own
/// email, language, menu and CSRF token, from the first request and from memory; a committed
/// change is on every reader's next page.
async fn a_kept_dashboard_is_only_its_own_readers(app: TestApp) {
    let f = two_tenants(&app, Role::Admin).await;
    let admin = app.browser();
    app.create_user("manager@acme.example", Role::Manager, Some(f.a))
        .await;
    sqlx::query("UPDATE users SET language = 'es' WHERE email = 'manager@acme.example'")
        .execute(&app.db.pool)
        .await
        .expect("Spanish");
    let manager = app.other_browser();
    manager.login("manager@acme.example", PASSWORD).await;
    app.create_user("admin@bravo.example", Role::Admin, Some(f.b))
        .await;
    let bravo = app.other_browser();
    bravo.login("admin@bravo.example", PASSWORD).await;
    let readers = [
        (&admin, "admin@acme.example", "en", true, f.a),
        (&manager, "manager@acme.example", "es", false, f.a),
        (&bravo, "admin@bravo.example", "en", true, f.b),
    ];
    let emails = readers.map(|r| r.1);
    let today = common::toronto_today();
    let hour_now =
        chrono::Timelike::hour(&chrono::Utc::now().with_timezone(&chrono_tz::America::Toronto));

    let check = async |context: &str| {
        // All three at once, then each again (from memory).
        let (a, m, b) = tokio::join!(admin.text("/"), manager.text("/"), bravo.text("/"));
        let mut tokens = Vec::new();
        for (n, first) in [a, m, b].into_iter().enumerate() {
            let (browser, email, lang, administers, tenant) = readers[n];
            let (status, again) = browser.text("/").await;
            assert_eq!(
                (first.0, status),
                (StatusCode::OK, StatusCode::OK),
                "{context}"
            );
            let net = shown(today_net(&app, tenant, &today.to_string()).await);
            let net = if lang == "es" { spanish(&net) } else { net };
            for page in [&first.1, &again] {
                assert!(
                    page.contains(&format!("<html lang=\"{lang}\">")),
                    "{context}: {email}"
                );
                assert!(page.contains(email), "{context}: {email}");
                for other in emails.iter().filter(|e| **e != email) {
                    assert!(
                        !page.contains(other),
                        "{context}: {other} on {email}'s page"
                    );
                }
                assert_eq!(
                    page.contains("href=\"/admin/integrations\""),
                    administers,
                    "{context}: {email}'s menu"
                );
                let (mine, theirs) = if tenant == f.a {
                    ("Downtown", "Bravo Central")
                } else {
                    ("Bravo Central", "Downtown")
                };
                assert!(
                    page.contains(mine) && !page.contains(theirs),
                    "{context}: {email}"
                );
                assert_eq!(today_headline(page), net, "{context}: {email}'s today");
                assert!(!page.contains("tmas-csrf-") && !page.contains("tmas-email-"));
            }
            let token = hidden_inputs(&first.1).remove("csrf").expect("csrf field");
            assert_eq!(hidden_inputs(&again).remove("csrf"), Some(token.clone()));
            assert_eq!(
                browser.csrf().await,
                token,
                "{context}: {email}'s own token"
            );
            tokens.push(token);
            // The totalization report is kept the same way.
            for _ in 0..2 {
                let page = report(browser).await;
                assert!(
                    page.contains(&format!("<html lang=\"{lang}\">")),
                    "{context}"
                );
                assert!(page.contains(email), "{context}: {email}'s report");
                for other in emails.iter().filter(|e| **e != email) {
                    assert!(
                        !page.contains(other),
                        "{context}: {other} on {email}'s report"
                    );
                }
                assert_eq!(hidden_inputs(&page).remove("csrf"), Some(tokens[n].clone()));
                let (mine, theirs) = if tenant == f.a {
                    ("Downtown", "Bravo Central")
                } else {
                    ("Bravo Central", "Downtown")
                };
                assert!(
                    page.contains(mine) && !page.contains(theirs),
                    "{context}: {email}"
                );
            }
        }
        tokens.sort();
        tokens.dedup();
        assert_eq!(tokens.len(), 3, "{context}: every session its own token");
    };
    check("before").await;

    // A committed change to one tenant is on the next page of each of its readers, and only
    // theirs.
    hour(
        &app,
        f.a,
        f.s01,
        &today.to_string(),
        i64::from(hour_now),
        4_321,
        0,
        0,
        1,
        1,
    )
    .await;
    assert_eq!(today_net(&app, f.a, &today.to_string()).await, 4_321);
    check("after an hour of today was written").await;
    let (_, page) = admin.text("/").await;
    assert_eq!(today_headline(&page), "43.21");

    // A manual edit through the page is on the next dashboard as well.
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = 'admin@acme.example'")
        .execute(&app.db.pool)
        .await
        .expect("allow editing");
    let week = tmas::domain::report::week_start(today).to_string();
    let field = |name: &str| format!("{name}_{today}_{hour_now}");
    let saved = admin
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", week.as_str()),
                (field("net").as_str(), "50.00"),
                (field("transactions").as_str(), "2"),
                (field("items").as_str(), "2"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(today_net(&app, f.a, &today.to_string()).await, 5_000);
    check("after a manual edit").await;
}
