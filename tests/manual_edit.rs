//! Manual editing: a permitted user corrects hours of a week; each edit is audited, recorded
//! with old and new values, and marked as edited in reports and exports; users without the
//! permission and managers get 403; hours of a location whose POS import is active are refused;
//! another tenant's locations answer 404.

mod common;
mod report_fixtures;

use common::{PASSWORD, TestApp, has_iso_date, visible_text};
use report_fixtures::{between, cells, hour, integration, location, match_location};
use reqwest::StatusCode;
use tmas::db::TenantId;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    permitted_user_saves_an_edit_audited_and_marked,
    each_bad_cell_is_named_and_nothing_is_saved,
    users_without_permission_and_managers_get_403,
    hours_of_an_active_import_are_refused,
    another_tenants_location_answers_404,
    numbers_out_of_range_are_refused_one_field_at_a_time,
    gross_beyond_range_is_refused,
    dates_outside_the_editable_range_are_refused,
    the_database_refuses_impossible_cells,
);

async fn allow_editing(app: &TestApp, email: &str) {
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = $1")
        .bind(email)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn editor(app: &TestApp) -> (TenantId, i64) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    allow_editing(app, "admin@acme.example").await;
    let s01 = location(app, a, "S-01", "Downtown").await;
    hour(app, a, s01, "2026-03-02", 10, 5200, 520, 0, 1, 3).await;
    (a, s01)
}

#[derive(sqlx::FromRow, Debug, PartialEq)]
struct Stored {
    gross: i64,
    discounts: i64,
    returns: i64,
    net: i64,
    transactions: i64,
    items: i64,
    edited: i64,
}

