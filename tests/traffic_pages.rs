//! Traffic beside the sales on the pages people read: the dashboard's traffic card with the
//! sales cards' comparisons, the ranking's columns, today's traffic by hour; the report's
//! traffic table ("no data", never 0 %; staff-hour columns only where reported; none at all
//! for a tenant without counters); the data-edit page for traffic and staff hours under the
//! manual-edit rules. Two tenants each time, so that nothing of one shows on the other's page.

mod common;
mod report_fixtures;

use chrono::Duration;
use common::traffic::{counted, sales};
use common::{Browser, PASSWORD, TestApp, hidden_inputs, toronto_today, visible_text};
use report_fixtures::location;
use reqwest::StatusCode;
use tmas::db::TenantId;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    the_dashboard_compares_traffic_like_the_sales,
    the_report_shows_traffic_per_location_and_no_data_without_a_count,
    traffic_and_staff_hours_are_edited_by_hand_under_the_rules,
);

/// The words of the element with `id`, up to the next `</section>`, on one line.
fn section_words(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    visible_text(&rest[..end])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A second tenant with its own signed-in admin browser.
async fn other_tenant(app: &TestApp, name: &str) -> (TenantId, Browser) {
    let tenant = app.create_tenant(name, Plan::Retail).await;
    let email = format!("admin@{}.example", name.to_lowercase());
    app.create_user(&email, Role::Admin, Some(tenant)).await;
    let browser = app.other_browser();
    browser.login(&email, PASSWORD).await;
    (tenant, browser)
}

async fn the_dashboard_compares_traffic_like_the_sales(app: TestApp) {
    let alpha = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    let one = location(&app, alpha, "STORE-01", "Downtown").await;
    let two = location(&app, alpha, "STORE-02", "Airport").await;
    let (beta, beta_browser) = other_tenant(&app, "Beta").await;
    let beta_store = location(&app, beta, "B-01", "Beta store").await;

    let today = toronto_today();
    let week_ago = today - Duration::days(7);
    let (t, w) = (today.to_string(), week_ago.to_string());
    // Hour 0 is always within "today so far" and its comparison up to the same hour.
    // Today: 2 sales, 120.00, 40 visitors over 2 staff hours. A week ago: 2 sales, 100.00, 50.
    sales(&app, alpha, one, &t, 0, 12_000, 2).await;
    counted(&app, alpha, one, &t, 0, 40, Some(200)).await;
    sales(&app, alpha, one, &w, 0, 10_000, 2).await;
    counted(&app, alpha, one, &w, 0, 50, None).await;
    // STORE-02 sells but has no counter.
    sales(&app, alpha, two, &t, 0, 5_000, 1).await;
    // Beta sells without counters; its numbers must never show on Alpha's page.
    sales(&app, beta, beta_store, &t, 0, 99_900, 9).await;

    let (status, page) = app.browser().text("/").await;
    assert_eq!(status, StatusCode::OK);
    let card = section_words(&page, "traffic");
    let today_part = card
        .split("Yesterday")
        .next()
        .expect("today comes first")
        .to_string();
    // 40 against 50 visitors; 5.0 % against 4.0 %; 3.00 against 2.00 per shopper.
    for expected in [
        "Traffic 40 ▼ -20.0%",
        "Conversion 5.0% ▲ +1.0 pt",
        "Sales per shopper $3.00 ▲ +50.0%",
        "Shoppers per staff hour 20.0",
    ] {
        assert!(today_part.contains(expected), "{expected} in {today_part}");
    }
    assert!(today_part.contains("vs "), "{today_part}");
    // STORE-02's hour of sales has no count: named, and left out of both sums.
    assert!(
        today_part.contains("Traffic missing for 1 hour"),
        "{today_part}"
    );
    // The ranking: the counted store's week so far, the other "no data", never 0 %.
    let ranking = section_words(&page, "ranking");
    assert!(ranking.contains("Traffic Conversion"), "{ranking}");
    assert!(ranking.contains("STORE-02 · Airport"), "{ranking}");
    assert!(ranking.contains("no data no data"), "{ranking}");
    assert!(!ranking.contains(" 0.0%"), "{ranking}");
    // Today's traffic by hour, with the sales transactions beside it.
    let chart = section_words(&page, "traffic-by-hour");
    assert!(
        chart.contains("Period Traffic Sales transactions"),
        "{chart}"
    );
    // Only the counted hours' sales transactions (STORE-02's sale has no count beside it).
    assert!(chart.contains("00:00 40 2"), "{chart}");
    assert!(chart.contains("01:00 no data 0"), "{chart}");
    assert!(page.contains("class=\"bar paired\""));

    // Beta has no counters: no card, no traffic column, no traffic chart, none of Alpha's.
    let (_, beta_page) = beta_browser.text("/").await;
    assert!(
        !beta_page.contains("id=\"traffic\""),
        "no counters, no card"
    );
    assert!(!beta_page.contains("id=\"traffic-by-hour\""));
    let beta_ranking = section_words(&beta_page, "ranking");
    assert!(!beta_ranking.contains("Traffic"), "{beta_ranking}");
    assert!(!beta_page.contains("STORE-01"));

    // Spanish: the same figures as Spanish writes them.
    let browser = app.browser();
    let csrf = browser.csrf().await;
    browser
        .post_raw("/language", &[("csrf", &csrf), ("lang", "es")])
        .await;
    let (_, page) = browser.text("/").await;
    let card = section_words(&page, "traffic");
    let hoy = card.split("Ayer").next().unwrap_or_default().to_string();
    for expected in [
        "Tráfico 40 ▼ -20,0 %",
        "Conversión 5,0 % ▲ +1,0 p. p.",
        "Ventas por visitante 3,00 $ ▲ +50,0 %",
    ] {
        assert!(hoy.contains(expected), "{expected} in {hoy}");
    }
}

async fn the_report_shows_traffic_per_location_and_no_data_without_a_count(app: TestApp) {
    let alpha = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    let one = location(&app, alpha, "STORE-01", "Downtown").await;
    let two = location(&app, alpha, "STORE-02", "Airport").await;
    let (beta, beta_browser) = other_tenant(&app, "Beta").await;
    let beta_store = location(&app, beta, "B-01", "Beta store").await;
    // DOMAIN.md example H at STORE-01 on 2026-03-02 (sales transactions: 2, 0, 1, 1).
    let day = "2026-03-02";
    sales(&app, alpha, one, day, 10, 12_000, 2).await;
    sales(&app, alpha, one, day, 12, 3_000, 1).await;
    sales(&app, alpha, one, day, 13, 2_500, 1).await;
    counted(&app, alpha, one, day, 10, 40, None).await;
    counted(&app, alpha, one, day, 11, 0, None).await;
    counted(&app, alpha, one, day, 13, 10, None).await;
    // The week before (the previous period of one day is 2026-03-01): 40 visitors.
    counted(&app, alpha, one, "2026-03-01", 10, 40, None).await;
    // STORE-02 sells, never counted.
    sales(&app, alpha, two, day, 10, 5_000, 1).await;
    sales(&app, beta, beta_store, day, 10, 5_000, 1).await;

    let query = "/reports/totals?preset=custom&from=2026-03-02&to=2026-03-02&granularity=day";
    let (status, page) = app.browser().text(query).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let table = section_words(&page, "traffic");
    // Example H: 50 visitors, 6.0 %, 2.90; +25.0 % on 40 the day before; 1 hour missing.
    assert!(
        table.contains("STORE-01 · Downtown traffic missing for 1 hour 50 ▲ +25.0% 6.0% $2.90")
            || table
                .contains("STORE-01 · Downtown Traffic missing for 1 hour 50 ▲ +25.0% 6.0% $2.90"),
        "{table}"
    );
    assert!(
        table.contains("STORE-02 · Airport no data no earlier count no data no data"),
        "{table}"
    );
    // All chosen: the quotient of the sums over counted hours (STORE-02 takes no part).
    assert!(
        table.contains("All chosen locations Traffic missing for 2 hours 50"),
        "{table}"
    );
    assert!(
        !table.contains("0.0%"),
        "never 0 % for a store without a count: {table}"
    );
    assert!(
        !table.contains("Staff hours"),
        "no staff hours reported: {table}"
    );

    // The detail by location: traffic and conversion per bucket, "no data" where uncounted.
    let detail = |page: &str, code: &str| {
        let start = page
            .find(&format!("data-location=\"{code}\""))
            .unwrap_or_else(|| panic!("no detail of {code}"));
        let rest = &page[start..];
        visible_text(&rest[..rest.find("</table>").unwrap_or(rest.len())])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = detail(&page, "STORE-01");
    assert!(first.contains("Returns Traffic Conversion"), "{first}");
    assert!(first.contains("0.00 0.00 50 6.0%"), "{first}");
    let second = detail(&page, "STORE-02");
    assert!(second.contains("0.00 0.00 no data no data"), "{second}");
    let (_, hourly) = app
        .browser()
        .text("/reports/totals?preset=custom&from=2026-03-02&to=2026-03-02&granularity=hour")
        .await;
    let by_hour = detail(&hourly, "STORE-01");
    // 10:00: 2 sales of 40 visitors; 12:00 sold without a count; 13:00: 1 sale of 10.
    for expected in [
        "10:00 120.00 2 60.00 2 120.00 0.00 0.00 40 5.0%",
        "12:00 30.00 1 30.00 1 30.00 0.00 0.00 no data no data",
        "13:00 25.00 1 25.00 1 25.00 0.00 0.00 10 10.0%",
    ] {
        assert!(by_hour.contains(expected), "{expected} in {by_hour}");
    }

    // Two days against the two before: STORE-01 counted only from Mar 1, so its earlier
    // period is counted in part and not compared.
    let (_, page) = app
        .browser()
        .text("/reports/totals?preset=custom&from=2026-03-01&to=2026-03-02&granularity=day")
        .await;
    let table = section_words(&page, "traffic");
    assert!(
        table.contains("90 not comparable: counted since Mar 1, 2026"),
        "{table}"
    );

    // Staff hours reported once: the columns appear, "no data" where none were given.
    counted(&app, alpha, one, "2026-02-01", 10, 10, Some(250)).await;
    let (_, page) = app.browser().text(query).await;
    let table = section_words(&page, "traffic");
    assert!(
        table.contains("Staff hours Shoppers per staff hour"),
        "{table}"
    );

    // Beta: no counters, no traffic table, nothing of Alpha's.
    let (status, beta_page) = beta_browser.text(query).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!beta_page.contains("id=\"traffic\""));
    assert!(!beta_page.contains("STORE-01"));
}

async fn traffic_and_staff_hours_are_edited_by_hand_under_the_rules(app: TestApp) {
    let alpha = app.signed_in("Alpha", Plan::Retail, Role::Admin).await;
    let one = location(&app, alpha, "STORE-01", "Downtown").await;
    let (beta, beta_browser) = other_tenant(&app, "Beta").await;
    location(&app, beta, "B-01", "Beta store").await;
    let browser = app.browser();
    let page_url = "/data/edit/traffic?location=STORE-01&week=2026-03-02";

    // Manual editing off for the account: refused, nothing shown.
    let (status, _) = browser.text(page_url).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = 'admin@alpha.example'")
        .execute(&app.db.pool)
        .await
        .expect("allow");
    let (status, page) = browser.text(page_url).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = hidden_inputs(&page).remove("csrf").expect("csrf");
    let post = |extra: Vec<(&'static str, &'static str)>| {
        let mut fields: Vec<(&str, &str)> = vec![
            ("csrf", csrf.as_str()),
            ("location", "STORE-01"),
            ("week", "2026-03-02"),
        ];
        fields.extend(extra);
        let browser = &browser;
        async move { browser.post_raw("/data/edit/traffic", &fields).await }
    };
    let stored = || async {
        sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT traffic, staff_centihours FROM traffic_hours
             WHERE tenant_id = $1 AND location_id = $2 AND local_date = '2026-03-02' AND hour = 10",
        )
        .bind(alpha.0)
        .bind(one)
        .fetch_optional(&app.db.pool)
        .await
        .expect("read")
    };

    // Bad cells: each named with its hour, nothing stored.
    let response = post(vec![
        ("traffic_2026-03-02_10", "-3"),
        ("staff_2026-03-02_10", "2"),
        ("traffic_2026-03-02_11", "4.5"),
        ("staff_2026-03-02_11", ""),
        ("traffic_2026-03-02_12", ""),
        ("staff_2026-03-02_12", "1.5"),
    ])
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let words = visible_text(&response.text().await.expect("body"));
    for expected in [
        "Traffic at Mon, Mar 2, 2026 10:00: Traffic cannot be negative (\"-3\").",
        "Traffic at Mon, Mar 2, 2026 11:00: Traffic must be a whole number of visitors (\"4.5\").",
        "Staff hours at Mon, Mar 2, 2026 12:00: enter the hour's traffic too",
    ] {
        assert!(
            common::html_unescape(&words).contains(expected),
            "{expected} in {words}"
        );
    }
    assert_eq!(stored().await, None);

    // A good cell: stored, audited, and the report shows it.
    let response = post(vec![
        ("traffic_2026-03-02_10", "40"),
        ("staff_2026-03-02_10", "2.5"),
    ])
    .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        response.text().await
    );
    assert_eq!(stored().await, Some((40, Some(250))));
    let (_, page) = browser.text(page_url).await;
    assert!(page.contains("name=\"traffic_2026-03-02_10\" value=\"40\""));
    assert!(page.contains("name=\"staff_2026-03-02_10\" value=\"2.5\""));
    let audited: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE tenant_id = $1 AND action = 'data.edit'",
    )
    .bind(alpha.0)
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    let (_, audit) = browser.text("/admin/audit").await;
    let audit = visible_text(&audit);
    assert!(audit.contains("Traffic"), "{audit}");

    // Emptied: the hour is missing again, not a counted 0.
    let response = post(vec![
        ("traffic_2026-03-02_10", ""),
        ("staff_2026-03-02_10", ""),
    ])
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored().await, None);

    // Beta's admin (even allowed to edit) cannot reach Alpha's location.
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = 'admin@beta.example'")
        .execute(&app.db.pool)
        .await
        .expect("allow");
    let (status, _) = beta_browser.text(page_url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let beta_csrf = beta_browser.csrf().await;
    let response = beta_browser
        .post_raw(
            "/data/edit/traffic",
            &[
                ("csrf", beta_csrf.as_str()),
                ("location", "STORE-01"),
                ("week", "2026-03-02"),
                ("traffic_2026-03-02_10", "99"),
                ("staff_2026-03-02_10", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(stored().await, None);

    // A manager reads but never edits.
    let manager = app.other_browser();
    app.create_user("manager@alpha.example", Role::Manager, Some(alpha))
        .await;
    manager.login("manager@alpha.example", PASSWORD).await;
    let (status, _) = manager.text(page_url).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
