//! The Shopify setup wizard through its HTTP forms against the simulator: every step, each bad
//! input with its message and nothing stored, resuming, the plan gate, staff acting in a
//! tenant, and credentials never stored or logged in clear.

mod common;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use chrono::{Duration, Utc};
use common::{PASSWORD, TestApp, location_of};
use reqwest::StatusCode;
use tmas::db;
use tmas::domain::account::{Plan, Role};
use tmas::domain::integration::{CredentialKind, RunRequest};
use tmas::sim::SimHandle;
use wizard_support::*;

sim_backend_tests!(
    whole_wizard_through_forms,
    client_id_and_secret_are_accepted,
    bad_store_names_are_refused_and_nothing_stored,
    wrong_token_is_refused_and_never_echoed,
    missing_scopes_are_named,
    each_bad_location_match_is_named,
    bad_schedule_inputs_are_named,
    leaving_and_coming_back_resumes,
    basic_plan_is_refused,
    managers_get_403,
    staff_complete_the_wizard_inside_a_tenant_audited,
    location_created_from_an_unmatched_shopify_location,
    every_unmatched_shopify_location_created_at_once,
    credentials_are_never_readable_in_rows_or_pages,
    one_integration_per_store_and_several_stores,
    matching_suggests_by_name_and_confirm_names_the_unmatched,
);

async fn integration_count(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM integrations").await
}

