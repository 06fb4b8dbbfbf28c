//! An integration's life after the wizard, checked on the stored data the import worker reads
//! (status, next_run_at, run_requested, integration_locations.enabled) and on imported data:
//! locations on and off, deactivate and reactivate, schedule, matching, credentials,
//! connection test, delete keeping or removing data, and tenant isolation.

mod common;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use chrono::Utc;
use common::{TestApp, location_of};
use reqwest::StatusCode;
use tmas::db::{self, TenantId};
use tmas::domain::account::{Plan, Role};
use tmas::domain::integration::RunRequest;
use tmas::domain::schedule::Schedule;
use tmas::sim::SimHandle;
use wizard_support::*;

sim_backend_tests!(
    disabling_a_location_stops_its_import_and_keeps_its_data,
    deactivate_and_reactivate,
    schedule_and_matching_can_change,
    replacing_credentials_clears_attention_and_catches_up,
    connection_test_shows_the_result,
    delete_keeping_the_imported_data,
    delete_removing_the_imported_data,
    another_tenants_integration_answers_404_and_nothing_changes,
    a_passing_connection_test_ends_needs_attention,
    a_missing_or_wrong_key_stops_the_start,
    a_get_on_a_post_only_address_answers_with_a_page,
);

async fn location_row(app: &TestApp, tenant: TenantId, code: &str) -> i64 {
    db::locations::find_by_code(&app.db, tenant, code)
        .await
        .unwrap()
        .expect("location")
        .id
}

async fn enabled_flags(app: &TestApp, tenant: TenantId, id: i64) -> Vec<(String, i64)> {
    db::integrations::matches(&app.db, tenant, id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.location_code, m.enabled))
        .collect()
}

/// Marks the first import as done, as the worker would (so the schedule drives next_run_at).
async fn as_if_imported(app: &TestApp, id: i64) {
    let next = Utc::now().timestamp() + 3600;
    sqlx::query(
        "UPDATE integrations SET run_requested = NULL, watermark = $2, next_run_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(Utc::now().timestamp())
    .bind(next)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

async fn disabling_a_location_stops_its_import_and_keeps_its_data(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let browser = app.browser();
    let store01 = location_row(&app, tenant, "STORE-01").await;
    insert_facts(&app, tenant, id, store01, "2026-03-02", 10, 4000).await;

    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/locations/{store01}/disable"),
            &[],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=disabled")
    );
    assert_eq!(
        enabled_flags(&app, tenant, id).await,
        [("STORE-01".to_string(), 0), ("STORE-02".to_string(), 1)]
    );
    // The integration keeps running for the others; STORE-01's imported data stays.
    assert_eq!(
        integration(&app, tenant, id).await.unwrap().status.as_str(),
        "active"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM hourly_totals").await, 1);
    let (_, page) = browser.text(&location_of(&r)).await;
    assert!(
        page.contains("no longer imported") && page.contains("no (disabled)"),
        "{page}"
    );

    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/locations/{store01}/enable"),
            &[],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=enabled")
    );
    assert_eq!(
        enabled_flags(&app, tenant, id).await,
        [("STORE-01".to_string(), 1), ("STORE-02".to_string(), 1)]
    );
    // A location that is not matched in this integration: 404, nothing changes.
    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/locations/999999/disable"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let actions = audit_actions(&app, tenant).await;
    assert!(actions.contains(&"integration.location.disable".to_string()));
    assert!(actions.contains(&"integration.location.enable".to_string()));
}

async fn deactivate_and_reactivate(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let browser = app.browser();
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/deactivate"), &[])
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=deactivated")
    );
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(stored.status.as_str(), "deactivated");
    assert_eq!(stored.next_run_at, None, "nothing is scheduled");
    assert_eq!(
        stored.run_requested, None,
        "the queued first import is dropped"
    );
    let (_, page) = browser.text(&location_of(&r)).await;
    assert!(
        page.contains("deactivated")
            && page.contains("Reactivate")
            && page.contains("none scheduled")
    );

    let before = Utc::now();
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/reactivate"), &[])
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=reactivated")
    );
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(stored.status.as_str(), "active");
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    let expected = Schedule::Hourly { minute: 2 }
        .next_after(before, tz)
        .timestamp();
    let next = stored.next_run_at.expect("scheduled again");
    assert!(
        next == expected
            || next
                == Schedule::Hourly { minute: 2 }
                    .next_after(Utc::now(), tz)
                    .timestamp(),
        "{next} vs {expected}"
    );
    assert!(next > before.timestamp() && next <= before.timestamp() + 3600);
    let actions = audit_actions(&app, tenant).await;
    assert!(actions.contains(&"integration.deactivate".to_string()));
    assert!(actions.contains(&"integration.reactivate".to_string()));
}

