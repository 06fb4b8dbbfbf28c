//! Traffic by API: keys created, shown once, stored hashed, used and revoked (audited);
//! `POST /api/v1/traffic` with JSON or CSV, every bad input answered with its message and
//! nothing stored, idempotent, rate-limited per key, and a key never writes another tenant.

mod common;
mod report_fixtures;

use common::traffic::stored;
use common::{Browser, TestApp, hidden_inputs, visible_text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tmas::db::{self, TenantId};
use tmas::domain::account::{Plan, Role};

backend_tests!(
    a_key_is_shown_once_stored_hashed_and_revocable,
    rows_are_stored_as_json_or_csv_and_twice_changes_nothing,
    every_bad_request_is_refused_and_nothing_stored,
    a_key_writes_only_its_own_tenant,
    each_key_is_limited_per_minute,
    the_openapi_description_is_served_and_linked,
);

/// Creates a key on the key page like an admin; answers the key shown.
async fn create_key(browser: &Browser, name: &str) -> String {
    let response = browser
        .post_form("/admin/api-keys", &[("name", name)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.text(&common::location_of(&response)).await;
    let start = page
        .find("<code class=\"api-key\">")
        .expect("the key is shown")
        + 22;
    let end = start + page[start..].find('<').expect("end");
    page[start..end].to_string()
}

async fn post(
    app: &TestApp,
    key: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/v1/traffic"))
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("POST");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

async fn post_json(app: &TestApp, key: &str, rows: Value) -> (StatusCode, Value) {
    post(
        app,
        Some(key),
        "application/json",
        rows.to_string().into_bytes(),
    )
    .await
}

async fn tenant_with_key(app: &TestApp, name: &str) -> (TenantId, Browser, String) {
    let tenant = app.create_tenant(name, Plan::Retail).await;
    report_fixtures::location(app, tenant, &format!("{name}-01").to_uppercase(), "One").await;
    let email = format!("admin@{}.example", name.to_lowercase());
    app.create_user(&email, Role::Admin, Some(tenant)).await;
    let browser = app.other_browser();
    browser.login(&email, common::PASSWORD).await;
    let key = create_key(&browser, "Door counters").await;
    (tenant, browser, key)
}

async fn a_key_is_shown_once_stored_hashed_and_revocable(app: TestApp) {
    let (tenant, browser, key) = tenant_with_key(&app, "Alpha").await;
    assert!(key.starts_with("tmas_") && key.len() > 40, "{key}");
    // Only its hash is stored; the list shows its name and last characters, never the key.
    let stored_hash: String =
        sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_one(&app.db.pool)
            .await
            .expect("hash");
    assert_eq!(stored_hash, tmas::crypto::sha256_hex(&key));
    let (_, page) = browser.text("/admin/api-keys").await;
    assert!(!page.contains(&key), "the key is shown only once");
    assert!(page.contains(&key[key.len() - 4..]));
    assert!(visible_text(&page).contains("never"), "not used yet");

    let (status, _) = post_json(
        &app,
        &key,
        json!([{"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 10, "traffic": 4}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = browser.text("/admin/api-keys").await;
    assert!(
        !visible_text(&page).contains("never"),
        "its last use is shown"
    );

    // Revoked: refused from then on.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(&app.db.pool)
        .await
        .expect("id");
    let response = browser
        .post_form(&format!("/admin/api-keys/{id}/revoke"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, body) = post_json(
        &app,
        &key,
        json!([{"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 11, "traffic": 4}]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "This API key is unknown or was revoked.");
    assert_eq!(stored(&app, tenant).await, 1);

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND action LIKE 'api_key.%' ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(actions, vec!["api_key.create", "api_key.revoke"]);
    let (_, log) = browser.text("/admin/audit").await;
    assert!(!log.contains(&key), "the audit log never holds the key");

    // A key needs a name.
    let response = browser
        .post_form("/admin/api-keys", &[("name", "  ")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        common::html_unescape(&response.text().await.unwrap())
            .contains("Name the key after what will use it")
    );
}

async fn rows_are_stored_as_json_or_csv_and_twice_changes_nothing(app: TestApp) {
    let (tenant, _, key) = tenant_with_key(&app, "Alpha").await;
    let rows = json!([
        {"location_id": "alpha-01", "date": "2026-03-02", "hour": 10, "traffic": 40, "staff_hours": 2.5},
        {"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 11, "traffic": 0, "staff_hours": null},
        {"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 12, "traffic": 7},
    ]);
    let (status, body) = post_json(&app, &key, rows.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"rows": 3, "stored": 3, "added": 3, "replaced": 0, "unchanged": 0})
    );
    let (status, body) = post_json(&app, &key, rows).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"rows": 3, "stored": 0, "added": 0, "replaced": 0, "unchanged": 3})
    );
    assert_eq!(stored(&app, tenant).await, 3);

    // The same layout as CSV; one hour changes, one is new.
    let csv = "location_id,date,hour,traffic,staff_hours\nALPHA-01,2026-03-02,12,8,\nALPHA-01,2026-03-02,13,9,1.5\n";
    let (status, body) = post(
        &app,
        Some(&key),
        "text/csv; charset=utf-8",
        csv.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"rows": 2, "stored": 2, "added": 1, "replaced": 1, "unchanged": 0})
    );
    assert_eq!(stored(&app, tenant).await, 4);
}

async fn every_bad_request_is_refused_and_nothing_stored(app: TestApp) {
    let (tenant, _, key) = tenant_with_key(&app, "Alpha").await;
    let good = json!({"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 9, "traffic": 1});
    let row = |field: &str, value: Value| {
        let mut row =
            json!({"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 10, "traffic": 4});
        row[field] = value;
        json!([good, row])
    };
    // Per-row errors: (what, rows, field, message).
    let cases = [
        (
            "bad date",
            row("date", json!("2026-02-30")),
            "date",
            "The date must be a real date written YYYY-MM-DD (\"2026-02-30\").",
        ),
        (
            "hour 24",
            row("hour", json!(24)),
            "hour",
            "The hour must be a whole number from 0 to 23 (\"24\").",
        ),
        (
            "negative traffic",
            row("traffic", json!(-3)),
            "traffic",
            "Traffic cannot be negative (\"-3\").",
        ),
        (
            "fractional traffic",
            row("traffic", json!(2.5)),
            "traffic",
            "Traffic must be a whole number of visitors (\"2.5\").",
        ),
        (
            "negative staff hours",
            row("staff_hours", json!(-1)),
            "staff_hours",
            "Staff hours cannot be negative (\"-1\").",
        ),
        (
            "unknown location",
            row("location_id", json!("BRAVO-01")),
            "location_id",
            "No location has the TMAS location ID \"BRAVO-01\".",
        ),
    ];
    for (what, rows, field, message) in cases {
        let (status, body) = post_json(&app, &key, rows).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert_eq!(body["errors"][0]["row"], 2, "{what}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{what}: {body}");
        assert_eq!(body["errors"][0]["message"], message, "{what}: {body}");
        assert_eq!(stored(&app, tenant).await, 0, "{what}: nothing stored");
    }
    let (status, body) = post_json(&app, &key, json!([good, good])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["row"], 2);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("repeats the location, date and hour of line 1"),
        "{body}"
    );
    let (_, body) = post_json(
        &app,
        &key,
        json!([good, {"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 10, "trafic": 4}]),
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unknown field \"trafic\""),
        "{body}"
    );

    // Whole-request refusals: (what, content type, body, status, message).
    let mut big = String::from("location_id,date,hour,traffic\n");
    while big.len() < 20 * 1024 * 1024 {
        big.push_str("ALPHA-01,2026-03-02,10,40\n");
    }
    let requests: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "empty array",
            "application/json",
            b"[]".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file is empty.",
        ),
        (
            "empty CSV",
            "text/csv",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file is empty.",
        ),
        (
            "not an array",
            "application/json",
            b"{\"rows\": []}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The body must be a JSON array of rows.",
        ),
        (
            "broken JSON",
            "application/json",
            b"[{".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The body is not valid JSON",
        ),
        (
            "wrong header",
            "text/csv",
            b"store,day,hour,visitors\nALPHA-01,2026-03-02,10,4\n".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The header has an unknown column \"store\"",
        ),
        (
            "wrong content type",
            "application/xml",
            b"<rows/>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the rows as JSON (Content-Type: application/json) or CSV (Content-Type: text/csv).",
        ),
        (
            "20 MB",
            "text/csv",
            big.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request is larger than 10 MB",
        ),
    ];
    for (what, content_type, body, status, message) in requests {
        let (got, answer) = post(&app, Some(&key), content_type, body).await;
        assert_eq!(got, status, "{what}: {answer}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap_or_default()
                .starts_with(message),
            "{what}: {answer}"
        );
        assert_eq!(stored(&app, tenant).await, 0, "{what}: nothing stored");
    }
    // A CSV row error names its line.
    let (_, body) = post(
        &app,
        Some(&key),
        "text/csv",
        b"ALPHA-01,2026-03-02,9,1\nALPHA-01,2026-03-02,24,1\n".to_vec(),
    )
    .await;
    assert_eq!(body["errors"][0]["row"], 2);
    assert_eq!(body["errors"][0]["field"], "hour");

    // No key, or a made-up one.
    let (status, body) = post(
        &app,
        None,
        "application/json",
        json!([good]).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );
    let (status, _) = post(
        &app,
        Some("tmas_madeup"),
        "application/json",
        json!([good]).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(stored(&app, tenant).await, 0);
}

async fn a_key_writes_only_its_own_tenant(app: TestApp) {
    let (alpha, alpha_admin, alpha_key) = tenant_with_key(&app, "Alpha").await;
    let (bravo, bravo_admin, bravo_key) = tenant_with_key(&app, "Bravo").await;
    // Alpha's key cannot name Bravo's store: it is unknown in Alpha.
    let (status, body) = post_json(
        &app,
        &alpha_key,
        json!([{"location_id": "BRAVO-01", "date": "2026-03-02", "hour": 10, "traffic": 4}]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["unknown_locations"], json!(["BRAVO-01"]));
    assert_eq!(stored(&app, bravo).await, 0);
    // Each key writes its own tenant.
    let (status, _) = post_json(
        &app,
        &bravo_key,
        json!([{"location_id": "BRAVO-01", "date": "2026-03-02", "hour": 10, "traffic": 4}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (stored(&app, alpha).await, stored(&app, bravo).await),
        (0, 1)
    );
    // Alpha's admin cannot see or revoke Bravo's key.
    let bravo_id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE tenant_id = $1")
        .bind(bravo.0)
        .fetch_one(&app.db.pool)
        .await
        .expect("id");
    let response = alpha_admin
        .post_form(&format!("/admin/api-keys/{bravo_id}/revoke"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (_, page) = alpha_admin.text("/admin/api-keys").await;
    assert_eq!(
        page.matches("tmas_…").count(),
        1,
        "Alpha's list holds its own key only"
    );
    let (status, _) = post_json(
        &app,
        &bravo_key,
        json!([{"location_id": "BRAVO-01", "date": "2026-03-02", "hour": 11, "traffic": 4}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "Bravo's key still works");
    // A session cookie is no key: an admin's browser cannot post to the API.
    let response = bravo_admin
        .client
        .post(format!("{}/api/v1/traffic", bravo_admin.base))
        .header("content-type", "application/json")
        .body(
            json!([{"location_id": "BRAVO-01", "date": "2026-03-02", "hour": 12, "traffic": 4}])
                .to_string(),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stored(&app, bravo).await, 2);
}

async fn each_key_is_limited_per_minute(app: TestApp) {
    let (tenant, browser, key) = tenant_with_key(&app, "Alpha").await;
    let other_key = create_key(&browser, "Script").await;
    // Start early in a minute, so all requests fall in the same one.
    while db::now() % 60 > 40 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    for _ in 0..60 {
        let (status, _) = post(&app, Some(&key), "text/plain", b"x".to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/traffic"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(r#"[{"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 10, "traffic": 4}]"#)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(stored(&app, tenant).await, 0);
    // Another key of the same tenant has its own allowance.
    let (status, _) = post_json(
        &app,
        &other_key,
        json!([{"location_id": "ALPHA-01", "date": "2026-03-02", "hour": 10, "traffic": 4}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

async fn the_openapi_description_is_served_and_linked(app: TestApp) {
    let (_, browser, _) = tenant_with_key(&app, "Alpha").await;
    let (_, page) = browser.text("/admin/api-keys").await;
    assert!(page.contains("href=\"/api/v1/openapi.json\""));
    assert!(page.contains("curl -X POST"));
    let response = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    let spec: Value = response.json().await.expect("JSON");
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert!(spec["paths"]["/api/v1/traffic"]["post"].is_object());
    // The key page is in Spanish too.
    browser
        .post_form("/language", &[("lang", "es"), ("back", "/admin/api-keys")])
        .await;
    let (_, page) = browser.text("/admin/api-keys").await;
    assert!(visible_text(&page).contains("Claves de API"));
    let _ = hidden_inputs(&page);
}