async fn stored(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    date: &str,
    hour: i64,
) -> Option<Stored> {
    sqlx::query_as::<_, Stored>(
        "SELECT gross, discounts, returns, net, transactions, items, edited FROM hourly_totals
         WHERE tenant_id = $1 AND location_id = $2 AND local_date = $3 AND hour = $4",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(hour)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn permitted_user_saves_an_edit_audited_and_marked(app: TestApp) {
    let (a, s01) = editor(&app).await;
    let browser = app.browser();
    let (status, page) = browser
        .text("/data/edit?location=S-01&week=2026-03-04")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The week starts on Monday; the imported hour is filled in.
    assert!(page.contains("name=\"week\" value=\"2026-03-02\""));
    assert!(page.contains("name=\"net_2026-03-02_10\" value=\"46.80\""));
    assert!(page.contains("name=\"net_2026-03-08_23\" value=\"\""));

    let response = browser
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                // An existing hour corrected, a new hour added, an unchanged hour.
                ("net_2026-03-02_10", "50.00"),
                ("transactions_2026-03-02_10", "2"),
                ("items_2026-03-02_10", "3"),
                ("net_2026-03-03_15", "12.34"),
                ("transactions_2026-03-03_15", "1"),
                ("items_2026-03-03_15", "-1"),
                ("net_2026-03-04_09", ""),
                ("transactions_2026-03-04_09", ""),
                ("items_2026-03-04_09", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        common::location_of(&response),
        "/data/edit?location=S-01&week=2026-03-02&saved=2"
    );
    // Gross moves with net, so net = gross - discounts - returns still holds.
    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await,
        Some(Stored {
            gross: 5520,
            discounts: 520,
            returns: 0,
            net: 5000,
            transactions: 2,
            items: 3,
            edited: 1
        })
    );
    assert_eq!(
        stored(&app, a, s01, "2026-03-03", 15).await,
        Some(Stored {
            gross: 1234,
            discounts: 0,
            returns: 0,
            net: 1234,
            transactions: 1,
            items: -1,
            edited: 1
        })
    );
    assert_eq!(stored(&app, a, s01, "2026-03-04", 9).await, None);

    #[derive(sqlx::FromRow)]
    struct Edit {
        local_date: String,
        hour: i64,
        user_id: i64,
        old_net: i64,
        old_transactions: i64,
        new_net: i64,
        new_transactions: i64,
    }
    let edits = sqlx::query_as::<_, Edit>(
        "SELECT local_date, hour, user_id, old_net, old_transactions, new_net, new_transactions
         FROM manual_edits WHERE tenant_id = $1 ORDER BY local_date",
    )
    .bind(a.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let admin = tmas::db::users::find_by_email(&app.db, "admin@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(edits.len(), 2);
    assert_eq!(
        (
            edits[0].local_date.as_str(),
            edits[0].hour,
            edits[0].user_id
        ),
        ("2026-03-02", 10, admin.id)
    );
    assert_eq!(
        (
            edits[0].old_net,
            edits[0].old_transactions,
            edits[0].new_net,
            edits[0].new_transactions
        ),
        (4680, 1, 5000, 2)
    );
    assert_eq!((edits[1].old_net, edits[1].new_net), (0, 1234));
    let audit = tmas::db::audit::list_for_tenant(&app.db, a, 10)
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "data.edit")
        .expect("audited");
    assert_eq!(entry.actor_email, "admin@acme.example");
    // The log reads the stored facts in the reader's words and formats.
    let (_, log) = browser.text("/admin/audit").await;
    assert!(
        log.contains(
            "<li>S-01</li><li>Mon, Mar 2, 2026 10:00</li><li>Net sales: 46.80 → 50.00</li>\
             <li>Transactions: 1 → 2</li><li>Items sold: 3</li>"
        ),
        "{}",
        entry.details
    );

    // The page confirms and lists the history; reports and exports mark the hours as edited.
    let (_, page) = browser
        .text("/data/edit?location=S-01&week=2026-03-02&saved=2")
        .await;
    assert!(page.contains("Saved. Hours changed: 2"));
    assert!(page.contains("46.80 / 1 / 3") && page.contains("50.00 / 2 / 3"));
    // The week, its days and the corrections read as the language writes dates, with the
    // weekday; no ISO date or time reaches the reader.
    assert!(page.contains("Week of Mon, Mar 2, 2026"), "{page}");
    assert!(
        page.contains("<caption>Sun, Mar 8, 2026</caption>"),
        "{page}"
    );
    assert!(page.contains("<td>Tue, Mar 3, 2026 15:00</td>"), "{page}");
    assert!(!has_iso_date(&read_text(&page)), "{page}");
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page) = browser
        .text("/data/edit?location=S-01&week=2026-03-02")
        .await;
    assert!(page.contains("Semana del lun 2 mar 2026"), "{page}");
    assert!(page.contains("<caption>dom 8 mar 2026</caption>"), "{page}");
    assert!(page.contains("<td>lun 2 mar 2026 10:00</td>"), "{page}");
    assert!(
        page.contains("46,80 / 1 / 3") && page.contains("50,00 / 2 / 3"),
        "{page}"
    );
    assert!(!has_iso_date(&read_text(&page)), "{page}");
    // A Spanish editor reads and types amounts with the decimal comma (grouping optional).
    assert!(
        page.contains("name=\"net_2026-03-02_10\" value=\"50,00\""),
        "{page}"
    );
    let response = browser
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                ("net_2026-03-05_11", "1.234,56"),
                ("transactions_2026-03-05_11", "3"),
                ("items_2026-03-05_11", "4"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let typed = stored(&app, a, s01, "2026-03-05", 11).await.expect("saved");
    assert_eq!((typed.net, typed.transactions, typed.items), (123456, 3, 4));
    let (_, page) = browser
        .text("/data/edit?location=S-01&week=2026-03-02")
        .await;
    assert!(
        page.contains("name=\"net_2026-03-05_11\" value=\"1234,56\""),
        "{page}"
    );
    // Another tenant's editor sees none of these corrections.
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    location(&app, b, "S-01", "Bravo Downtown").await;
    app.create_user("editor@bravo.example", Role::Admin, Some(b))
        .await;
    allow_editing(&app, "editor@bravo.example").await;
    let other = app.other_browser();
    other.login("editor@bravo.example", PASSWORD).await;
    let (status, page) = other.text("/data/edit?location=S-01&week=2026-03-02").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Bravo Downtown") && !page.contains("Corrections this week"),
        "{page}"
    );
    browser.post_form("/language", &[("lang", "en")]).await;
    let (_, csv) = browser
        .text("/reports/export.csv?from=2026-03-02&to=2026-03-03&granularity=hour")
        .await;
    assert!(
        csv.contains("S-01,Downtown,2026-03-02,10,50.00,2,25.00,3,55.20,5.20,0.00"),
        "{csv}"
    );
    assert!(csv.contains("S-01,Downtown,2026-03-03,15,12.34,1,12.34,-1,12.34,0.00,0.00"));
    let (_, report) = browser
        .text("/reports/totals?from=2026-03-02&to=2026-03-03&granularity=hour")
        .await;
    let table = between(&report, "data-location=\"S-01\"", "</table>");
    let row = between(table, "Mon, Mar 2, 2026 10:00", "</tr>");
    assert!(row.contains("class=\"edited\""));
    assert_eq!(cells(row)[..3], ["50.00", "2", "25.00"]);

    // A second save of the same values changes nothing and records nothing.
    let again = browser
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                ("net_2026-03-02_10", "50.00"),
                ("transactions_2026-03-02_10", "2"),
                ("items_2026-03-02_10", "3"),
            ],
        )
        .await;
    assert!(common::location_of(&again).ends_with("saved=0"));
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM manual_edits").await,
        3,
        "the two English corrections and the Spanish one"
    );
}