async fn schedule_and_matching_can_change(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    as_if_imported(&app, id).await;
    let browser = app.browser();
    let path = format!("/admin/integrations/{id}/wizard/schedule");
    let (status, page) = browser.text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("Step 4 of 5") && !page.contains("backfill_from"),
        "no wizard here: {page}"
    );
    let r = browser
        .post_form(
            &path,
            &[("frequency", "daily"), ("hour", "99"), ("minute", "30")],
        )
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The hour must be a whole number from 0 to 23")
    );
    assert_eq!(
        integration(&app, tenant, id)
            .await
            .unwrap()
            .schedule
            .frequency()
            .as_str(),
        "hourly"
    );

    let before = Utc::now();
    let r = browser
        .post_form(
            &path,
            &[("frequency", "daily"), ("hour", "6"), ("minute", "30")],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=schedule")
    );
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (
            stored.schedule.frequency().as_str(),
            stored.schedule.hour(),
            stored.schedule.minute()
        ),
        ("daily", 6, 30)
    );
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    let expected = Schedule::Daily {
        hour: 6,
        minute: 30,
    }
    .next_after(before, tz)
    .timestamp();
    assert_eq!(
        stored.next_run_at,
        Some(expected),
        "the next import follows the new schedule"
    );
    let (_, page) = browser.text(&format!("/admin/integrations/{id}")).await;
    assert!(page.contains("Every day at 06:30"));

    // Redo the matching: only STORE-02 stays matched.
    let path = format!("/admin/integrations/{id}/wizard/locations");
    let (_, page) = browser.text(&path).await;
    assert!(
        page.contains("<option value=\"1001\" selected>") && page.contains("Save the matching"),
        "{page}"
    );
    let r = browser
        .post_form(
            &path,
            &[("location[STORE-01]", ""), ("location[STORE-02]", "1002")],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=locations")
    );
    assert_eq!(
        enabled_flags(&app, tenant, id).await,
        [("STORE-02".to_string(), 1)]
    );
    assert_eq!(
        integration(&app, tenant, id).await.unwrap().status.as_str(),
        "active"
    );
    let actions = audit_actions(&app, tenant).await;
    assert!(
        actions.contains(&"integration.schedule".to_string())
            && actions.contains(&"integration.locations".to_string())
    );
}