async fn whole_wizard_through_forms(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    add_location(&browser, "STORE-02", "Queen Street").await;
    // An editor who may still change numbers by hand: the final page recommends turning it off.
    let hash = tmas::password::hash(PASSWORD.to_string()).await.unwrap();
    db::users::create(
        &app.db,
        "editor@acme.example",
        &hash,
        Role::Manager,
        Some(tenant),
        true,
    )
    .await
    .unwrap();

    let (status, list) = browser.text("/admin/integrations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Connect Shopify"), "{list}");
    assert!(list.contains("/admin/integrations/shopify/new"));

    let (status, general) = browser.text("/admin/integrations/shopify/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(general.contains("Step 1 of 5"), "{general}");
    for field in [
        "name=\"label\"",
        "name=\"store_name\"",
        "name=\"credential_kind\"",
        "name=\"access_token\"",
        "name=\"client_id\"",
        "name=\"client_secret\"",
    ] {
        assert!(general.contains(field), "{field}");
    }
    assert!(
        general.contains("Develop apps") && general.contains("Dev Dashboard"),
        "help for both kinds"
    );

    // A pasted admin address is accepted and kept as the store name.
    let token = sim.token("examples").unwrap();
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme Retail",
        "https://examples.myshopify.com/admin/orders",
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location_of(&r);
    let id = id_in(&to);
    assert_eq!(to, format!("/admin/integrations/{id}/wizard/locations"));
    let draft = integration(&app, tenant, id).await.unwrap();
    assert_eq!(draft.status.as_str(), "draft");
    assert_eq!(draft.wizard_step.as_str(), "locations");
    assert_eq!(draft.store_name.as_str(), "examples");
    assert_eq!(draft.label, "Acme Retail");
    assert_eq!(
        draft.credential_kind.map(|k| k.as_str()),
        Some("access_token")
    );
    assert_eq!(
        draft.credentials_hint,
        format!("…{}", &token[token.len() - 4..])
    );
    assert_eq!(draft.shop_time_zone, "America/Toronto");
    assert_eq!(draft.shop_currency, "CAD");

    // Step 2 shows what was found and the shop's locations, read live.
    let (status, page) = browser.text(&to).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Step 2 of 5"), "{page}");
    assert!(page.contains("CAD") && page.contains("America/Toronto"));
    assert!(
        page.contains("not readable"),
        "read_all_orders is not granted: {page}"
    );
    assert!(
        page.contains("name=\"location[STORE-01]\"")
            && page.contains("name=\"location[STORE-02]\"")
    );
    assert!(page.contains("value=\"1001\"") && page.contains("value=\"1002\""));
    assert!(!page.contains(&token), "the token is never shown again");

    // The gid form is accepted as well as the number.
    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/wizard/locations"),
            &[
                ("location[STORE-01]", "1001"),
                ("location[STORE-02]", "gid://shopify/Location/1002"),
            ],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}/wizard/confirm")
    );
    let matches = db::integrations::matches(&app.db, tenant, id)
        .await
        .unwrap();
    assert_eq!(
        matches
            .iter()
            .map(|m| (
                m.location_code.as_str(),
                m.shopify_location_id.as_str(),
                m.enabled
            ))
            .collect::<Vec<_>>(),
        [("STORE-01", "1001", 1), ("STORE-02", "1002", 1)]
    );

    let (_, confirm) = browser
        .text(&format!("/admin/integrations/{id}/wizard/confirm"))
        .await;
    assert!(confirm.contains("Step 3 of 5"));
    assert!(
        confirm.contains("These 2 locations will be imported. Continue?"),
        "{confirm}"
    );
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/wizard/confirm"), &[])
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}/wizard/schedule")
    );

    let (_, schedule) = browser
        .text(&format!("/admin/integrations/{id}/wizard/schedule"))
        .await;
    assert!(schedule.contains("Step 4 of 5"));
    assert!(
        schedule.contains("name=\"minute\" value=\"02\""),
        "default minute 02: {schedule}"
    );
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let default_from = (today - Duration::days(30)).to_string();
    assert!(
        schedule.contains(&format!("value=\"{default_from}\"")),
        "default backfill 30 days ago"
    );
    assert!(
        schedule.contains("America/Toronto"),
        "the tenant's time zone is named"
    );

    let backfill = (today - Duration::days(45)).to_string();
    let r = browser
        .post_form(
            &format!("/admin/integrations/{id}/wizard/schedule"),
            &[
                ("frequency", "daily"),
                ("hour", "6"),
                ("minute", "30"),
                ("backfill_from", &backfill),
            ],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}/wizard/finish")
    );
    let (_, finish) = browser
        .text(&format!("/admin/integrations/{id}/wizard/finish"))
        .await;
    assert!(finish.contains("Step 5 of 5"));
    assert!(finish.contains("Every day at 06:30"), "{finish}");
    assert!(finish.contains(&backfill));

    let before = Utc::now().timestamp();
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/wizard/finish"), &[])
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=started")
    );
    let active = integration(&app, tenant, id).await.unwrap();
    assert_eq!(active.status.as_str(), "active");
    assert_eq!(active.run_requested, Some(RunRequest::Initial));
    assert_eq!(active.watermark, None);
    let next = active.next_run_at.expect("first import queued");
    assert!(
        next >= before - 1 && next <= Utc::now().timestamp() + 1,
        "queued at once"
    );
    assert_eq!(
        (
            active.schedule.frequency().as_str(),
            active.schedule.hour(),
            active.schedule.minute()
        ),
        ("daily", 6, 30)
    );
    assert_eq!(active.backfill_from.map(|d| d.to_string()), Some(backfill));

    let (status, page) = browser.text(&location_of(&r)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("first import is queued"), "{page}");
    assert!(page.contains("active") && page.contains("STORE-01") && page.contains("STORE-02"));
    assert!(page.contains(&format!("/admin/integrations/{id}/imports")));
    assert!(
        page.contains("may still edit sales data by hand")
            && page.contains("href=\"/admin/users\""),
        "{page}"
    );

    let (_, list) = browser.text("/admin/integrations").await;
    assert!(list.contains("Acme Retail") && list.contains("examples"));

    let actions = audit_actions(&app, tenant).await;
    for expected in [
        "integration.wizard.general",
        "integration.wizard.locations",
        "integration.wizard.confirm",
        "integration.wizard.schedule",
        "integration.activate",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

async fn client_id_and_secret_are_accepted(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Enterprise, Role::Admin).await;
    let browser = app.browser();
    let (client_id, secret) = sim.client_credentials("examples").unwrap();
    // A wrong secret is refused on the secret's field.
    let r = browser
        .post_form(
            "/admin/integrations/shopify/new",
            &[
                ("label", "Acme"),
                ("store_name", "examples"),
                ("credential_kind", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", "wrong-secret"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("did not accept this client ID and secret"),
        "{body}"
    );
    assert!(
        body.contains(&format!("value=\"{client_id}\"")),
        "the client ID is kept"
    );
    assert!(!body.contains("wrong-secret"), "the secret is never echoed");
    assert_eq!(integration_count(&app).await, 0);

    let r = browser
        .post_form(
            "/admin/integrations/shopify/new",
            &[
                ("label", "Acme"),
                ("store_name", "examples.myshopify.com"),
                ("credential_kind", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_in(&location_of(&r));
    let draft = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        draft.credential_kind.map(|k| k.as_str()),
        Some("client_credentials")
    );
    assert_eq!(draft.store_name.as_str(), "examples");
    // The locations are read with a token obtained from the client credentials.
    let (_, page) = browser.text(&location_of(&r)).await;
    assert!(page.contains("value=\"1001\""), "{page}");
}

async fn bad_store_names_are_refused_and_nothing_stored(app: TestApp, sim: SimHandle) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let token = sim.token("examples").unwrap();
    for bad in [
        "my store",
        "examples.com",
        "https://examples.shopify.com/admin",
        "",
    ] {
        let r = post_general(
            &browser,
            "/admin/integrations/shopify/new",
            "Acme",
            bad,
            &token,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let body = r.text().await.unwrap();
        assert!(body.contains("A store name looks like"), "{bad:?}: {body}");
        assert!(!body.contains('`'), "no markup in the message: {body}");
        // A shop's display name is answered with the store name it likely has.
        assert_eq!(
            common::html_unescape(&body).contains("enter \"my-store\""),
            bad == "my store",
            "{bad:?}: {body}"
        );
        assert!(body.contains("value=\"Acme\""), "the label is kept");
        assert!(!body.contains(&token), "the token is not echoed");
        // Why the token field is empty, and the error tied to its field.
        assert!(body.contains("paste it again"), "{body}");
        if !bad.is_empty() {
            assert!(
                body.contains("aria-describedby=\"store_name-error\"")
                    && body.contains("id=\"store_name-error\""),
                "{body}"
            );
        }
    }
    // A token that cannot be one is named as such, not sent to Shopify to be "not accepted".
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        "abc",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("This cannot be an Admin API access token")
            && !body.contains("did not accept"),
        "{body}"
    );
    // A well-formed name of a store that does not exist.
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "nosuchstore",
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Shopify has no store named"), "{body}");
    assert!(
        body.contains("value=\"nosuchstore\""),
        "the store name is kept"
    );
    // A missing label.
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        " ",
        "examples",
        &token,
    )
    .await;
    assert!(r.text().await.unwrap().contains("Enter the label"));
    assert_eq!(integration_count(&app).await, 0);
    // The address today's Shopify admin shows is a store name too.
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "https://admin.shopify.com/store/examples/orders",
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location_of(&r).ends_with("/wizard/locations"));
}

async fn wrong_token_is_refused_and_never_echoed(app: TestApp, _sim: SimHandle) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        "shpat_wrong_token_4242",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("did not accept this access token"), "{body}");
    assert!(!body.contains("shpat_wrong_token_4242"));
    assert!(body.contains("value=\"examples\"") && body.contains("value=\"Acme\""));
    // An empty token is named too.
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        "",
    )
    .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Enter the Admin API access token")
    );
    assert_eq!(integration_count(&app).await, 0);
}

