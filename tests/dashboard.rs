//! The dashboard over known hourly totals: today, yesterday, week and month to date per location
//! and in total; accessible charts with a data table; the integrations strip; tenant isolation.

mod common;
mod report_fixtures;

use chrono::{Datelike, Duration};
use common::TestApp;
use report_fixtures::{between, cells, hour, integration, location};
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    dashboard_sums_each_period_per_location_and_in_total,
    dashboard_charts_are_accessible_svg_with_a_data_table,
    dashboard_strip_shows_each_integration_and_links_to_fix_it,
    dashboard_of_one_tenant_never_shows_another,
    staff_outside_a_tenant_are_sent_to_the_tenant_list,
);

fn today() -> chrono::NaiveDate {
    tmas::web::reports::today_in("America/Toronto")
}

async fn dashboard_sums_each_period_per_location_and_in_total(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    let today = today();
    let yesterday = today - Duration::days(1);
    let t = today.to_string();
    let y = yesterday.to_string();
    hour(&app, a, s01, &t, 10, 5200, 520, 0, 1, 3).await;
    hour(&app, a, s02, &t, 11, 1000, 0, 0, 3, 3).await;
    hour(&app, a, s01, &y, 9, 2000, 0, 0, 2, 2).await;
    // Long ago: in no period.
    hour(&app, a, s01, "2020-01-01", 9, 99_00, 0, 0, 9, 9).await;

    let (status, page) = app.browser().text("/").await;
    assert_eq!(status, StatusCode::OK);
    let section = |title: &str| between(&page, &format!("<h2>{title} "), "</section>").to_string();
    // Columns: net, transactions, average, items, units per transaction.
    let today_section = section("Today");
    assert_eq!(
        cells(between(&today_section, "<tfoot>", "</tr>")),
        ["56.80", "4", "14.20", "6", "1.50"]
    );
    assert_eq!(
        cells(between(&today_section, "S-01 · Downtown", "</tr>")),
        ["46.80", "1", "46.80", "3", "3.00"]
    );
    assert_eq!(
        cells(between(&today_section, "S-02 · Mall", "</tr>")),
        ["10.00", "3", "3.33", "3", "1.00"]
    );
    let yesterday_section = section("Yesterday");
    assert_eq!(
        cells(between(&yesterday_section, "<tfoot>", "</tr>")),
        ["20.00", "2", "10.00", "2", "1.00"]
    );
    // S-02 had nothing yesterday: zeros and an empty average.
    assert_eq!(
        cells(between(&yesterday_section, "S-02 · Mall", "</tr>")),
        ["0.00", "0", "", "0", ""]
    );
    let with_yesterday = ["76.80", "6", "12.80", "8", "1.33"];
    let without = ["56.80", "4", "14.20", "6", "1.50"];
    let week = section("Week to date");
    let in_week = yesterday.weekday() != chrono::Weekday::Sun;
    assert_eq!(
        cells(between(&week, "<tfoot>", "</tr>")),
        if in_week { with_yesterday } else { without }
    );
    let month = section("Month to date");
    let in_month = yesterday.month() == today.month();
    assert_eq!(
        cells(between(&month, "<tfoot>", "</tr>")),
        if in_month { with_yesterday } else { without }
    );
}