async fn replacing_credentials_clears_attention_and_catches_up(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    as_if_imported(&app, id).await;
    // The worker met a revoked token and stopped scheduling.
    let reason = "Shopify rejected the credentials: the app was probably uninstalled or its token revoked. Enter new credentials.";
    sqlx::query("UPDATE integrations SET status = 'attention', status_reason = $2, next_run_at = NULL WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let browser = app.browser();
    let (_, page) = browser.text(&format!("/admin/integrations/{id}")).await;
    assert!(
        page.contains("needs attention") && page.contains("probably uninstalled"),
        "{page}"
    );
    let before = integration(&app, tenant, id).await.unwrap();

    let path = format!("/admin/integrations/{id}/credentials");
    let r = browser
        .post_form(
            &path,
            &[
                ("credential_kind", "access_token"),
                ("access_token", "shpat_revoked_0000"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("did not accept this access token") && !body.contains("shpat_revoked_0000")
    );
    let unchanged = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (
            unchanged.status.as_str(),
            unchanged.credentials_enc.as_str(),
            unchanged.next_run_at
        ),
        ("attention", before.credentials_enc.as_str(), None)
    );

    let (client_id, secret) = sim.client_credentials("examples").unwrap();
    let at = Utc::now().timestamp();
    let r = browser
        .post_form(
            &path,
            &[
                ("credential_kind", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=credentials")
    );
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(stored.status.as_str(), "active");
    assert_eq!(stored.status_reason, "");
    assert_eq!(stored.run_requested, Some(RunRequest::CatchUp));
    let next = stored.next_run_at.expect("queued");
    assert!(
        next >= at - 1 && next <= Utc::now().timestamp() + 1,
        "at once"
    );
    assert_eq!(
        stored.credential_kind.map(|k| k.as_str()),
        Some("client_credentials")
    );
    assert_eq!(
        stored.credentials_hint,
        format!("…{}", &secret[secret.len() - 4..])
    );
    assert_ne!(stored.credentials_enc, before.credentials_enc);
    assert_eq!(
        stored.watermark, before.watermark,
        "the catch-up starts where imports stopped"
    );
    assert!(
        audit_actions(&app, tenant)
            .await
            .contains(&"integration.credentials.replace".to_string())
    );

    // A deactivated integration gets new credentials without being started.
    browser
        .post_form(&format!("/admin/integrations/{id}/deactivate"), &[])
        .await;
    let token = sim.token("examples").unwrap();
    let r = browser
        .post_form(
            &path,
            &[
                ("credential_kind", "access_token"),
                ("access_token", &token),
            ],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=credentials_kept")
    );
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.next_run_at),
        ("deactivated", None)
    );
    assert_eq!(
        stored.credential_kind.map(|k| k.as_str()),
        Some("access_token")
    );
}

async fn connection_test_shows_the_result(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let browser = app.browser();
    let page = test_connection(&browser, id).await;
    assert!(
        page.contains("Connected to") && page.contains("CAD"),
        "{page}"
    );
    // Shown once: a reload of the page shows the page without it.
    let (status, again) = browser.text(&format!("/admin/integrations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!again.contains("Connected to"), "{again}");
    sim.update_faults("examples", |f| f.revoked = true).unwrap();
    let page = test_connection(&browser, id).await;
    assert!(
        page.contains("The connection does not work") && page.contains("did not accept"),
        "{page}"
    );
    // A refused token stops the imports at once: the badge and the dashboard say so now,
    // not when the next run fails.
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.next_run_at),
        ("attention", None)
    );
    assert!(
        page.contains("status-attention\">needs attention"),
        "{page}"
    );
    // The reason is said once, in the "needs attention" card.
    assert_eq!(page.matches("did not accept").count(), 1, "{page}");
    let (_, dashboard) = browser.text("/").await;
    assert!(
        dashboard.contains("Needs attention") && dashboard.contains("did not accept"),
        "{dashboard}"
    );
    // A passing test ends it.
    sim.update_faults("examples", |f| f.revoked = false)
        .unwrap();
    test_connection(&browser, id).await;
    assert_eq!(
        integration(&app, tenant, id).await.unwrap().status.as_str(),
        "active"
    );
    assert!(
        audit_actions(&app, tenant)
            .await
            .contains(&"integration.test".to_string())
    );
}

/// "Test the connection" as a browser does it: the POST answers with a redirect to the
/// integration's page (never a page on the POST address), whose text is returned.
async fn test_connection(browser: &common::Browser, id: i64) -> String {
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/test"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), format!("/admin/integrations/{id}"));
    let (status, page) = browser.text(&format!("/admin/integrations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    page
}

/// One sale and one return of `integration` at `location`, and the hour's totals.
async fn insert_facts(
    app: &TestApp,
    tenant: TenantId,
    integration: i64,
    location: i64,
    date: &str,
    hour: i64,
    gross: i64,
) {
    let key = format!("{integration}-{location}-{date}-{hour}");
    sqlx::query(
        "INSERT INTO sales (tenant_id, shopify_order_id, integration_id, location_id, occurred_at, local_date, local_hour, gross, discounts, items, is_transaction)
         VALUES ($1, $2, $3, $4, 0, $5, $6, $7, 100, 2, 1)",
    )
    .bind(tenant.0)
    .bind(format!("o-{key}"))
    .bind(integration)
    .bind(location)
    .bind(date)
    .bind(hour)
    .bind(gross)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO returns (tenant_id, shopify_return_id, shopify_order_id, integration_id, location_id, occurred_at, local_date, local_hour, returns, items, is_transaction)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, 500, 1, 1)",
    )
    .bind(tenant.0)
    .bind(format!("r-{key}"))
    .bind(format!("o-{key}"))
    .bind(integration)
    .bind(location)
    .bind(date)
    .bind(hour)
    .execute(&app.db.pool)
    .await
    .unwrap();
    // The hour holds every integration's facts.
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts, returns, net, transactions, items, edited)
         VALUES ($1, $2, $3, $4, $5, 100, 500, $5 - 600, 2, 1, 0)
         ON CONFLICT (tenant_id, location_id, local_date, hour) DO UPDATE SET
           gross = hourly_totals.gross + excluded.gross, discounts = hourly_totals.discounts + 100,
           returns = hourly_totals.returns + 500, net = hourly_totals.net + excluded.net,
           transactions = hourly_totals.transactions + 2, items = hourly_totals.items + 1",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(hour)
    .bind(gross)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

type Totals = (String, i64, i64, i64, i64, i64, i64, i64, i64);

async fn hourly(app: &TestApp, tenant: TenantId) -> Vec<Totals> {
    sqlx::query_as::<_, Totals>(
        "SELECT local_date, hour, location_id, gross, discounts, returns, net, transactions, items FROM hourly_totals WHERE tenant_id = $1 ORDER BY local_date, hour, location_id",
    )
    .bind(tenant.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

async fn delete_keeping_the_imported_data(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let store01 = location_row(&app, tenant, "STORE-01").await;
    let store02 = location_row(&app, tenant, "STORE-02").await;
    insert_facts(&app, tenant, id, store01, "2026-03-02", 10, 4000).await;
    insert_facts(&app, tenant, id, store02, "2026-03-02", 11, 2500).await;
    sqlx::query("INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to, started_at, outcome) VALUES ($1, $2, 'initial', 0, 1, 1, 'succeeded')")
        .bind(tenant.0)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let totals_before = hourly(&app, tenant).await;
    let browser = app.browser();

    let (status, page) = browser
        .text(&format!("/admin/integrations/{id}/delete"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("name=\"data\" value=\"keep\"")
            && page.contains("name=\"data\" value=\"remove\"")
    );
    // No choice made: asked again, nothing deleted.
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Choose whether to keep or remove")
    );
    assert!(integration(&app, tenant, id).await.is_some());

    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/delete"),
            &[("data", "keep")],
        )
        .await;
    assert_eq!(location_of(&r), "/admin/integrations?notice=deleted");
    let (_, list) = browser.text(&location_of(&r)).await;
    assert!(list.contains("The integration is deleted."), "{list}");
    assert!(integration(&app, tenant, id).await.is_none());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM integration_locations").await,
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM import_runs").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM returns").await, 2);
    // Detached from the deleted integration: a new one (SQLite may reuse the id) never
    // claims them.
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM sales WHERE integration_id = {}", -id)
        )
        .await,
        2
    );
    assert_eq!(hourly(&app, tenant).await, totals_before);
    assert_eq!(
        db::locations::list(&app.db, tenant).await.unwrap().len(),
        2,
        "TMAS locations stay"
    );
    assert_eq!(
        browser
            .get(&format!("/admin/integrations/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let log = db::audit::list_for_tenant(&app.db, tenant, 10)
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action == "integration.delete"));
    let (_, audit_page) = browser.text("/admin/audit").await;
    assert!(
        audit_page.contains("Imported data kept: yes"),
        "{audit_page}"
    );
    // The store can be connected again; deleting that one with its data leaves the kept
    // data alone.
    let again = start_wizard(&browser, &sim, "examples").await;
    finish_wizard(&browser, again, &[("STORE-01", "1001")]).await;
    let r = browser
        .post_form(
            &format!("/admin/integrations/{again}/delete"),
            &[("data", "remove")],
        )
        .await;
    assert_eq!(location_of(&r), "/admin/integrations?notice=deleted");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 2);
    assert_eq!(hourly(&app, tenant).await, totals_before);
}

