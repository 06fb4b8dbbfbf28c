//! The KPI tiles that open the dashboard: today's net sales, transactions, average sale, items
//! per transaction and returns, each to the cent and with its change against the same weekday
//! last week up to this hour; another tenant's sales never reach them; during a first import
//! they say what is missing instead of showing zeros.

mod common;
mod report_fixtures;

use chrono::Duration;
use common::{PASSWORD, TestApp};
use report_fixtures::{between, hour, integration, location};
use tmas::domain::account::{Plan, Role};

backend_tests!(
    tiles_carry_todays_figures_and_their_changes_to_the_cent,
    tiles_of_one_tenant_never_count_another,
    tiles_say_not_imported_yet_instead_of_zeros,
);

fn today() -> chrono::NaiveDate {
    tmas::web::reports::today_in("America/Toronto")
}

/// The tile whose class is `kpi-{kind}`, as its words: label, figure and change.
fn tile(page: &str, kind: &str) -> String {
    let tiles = between(page, "id=\"kpis\"", "</section>");
    let html = between(tiles, &format!("kpi-{kind}\""), "</div>");
    let mut words = String::new();
    let mut in_tag = false;
    for c in html.split_once('>').map_or(html, |(_, rest)| rest).chars() {
        match c {
            '<' => {
                in_tag = true;
                words.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => words.push(c),
            _ => {}
        }
    }
    words.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Today: S-01 120.00 gross, 5.00 discounts, 10.00 returns (105.00 net), 3 transactions, 7
/// items; S-02 50.00 gross, 2.50 returns (47.50 net), 2 transactions, 3 items. The same weekday
/// last week at the same hour: S-01 100.00 gross, 5.00 returns (95.00 net), 4 transactions, 6
/// items. Later hours of last week are outside the comparison.
async fn tiles_carry_todays_figures_and_their_changes_to_the_cent(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    report_fixtures::imported(&app, a, &[s01, s02]).await;
    let today = today();
    let week_ago = (today - Duration::days(7)).to_string();
    hour(
        &app,
        a,
        s01,
        &today.to_string(),
        0,
        12_000,
        500,
        1_000,
        3,
        7,
    )
    .await;
    hour(&app, a, s02, &today.to_string(), 0, 5_000, 0, 250, 2, 3).await;
    hour(&app, a, s01, &week_ago, 0, 10_000, 0, 500, 4, 6).await;
    if now_hour() < 23 {
        hour(&app, a, s02, &week_ago, 23, 999_900, 0, 99_900, 9, 9).await;
    }

    let (_, page) = app.browser().text("/").await;
    // The tiles open the page: before the integrations, the period cards and the ranking.
    let tiles_at = page.find("id=\"kpis\"").expect("the KPI tiles");
    for later in ["class=\"periods\"", "id=\"ranking\"", "class=\"strip\""] {
        assert!(tiles_at < page.find(later).expect(later), "{later}");
    }
    let heading = between(&page, "id=\"kpis-title\"", "</h2>");
    assert!(heading.contains(">Today <"), "{heading}");
    // 152.50 against 95.00; 5 against 4; 30.50 against 23.75; 2.00 against 1.50; 12.50 against
    // 5.00.
    assert_eq!(tile(&page, "net"), "Net sales $152.50 ▲ +60.5%");
    assert_eq!(tile(&page, "count"), "Transactions 5 ▲ +25.0%");
    assert_eq!(tile(&page, "average"), "Average sale $30.50 ▲ +28.4%");
    assert_eq!(tile(&page, "basket"), "Items per transaction 2.00 ▲ +33.3%");
    assert_eq!(tile(&page, "returns"), "Returns $12.50 ▲ +150.0%");
    // More returns is worse: the page colours it so (the class says up, the tile reverses it).
    assert!(between(&page, "kpi-returns", "</div>").contains("change-up"));

    // In Spanish, with the shop's currency and the decimal comma.
    let browser = app.browser();
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page) = browser.text("/").await;
    assert_eq!(tile(&page, "net"), "Ventas netas 152,50 $ ▲ +60,5 %");
    assert_eq!(
        tile(&page, "basket"),
        "Artículos por transacción 2,00 ▲ +33,3 %"
    );
}

fn now_hour() -> u32 {
    use chrono::Timelike;
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    chrono::Utc::now().with_timezone(&tz).hour()
}

/// Two tenants with the same store code sell today: each one's tiles hold its own sales only;
/// a tenant without any sale last week has nothing to compare with.
async fn tiles_of_one_tenant_never_count_another(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let a1 = location(&app, a, "S-01", "Downtown").await;
    let b1 = location(&app, b, "S-01", "Harbour").await;
    report_fixtures::imported(&app, a, &[a1]).await;
    report_fixtures::imported(&app, b, &[b1]).await;
    let day = today().to_string();
    let week_ago = (today() - Duration::days(7)).to_string();
    hour(&app, a, a1, &day, 0, 1_000, 0, 0, 1, 1).await;
    hour(&app, b, b1, &day, 0, 777_777, 0, 7_777, 7, 7).await;
    hour(&app, b, b1, &week_ago, 0, 555_555, 0, 0, 5, 5).await;

    let (_, page) = app.browser().text("/").await;
    // Nothing last week: no arrow, whatever the words for it.
    for (kind, figure) in [("net", "Net sales $10.00 "), ("returns", "Returns $0.00 ")] {
        let words = tile(&page, kind);
        assert!(words.starts_with(figure), "{words}");
        assert!(!words.contains('▲') && !words.contains('▼'), "{words}");
    }
    assert!(!page.contains("7,777") && !page.contains("Harbour"));

    app.create_user("manager@bravo.example", Role::Manager, Some(b))
        .await;
    let bravo = app.other_browser();
    bravo.login("manager@bravo.example", PASSWORD).await;
    let (_, page) = bravo.text("/").await;
    // 7,700.00 net against 5,555.55.
    assert_eq!(tile(&page, "net"), "Net sales $7,700.00 ▲ +38.6%");
    assert_eq!(tile(&page, "count"), "Transactions 7 ▲ +40.0%");
    assert!(!page.contains("Downtown"));
}

/// A first import that has read nothing yet: the tiles say today is not imported, never 0.00.
async fn tiles_say_not_imported_yet_instead_of_zeros(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let id = integration(&app, a, "Main store", "active", "", "CAD").await;
    report_fixtures::match_location(&app, a, id, s01, "1001").await;
    let now = tmas::db::now();
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, pages, orders_read, orders_stored, outcome)
         VALUES ($1, $2, 'initial', $3, $4, $5, 0, 0, 0, 'running')",
    )
    .bind(a.0)
    .bind(id)
    .bind(now - 30 * 86_400)
    .bind(now)
    .bind(now - 60)
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

    let (_, page) = app.browser().text("/").await;
    let tiles = between(&page, "id=\"kpis\"", "</section>");
    assert!(tiles.contains("Not imported yet"), "{tiles}");
    assert!(
        !tiles.contains("0.00") && !tiles.contains("class=\"kpi "),
        "{tiles}"
    );
}