async fn each_bad_cell_is_named_and_nothing_is_saved(app: TestApp) {
    let (a, s01) = editor(&app).await;
    let response = app
        .browser()
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                ("net_2026-03-02_10", "12.345"),
                ("transactions_2026-03-02_10", "-1"),
                ("items_2026-03-02_10", "x"),
                ("net_2026-03-03_11", "abc"),
                ("transactions_2026-03-03_11", "1.5"),
                ("items_2026-03-03_11", "2"),
                // Refused for its "$", not for its decimals.
                ("net_2026-03-05_10", "$45"),
                ("transactions_2026-03-05_10", "1"),
                ("items_2026-03-05_10", "1"),
                // An amount sold with no sale.
                ("net_2026-03-06_10", "99.90"),
                ("transactions_2026-03-06_10", "0"),
                ("items_2026-03-06_10", "1"),
                // A valid cell is not saved either while others are wrong.
                ("net_2026-03-04_12", "10.00"),
                ("transactions_2026-03-04_12", "1"),
                ("items_2026-03-04_12", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = common::html_unescape(&response.text().await.unwrap());
    for message in [
        "Net sales at Mon, Mar 2, 2026 10:00: \"12.345\" is not an amount with at most 2 decimals.",
        "Transactions at Mon, Mar 2, 2026 10:00: \"-1\" is not a whole number of 0 or more.",
        "Items sold at Mon, Mar 2, 2026 10:00: \"x\" is not a whole number.",
        "Net sales at Tue, Mar 3, 2026 11:00: \"abc\" is not an amount.",
        "Net sales at Thu, Mar 5, 2026 10:00: \"$45\" holds a currency sign; type only the number, as in \"45\".",
        "Net sales at Fri, Mar 6, 2026 10:00: \"99.90\" with 0 transactions. Enter how many sales made up this amount.",
        "Transactions at Tue, Mar 3, 2026 11:00: \"1.5\" is not a whole number",
    ] {
        assert!(page.contains(message), "{message}\n{page}");
    }
    // The user's input is kept.
    assert!(page.contains("name=\"net_2026-03-02_10\" value=\"12.345\""));
    assert!(page.contains("name=\"net_2026-03-04_12\" value=\"10.00\""));
    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await.unwrap().net,
        4680
    );
    assert_eq!(stored(&app, a, s01, "2026-03-04", 12).await, None);
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM manual_edits").await,
        0
    );

    // In Spanish, both the list and the line under the cell read in Spanish.
    let browser = app.browser();
    browser.post_form("/language", &[("lang", "es")]).await;
    let response = browser
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                // Three decimals the Spanish way ("12.345" is twelve thousand in Spanish).
                ("net_2026-03-02_10", "12,345"),
                ("transactions_2026-03-02_10", "1"),
                ("items_2026-03-02_10", "1"),
            ],
        )
        .await;
    let page = common::html_unescape(&response.text().await.unwrap());
    let spanish = "Ventas netas a las lun 2 mar 2026 10:00: \"12,345\" no es un importe con como máximo 2 decimales.";
    assert!(
        page.contains(&format!(
            "<td colspan=\"4\" class=\"field-error\">{spanish}</td>"
        )),
        "{page}"
    );
    assert!(!page.contains("is not an amount"), "{page}");
    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await.unwrap().net,
        4680
    );
}