async fn delete_removing_the_imported_data(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let store01 = location_row(&app, tenant, "STORE-01").await;
    let store02 = location_row(&app, tenant, "STORE-02").await;
    // Another integration of the tenant (another store) also feeds STORE-01.
    let other = start_wizard(&app.browser(), &sim, "alpha").await;
    insert_facts(&app, tenant, id, store01, "2026-03-02", 10, 4000).await;
    insert_facts(&app, tenant, other, store01, "2026-03-02", 10, 1000).await;
    insert_facts(&app, tenant, id, store01, "2026-03-02", 12, 3000).await;
    insert_facts(&app, tenant, id, store02, "2026-03-03", 9, 2500).await;
    // An hour edited by hand stays as edited.
    insert_facts(&app, tenant, id, store02, "2026-03-04", 9, 7000).await;
    sqlx::query("UPDATE hourly_totals SET edited = 1, net = 12345 WHERE location_id = $1 AND local_date = '2026-03-04'")
        .bind(store02)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Another tenant's data is never touched.
    let stranger = app.create_tenant("Stranger", Plan::Retail).await;
    insert_facts(&app, stranger, id, store01, "2026-03-02", 10, 9999).await;

    let browser = app.browser();
    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/delete"),
            &[("data", "remove")],
        )
        .await;
    assert_eq!(location_of(&r), "/admin/integrations?notice=deleted");
    assert!(integration(&app, tenant, id).await.is_none());
    let in_tenant = |table: &str| {
        format!(
            "SELECT COUNT(*) FROM {table} WHERE tenant_id = {} AND integration_id = {id}",
            tenant.0
        )
    };
    assert_eq!(count(&app, &in_tenant("sales")).await, 0);
    assert_eq!(count(&app, &in_tenant("returns")).await, 0);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM sales WHERE tenant_id = {} AND integration_id = {other}",
                tenant.0
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM sales WHERE tenant_id = {}",
                stranger.0
            )
        )
        .await,
        1
    );

    let totals = hourly(&app, tenant).await;
    // Hours: STORE-01 10h recomputed from the other integration's facts only (gross 1000,
    // discounts 100, returns 500, net 400, 2 transactions, 2 - 1 items); STORE-01 12h and
    // STORE-02 2026-03-03 gone; the edited hour kept; the stranger's row untouched.
    assert_eq!(
        totals,
        [
            (
                "2026-03-02".to_string(),
                10,
                store01,
                1000,
                100,
                500,
                400,
                2,
                1
            ),
            (
                "2026-03-04".to_string(),
                9,
                store02,
                7000,
                100,
                500,
                12345,
                2,
                1
            ),
        ],
        "{totals:?}"
    );
    assert_eq!(
        hourly(&app, stranger).await,
        [(
            "2026-03-02".to_string(),
            10,
            store01,
            9999,
            100,
            500,
            9399,
            2,
            1
        )]
    );
    let log = db::audit::list_for_tenant(&app.db, tenant, 10)
        .await
        .unwrap();
    assert!(
        log.iter().any(|e| e.action == "integration.delete"),
        "{log:?}"
    );
    let (_, audit_page) = browser.text("/admin/audit").await;
    assert!(
        audit_page
            .contains("Imported data kept: no</li><li>Sales removed: 4</li><li>Returns removed: 4"),
        "{audit_page}"
    );
}

