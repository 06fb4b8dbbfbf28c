//! Traffic by file: the rules over stored hours (DOMAIN.md example H), the admin's upload with
//! its preview, an all-or-nothing and idempotent commit, the audit entry, every bad input
//! refused with its message and nothing stored, and tenant isolation.

mod common;
mod report_fixtures;

use chrono::NaiveDate;
use common::traffic::stored;
use common::{Browser, TestApp, hidden_inputs, visible_text};
use reqwest::StatusCode;
use tmas::db::{self, TenantId};
use tmas::domain::account::{Plan, Role};

backend_tests!(
    example_h_over_stored_hours,
    sales_transactions_leave_returns_out,
    preview_then_commit_stores_all_once,
    every_bad_file_is_refused_and_nothing_stored,
    a_workbook_with_a_spanish_header_is_read,
    another_tenants_upload_and_locations_are_out_of_reach,
    the_upload_needs_its_csrf_token_and_an_admin,
    the_dashboard_shows_traffic_beside_the_sales,
);

const BOUNDARY: &str = "tmas-test-boundary-7c1f";

/// A browser's multipart upload: the CSRF field first, then the file, as the page's form does.
async fn upload(
    browser: &Browser,
    csrf: Option<&str>,
    file_name: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let response = browser
        .client
        .post(format!("{}/admin/traffic/preview", browser.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status();
    if status != StatusCode::SEE_OTHER {
        return (status, response.text().await.unwrap_or_default());
    }
    // A clean file: its preview is a page of its own, as a browser follows.
    let preview = common::location_of(&response);
    assert!(preview.starts_with("/admin/traffic/uploads/"), "{preview}");
    browser.text(&preview).await
}

/// Stores a previewed upload with the preview page's hidden fields, like its button: the
/// status of the POST, and the text of the page it redirects to.
async fn commit(browser: &Browser, preview: &str) -> (StatusCode, String) {
    let fields = hidden_inputs(preview);
    let response = browser
        .post_raw(
            "/admin/traffic/commit",
            &[("csrf", &fields["csrf"]), ("upload", &fields["upload"])],
        )
        .await;
    let status = response.status();
    if status != StatusCode::SEE_OTHER {
        return (status, response.text().await.unwrap_or_default());
    }
    let (_, page) = browser.text(&common::location_of(&response)).await;
    (status, visible_text(&page))
}

async fn page_csrf(browser: &Browser) -> String {
    let (status, page) = browser.text("/admin/traffic").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    hidden_inputs(&page).remove("csrf").expect("csrf")
}

async fn upload_file(browser: &Browser, name: &str, bytes: &[u8]) -> (StatusCode, String) {
    let csrf = page_csrf(browser).await;
    upload(browser, Some(&csrf), name, bytes).await
}

fn upload_id(page: &str) -> Option<String> {
    hidden_inputs(page).remove("upload")
}

/// A tenant with an admin signed in and two locations.
async fn admin_with_stores(app: &TestApp, name: &str) -> (TenantId, i64, i64) {
    let tenant = app.signed_in(name, Plan::Retail, Role::Admin).await;
    let one = report_fixtures::location(app, tenant, "STORE-01", "Downtown").await;
    let two = report_fixtures::location(app, tenant, "STORE-02", "Airport").await;
    (tenant, one, two)
}

async fn hour_with_sales(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    hour: i64,
    net: i64,
    transactions: i64,
    sales_transactions: i64,
) {
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
             returns, net, transactions, items, edited, sales_transactions)
         VALUES ($1, $2, '2026-03-02', $3, $4, 0, 0, $4, $5, 1, 0, $6)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(hour)
    .bind(net)
    .bind(transactions)
    .bind(sales_transactions)
    .execute(&app.db.pool)
    .await
    .expect("insert hour");
}

/// DOMAIN.md example H, with the hours stored and the traffic uploaded as a file.
async fn example_h_over_stored_hours(app: TestApp) {
    let (tenant, store, _) = admin_with_stores(&app, "Alpha").await;
    hour_with_sales(&app, tenant, store, 10, 12_000, 2, 2).await;
    hour_with_sales(&app, tenant, store, 12, 3_000, 1, 1).await;
    // 13:00: one sale and one return, net 25.00.
    hour_with_sales(&app, tenant, store, 13, 2_500, 2, 1).await;
    let csv = "location_id,date,hour,traffic\nSTORE-01,2026-03-02,10,40\nSTORE-01,2026-03-02,11,0\nSTORE-01,2026-03-02,13,10\n";
    let (status, page) = upload_file(&app.browser(), "h.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(upload_id(&page).is_some(), "a clean file can be stored");
    let (status, _) = commit(&app.browser(), &page).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let sums = db::traffic::day_sums(&app.db, tenant, day, day)
        .await
        .expect("sums");
    assert_eq!(sums.len(), 1);
    let sums = sums[0].sums;
    assert_eq!(sums.traffic, 50);
    assert_eq!(sums.conversion_tenths_percent(), Some(60), "6.0 %");
    assert_eq!(sums.conversion_fraction().as_deref(), Some("0.0600"));
    assert_eq!(sums.sales_per_shopper(), Some(290), "2.90");
    assert_eq!(sums.missing_hours, 1, "traffic missing for 1 hour");
    assert_eq!(sums.shoppers_per_staff_hour_tenths(), None);
}

/// The hourly totals count sales transactions apart from returns, from the stored facts.
async fn sales_transactions_leave_returns_out(app: TestApp) {
    let (tenant, store, _) = admin_with_stores(&app, "Alpha").await;
    let kept = report_fixtures::integration(&app, tenant, "Kept", "inactive", "", "CAD").await;
    let gone = report_fixtures::integration(&app, tenant, "Gone", "inactive", "", "CAD").await;
    // A sale and a return of the kept integration and a sale of the other, in one hour.
    for (order, integration) in [("o1", kept), ("o2", gone)] {
        sqlx::query(
            "INSERT INTO sales (tenant_id, shopify_order_id, integration_id, location_id,
                 occurred_at, local_date, local_hour, gross, discounts, items, is_transaction)
             VALUES ($1, $2, $3, $4, 0, '2026-03-02', 13, 5000, 0, 1, 1)",
        )
        .bind(tenant.0)
        .bind(order)
        .bind(integration)
        .bind(store)
        .execute(&app.db.pool)
        .await
        .expect("sale");
    }
    sqlx::query(
        "INSERT INTO returns (tenant_id, shopify_return_id, shopify_order_id, integration_id,
             location_id, occurred_at, local_date, local_hour, returns, items, is_transaction)
         VALUES ($1, 'r1', 'o0', $2, $3, 0, '2026-03-02', 13, 2500, 1, 1)",
    )
    .bind(tenant.0)
    .bind(kept)
    .bind(store)
    .execute(&app.db.pool)
    .await
    .expect("return");
    // Deleting the other integration with its data rebuilds the hour from the facts left.
    db::integrations::delete(&app.db, tenant, gone, true)
        .await
        .expect("delete");
    let (transactions, sales_transactions, net): (i64, i64, i64) = sqlx::query_as(
        "SELECT transactions, sales_transactions, net FROM hourly_totals
         WHERE tenant_id = $1 AND location_id = $2 AND local_date = '2026-03-02' AND hour = 13",
    )
    .bind(tenant.0)
    .bind(store)
    .fetch_one(&app.db.pool)
    .await
    .expect("hour");
    assert_eq!((transactions, sales_transactions, net), (2, 1, 2500));
    let day: i64 = sqlx::query_scalar(
        "SELECT sales_transactions FROM daily_totals
         WHERE tenant_id = $1 AND location_id = $2 AND local_date = '2026-03-02'",
    )
    .bind(tenant.0)
    .bind(store)
    .fetch_one(&app.db.pool)
    .await
    .expect("day");
    assert_eq!(day, 1, "the day row carries the sales transactions too");
}