async fn users_without_permission_and_managers_get_403(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    hour(&app, a, s01, "2026-03-02", 10, 5200, 520, 0, 1, 3).await;
    let fields = [
        ("location", "S-01"),
        ("week", "2026-03-02"),
        ("net_2026-03-02_10", "1.00"),
        ("transactions_2026-03-02_10", "1"),
        ("items_2026-03-02_10", "1"),
    ];
    // An admin without the permission.
    let admin = app.browser();
    let (status, body) = admin.text("/data/edit?location=S-01").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Manual editing is turned off for your account"));
    assert_eq!(
        admin.post_form("/data/edit", &fields).await.status(),
        StatusCode::FORBIDDEN
    );

    // A manager, even with the flag set.
    app.create_user("boss@acme.example", Role::Manager, Some(a))
        .await;
    allow_editing(&app, "boss@acme.example").await;
    let manager = app.other_browser();
    manager.login("boss@acme.example", PASSWORD).await;
    let (status, body) = manager.text("/data/edit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Managers can read every report"));
    assert_eq!(
        manager.post_form("/data/edit", &fields).await.status(),
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await.unwrap().net,
        4680
    );
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM manual_edits").await,
        0
    );
}

async fn hours_of_an_active_import_are_refused(app: TestApp) {
    let (a, s01) = editor(&app).await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    let shop = integration(&app, a, "Main store", "active", "", "CAD").await;
    match_location(&app, a, shop, s01, "1001").await;
    // A matched location of a draft integration stays editable.
    let draft = integration(&app, a, "Draft store", "draft", "", "CAD").await;
    match_location(&app, a, draft, s02, "2002").await;

    let browser = app.browser();
    let (status, page) = browser
        .text("/data/edit?location=S-01&week=2026-03-02")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This location is imported from Shopify"));
    assert!(page.contains("href=\"/admin/users\""));
    assert!(page.contains(&format!("href=\"/admin/integrations/{shop}\"")));
    assert!(
        !page.contains("name=\"net_2026-03-02_10\""),
        "no inputs for imported hours"
    );

    let response = browser
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                ("net_2026-03-02_10", "1.00"),
                ("transactions_2026-03-02_10", "1"),
                ("items_2026-03-02_10", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = response.text().await.unwrap();
    assert!(body.contains("active POS import and cannot be edited"));
    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await.unwrap().edited,
        0
    );
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM manual_edits").await,
        0
    );

    let (_, page) = browser
        .text("/data/edit?location=S-02&week=2026-03-02")
        .await;
    assert!(page.contains("name=\"net_2026-03-02_10\""));
    // Disabling the location in the integration makes its hours editable.
    sqlx::query(
        "UPDATE integration_locations SET enabled = 0 WHERE tenant_id = $1 AND location_id = $2",
    )
    .bind(a.0)
    .bind(s01)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, page) = browser
        .text("/data/edit?location=S-01&week=2026-03-02")
        .await;
    assert!(!page.contains("This location is imported from Shopify"));
}