async fn another_tenants_integration_answers_404_and_nothing_changes(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    // A draft of tenant A too.
    let draft = start_wizard(&app.browser(), &sim, "alpha").await;
    let store01 = location_row(&app, tenant, "STORE-01").await;
    let before = (
        integration(&app, tenant, id).await.unwrap(),
        integration(&app, tenant, draft).await.unwrap(),
    );
    let flags_before = enabled_flags(&app, tenant, id).await;

    let other_tenant = app.create_tenant("Bravo", Plan::Enterprise).await;
    app.create_user("admin@bravo.example", Role::Admin, Some(other_tenant))
        .await;
    let intruder = app.other_browser();
    intruder
        .login("admin@bravo.example", common::PASSWORD)
        .await;
    add_location(&intruder, "STORE-01", "Bravo one").await;
    let token = sim.token("examples").unwrap();
    for target in [id, draft] {
        let base = format!("/admin/integrations/{target}");
        for path in [
            base.clone(),
            format!("{base}/wizard/general"),
            format!("{base}/wizard/locations"),
            format!("{base}/wizard/confirm"),
            format!("{base}/wizard/schedule"),
            format!("{base}/wizard/finish"),
            format!("{base}/credentials"),
            format!("{base}/delete"),
        ] {
            assert_eq!(
                intruder.get(&path).await.status(),
                StatusCode::NOT_FOUND,
                "GET {path}"
            );
        }
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                format!("{base}/wizard/general"),
                vec![
                    ("label", "x"),
                    ("store_name", "examples"),
                    ("credential_kind", "access_token"),
                    ("access_token", &token),
                ],
            ),
            (
                format!("{base}/wizard/locations"),
                vec![("location[STORE-01]", "1001")],
            ),
            (
                format!("{base}/wizard/locations/create"),
                vec![("shopify_location_id", "1002")],
            ),
            (format!("{base}/wizard/confirm"), vec![]),
            (
                format!("{base}/wizard/schedule"),
                vec![
                    ("frequency", "hourly"),
                    ("minute", "7"),
                    ("backfill_from", "2026-01-01"),
                ],
            ),
            (format!("{base}/wizard/finish"), vec![]),
            (format!("{base}/discard"), vec![]),
            (format!("{base}/locations/{store01}/disable"), vec![]),
            (format!("{base}/locations/{store01}/enable"), vec![]),
            (format!("{base}/deactivate"), vec![]),
            (format!("{base}/reactivate"), vec![]),
            (format!("{base}/test"), vec![]),
            (
                format!("{base}/credentials"),
                vec![
                    ("credential_kind", "access_token"),
                    ("access_token", &token),
                ],
            ),
            (format!("{base}/delete"), vec![("data", "remove")]),
        ];
        for (path, fields) in posts {
            assert_eq!(
                intruder.post_form(&path, &fields).await.status(),
                StatusCode::NOT_FOUND,
                "POST {path}"
            );
        }
    }
    let after = (
        integration(&app, tenant, id).await.unwrap(),
        integration(&app, tenant, draft).await.unwrap(),
    );
    for (b, a) in [(&before.0, &after.0), (&before.1, &after.1)] {
        assert_eq!(
            (
                &b.status,
                &b.wizard_step,
                &b.credentials_enc,
                b.schedule,
                &b.backfill_from,
                b.next_run_at,
                b.updated_at
            ),
            (
                &a.status,
                &a.wizard_step,
                &a.credentials_enc,
                a.schedule,
                &a.backfill_from,
                a.next_run_at,
                a.updated_at
            )
        );
    }
    assert_eq!(enabled_flags(&app, tenant, id).await, flags_before);
    assert_eq!(
        db::integrations::list(&app.db, other_tenant)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        db::locations::list(&app.db, other_tenant)
            .await
            .unwrap()
            .len(),
        1
    );
    let (_, list) = intruder.text("/admin/integrations").await;
    assert!(!list.contains("examples") && !list.contains("Acme Retail"));
    let log = db::audit::list_for_tenant(&app.db, other_tenant, 50)
        .await
        .unwrap();
    assert!(log.iter().all(|e| !e.action.starts_with("integration.")));
}

