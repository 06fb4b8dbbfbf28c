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
    cards_compare_with_the_comparable_period_and_rank_the_stores,
    the_dashboard_reads_in_spanish_with_the_shop_currency,
    during_a_first_import_periods_are_marked_never_plain_zero,
    each_location_is_as_complete_as_its_own_import,
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
    // Columns: net, transactions, average, items (units per transaction are in the report).
    let today_section = section("Today");
    assert_eq!(
        cells(between(&today_section, "<tfoot>", "</tr>")),
        ["56.80", "4", "14.20", "6"]
    );
    assert_eq!(
        cells(between(&today_section, "S-01 · Downtown", "</tr>")),
        ["46.80", "1", "46.80", "3"]
    );
    assert_eq!(
        cells(between(&today_section, "S-02 · Mall", "</tr>")),
        ["10.00", "3", "3.33", "3"]
    );
    let yesterday_section = section("Yesterday");
    assert_eq!(
        cells(between(&yesterday_section, "<tfoot>", "</tr>")),
        ["20.00", "2", "10.00", "2"]
    );
    // S-02's data starts today: yesterday lies before it, so "no data", not zeros.
    assert_eq!(
        cells(between(&yesterday_section, "S-02 · Mall", "</tr>")),
        ["no data"]
    );
    let with_yesterday = ["76.80", "6", "12.80", "8"];
    let without = ["56.80", "4", "14.20", "6"];
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
    // Last week's same weekday: 50.00 at 10:00, the reference line.
    hour(
        &app,
        a,
        s01,
        &(today - Duration::days(7)).to_string(),
        10,
        5000,
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
    // Each chart is drawn for screens and for phones.
    assert_eq!(page.matches("role=\"img\"").count(), 4);
    let hourly = between(&page, "<svg class=\"chart chart-wide\"", "</figure>");
    let day = tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, today);
    assert!(hourly.contains(&format!("aria-label=\"Net sales by hour, {day}\"")));
    assert!(hourly.contains(&format!(
        "<title id=\"chart-today-title\">Net sales by hour, {day}</title>"
    )));
    // A value axis with round ticks, and last week's same weekday as a dashed line.
    // No shop currency yet: plain numbers, 0 to 60 in steps of 20.
    for tick in [">0<", ">20<", ">40<", ">60<"] {
        assert!(hourly.contains(tick), "{tick} in {hourly}");
    }
    assert!(hourly.contains("<polyline class=\"reference\""));
    assert_eq!(
        between(&page, "chart-today-title", "</svg>")
            .matches("bar current")
            .count(),
        1
    );
    assert!(hourly.contains("<summary>Data table</summary>"));
    // The data table holds last week's values too (50.00 at 10:00).
    assert!(
        hourly.contains("<td>10:00</td><td class=\"num\">46.80</td><td class=\"num\">50.00</td>"),
        "{hourly}"
    );
    assert!(
        hourly.contains("<td>09:00</td><td class=\"num\">0.00</td><td class=\"num\">0.00</td>")
    );
    let daily = between(&page, "id=\"chart-30-days-title\"", "</figure>");
    let label = |d| tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, d);
    let first = label(today - Duration::days(29));
    assert!(daily.contains(&format!("<td>{first}</td><td class=\"num\">7.00</td>")));
    assert!(!daily.contains(&label(today - Duration::days(30))));
    // Axis labels are month names, thinned: never all 30.
    let axis = between(&page, "id=\"chart-30-days-title\"", "</svg>");
    let ticks = axis.matches("text-anchor=\"middle\"").count();
    assert!((5..=12).contains(&ticks), "{ticks} labels");
    let month =
        tmas::i18n::month_short(tmas::i18n::Lang::En, (today - Duration::days(29)).month0());
    assert!(axis.contains(&format!(">{month} ")), "{axis}");
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
    assert!(first.contains("Needs attention") && !first.contains("attention ("));
    let second = between(strip, "Outlet", "</div>");
    // 1772460060 is 2026-03-02 14:01 UTC, 09:01 in Toronto, in words.
    assert!(
        second.contains("Mar 2, 2026, 09:01 (Succeeded)"),
        "{second}"
    );
    // No run runs: connected, not "Importing".
    assert!(
        second.contains("Connected") && !second.contains("Importing"),
        "{second}"
    );
    assert!(second.contains(&format!("href=\"/admin/integrations/{fine}\"")));
    assert!(!second.contains("not scheduled"));
    // "Importing" only while a worker holds the lease of a run recorded as running; the
    // page is not kept meanwhile, so the lease running out (no write) shows at once.
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, outcome)
         VALUES ($1, $2, 'schedule', 0, 0, $3, 'running')",
    )
    .bind(a.0)
    .bind(fine)
    .bind(chrono::Utc::now().timestamp())
    .execute(&app.db.pool)
    .await
    .unwrap();
    let strip_of_outlet = |page: &str| {
        let strip = between(page, "<section class=\"strip\"", "</section>");
        between(strip, "Outlet", "</div>").to_string()
    };
    let (_, page) = app.browser().text("/").await;
    assert!(
        !strip_of_outlet(&page).contains("Importing"),
        "no lease held"
    );
    sqlx::query("UPDATE integrations SET lease_owner = 'w1', lease_until = $2 WHERE id = $1")
        .bind(fine)
        .bind(chrono::Utc::now().timestamp() + 2)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, page) = app.browser().text("/").await;
    let running = strip_of_outlet(&page);
    assert!(running.contains("Importing"), "{running}");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (_, page) = app.browser().text("/").await;
    let after = strip_of_outlet(&page);
    assert!(
        after.contains("Connected") && !after.contains("Importing"),
        "the lease ran out: {after}"
    );
    // A manager cannot fix it: told to ask their admin, given no link.
    app.create_user("bo@acme.example", Role::Manager, Some(a))
        .await;
    let manager = app.other_browser();
    manager.login("bo@acme.example", common::PASSWORD).await;
    let (_, page) = manager.text("/").await;
    let strip = between(&page, "<section class=\"strip\"", "</section>");
    assert!(strip.contains("Ask your administrator to fix it."));
    // The admin's instructions are not theirs to follow.
    assert!(strip.contains("Imports from Shopify are stopped"));
    assert!(!strip.contains("enter a new one"));
    assert!(!strip.contains("href=\"/admin/integrations/"));
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