async fn missing_scopes_are_named(app: TestApp, sim: SimHandle) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let token = sim.token("examples").unwrap();
    sim.update_faults("examples", |f| {
        f.missing_scopes = vec!["read_locations".into()]
    })
    .unwrap();
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("it lacks read_locations"), "{body}");
    assert!(body.contains("tick read_locations"), "says how to add it");
    sim.update_faults("examples", |f| {
        f.missing_scopes = vec!["read_orders".into(), "read_locations".into()]
    })
    .unwrap();
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        &token,
    )
    .await;
    let body = r.text().await.unwrap();
    assert!(
        body.contains("it lacks read_orders and read_locations"),
        "{body}"
    );
    assert_eq!(integration_count(&app).await, 0);
}

async fn each_bad_location_match_is_named(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    add_location(&browser, "STORE-02", "Queen Street").await;
    let id = start_wizard(&browser, &sim, "examples").await;
    let path = format!("/admin/integrations/{id}/wizard/locations");
    let cases: [(&[(&str, &str)], &str); 7] = [
        (
            &[("location[STORE-01]", "999")],
            "has no location with the ID 999",
        ),
        (
            &[("location[STORE-01]", "abc")],
            "is not a Shopify location ID",
        ),
        (
            &[
                ("location[STORE-01]", "1001"),
                ("location[STORE-02]", "1001"),
            ],
            "is already chosen for STORE-01",
        ),
        (
            &[("location[STORE-01]", ""), ("location[STORE-02]", "")],
            "Match at least one",
        ),
        (
            &[("location[STORE-01]", "1001"), ("location[NOPE]", "1002")],
            "no TMAS location with the ID &#34;NOPE&#34;",
        ),
        // A typed ID is checked the same way as the list.
        (
            &[
                ("location[STORE-01]", ""),
                ("location_other[STORE-01]", "4040"),
            ],
            "has no location with the ID 4040",
        ),
        // A typed ID that disagrees with the list entry is refused, never silently preferred.
        (
            &[
                ("location[STORE-01]", "1001"),
                ("location_other[STORE-01]", "1002"),
            ],
            "and typed the ID 1002: keep only one of them",
        ),
    ];
    for (fields, message) in cases {
        let r = browser.post_form(&path, fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{message}: {body}");
        assert!(
            db::integrations::matches(&app.db, tenant, id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            integration(&app, tenant, id)
                .await
                .unwrap()
                .wizard_step
                .as_str(),
            "locations"
        );
    }
    // The chosen values are kept on the page after an error.
    let r = browser
        .post_form(
            &path,
            &[
                ("location[STORE-01]", "1002"),
                ("location_other[STORE-02]", "777"),
            ],
        )
        .await;
    let body = r.text().await.unwrap();
    assert!(body.contains("<option value=\"1002\" selected>"), "{body}");
    assert!(body.contains("value=\"777\""));

    // Matched in another integration of the tenant: refused too.
    let other = start_wizard_named(&browser, &sim, "alpha").await;
    sqlx::query("INSERT INTO integration_locations (tenant_id, integration_id, location_id, shopify_location_id, shopify_location_name, enabled) SELECT $1, $2, id, '1002', 'STORE-02', 1 FROM locations WHERE tenant_id = $1 AND location_id = 'STORE-02'")
        .bind(tenant.0)
        .bind(other)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = browser
        .post_form(&path, &[("location[STORE-01]", "1002")])
        .await;
    let body = r.text().await.unwrap();
    assert!(
        body.contains("is already matched to STORE-02 in the integration"),
        "{body}"
    );
    assert!(
        db::integrations::matches(&app.db, tenant, id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn start_wizard_named(browser: &common::Browser, sim: &SimHandle, shop: &str) -> i64 {
    let token = sim.token(shop).unwrap();
    let r = post_general(
        browser,
        "/admin/integrations/shopify/new",
        shop,
        shop,
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    id_in(&location_of(&r))
}

async fn bad_schedule_inputs_are_named(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    let id = start_wizard(&browser, &sim, "examples").await;
    let base = format!("/admin/integrations/{id}/wizard");
    // The schedule step cannot be reached before the locations are matched.
    assert_eq!(
        location_of(&browser.get(&format!("{base}/schedule")).await),
        format!("{base}/locations")
    );
    let r = browser
        .post_form(
            &format!("{base}/schedule"),
            &[
                ("frequency", "hourly"),
                ("minute", "5"),
                ("backfill_from", &default_backfill()),
            ],
        )
        .await;
    assert_eq!(location_of(&r), format!("{base}/locations"));
    assert_eq!(
        integration(&app, tenant, id).await.unwrap().backfill_from,
        None
    );

    browser
        .post_form(
            &format!("{base}/locations"),
            &[("location[STORE-01]", "1001")],
        )
        .await;
    browser.post_form(&format!("{base}/confirm"), &[]).await;
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let ok_from = default_backfill();
    let too_old = (today - Duration::days(61)).to_string();
    let future = (today + Duration::days(2)).to_string();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ("frequency", "hourly"),
                ("minute", "75"),
                ("backfill_from", &ok_from),
            ],
            "The minute must be a whole number from 0 to 59",
        ),
        (
            &[
                ("frequency", "hourly"),
                ("minute", "x"),
                ("backfill_from", &ok_from),
            ],
            "The minute must be a whole number from 0 to 59",
        ),
        (
            &[
                ("frequency", "daily"),
                ("minute", "5"),
                ("hour", "24"),
                ("backfill_from", &ok_from),
            ],
            "The hour must be a whole number from 0 to 23",
        ),
        (
            &[
                ("frequency", "weekly"),
                ("minute", "5"),
                ("backfill_from", &ok_from),
            ],
            "Choose hourly or daily",
        ),
        (
            &[
                ("frequency", "hourly"),
                ("minute", "5"),
                ("backfill_from", &too_old),
            ],
            "read_all_orders",
        ),
        (
            &[
                ("frequency", "hourly"),
                ("minute", "5"),
                ("backfill_from", &future),
            ],
            "in the future",
        ),
    ];
    for (fields, message) in cases {
        let r = browser.post_form(&format!("{base}/schedule"), fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{message}: {body}");
        let stored = integration(&app, tenant, id).await.unwrap();
        assert_eq!(
            (
                stored.schedule.minute(),
                stored.backfill_from,
                stored.wizard_step.as_str()
            ),
            (2, None, "schedule")
        );
    }
    let r = browser
        .post_form(
            &format!("{base}/schedule"),
            &[
                ("frequency", "hourly"),
                ("minute", "5"),
                ("backfill_from", "2026/01/01"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("YYYY-MM-DD"));

    // With read_all_orders granted (the simulator grants only the two required scopes, so
    // the granted list is stored as Shopify would have answered), older days are accepted.
    sqlx::query("UPDATE integrations SET scopes = 'read_orders,read_locations,read_all_orders' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = browser
        .post_form(
            &format!("{base}/schedule"),
            &[
                ("frequency", "hourly"),
                ("minute", "5"),
                ("backfill_from", &too_old),
            ],
        )
        .await;
    assert_eq!(location_of(&r), format!("{base}/finish"));
    assert_eq!(
        integration(&app, tenant, id)
            .await
            .unwrap()
            .backfill_from
            .map(|d| d.to_string()),
        Some(too_old)
    );
}

async fn leaving_and_coming_back_resumes(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    let id = start_wizard(&browser, &sim, "examples").await;
    let base = format!("/admin/integrations/{id}/wizard");

    // Another admin of the tenant, in another browser, finds the draft and resumes it.
    app.create_user("second@acme.example", Role::Admin, Some(tenant))
        .await;
    let other = app.other_browser();
    other.login("second@acme.example", PASSWORD).await;
    let (_, list) = other.text("/admin/integrations").await;
    assert!(
        list.contains("Resume setup") && list.contains("stopped at step 2 of 5"),
        "{list}"
    );
    assert_eq!(
        location_of(&other.get("/admin/integrations/shopify/new").await),
        format!("{base}/locations")
    );
    // Skipping ahead goes back to where the draft stands.
    assert_eq!(
        location_of(&other.get(&format!("{base}/finish")).await),
        format!("{base}/locations")
    );
    assert_eq!(
        location_of(&other.get(&format!("/admin/integrations/{id}")).await),
        format!("{base}/locations")
    );

    other
        .post_form(
            &format!("{base}/locations"),
            &[("location[STORE-01]", "1001")],
        )
        .await;
    other.post_form(&format!("{base}/confirm"), &[]).await;
    // The first admin comes back later: the wizard resumes at the schedule.
    assert_eq!(
        location_of(&browser.get("/admin/integrations/shopify/new").await),
        format!("{base}/schedule")
    );
    // Earlier steps can be looked at again without losing the progress.
    let (status, general) = browser.text(&format!("{base}/general")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        general.contains("value=\"examples\"") && general.contains("are stored"),
        "{general}"
    );
    // Saving step 1 again with the secret left empty keeps the stored credentials.
    let r = browser
        .post_form(
            &format!("{base}/general"),
            &[
                ("label", "Renamed"),
                ("store_name", "examples"),
                ("credential_kind", "access_token"),
                ("access_token", ""),
            ],
        )
        .await;
    assert_eq!(location_of(&r), format!("{base}/locations"));
    let draft = integration(&app, tenant, id).await.unwrap();
    assert_eq!(
        (draft.label.as_str(), draft.wizard_step.as_str()),
        ("Renamed", "schedule")
    );
    assert_eq!(
        db::integrations::matches(&app.db, tenant, id)
            .await
            .unwrap()
            .len(),
        1
    );

    // A draft can be discarded.
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/discard"), &[])
        .await;
    assert_eq!(location_of(&r), "/admin/integrations?notice=discarded");
    let (_, list) = browser.text(&location_of(&r)).await;
    assert!(
        list.contains("The unfinished setup is discarded."),
        "{list}"
    );
    assert!(integration(&app, tenant, id).await.is_none());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM integration_locations").await,
        0
    );
    assert!(
        audit_actions(&app, tenant)
            .await
            .contains(&"integration.discard".to_string())
    );
    let (status, _) = browser.text("/admin/integrations/shopify/new").await;
    assert_eq!(status, StatusCode::OK, "a fresh wizard starts");
}

async fn basic_plan_is_refused(app: TestApp, sim: SimHandle) {
    app.signed_in("Acme", Plan::Basic, Role::Admin).await;
    let browser = app.browser();
    let (status, page) = browser.text("/admin/integrations/shopify/new").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("Retail") && page.contains("ask the TMAS operator to upgrade"),
        "{page}"
    );
    // The plan is named as people read it, the same in both languages.
    assert!(page.contains("This tenant is on the Basic plan."), "{page}");
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page_es) = browser.text("/admin/integrations/shopify/new").await;
    assert!(
        page_es.contains("Este cliente tiene el plan Basic."),
        "{page_es}"
    );
    browser.post_form("/language", &[("lang", "en")]).await;
    let token = sim.token("examples").unwrap();
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(integration_count(&app).await, 0);
    let (_, list) = browser.text("/admin/integrations").await;
    assert!(
        list.contains("needs the Retail plan")
            && !list.contains("href=\"/admin/integrations/shopify/new\""),
        "{list}"
    );
    assert_eq!(sim.stats("examples").unwrap().unauthorized, 0);
}

async fn managers_get_403(app: TestApp, _sim: SimHandle) {
    app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let browser = app.browser();
    for path in [
        "/admin/integrations",
        "/admin/integrations/shopify/new",
        "/admin/integrations/1",
        "/admin/integrations/1/wizard/locations",
    ] {
        assert_eq!(
            browser.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let r = browser
        .post_form("/admin/integrations/shopify/new", &[("label", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(integration_count(&app).await, 0);
}

async fn staff_complete_the_wizard_inside_a_tenant_audited(app: TestApp, sim: SimHandle) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let browser = app.browser();
    browser.login("ops@tmas.example", PASSWORD).await;
    // Outside a tenant, the wizard sends staff to pick one.
    assert_eq!(
        location_of(&browser.get("/admin/integrations/shopify/new").await),
        "/staff/tenants"
    );
    let r = browser
        .post_form(&format!("/staff/tenants/{}/enter", tenant.0), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    add_location(&browser, "STORE-01", "King Street").await;
    let id = start_wizard(&browser, &sim, "examples").await;
    finish_wizard(&browser, id, &[("STORE-01", "1001")]).await;
    assert_eq!(
        integration(&app, tenant, id).await.unwrap().status.as_str(),
        "active"
    );

    let log = db::audit::list_for_tenant(&app.db, tenant, 100)
        .await
        .unwrap();
    for action in [
        "integration.wizard.general",
        "integration.wizard.locations",
        "integration.activate",
    ] {
        let entry = log
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("{action} audited"));
        assert_eq!(entry.actor_email, "ops@tmas.example");
        assert_eq!(entry.acting_staff, 1);
    }
}

async fn location_created_from_an_unmatched_shopify_location(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let id = start_wizard(&browser, &sim, "alpha").await;
    let path = format!("/admin/integrations/{id}/wizard/locations");
    let (_, page) = browser.text(&path).await;
    assert!(page.contains("no TMAS locations yet"), "{page}");
    assert!(
        page.contains("Downtown store") && page.contains("(inactive)"),
        "{page}"
    );
    let shop_locations = sim.locations("alpha").unwrap();
    let (downtown, _) = shop_locations[0];
    let r = browser
        .post_form(
            &format!("{path}/create"),
            &[("shopify_location_id", &downtown.to_string())],
        )
        .await;
    assert_eq!(location_of(&r), path);
    let locations = db::locations::list(&app.db, tenant).await.unwrap();
    assert_eq!(locations.len(), 1);
    assert_eq!(
        (
            locations[0].location_id.as_str(),
            locations[0].name.as_str(),
            locations[0].time_zone.as_str()
        ),
        ("DOWNTOWN-STORE", "Downtown store", "America/Toronto")
    );
    let matches = db::integrations::matches(&app.db, tenant, id)
        .await
        .unwrap();
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].shopify_location_id, downtown.to_string());
    // Creating it twice is refused: it is matched now.
    let r = browser
        .post_form(
            &format!("{path}/create"),
            &[("shopify_location_id", &downtown.to_string())],
        )
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("already matched to DOWNTOWN-STORE")
    );
    assert_eq!(db::locations::list(&app.db, tenant).await.unwrap().len(), 1);
    // The page shows the new location preselected.
    let (_, page) = browser.text(&path).await;
    assert!(
        page.contains(&format!("<option value=\"{downtown}\" selected>")),
        "{page}"
    );
    // An inactive Shopify location is warned about on confirmation.
    let (closed, active) = shop_locations[3];
    assert!(!active);
    browser
        .post_form(
            &format!("{path}/create"),
            &[("shopify_location_id", &closed.to_string())],
        )
        .await;
    let r = browser
        .post_form(
            &path,
            &[
                ("location[DOWNTOWN-STORE]", &downtown.to_string()),
                ("location[OLD-TOWN-STORE]", &closed.to_string()),
            ],
        )
        .await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}/wizard/confirm")
    );
    let (_, confirm) = browser
        .text(&format!("/admin/integrations/{id}/wizard/confirm"))
        .await;
    assert!(confirm.contains("These 2 locations will be imported"));
    assert!(confirm.contains("is inactive"), "{confirm}");
    assert!(
        audit_actions(&app, tenant)
            .await
            .contains(&"location.create".to_string())
    );
}

/// One click creates a TMAS location for every Shopify location not matched yet, each matched
/// at once, instead of one click and one reload per location.
async fn every_unmatched_shopify_location_created_at_once(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let id = start_wizard(&browser, &sim, "alpha").await;
    let path = format!("/admin/integrations/{id}/wizard/locations");
    let shop_locations = sim.locations("alpha").unwrap();
    assert!(shop_locations.len() > 2);
    // One made by hand first: the rest are the ones left.
    let (first, _) = shop_locations[0];
    browser
        .post_form(
            &format!("{path}/create"),
            &[("shopify_location_id", &first.to_string())],
        )
        .await;
    let (_, page) = browser.text(&path).await;
    let left = shop_locations.len() - 1;
    assert!(
        page.contains(&format!(
            "Create a TMAS location for each of the {left} above"
        )),
        "{page}"
    );
    let r = browser
        .post_form(&format!("{path}/create"), &[("shopify_location_id", "all")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_of(&r), path);
    let locations = db::locations::list(&app.db, tenant).await.unwrap();
    assert_eq!(locations.len(), shop_locations.len());
    let mut codes: Vec<&str> = locations.iter().map(|l| l.location_id.as_str()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), shop_locations.len(), "each its own ID");
    let matches = db::integrations::matches(&app.db, tenant, id)
        .await
        .unwrap();
    let mut matched: Vec<String> = matches
        .iter()
        .map(|m| m.shopify_location_id.clone())
        .collect();
    matched.sort();
    let mut all: Vec<String> = shop_locations.iter().map(|(l, _)| l.to_string()).collect();
    all.sort();
    assert_eq!(matched, all);
    let (_, page) = browser.text(&path).await;
    assert!(
        page.contains("Every Shopify location of this store is matched."),
        "{page}"
    );
    // Again: nothing is left, nothing more is made.
    browser
        .post_form(&format!("{path}/create"), &[("shopify_location_id", "all")])
        .await;
    assert_eq!(
        db::locations::list(&app.db, tenant).await.unwrap().len(),
        shop_locations.len()
    );
}

/// Every text column of every integrations row, as stored.
async fn raw_text_columns(app: &TestApp) -> String {
    use sqlx::Row;
    let rows = sqlx::query("SELECT * FROM integrations")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let mut text = String::new();
    let mut columns = 0;
    for row in &rows {
        for i in 0..row.len() {
            if let Ok(Some(value)) = row.try_get::<Option<String>, _>(i) {
                text.push_str(&value);
                text.push('\n');
                columns += 1;
            }
        }
    }
    assert!(columns >= 12, "the text columns were read: {text}");
    text
}

async fn credentials_are_never_readable_in_rows_or_pages(app: TestApp, sim: SimHandle) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    let token = sim.token("examples").unwrap();
    let id = start_wizard(&browser, &sim, "examples").await;
    finish_wizard(&browser, id, &[("STORE-01", "1001")]).await;
    // Replace them with client credentials: the secret is as protected as the token.
    let (client_id, secret) = sim.client_credentials("examples").unwrap();
    let r = replace_with_client_credentials(&browser, id, &client_id, &secret).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let raw = raw_text_columns(&app).await;
    assert!(!raw.contains(&token) && !raw.contains(&secret), "{raw}");
    assert!(!raw.contains("shpat_"), "{raw}");
    let stored = integration(&app, tenant, id).await.unwrap();
    assert!(stored.credentials_hint.chars().count() <= 5);
    // Only the app's key opens them.
    let key = tmas::crypto::load_or_create_key(&app.settings.secret_key_path()).unwrap();
    let opened = tmas::crypto::StoredCredentials::open(&key, &stored.credentials_enc).unwrap();
    assert_eq!(opened.kind(), CredentialKind::ClientCredentials);
    for path in [
        format!("/admin/integrations/{id}"),
        format!("/admin/integrations/{id}/credentials"),
        "/admin/integrations".into(),
        "/admin/audit".into(),
    ] {
        let (_, page) = browser.text(&path).await;
        assert!(!page.contains(&token) && !page.contains(&secret), "{path}");
    }
    let audit = db::audit::list_for_tenant(&app.db, tenant, 100)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .all(|e| !e.details.contains(&token) && !e.details.contains(&secret))
    );
}

async fn one_integration_per_store_and_several_stores(app: TestApp, sim: SimHandle) {
    let (tenant, id) = active_examples_integration(&app, &sim).await;
    let browser = app.browser();
    let token = sim.token("examples").unwrap();
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Again",
        "examples",
        &token,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("already has a Shopify integration for the store")
    );
    assert_eq!(integration_count(&app).await, 1);
    // Another store is another integration of the same tenant.
    let second = start_wizard(&browser, &sim, "alpha").await;
    assert_ne!(second, id);
    let (_, list) = browser.text("/admin/integrations").await;
    assert!(list.contains("alpha") && list.contains("examples"));
    // Its matching offers alpha's locations; examples' are not listed.
    let (_, page) = browser
        .text(&format!("/admin/integrations/{second}/wizard/locations"))
        .await;
    assert!(page.contains("Downtown store") && !page.contains("value=\"1001\""));
    assert_eq!(
        db::integrations::list(&app.db, tenant).await.unwrap().len(),
        2
    );
}