async fn another_tenants_location_answers_404(app: TestApp) {
    let (_a, _s01) = editor(&app).await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let b1 = location(&app, b, "B-1", "Harbour B").await;
    hour(&app, b, b1, "2026-03-02", 10, 777_777, 0, 0, 7, 7).await;
    let browser = app.browser();
    let (status, body) = browser
        .text("/data/edit?location=B-1&week=2026-03-02")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("7777.77"));
    let response = browser
        .post_form(
            "/data/edit",
            &[
                ("location", "B-1"),
                ("week", "2026-03-02"),
                ("net_2026-03-02_10", "1.00"),
                ("transactions_2026-03-02_10", "1"),
                ("items_2026-03-02_10", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        stored(&app, b, b1, "2026-03-02", 10).await.unwrap().net,
        777_777
    );
    // A's own grid never lists B's locations.
    let (_, page) = browser.text("/data/edit").await;
    assert!(!page.contains("Harbour B") && !page.contains("B-1"));
    let (status, _) = browser.text("/data/edit?week=not-a-date").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// What a person reads, less the example of how to type a date into the week field.
fn read_text(html: &str) -> String {
    visible_text(html).replace("(2026-03-02)", "")
}

/// Posts one hour of the week of 2026-03-02 (Monday 10:00) with these values.
async fn post_hour(app: &TestApp, net: &str, transactions: &str, items: &str) -> reqwest::Response {
    app.browser()
        .post_form(
            "/data/edit",
            &[
                ("location", "S-01"),
                ("week", "2026-03-02"),
                ("net_2026-03-02_10", net),
                ("transactions_2026-03-02_10", transactions),
                ("items_2026-03-02_10", items),
            ],
        )
        .await
}

/// Every number of the grid is range-checked without wrapping: i64::MIN (whose `abs()`
/// wraps), i64::MAX and one past the cell's bound are refused with the field named, 422 and
/// nothing saved; the bound itself is accepted.
async fn numbers_out_of_range_are_refused_one_field_at_a_time(app: TestApp) {
    let (a, s01) = editor(&app).await;
    let min = i64::MIN.to_string();
    let max = i64::MAX.to_string();
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        (
            "1.00",
            "1",
            min.as_str(),
            "Items sold at Mon, Mar 2, 2026 10:00: \"-9223372036854775808\" is not a whole number.",
        ),
        (
            "1.00",
            "1",
            max.as_str(),
            "Items sold at Mon, Mar 2, 2026 10:00: \"9223372036854775807\" is not a whole number.",
        ),
        (
            "1.00",
            "1",
            "1000000000001",
            "Items sold at Mon, Mar 2, 2026 10:00: \"1000000000001\" is not a whole number.",
        ),
        (
            "1.00",
            "1",
            "-1000000000001",
            "Items sold at Mon, Mar 2, 2026 10:00: \"-1000000000001\" is not a whole number.",
        ),
        (
            "1.00",
            min.as_str(),
            "1",
            "Transactions at Mon, Mar 2, 2026 10:00: \"-9223372036854775808\" is not a whole number of 0 or more.",
        ),
        (
            "1.00",
            max.as_str(),
            "1",
            "Transactions at Mon, Mar 2, 2026 10:00: \"9223372036854775807\" is not a whole number of 0 or more.",
        ),
        (
            "1.00",
            "1000000000001",
            "1",
            "Transactions at Mon, Mar 2, 2026 10:00: \"1000000000001\" is not a whole number of 0 or more.",
        ),
        (
            "-92233720368547758.08",
            "1",
            "1",
            "Net sales at Mon, Mar 2, 2026 10:00: \"-92233720368547758.08\" is not an amount",
        ),
        (
            "92233720368547758.07",
            "1",
            "1",
            "Net sales at Mon, Mar 2, 2026 10:00: \"92233720368547758.07\" is not an amount",
        ),
        (
            "10000000000.01",
            "1",
            "1",
            "Net sales at Mon, Mar 2, 2026 10:00: \"10000000000.01\" is not an amount",
        ),
        (
            "-10000000000.01",
            "1",
            "1",
            "Net sales at Mon, Mar 2, 2026 10:00: \"-10000000000.01\" is not an amount",
        ),
    ];
    for (net, transactions, items, message) in cases {
        let response = post_hour(&app, net, transactions, items).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{net} / {transactions} / {items}"
        );
        let page = common::html_unescape(&response.text().await.unwrap());
        assert!(page.contains(message), "{message}\n{page}");
        assert_eq!(
            stored(&app, a, s01, "2026-03-02", 10).await.unwrap().net,
            4680,
            "nothing saved"
        );
    }
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM manual_edits").await,
        0
    );
    // The bound itself is a cell value; reports then add such hours up without wrapping.
    let response = post_hour(&app, "-10000000000.00", "1000000000000", "-1000000000000").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let hour = stored(&app, a, s01, "2026-03-02", 10).await.unwrap();
    assert_eq!(
        (hour.net, hour.transactions, hour.items),
        (-1_000_000_000_000, 1_000_000_000_000, -1_000_000_000_000)
    );
    let (status, csv) = app
        .browser()
        .text("/reports/export.csv?from=2026-03-02&to=2026-03-08&granularity=day")
        .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(csv.contains("-10000000000.00"), "{csv}");
    let (status, page) = app
        .browser()
        .text("/reports/totals?preset=custom&from=2026-03-02&to=2026-03-08&granularity=day")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
}

/// Gross sales move with net sales: a net that would take the hour's gross beyond a cell's
/// range is refused by name, not stored with the wrong sign.
async fn gross_beyond_range_is_refused(app: TestApp) {
    let (a, s01) = editor(&app).await;
    // Gross 52.00, net 46.80: net 10,000,000,000.00 would make gross 10,000,000,005.20.
    let response = post_hour(&app, "10000000000.00", "1", "1").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = common::html_unescape(&response.text().await.unwrap());
    assert!(
        page.contains(
            "Net sales at Mon, Mar 2, 2026 10:00: the hour's gross sales would be out of range."
        ),
        "{page}"
    );
    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await.unwrap().gross,
        5200
    );
}