fn now_hour() -> u32 {
    use chrono::Timelike;
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    chrono::Utc::now().with_timezone(&tz).hour()
}

async fn cards_compare_with_the_comparable_period_and_rank_the_stores(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    report_fixtures::imported(&app, a, &[s01, s02]).await;
    let today = today();
    let d = |n: i64| (today - Duration::days(n)).to_string();
    // Yesterday 110.00 (1 transaction) against 100.00 the same weekday a week before.
    hour(&app, a, s01, &d(1), 9, 11000, 0, 0, 1, 1).await;
    hour(&app, a, s01, &d(8), 9, 10000, 0, 0, 1, 1).await;
    // Today so far 325.00 against 50.00 last week up to the same hour; last week's later
    // hours are not part of the comparison.
    hour(&app, a, s01, &d(0), 0, 2500, 0, 0, 1, 1).await;
    hour(&app, a, s02, &d(0), 0, 30000, 0, 0, 2, 2).await;
    hour(&app, a, s01, &d(7), 0, 5000, 0, 0, 1, 1).await;
    if now_hour() < 23 {
        hour(&app, a, s01, &d(7), 23, 999_900, 0, 0, 1, 1).await;
    }

    let (status, page) = app.browser().text("/").await;
    assert_eq!(status, StatusCode::OK);
    let card = |title: &str| between(&page, &format!("<h2>{title} "), "</section>").to_string();
    let yesterday = card("Yesterday");
    assert!(
        yesterday.contains("<span class=\"big\">$110.00</span>"),
        "{yesterday}"
    );
    assert!(yesterday.contains("· 1 transaction ·"), "{yesterday}");
    let change = between(&yesterday, "<p class=\"change", "</p>");
    assert!(
        change.contains("change-up") && change.contains("▲"),
        "{change}"
    );
    assert!(change.contains("<strong>+10.0%</strong>"), "{change}");
    let week_before = today - Duration::days(8);
    let words = format!(
        "vs {}, {}",
        tmas::i18n::weekday_short(tmas::i18n::Lang::En, week_before.weekday()),
        tmas::i18n::format_day_month(tmas::i18n::Lang::En, week_before)
    );
    assert!(change.contains(&words), "{change} lacks {words}");

    let today_card = card("Today");
    assert!(today_card.contains("$325.00"), "{today_card}");
    assert!(today_card.contains("3 transactions"), "{today_card}");
    let change = between(&today_card, "<p class=\"change", "</p>");
    assert!(change.contains("<strong>+550.0%</strong>"), "{change}");
    assert!(
        change.contains(&format!(", 00:00–{:02}:59", now_hour())) && !change.contains("until"),
        "{change}"
    );
    // A span of several days says which day stops early.
    let week_card = card("Week to date");
    if !week_card.contains("Incomplete") && !week_card.contains("Not imported yet") {
        let change = between(&week_card, "<p class=\"change", "</p>");
        if today.weekday() != chrono::Weekday::Mon {
            assert!(
                change.contains(&format!("(last day 00:00–{:02}:59)", now_hour())),
                "{change}"
            );
        }
    }

    // The ranking: the store with more sales this week first, with its change.
    let ranking = between(&page, "id=\"ranking\"", "</section>");
    let first = ranking.find("S-02 · Mall").expect("S-02 ranked");
    let second = ranking.find("S-01 · Downtown").expect("S-01 ranked");
    assert!(first < second, "{ranking}");
    assert!(between(ranking, "S-02 · Mall", "</tr>").contains("$300.00"));
}

