//! The pages that show traffic beside the sales — the dashboard's traffic card, ranking and
//! hourly chart, the report's traffic table and chart, the data-edit page for traffic — fit a
//! 1366 px desktop and a 390 px phone in English and Spanish without sideways scrolling, and
//! pass axe-core at 1366 px. Screenshots (`traffic-{page}-{lang}-{width}`) go to
//! `TMAS_SCREENSHOTS` when it is set. Skipped when Chromium is not installed.

mod common;
mod report_fixtures;
#[path = "common/webdriver.rs"]
mod webdriver;

use chrono::Duration;
use common::traffic::{counted, sales};
use common::{Backend, PASSWORD, TestApp};
use tmas::domain::account::{Plan, Role};
use webdriver::{Browser, browser_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_pages_fit_a_desktop_and_a_phone_in_both_languages() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("admin@acme.example", Role::Admin, Some(tenant))
        .await;
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = 'admin@acme.example'")
        .execute(&app.db.pool)
        .await
        .expect("allow editing");
    let stores = [
        ("STORE-01", "Downtown"),
        (
            "STORE-02",
            "Outlet at the International Airport, Terminal 3",
        ),
        ("STORE-03", "Mall"),
    ];
    let mut ids = Vec::new();
    for (code, name) in stores {
        ids.push(report_fixtures::location(&app, tenant, code, name).await);
    }
    let today = common::toronto_today();
    // Five weeks of believable days: busier afternoons, STORE-03 without a counter.
    for back in 0..35 {
        let date = today - Duration::days(back);
        let d = date.to_string();
        for (n, id) in ids.iter().enumerate() {
            let n = n as i64;
            for hour in 9..=20 {
                if back == 0 && hour > 12 {
                    continue;
                }
                let busy = if (13..=17).contains(&hour) { 2 } else { 1 };
                let sales_count = busy * (2 + (back + hour + n) % 4);
                sales(
                    &app,
                    tenant,
                    *id,
                    &d,
                    hour,
                    sales_count * 2_350 + n * 500,
                    sales_count,
                )
                .await;
                if n < 2 && !(n == 1 && back == 3 && hour > 15) {
                    let traffic = sales_count * 4 + (hour + back) % 7;
                    counted(&app, tenant, *id, &d, hour, traffic, Some(150 + 50 * busy)).await;
                }
            }
        }
    }

    let browser = Browser::start().await;
    browser
        .sign_in(&app.url("/login"), "admin@acme.example", PASSWORD)
        .await;

    let from = (today - Duration::days(27)).to_string();
    let pages = [
        ("dashboard", "/".to_string(), "traffic"),
        ("dashboard-ranking", "/".to_string(), "ranking"),
        ("dashboard-hourly", "/".to_string(), "traffic-by-hour"),
        (
            "report",
            format!("/reports/totals?preset=custom&from={from}&to={today}&granularity=week"),
            "traffic",
        ),
        (
            "report-detail",
            format!("/reports/totals?preset=custom&from={from}&to={today}&granularity=week"),
            "detail",
        ),
        (
            "edit",
            format!("/data/edit/traffic?location=STORE-01&week={today}"),
            "main",
        ),
    ];
    for lang in ["en", "es"] {
        browser.goto(&app.url("/")).await;
        browser.choose_language(lang).await;
        for (width, height) in [(1366, 1100), (390, 1400)] {
            browser.set_window(width, height).await;
            for (name, path, anchor) in &pages {
                browser.goto(&app.url(path)).await;
                let (scroll, inner) = browser.widths().await;
                assert!(
                    scroll <= inner,
                    "{name} ({lang}, {width} px) is {scroll} px wide in a {inner} px window"
                );
                browser
                    .execute(&format!(
                        "var e = document.getElementById('{anchor}'); if (e) e.scrollIntoView();"
                    ))
                    .await;
                browser
                    .screenshot(&format!("traffic-{name}-{lang}-{width}"))
                    .await;
                if width == 1366
                    && !matches!(
                        *name,
                        "dashboard-ranking" | "dashboard-hourly" | "report-detail"
                    )
                {
                    let violations = browser.accessibility_violations().await;
                    assert!(
                        violations.is_empty(),
                        "{name} ({lang}) fails axe-core: {violations:#?}"
                    );
                }
            }
        }
    }
    browser.quit().await;
}