async fn a_passing_connection_test_ends_needs_attention(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    as_if_imported(&app, id).await;
    // As after a start with the wrong key file, once the right one is back in place.
    sqlx::query(
        "UPDATE integrations SET status = 'attention', status_reason = $2, next_run_at = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(tmas::secret_key::UNREADABLE_REASON)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let browser = app.browser();

    // A failing test leaves it as it is.
    sim.update_faults("examples", |f| f.revoked = true).unwrap();
    let page = test_connection(&browser, id).await;
    assert!(page.contains("The connection does not work"), "{page}");
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.next_run_at),
        ("attention", None)
    );

    sim.update_faults("examples", |f| f.revoked = false)
        .unwrap();
    let before = Utc::now().timestamp();
    let page = test_connection(&browser, id).await;
    assert!(page.contains("The stored credentials work again"), "{page}");
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(stored.status.as_str(), "active");
    assert_eq!(stored.status_reason, "");
    assert_eq!(stored.run_requested, Some(RunRequest::CatchUp));
    assert!(
        stored
            .next_run_at
            .is_some_and(|at| at >= before && at <= before + 5)
    );
    assert!(
        audit_actions(&app, tenant)
            .await
            .contains(&"integration.resume".to_string())
    );
}

async fn a_missing_or_wrong_key_stops_the_start(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let key_file = app.settings.secret_key_path();
    let right_key = std::fs::read(&key_file).unwrap();

    // The key file is gone: no new key is made behind the operator's back.
    std::fs::remove_file(&key_file).unwrap();
    let error = tmas::startup::prepare(&app.settings)
        .await
        .err()
        .expect("a start without the key file fails")
        .to_string();
    assert!(
        error.contains("secret key file")
            && error.contains("is missing")
            && error.contains("--reset-secret-key"),
        "{error}"
    );
    assert!(!key_file.exists(), "no key was made");

    // Another key: it cannot open the credentials, so the start stops.
    use base64::Engine;
    std::fs::write(
        &key_file,
        base64::engine::general_purpose::STANDARD.encode([9u8; 32]),
    )
    .unwrap();
    let error = tmas::startup::prepare(&app.settings)
        .await
        .err()
        .expect("a start with another key fails")
        .to_string();
    assert!(
        error.contains("does not open the Shopify credentials of 1 integration"),
        "{error}"
    );
    assert_eq!(
        integration(&app, tenant, id).await.unwrap().status.as_str(),
        "active"
    );

    // Said explicitly: start anew; the integration says what to do.
    let mut anew = app.settings.clone();
    anew.reset_secret_key = true;
    tmas::startup::prepare(&anew).await.expect("start anew");
    let stored = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (
            stored.status.as_str(),
            stored.status_reason.as_str(),
            stored.next_run_at
        ),
        ("attention", tmas::secret_key::UNREADABLE_REASON, None)
    );
    // The tenant reads in its audit log that the operator reset the key, once.
    let actions = audit_actions(&app, tenant).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == tmas::secret_key::KEY_RESET_ACTION)
            .count(),
        1,
        "{actions:?}"
    );
    let other = app.create_tenant("Untouched", Plan::Retail).await;
    assert!(
        !audit_actions(&app, other)
            .await
            .contains(&tmas::secret_key::KEY_RESET_ACTION.to_string())
    );

    // The right key back: the start goes on.
    std::fs::write(&key_file, &right_key).unwrap();
    tmas::startup::prepare(&app.settings)
        .await
        .expect("the right key starts");
}