async fn the_dashboard_reads_in_spanish_with_the_shop_currency(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let s01 = location(&app, a, "S-01", "Centro").await;
    report_fixtures::imported(&app, a, &[s01]).await;
    let today = today();
    hour(
        &app,
        a,
        s01,
        &(today - Duration::days(1)).to_string(),
        9,
        12_345_678,
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
        &(today - Duration::days(8)).to_string(),
        9,
        10_000_000,
        0,
        0,
        2,
        2,
    )
    .await;
    let browser = app.browser();
    let response = browser.post_form("/language", &[("lang", "es")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.text("/").await;
    let yesterday = between(&page, "<h2>Ayer ", "</section>");
    assert!(yesterday.contains("123.456,78 $"), "{yesterday}");
    assert!(yesterday.contains("1 transacción"), "{yesterday}");
    assert!(yesterday.contains("+23,5 %"), "{yesterday}");
    assert!(yesterday.contains("frente a "), "{yesterday}");
    let week_before = today - Duration::days(8);
    let weekday = tmas::i18n::weekday_short(tmas::i18n::Lang::Es, week_before.weekday());
    assert!(
        yesterday.contains(&format!("frente a {weekday} ")),
        "{yesterday}"
    );
    for english in [
        "transactions",
        "Today by hour",
        "Store ranking",
        "net sales",
    ] {
        assert!(!page.contains(english), "{english} left in English");
    }
}

async fn during_a_first_import_periods_are_marked_never_plain_zero(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    // S-03 is matched to nothing: no source of data.
    location(&app, a, "S-03", "Airport").await;
    let id = integration(&app, a, "Main store", "active", "", "CAD").await;
    report_fixtures::match_location(&app, a, id, s01, "1001").await;
    report_fixtures::match_location(&app, a, id, s02, "1002").await;
    let today = today();
    let yesterday = today - Duration::days(1);
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    // History read up to yesterday at noon, a quarter of the way after a minute.
    let noon = yesterday
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .timestamp();
    let now = tmas::db::now();
    let window_from = noon - 3 * 86_400;
    let window_to = window_from + 4 * 3 * 86_400;
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, pages, orders_read, orders_stored, outcome, progress_until)
         VALUES ($1, $2, 'initial', $3, $4, $5, 175, 1400, 1234, 'running', $6)",
    )
    .bind(a.0)
    .bind(id)
    .bind(window_from)
    .bind(window_to)
    .bind(now - 60)
    .bind(noon)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE integrations SET lease_until = $1 WHERE tenant_id = $2 AND id = $3")
        .bind(now + 600)
        .bind(a.0)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    hour(&app, a, s01, &yesterday.to_string(), 9, 4200, 0, 0, 1, 1).await;

    let (_, page) = app.browser().text("/").await;
    let banner = between(&page, "<section class=\"card importing\"", "</section>");
    assert!(
        banner.contains("Importing the history of Main store"),
        "{banner}"
    );
    assert!(
        banner.contains("175 pages read, 1,400 orders read, 1,234 counted in TMAS"),
        "{banner}"
    );
    assert!(banner.contains("complete up to"), "{banner}");
    assert!(
        banner.contains("left"),
        "an estimate of the time left: {banner}"
    );
    let today_card = between(&page, "<h2>Today ", "</section>");
    assert!(today_card.contains("Not imported yet"), "{today_card}");
    assert!(!today_card.contains("0.00"), "{today_card}");
    let yesterday_card = between(&page, "<h2>Yesterday ", "</section>");
    assert!(yesterday_card.contains("Incomplete"), "{yesterday_card}");
    assert!(yesterday_card.contains("$42.00"), "{yesterday_card}");
    let noon_text = tmas::i18n::format_date_time(
        tmas::i18n::Lang::En,
        yesterday.and_hms_opt(12, 0, 0).unwrap(),
    );
    assert!(yesterday_card.contains(&noon_text), "{yesterday_card}");
    // The unmatched store is named as such, not shown with zero sales.
    assert!(
        yesterday_card.contains("No data source"),
        "{yesterday_card}"
    );
    let table = between(yesterday_card, "<table", "</table>");
    assert!(!table.contains("S-03"), "{table}");
    assert!(between(yesterday_card, "No data source", "</p>").contains("S-03 · Airport"));

    // The report says so too (the last 7 days end yesterday, imported up to its noon).
    let (_, report) = app.browser().text("/reports/totals").await;
    let notice = between(&report, "id=\"incomplete\"", "</p>");
    assert!(
        notice.contains(&format!(
            "Incomplete: the history is imported up to {noon_text}"
        )),
        "{notice}"
    );

    // Once the import is done, the cards are whole again.
    sqlx::query(
        "UPDATE import_runs SET outcome = 'succeeded', finished_at = $1 WHERE tenant_id = $2",
    )
    .bind(now)
    .bind(a.0)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, page) = app.browser().text("/").await;
    assert!(!page.contains("Not imported yet") && !page.contains("Incomplete"));
    assert!(!page.contains("class=\"card importing\""));
    let (_, report) = app.browser().text("/reports/totals").await;
    assert!(!report.contains("id=\"incomplete\""));
}