/// Everything the process logs, at every level, while this binary's tests run.
fn captured_logs() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        buffer
    })
    .clone()
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The token and the client secret never reach the logs, even at trace level, through the
/// whole wizard, a rejected token, a credentials replacement and a connection test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_appear_in_logs() {
    let logs = captured_logs();
    let mut config = sim_config();
    let token = format!("shpat_logcheck_{}", uuid::Uuid::new_v4().simple());
    let secret = format!("secret_logcheck_{}", uuid::Uuid::new_v4().simple());
    config.token = Some(token.clone());
    config.client_secret = Some(secret.clone());
    let (app, sim) = spawn_with_sim(common::Backend::Sqlite, config).await;
    tracing::info!("log capture works");
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    let wrong = format!("{token}x");
    let r = post_general(
        &browser,
        "/admin/integrations/shopify/new",
        "Acme",
        "examples",
        &wrong,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let id = start_wizard(&browser, &sim, "examples").await;
    finish_wizard(&browser, id, &[("STORE-01", "1001")]).await;
    let (client_id, _) = sim.client_credentials("examples").unwrap();
    let r = replace_with_client_credentials(&browser, id, &client_id, &secret).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = browser
        .post_form(&format!("/admin/integrations/{id}/test"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.text(&format!("/admin/integrations/{id}")).await;
    assert!(page.contains("Connected to"), "{page}");
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(text.contains("log capture works"), "the capture is live");
    assert!(!text.contains(&token), "the token was logged");
    assert!(!text.contains(&secret), "the client secret was logged");
}

async fn matching_suggests_by_name_and_confirm_names_the_unmatched(app: TestApp, sim: SimHandle) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let id = start_wizard_named(&browser, &sim, "alpha").await;
    let path = format!("/admin/integrations/{id}/wizard/locations");
    // The store's first location, as the page lists it before any TMAS location exists.
    let (_, page) = browser.text(&path).await;
    let first = page
        .split("<ul class=\"unmatched\">")
        .nth(1)
        .and_then(|r| r.split("<span>").nth(1))
        .and_then(|r| r.split("</span>").next())
        .unwrap_or_else(|| panic!("an unmatched list: {page}"))
        .to_string();
    let (name, shopify_id) = first.split_once(" — ID ").expect("name — ID n");
    let shopify_id = shopify_id.split(' ').next().unwrap();
    add_location(&browser, "S-1", &name.to_uppercase()).await;
    add_location(&browser, "S-2", "Nothing Alike Zzz").await;
    let (_, page) = browser.text(&path).await;
    let row = page
        .split("name=\"location[S-1]\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap();
    assert!(
        row.contains(&format!("<option value=\"{shopify_id}\" selected>")),
        "{row}"
    );
    assert!(row.contains("Suggested because the names match"), "{row}");
    let other = page
        .split("name=\"location[S-2]\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap();
    assert!(
        !other.contains(" selected>") && !other.contains("Suggested"),
        "{other}"
    );

    let r = browser
        .post_form(
            &path,
            &[("location[S-1]", shopify_id), ("location[S-2]", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, confirm) = browser
        .text(&format!("/admin/integrations/{id}/wizard/confirm"))
        .await;
    let unmatched = confirm
        .split("id=\"unmatched-shopify\"")
        .nth(1)
        .and_then(|r| r.split("</ul>").next())
        .unwrap_or_else(|| panic!("the unmatched Shopify locations: {confirm}"));
    // alpha has five locations (its warehouse included): the four not chosen are named.
    assert_eq!(unmatched.matches("<li>").count(), 4, "{unmatched}");
    assert!(unmatched.contains("Warehouse"), "{unmatched}");
    assert!(
        !unmatched.contains(&format!("ID {shopify_id}<")),
        "{unmatched}"
    );
}