async fn dashboard_charts_are_accessible_svg_with_a_data_table(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let today = today();
    hour(&app, a, s01, &today.to_string(), 10, 5200, 520, 0, 1, 3).await;
    hour(
        &app,
        a,
        s01,
        &(today - Duration::days(29)).to_string(),
        8,
        700,
        0,
        0,
        1,
        1,
    )
    .await;
    hour(
        &app,
        a,
        s01,
        &(today - Duration::days(30)).to_string(),
        8,
        999,
        0,
        0,
        1,
        1,
    )
    .await;
    let (_, page) = app.browser().text("/").await;
    assert_eq!(page.matches("role=\"img\"").count(), 2);
    let hourly = between(&page, "<svg class=\"chart\"", "</figure>");
    assert!(hourly.contains(&format!("aria-label=\"Net sales (USD) by hour, {today}\"")));
    assert!(hourly.contains(&format!(
        "<title id=\"chart-today-title\">Net sales (USD) by hour, {today}</title>"
    )));
    assert!(hourly.contains("<summary>Data table</summary>"));
    assert!(
        hourly.contains("<td>10:00</td><td class=\"num\">46.80</td>"),
        "{hourly}"
    );
    assert!(hourly.contains("<td>09:00</td><td class=\"num\">0.00</td>"));
    let daily = between(&page, "id=\"chart-30-days-title\"", "</figure>");
    let first = (today - Duration::days(29)).to_string();
    assert!(daily.contains(&format!("<td>{first}</td><td class=\"num\">7.00</td>")));
    assert!(!daily.contains(&(today - Duration::days(30)).to_string()));
    assert_eq!(daily.matches("<tr><td>").count(), 30);
    assert!(
        !page.contains("style="),
        "no inline styles under the security policy"
    );
    assert!(!page.contains("<script>"));
}

async fn dashboard_strip_shows_each_integration_and_links_to_fix_it(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    location(&app, a, "S-01", "Downtown").await;
    let broken = integration(
        &app,
        a,
        "Main store",
        "attention",
        "Shopify rejected the access token: enter a new one.",
        "CAD",
    )
    .await;
    let fine = integration(&app, a, "Outlet", "active", "", "CAD").await;
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, finished_at, outcome)
         VALUES ($1, $2, 'schedule', 0, 0, $3, $4, 'succeeded')",
    )
    .bind(a.0)
    .bind(fine)
    .bind(1_772_460_000_i64)
    .bind(1_772_460_060_i64)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, page) = app.browser().text("/").await;
    let strip = between(&page, "<section class=\"strip\"", "</section>");
    let first = between(strip, "Main store", "</div>");
    assert!(first.contains("Shopify rejected the access token: enter a new one."));
    assert!(first.contains(&format!("href=\"/admin/integrations/{broken}\"")));
    assert!(first.contains("Fix it"));
    let second = between(strip, "Outlet", "</div>");
    // 1772460060 is 2026-03-02 14:01 UTC, 09:01 in Toronto.
    assert!(second.contains("2026-03-02 09:01"), "{second}");
    assert!(second.contains(&format!("href=\"/admin/integrations/{fine}\"")));
    assert!(!second.contains("not scheduled"));
    assert!(page.contains("Amounts in CAD"));
}

async fn dashboard_of_one_tenant_never_shows_another(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let b1 = location(&app, b, "B-1", "Harbour B").await;
    integration(&app, b, "Bravo shop", "attention", "Bravo's token", "EUR").await;
    let t = today().to_string();
    hour(&app, a, s01, &t, 10, 1000, 0, 0, 1, 1).await;
    hour(&app, b, b1, &t, 10, 777_777, 0, 0, 7, 7).await;
    let (_, page) = app.browser().text("/").await;
    for leak in [
        "7777.77",
        "7,777.77",
        "Harbour B",
        "B-1",
        "Bravo shop",
        "Bravo's token",
        "EUR",
    ] {
        assert!(!page.contains(leak), "shows {leak}");
    }
    let today_section = between(&page, "<h2>Today ", "</section>");
    assert_eq!(
        cells(between(today_section, "<tfoot>", "</tr>"))[0],
        "10.00"
    );
}

async fn staff_outside_a_tenant_are_sent_to_the_tenant_list(app: TestApp) {
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let browser = app.browser();
    browser.login("ops@tmas.example", common::PASSWORD).await;
    for path in [
        "/",
        "/reports/totals",
        "/reports/export.csv?from=2026-03-01&to=2026-03-01",
    ] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(common::location_of(&response), "/staff/tenants");
    }
    let signed_out = app.other_browser().get("/reports/totals").await;
    assert_eq!(common::location_of(&signed_out), "/login");
}