/// A history import under way for `integration`, leased by a worker, having reached `until`
/// (none: nothing read yet).
async fn importing(
    app: &TestApp,
    tenant: tmas::db::TenantId,
    integration: i64,
    until: Option<i64>,
) {
    let now = tmas::db::now();
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, pages, orders_read, orders_stored, outcome, progress_until)
         VALUES ($1, $2, 'initial', $3, $4, $5, 10, 100, 90, 'running', $6)",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(now - 30 * 86_400)
    .bind(now)
    .bind(now - 60)
    .bind(until)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE integrations SET lease_until = $1 WHERE tenant_id = $2 AND id = $3")
        .bind(now + 600)
        .bind(tenant.0)
        .bind(integration)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// Three shops imported at different points: S-01's history is whole, S-02's import has
/// reached yesterday noon, S-03's first import is queued. Each location is marked as far as
/// its own import has come, on the cards, in the ranking and in the report; another tenant's
/// imports change nothing here.
async fn each_location_is_as_complete_as_its_own_import(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    let s03 = location(&app, a, "S-03", "Airport").await;
    report_fixtures::imported(&app, a, &[s01]).await;
    let mall = integration(&app, a, "Mall shop", "active", "", "CAD").await;
    report_fixtures::match_location(&app, a, mall, s02, "2001").await;
    let airport = integration(&app, a, "Airport shop", "active", "", "CAD").await;
    report_fixtures::match_location(&app, a, airport, s03, "3001").await;
    let yesterday = today() - Duration::days(1);
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    let noon = yesterday
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .timestamp();
    importing(&app, a, mall, Some(noon)).await;
    hour(&app, a, s01, &yesterday.to_string(), 9, 4200, 0, 0, 1, 1).await;
    hour(&app, a, s02, &yesterday.to_string(), 9, 1000, 0, 0, 1, 1).await;
    // Another tenant's import has read nothing yet.
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let b1 = location(&app, b, "S-01", "Bravo Downtown").await;
    let bravo = integration(&app, b, "Bravo shop", "active", "", "CAD").await;
    report_fixtures::match_location(&app, b, bravo, b1, "9001").await;
    importing(&app, b, bravo, None).await;

    let noon_text = tmas::i18n::format_date_time(
        tmas::i18n::Lang::En,
        yesterday.and_hms_opt(12, 0, 0).unwrap(),
    );
    let (_, page) = app.browser().text("/").await;
    assert!(page.contains("Importing the history of Mall shop"));
    assert!(page.contains("Importing the history of Airport shop"));
    assert!(!page.contains("Bravo"), "another tenant's import");
    let card = between(&page, "<h2>Yesterday ", "</section>");
    assert!(
        card.contains("Incomplete: the locations marked below are still being imported."),
        "{card}"
    );
    let whole = between(card, "S-01 · Downtown", "</tr>");
    assert!(
        !whole.contains("imported up to") && whole.contains("$42.00"),
        "{whole}"
    );
    let partial = between(card, "S-02 · Mall", "</tr>");
    assert!(
        partial.contains(&format!("imported up to {noon_text}")) && partial.contains("$10.00"),
        "{partial}"
    );
    let queued = between(card, "S-03 · Airport", "</tr>");
    assert!(queued.contains("Not imported yet"), "{queued}");
    assert!(!queued.contains("0.00"), "{queued}");
    let total = between(card, "<tfoot>", "</tfoot>");
    assert!(
        total.contains("incomplete") && total.contains("$52.00"),
        "{total}"
    );
    // Today: S-01 is whole, the others have nothing of today yet; the card still shows S-01.
    let today_card = between(&page, "<h2>Today ", "</section>");
    assert!(today_card.contains("S-01 · Downtown"), "{today_card}");
    assert!(
        between(today_card, "S-02 · Mall", "</tr>").contains("Not imported yet"),
        "{today_card}"
    );
    // The ranking: no change against last week for a store still being imported.
    let ranking = between(&page, "id=\"ranking\"", "</section>");
    let mall_rank = between(ranking, "S-02 · Mall", "</tr>");
    assert!(mall_rank.contains("not comparable yet"), "{mall_rank}");
    assert!(!mall_rank.contains('%'), "{mall_rank}");
    let downtown_rank = between(ranking, "S-01 · Downtown", "</tr>");
    assert!(
        !downtown_rank.contains("not comparable yet"),
        "{downtown_rank}"
    );

    // The report of yesterday: the notice and each location's mark in the summary.
    let query = format!("/reports/totals?from={yesterday}&to={yesterday}&granularity=day");
    let (_, report) = app.browser().text(&query).await;
    let notice = between(&report, "id=\"incomplete\"", "</p>");
    assert!(
        notice.contains("the history of some locations is still being imported"),
        "{notice}"
    );
    let summary = between(&report, "id=\"summary\"", "</section>");
    assert!(
        between(summary, "S-02 · Mall", "</tr>").contains(&format!("imported up to {noon_text}"))
    );
    let airport_row = between(summary, "S-03 · Airport", "</tr>");
    assert!(airport_row.contains("Not imported yet") && !airport_row.contains("0.00"));
    let downtown_row = between(summary, "S-01 · Downtown", "</tr>");
    assert!(cells(downtown_row)[0].contains("$42.00"), "{downtown_row}");
    assert!(!downtown_row.contains("imported up to"), "{downtown_row}");
    // The detail of the queued location says so instead of "no activity".
    let detail = between(&report, "<h3>S-03 · Airport", "</section>");
    assert!(detail.contains("Not imported yet"), "{detail}");

    // In Spanish, with dates as the language writes them.
    let browser = app.browser();
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page) = browser.text("/").await;
    let noon_es = tmas::i18n::format_date_time(
        tmas::i18n::Lang::Es,
        yesterday.and_hms_opt(12, 0, 0).unwrap(),
    );
    assert!(
        page.contains(&format!("importado hasta {noon_es}")),
        "Spanish mark"
    );
    assert!(page.contains("Aún no importado"));
}