async fn preview_then_commit_stores_all_once(app: TestApp) {
    let (tenant, store, _) = admin_with_stores(&app, "Alpha").await;
    let browser = app.browser();
    let csv = "location_id,date,hour,traffic,staff_hours\nstore-01,2026-03-02,10,40,2.5\nSTORE-02,2026-03-02,10,12,\n";
    let (status, page) = upload_file(&browser, "march.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let text = visible_text(&page);
    assert!(text.contains("Rows read: 2"), "{text}");
    assert!(text.contains("Location-hours to add: 2"), "{text}");
    assert!(text.contains("Location-hours to replace: 0"), "{text}");
    assert_eq!(stored(&app, tenant).await, 0, "a preview stores nothing");

    let (status, text) = commit(&browser, &page).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(text.contains("Location-hours added: 2"), "{text}");
    assert_eq!(stored(&app, tenant).await, 2);
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let hours = db::traffic::hours_of_day(&app.db, tenant, store, day)
        .await
        .expect("hours");
    assert_eq!(hours.len(), 1);
    assert_eq!(hours[0].1.traffic, 40);
    assert_eq!(hours[0].1.staff.map(|s| s.centihours()), Some(250));

    // The same commit again (a second click) writes nothing.
    let (_, text) = commit(&browser, &page).await;
    assert!(text.contains("was stored already"), "{text}");

    // The same file again: everything is already stored with the same numbers.
    let (_, page) = upload_file(&browser, "march.csv", csv.as_bytes()).await;
    let text = visible_text(&page);
    assert!(
        text.contains("Location-hours already stored with the same numbers: 2"),
        "{text}"
    );
    let (_, text) = commit(&browser, &page).await;
    assert!(text.contains("Location-hours unchanged: 2"), "{text}");
    assert_eq!(stored(&app, tenant).await, 2);

    // A new count for one hour replaces it.
    let (_, page) = upload_file(&browser, "fix.csv", b"STORE-01,2026-03-02,10,41\n").await;
    assert!(visible_text(&page).contains("Location-hours to replace: 1"));

    // The audit log says who stored which file and the counts.
    let entries: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor_email, action, details FROM audit_log WHERE tenant_id = $1
         AND action = 'traffic.import' ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(
        entries.len(),
        2,
        "two commits stored something or nothing, each audited once"
    );
    assert_eq!(entries[0].0, "admin@alpha.example");
    assert!(entries[0].2.contains("march.csv"), "{}", entries[0].2);
    let (_, log) = browser.text("/admin/audit").await;
    assert!(visible_text(&log).contains("Imported traffic from a file"));
}

async fn every_bad_file_is_refused_and_nothing_stored(app: TestApp) {
    let (tenant, _, _) = admin_with_stores(&app, "Alpha").await;
    let browser = app.browser();
    let good = "STORE-01,2026-03-02,9,1\n";
    let mut big = String::with_capacity(21 * 1024 * 1024);
    while big.len() < 20 * 1024 * 1024 {
        big.push_str("STORE-01,2026-03-02,10,40,2.5\n");
    }
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "wrong header",
            b"store,day,hour,visitors\nSTORE-01,2026-03-02,10,40\n".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The header has an unknown column \"store\"",
        ),
        (
            "bad date",
            format!("{good}STORE-01,2026-02-30,10,40\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The date must be a real date written YYYY-MM-DD (\"2026-02-30\")",
        ),
        (
            "hour 24",
            format!("{good}STORE-01,2026-03-02,24,40\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The hour must be a whole number from 0 to 23 (\"24\")",
        ),
        (
            "negative traffic",
            format!("{good}STORE-01,2026-03-02,10,-5\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Traffic cannot be negative (\"-5\")",
        ),
        (
            "fractional traffic",
            format!("{good}STORE-01,2026-03-02,10,4.5\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Traffic must be a whole number of visitors (\"4.5\")",
        ),
        (
            "unknown location",
            format!("{good}STORE-99,2026-03-02,10,4\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "No location has the TMAS location ID \"STORE-99\"",
        ),
        (
            "duplicate rows",
            format!("{good}store-01,2026-03-02,9,2\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "This row repeats the location, date and hour of line 1",
        ),
        (
            "empty file",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file is empty.",
        ),
        (
            "header only",
            b"location_id,date,hour,traffic\n".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file has a header but no rows of traffic.",
        ),
        (
            "20 MB file",
            big.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "The file is larger than 10 MB.",
        ),
        (
            "wrong content type",
            b"%PDF-1.7\n\x00\x01\x02binary".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The file is neither a CSV file (UTF-8 text) nor an XLSX workbook.",
        ),
    ];
    for (what, bytes, status, message) in cases {
        let (got, page) = upload_file(&browser, "traffic.csv", &bytes).await;
        assert_eq!(got, status, "{what}: {}", visible_text(&page));
        let text = common::html_unescape(&page);
        assert!(
            text.contains(message),
            "{what}: expected {message:?} in {}",
            visible_text(&page)
        );
        assert!(upload_id(&page).is_none(), "{what}: no commit is offered");
        assert_eq!(stored(&app, tenant).await, 0, "{what}: nothing stored");
    }
    // A row error names its line and column.
    let (_, page) = upload_file(
        &browser,
        "t.csv",
        b"location_id,date,hour,traffic\nSTORE-01,2026-03-02,24,1\n",
    )
    .await;
    let words = visible_text(&page)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("2 hour The hour must be"),
        "row error: {words}"
    );

    // The same in Spanish.
    browser
        .post_form("/language", &[("lang", "es"), ("back", "/admin/traffic")])
        .await;
    let (_, page) = upload_file(&browser, "t.csv", b"STORE-01,2026-03-02,24,1\n").await;
    let text = common::html_unescape(&page);
    assert!(
        text.contains("La hora debe ser un número entero de 0 a 23 («24»)"),
        "{}",
        visible_text(&page)
    );
}

async fn a_workbook_with_a_spanish_header_is_read(app: TestApp) {
    let (tenant, _, _) = admin_with_stores(&app, "Alpha").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["id_tienda", "fecha", "hora", "tráfico", "horas_personal"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for (r, hour) in [9.0, 10.0].iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, "STORE-02").expect("write");
        sheet.write_string(row, 1, "2026-03-02").expect("write");
        sheet.write_number(row, 2, *hour).expect("write");
        sheet.write_number(row, 3, 15.0).expect("write");
        sheet.write_number(row, 4, 1.25).expect("write");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let browser = app.browser();
    let (status, page) = upload_file(&browser, "marzo.xlsx", &bytes).await;
    assert_eq!(status, StatusCode::OK, "{}", visible_text(&page));
    commit(&browser, &page).await;
    assert_eq!(stored(&app, tenant).await, 2);
}

async fn another_tenants_upload_and_locations_are_out_of_reach(app: TestApp) {
    let (alpha, _, _) = admin_with_stores(&app, "Alpha").await;
    let (_, page) = upload_file(&app.browser(), "a.csv", b"STORE-01,2026-03-02,10,40\n").await;
    let alpha_upload = upload_id(&page).expect("upload");

    let bravo = app.create_tenant("Bravo", Plan::Retail).await;
    report_fixtures::location(&app, bravo, "BRAVO-01", "Bravo store").await;
    app.create_user("admin@bravo.example", Role::Admin, Some(bravo))
        .await;
    let other = app.other_browser();
    other.login("admin@bravo.example", common::PASSWORD).await;
    // Bravo cannot commit Alpha's upload: its id is not found in Bravo.
    let csrf = page_csrf(&other).await;
    let response = other
        .post_raw(
            "/admin/traffic/commit",
            &[("csrf", &csrf), ("upload", &alpha_upload)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Alpha's location IDs are unknown in Bravo.
    let (status, page) = upload_file(&other, "b.csv", b"STORE-01,2026-03-02,10,40\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        common::html_unescape(&page).contains("No location has the TMAS location ID \"STORE-01\"")
    );
    assert_eq!(stored(&app, alpha).await, 0);
    assert_eq!(stored(&app, bravo).await, 0);
    // Bravo's own file is stored in Bravo only.
    let (_, page) = upload_file(&other, "b.csv", b"BRAVO-01,2026-03-02,10,40\n").await;
    commit(&other, &page).await;
    assert_eq!(stored(&app, bravo).await, 1);
    assert_eq!(stored(&app, alpha).await, 0);
}

async fn the_upload_needs_its_csrf_token_and_an_admin(app: TestApp) {
    let (tenant, _, _) = admin_with_stores(&app, "Alpha").await;
    let browser = app.browser();
    let (status, _) = upload(&browser, None, "t.csv", b"STORE-01,2026-03-02,10,40\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(
        &browser,
        Some("forged"),
        "t.csv",
        b"STORE-01,2026-03-02,10,40\n",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, tenant).await, 0);

    app.create_user("manager@alpha.example", Role::Manager, Some(tenant))
        .await;
    let manager = app.other_browser();
    manager
        .login("manager@alpha.example", common::PASSWORD)
        .await;
    let (status, _) = manager.text("/admin/traffic").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf = manager.csrf().await;
    let (status, _) = upload(
        &manager,
        Some(&csrf),
        "t.csv",
        b"STORE-01,2026-03-02,10,40\n",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, tenant).await, 0);
}

async fn the_dashboard_shows_traffic_beside_the_sales(app: TestApp) {
    let (tenant, store, _) = admin_with_stores(&app, "Alpha").await;
    let today = common::toronto_today().to_string();
    for (hour, net, sales) in [(0, 12_000, 2), (1, 3_000, 1)] {
        sqlx::query(
            "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
                 discounts, returns, net, transactions, items, edited, sales_transactions)
             VALUES ($1, $2, $3, $4, $5, 0, 0, $5, $6, 1, 0, $6)",
        )
        .bind(tenant.0)
        .bind(store)
        .bind(&today)
        .bind(hour)
        .bind(net)
        .bind(sales)
        .execute(&app.db.pool)
        .await
        .expect("hour");
    }
    let browser = app.browser();
    let (_, page) = browser.text("/").await;
    assert!(!page.contains("id=\"traffic\""), "no counters, no card");

    let (_, page) = upload_file(
        &browser,
        "t.csv",
        format!("STORE-01,{today},0,40,2\n").as_bytes(),
    )
    .await;
    commit(&browser, &page).await;
    let (_, page) = browser.text("/").await;
    let words = visible_text(&page)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // Today: 2 sales of 40 visitors; 120.00 over 40; 40 over 2 staff hours; 1:00 not counted.
    let today_tiles = words
        .split("Traffic and conversion Today")
        .nth(1)
        .and_then(|rest| rest.split("Yesterday").next())
        .unwrap_or_default();
    for expected in [
        "Traffic missing for 1 hour",
        "Traffic 40",
        "Conversion 5.0%",
        "Sales per shopper $3.00",
        "Shoppers per staff hour 20.0",
    ] {
        assert!(today_tiles.contains(expected), "{expected} in {words}");
    }

    // A counter that undercounted: shown as it is, and flagged.
    let (_, page) = upload_file(
        &browser,
        "t.csv",
        format!("STORE-01,{today},0,1\n").as_bytes(),
    )
    .await;
    commit(&browser, &page).await;
    let (_, page) = browser.text("/").await;
    let text = visible_text(&page);
    assert!(text.contains("200.0%"), "{text}");
    assert!(text.contains("Above 100 %: check the counter"));
}