/// Every POST-only route of the app, as `src/web` declares it (`.route("…", post(…))`).
fn post_only_routes() -> Vec<String> {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source: String = std::fs::read_to_string(&path)
                    .unwrap()
                    .split_whitespace()
                    .collect();
                for piece in source.split(".route(\"").skip(1) {
                    // `post(…)` however it is spelled (`routing::post(…)`, `axum::routing::post(…)`)
                    if let Some((route, rest)) = piece.split_once("\",")
                        && rest
                            .trim_start_matches("axum::")
                            .trim_start_matches("routing::")
                            .starts_with("post(")
                    {
                        found.push(route.to_string());
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
        &mut found,
    );
    found.sort();
    found
}

/// A GET (a reload, a language change after a form, a typed address) on every POST-only
/// address redirects to the page its form is on, never an empty 405; an address that takes
/// no such method answers the app's own page in the reader's language.
async fn a_get_on_a_post_only_address_answers_with_a_page(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let user = app
        .create_user("manager@acme.example", Role::Manager, Some(tenant))
        .await;
    let store01 = location_row(&app, tenant, "STORE-01").await;
    let t = tenant.0;
    // (route as declared, the address asked, the page it leads to)
    let table: Vec<(&str, String, String)> = vec![
        ("/logout", "/logout".into(), "/".into()),
        ("/language", "/language".into(), "/".into()),
        ("/staff/leave", "/staff/leave".into(), "/".into()),
        (
            "/account/alerts",
            "/account/alerts".into(),
            "/account/password".into(),
        ),
        (
            "/account/digests",
            "/account/digests".into(),
            "/account/password".into(),
        ),
        (
            "/staff/tenants/{id}/enter",
            format!("/staff/tenants/{t}/enter"),
            format!("/staff/tenants/{t}"),
        ),
        (
            "/admin/users/{id}/delete",
            format!("/admin/users/{user}/delete"),
            format!("/admin/users/{user}"),
        ),
        (
            "/admin/integrations/{id}/test",
            format!("/admin/integrations/{id}/test"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/discard",
            format!("/admin/integrations/{id}/discard"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/deactivate",
            format!("/admin/integrations/{id}/deactivate"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/reactivate",
            format!("/admin/integrations/{id}/reactivate"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/reconciliation",
            format!("/admin/integrations/{id}/reconciliation"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/locations/{location}/enable",
            format!("/admin/integrations/{id}/locations/{store01}/enable"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/locations/{location}/disable",
            format!("/admin/integrations/{id}/locations/{store01}/disable"),
            format!("/admin/integrations/{id}"),
        ),
        (
            "/admin/integrations/{id}/wizard/locations/create",
            format!("/admin/integrations/{id}/wizard/locations/create"),
            format!("/admin/integrations/{id}/wizard/locations"),
        ),
        (
            "/admin/integrations/{id}/imports/now",
            format!("/admin/integrations/{id}/imports/now"),
            format!("/admin/integrations/{id}/imports"),
        ),
        (
            "/admin/integrations/{id}/imports/backfill",
            format!("/admin/integrations/{id}/imports/backfill"),
            format!("/admin/integrations/{id}/imports"),
        ),
        (
            "/admin/integrations/{id}/imports/{run}/cancel",
            format!("/admin/integrations/{id}/imports/1/cancel"),
            format!("/admin/integrations/{id}/imports"),
        ),
        (
            "/admin/traffic/preview",
            "/admin/traffic/preview".into(),
            "/admin/traffic".into(),
        ),
        (
            "/admin/traffic/commit",
            "/admin/traffic/commit".into(),
            "/admin/traffic".into(),
        ),
        (
            "/admin/api-keys/{id}/revoke",
            "/admin/api-keys/1/revoke".into(),
            "/admin/api-keys".into(),
        ),
        (
            "/api/v1/traffic",
            "/api/v1/traffic".into(),
            "/admin/api-keys".into(),
        ),
    ];
    let mut covered: Vec<String> = table.iter().map(|(r, _, _)| r.to_string()).collect();
    covered.sort();
    assert_eq!(
        covered,
        post_only_routes(),
        "the table covers every POST-only route"
    );

    let browser = app.browser();
    for (_, address, page) in &table {
        for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
            let r = browser
                .client
                .request(method.clone(), format!("{}{address}", browser.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{method} {address}");
            assert_eq!(&location_of(&r), page, "{method} {address}");
        }
        // The page led to is a page: the admin's own ones open, staff ones are refused with
        // the app's page; none is empty.
        let (status, body) = browser.text(page).await;
        assert!(
            body.contains("<html"),
            "{address} → {page}: {status} {body}"
        );
        let expected = if page.starts_with("/staff") {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{address} → {page}");
    }

    // No page to lead to: the app's own page in the reader's language, not an empty 405.
    let spanish = |request: reqwest::RequestBuilder| {
        request.header(reqwest::header::ACCEPT_LANGUAGE, "es-ES,es;q=0.9")
    };
    let r = spanish(
        browser
            .client
            .get(format!("{}/admin/integrations/x/test", browser.base)),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("formulario") && body.contains("<html"),
        "{body}"
    );
    let csrf = browser.csrf().await;
    let r = spanish(
        browser
            .client
            .post(format!("{}/reports/totals", browser.base)),
    )
    .form(&[("csrf", csrf.as_str())])
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("formulario") && body.contains("<html"),
        "{body}"
    );
}