/// Weeks and hours outside 2000-01-01 to today are refused with that range named: a future
/// hour cannot be edited, nor the year 0000 or 9999 opened.
async fn dates_outside_the_editable_range_are_refused(app: TestApp) {
    let (a, s01) = editor(&app).await;
    let today = tmas::web::reports::today_in("America/Toronto");
    // The range in the reader's date format, never ISO (issue 27).
    let en = tmas::i18n::Lang::En;
    let range = format!(
        "{} to {}",
        tmas::i18n::format_date(en, chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
        tmas::i18n::format_date(en, today)
    );
    assert!(range.starts_with("Jan 1, 2000 to "), "{range}");
    for week in ["0000-01-03", "1999-12-27", "9999-12-27"] {
        let (status, page) = app
            .browser()
            .text(&format!("/data/edit?location=S-01&week={week}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{week}");
        let page = common::html_unescape(&page);
        assert!(
            page.contains(&format!(
                "The week {week} is outside the dates that can be edited: {range}."
            )),
            "{week}: {page}"
        );
    }
    let tomorrow = today + chrono::Duration::days(1);
    let monday = tmas::domain::report::week_start(today);
    // This week is the last one offered: no link leads to a week that cannot be edited.
    let (status, page) = app
        .browser()
        .text(&format!("/data/edit?location=S-01&week={today}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Next week"), "{page}");
    let (_, page) = app
        .browser()
        .text("/data/edit?location=S-01&week=2026-03-02")
        .await;
    assert!(page.contains("week=2026-03-09"), "{page}");
    if tmas::domain::report::week_start(tomorrow) == monday {
        let key = format!("{tomorrow}_9");
        let response = app
            .browser()
            .post_form(
                "/data/edit",
                &[
                    ("location", "S-01"),
                    ("week", &monday.to_string()),
                    (&format!("net_{key}"), "10.00"),
                    (&format!("transactions_{key}"), "1"),
                    (&format!("items_{key}"), "1"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = common::html_unescape(&response.text().await.unwrap());
        assert!(
            page.contains("is outside the dates that can be edited: ") && page.contains(&range),
            "{page}"
        );
        assert_eq!(stored(&app, a, s01, &tomorrow.to_string(), 9).await, None);
    }
}

/// Whatever writes them, the database refuses impossible numbers: each bounded column of an
/// hour, a manual edit, a sale, a return and a schedule, one at a time.
async fn the_database_refuses_impossible_cells(app: TestApp) {
    let (a, s01) = editor(&app).await;
    let hour_columns = [
        "gross",
        "discounts",
        "returns",
        "net",
        "transactions",
        "items",
    ];
    for column in hour_columns {
        for bad in [i64::MIN, -1_000_000_000_001, 1_000_000_000_001, i64::MAX] {
            let sql = format!(
                "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
                     discounts, returns, net, transactions, items, edited)
                 VALUES ($1, $2, '2026-03-03', 1, 0, 0, 0, 0, 0, 0, 0)
                 ON CONFLICT (tenant_id, location_id, local_date, hour)
                 DO UPDATE SET {column} = $3"
            );
            // The first write inserts a zero row, the second tries the bad value.
            for _ in 0..2 {
                let result = sqlx::query(&sql)
                    .bind(a.0)
                    .bind(s01)
                    .bind(bad)
                    .execute(&app.db.pool)
                    .await;
                if result.is_err() {
                    break;
                }
            }
            let stored_value: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT {column} FROM hourly_totals WHERE tenant_id = $1 AND location_id = $2
                 AND local_date = '2026-03-03' AND hour = 1"
            ))
            .bind(a.0)
            .bind(s01)
            .fetch_optional(&app.db.pool)
            .await
            .unwrap();
            assert_eq!(stored_value, Some(0), "hourly_totals.{column} = {bad}");
        }
    }
    for bad_hour in [-1_i64, 24, i64::MIN] {
        let result = sqlx::query(
            "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
                 discounts, returns, net, transactions, items, edited)
             VALUES ($1, $2, '2026-03-05', $3, 0, 0, 0, 0, 0, 0, 0)",
        )
        .bind(a.0)
        .bind(s01)
        .bind(bad_hour)
        .execute(&app.db.pool)
        .await;
        assert!(result.is_err(), "hourly_totals.hour = {bad_hour}");
    }
    let user: i64 = count(&app, "SELECT CAST(MIN(id) AS BIGINT) FROM users").await;
    for (column, bad) in [
        ("hour", 24),
        ("new_net", i64::MIN),
        ("new_transactions", -1),
        ("new_items", i64::MIN),
        ("new_items", i64::MAX),
    ] {
        let mut values = [
            ("hour", 1_i64),
            ("new_net", 0),
            ("new_transactions", 0),
            ("new_items", 0),
        ];
        for v in &mut values {
            if v.0 == column {
                v.1 = bad;
            }
        }
        let result = sqlx::query(
            "INSERT INTO manual_edits (tenant_id, location_id, local_date, hour, user_id, at,
                 old_net, old_transactions, old_items, new_net, new_transactions, new_items)
             VALUES ($1, $2, '2026-03-03', $3, $4, 0, 0, 0, 0, $5, $6, $7)",
        )
        .bind(a.0)
        .bind(s01)
        .bind(values[0].1)
        .bind(user)
        .bind(values[1].1)
        .bind(values[2].1)
        .bind(values[3].1)
        .execute(&app.db.pool)
        .await;
        assert!(result.is_err(), "manual_edits.{column} = {bad}");
    }
    let integration = integration(&app, a, "Shop", "active", "", "CAD").await;
    for (column, bad) in [
        ("local_hour", 24_i64),
        ("gross", i64::MIN),
        ("discounts", i64::MAX),
        ("items", -1_000_000_000_001),
    ] {
        let mut values = [
            ("local_hour", 1_i64),
            ("gross", 0),
            ("discounts", 0),
            ("items", 0),
        ];
        for v in &mut values {
            if v.0 == column {
                v.1 = bad;
            }
        }
        let result = sqlx::query(
            "INSERT INTO sales (tenant_id, shopify_order_id, integration_id, location_id,
                 occurred_at, local_date, local_hour, gross, discounts, items, is_transaction)
             VALUES ($1, 'gid://shopify/Order/1', $2, $3, 0, '2026-03-03', $4, $5, $6, $7, 1)",
        )
        .bind(a.0)
        .bind(integration)
        .bind(s01)
        .bind(values[0].1)
        .bind(values[1].1)
        .bind(values[2].1)
        .bind(values[3].1)
        .execute(&app.db.pool)
        .await;
        assert!(result.is_err(), "sales.{column} = {bad}");
    }
    for (column, bad) in [
        ("local_hour", -1_i64),
        ("returns", i64::MIN),
        ("items", i64::MAX),
    ] {
        let mut values = [("local_hour", 1_i64), ("returns", 0), ("items", 0)];
        for v in &mut values {
            if v.0 == column {
                v.1 = bad;
            }
        }
        let result = sqlx::query(
            "INSERT INTO returns (tenant_id, shopify_return_id, shopify_order_id, integration_id,
                 location_id, occurred_at, local_date, local_hour, returns, items, is_transaction)
             VALUES ($1, 'r1', 'o1', $2, $3, 0, '2026-03-03', $4, $5, $6, 1)",
        )
        .bind(a.0)
        .bind(integration)
        .bind(s01)
        .bind(values[0].1)
        .bind(values[1].1)
        .bind(values[2].1)
        .execute(&app.db.pool)
        .await;
        assert!(result.is_err(), "returns.{column} = {bad}");
    }
    for (column, bad) in [
        ("schedule_minute", 60_i64),
        ("schedule_minute", -1),
        ("schedule_hour", 24),
    ] {
        let result = sqlx::query(&format!(
            "UPDATE integrations SET {column} = $1 WHERE tenant_id = $2 AND id = $3"
        ))
        .bind(bad)
        .bind(a.0)
        .bind(integration)
        .execute(&app.db.pool)
        .await;
        assert!(result.is_err(), "integrations.{column} = {bad}");
    }
    // The good values of each table are still taken.
    assert_eq!(
        stored(&app, a, s01, "2026-03-02", 10).await.unwrap().net,
        4680
    );
}
