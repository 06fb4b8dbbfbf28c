//! The coverage marks as a store manager sees them (issue 27): a tenant whose history started
//! twelve days ago, its dashboard and a report reaching before the history, at 1366 and 390 px
//! in English and Spanish. Each page fits without sideways scrolling and passes axe-core at
//! 1366 px; screenshots go to `TMAS_SCREENSHOTS` when set. Skipped without Chromium unless
//! `TMAS_REQUIRE_BROWSER=1`.

mod common;
mod report_fixtures;
#[path = "common/webdriver.rs"]
mod webdriver;

use chrono::Duration;
use common::{Backend, PASSWORD, TestApp};
use report_fixtures::{hour, integration, location, match_location};
use tmas::domain::account::{Plan, Role};
use webdriver::{Browser, browser_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_marks_fit_a_desktop_and_a_phone_in_both_languages() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenant = app.create_tenant("Acme Retail", Plan::Retail).await;
    app.create_user("manager@acme.test", Role::Manager, Some(tenant))
        .await;
    let today = tmas::web::reports::today_in("America/Toronto");
    let start = today - Duration::days(12);
    let downtown = location(&app, tenant, "S-01", "Downtown").await;
    let mall = location(&app, tenant, "S-02", "Mall, North").await;
    let id = integration(&app, tenant, "Main store", "active", "", "CAD").await;
    match_location(&app, tenant, id, downtown, "1001").await;
    match_location(&app, tenant, id, mall, "1002").await;
    report_fixtures::history_from(&app, tenant, id, &start.to_string()).await;
    report_fixtures::succeeded_run(&app, tenant, id).await;
    for n in 0..=12 {
        let day = (start + Duration::days(n)).to_string();
        hour(
            &app,
            tenant,
            downtown,
            &day,
            10,
            12_000 + n * 900,
            0,
            0,
            4,
            6,
        )
        .await;
        hour(&app, tenant, mall, &day, 15, 8_000 + n * 500, 300, 0, 3, 4).await;
    }
    let from = start - Duration::days(20);
    let report =
        format!("/reports/totals?from={from}&to={today}&granularity=week&compare=previous");

    let browser = Browser::start().await;
    browser.goto(&app.url("/login")).await;
    browser
        .type_into("input[name=email]", "manager@acme.test")
        .await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_url(|u| !u.ends_with("/login")).await;
    for lang in ["en", "es"] {
        browser.goto(&app.url("/")).await;
        browser
            .click(&format!(
                "form.language select[name=lang] option[value={lang}]"
            ))
            .await;
        browser.click("form.language button[type=submit]").await;
        let marker = format!("lang=\"{lang}\"");
        browser.wait_for_page(|p| p.contains(&marker)).await;
        for (width, height) in [(1366, 2600), (390, 3000)] {
            browser.set_window(width, height).await;
            for (name, path) in [("dashboard", "/"), ("report", report.as_str())] {
                browser.goto(&app.url(path)).await;
                let answer = browser
                    .execute("return [document.documentElement.scrollWidth, window.innerWidth];")
                    .await;
                let (scroll, inner) = (answer[0].as_i64().unwrap(), answer[1].as_i64().unwrap());
                assert!(
                    scroll <= inner,
                    "{name} ({lang}, {width} px) is {scroll} px wide in {inner}"
                );
                browser
                    .screenshot(&format!("coverage-{lang}-{width}-{name}"))
                    .await;
                if width == 1366 {
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
