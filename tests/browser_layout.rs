//! Every page a manager or an admin can reach (administration, error pages and the refusal a
//! manager meets included) fits the screen: at 1366 px and on a 390 px phone,
//! in English and Spanish, the page never scrolls sideways (wide tables scroll inside their own
//! box), measured in headless Chromium as `document.documentElement.scrollWidth <=
//! innerWidth`; and each page passes axe-core's WCAG 2 A/AA and best-practice rules (axe-core
//! is vendored under `tests/assets`), starts with a skip link, and focuses the field in error
//! after a failed submit. Skipped (with a message) when Chromium is not installed, unless
//! `TMAS_REQUIRE_BROWSER=1`. Screenshots go to `TMAS_SCREENSHOTS` when it is set.

mod common;
#[path = "common/phone_checks.rs"]
mod phone;
mod report_fixtures;
#[path = "common/webdriver.rs"]
mod webdriver;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use chrono::Duration;
use common::{Backend, PASSWORD};
use report_fixtures::hour;
use webdriver::{Browser, browser_available};
use wizard_support::{active_examples_integration, sim_config, spawn_with_sim};

/// The page's width and the viewport's, measured in the page.
async fn widths(browser: &Browser) -> (i64, i64) {
    let answer = browser
        .execute("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    (
        answer[0].as_i64().expect("scrollWidth"),
        answer[1].as_i64().expect("innerWidth"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_desktop_and_a_phone_in_both_languages() {
    if !browser_available() {
        return;
    }
    let (app, sim) = spawn_with_sim(Backend::Sqlite, sim_config()).await;
    let (tenant, integration) = active_examples_integration(&app, &sim).await;
    // A second shop left at step 2 of the wizard, and step 1 answered with an error.
    let draft = wizard_support::start_wizard(&app.browser(), &sim, "alpha").await;
    // Fourteen stores in all: the report folds its list of them, and a year of days comes in
    // three pages of detail.
    for n in 3..=14 {
        let name = if n == 14 {
            "Outlet at the International Airport, Terminal 3".to_string()
        } else {
            format!("Store number {n}")
        };
        report_fixtures::location(&app, tenant, &format!("STORE-{n:02}"), &name).await;
    }
    let locations: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM locations WHERE tenant_id = $1 ORDER BY location_id")
            .bind(tenant.0)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    // The first import has run (this app has no worker).
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, finished_at, pages, orders_read, orders_stored, outcome)
         VALUES ($1, $2, 'initial', 0, 1, 0, 1, 12345, 98765, 87654, 'succeeded')",
    )
    .bind(tenant.0)
    .bind(integration)
    .execute(&app.db.pool)
    .await
    .unwrap();
    // An order its ledger does not add up for: the imports page lists it for support.
    sqlx::query(
        "INSERT INTO order_checks (tenant_id, integration_id, shopify_order_id, order_name,
             problem, run_id, first_seen_at, last_seen_at)
         VALUES ($1, $2, 'gid://shopify/Order/7000001', '#1001',
                 'line item gid://shopify/LineItem/8000011: ledger quantity 1, current quantity 2',
                 1, 1764800000, 1764800000)",
    )
    .bind(tenant.0)
    .bind(integration)
    .execute(&app.db.pool)
    .await
    .unwrap();
    // Large amounts: the widest numbers a store shows.
    let today = tmas::web::reports::today_in("America/Toronto");
    for (i, location) in locations.iter().enumerate() {
        for days_ago in [0, 1, 3, 7, 8, 20] {
            let date = (today - Duration::days(days_ago)).to_string();
            let gross = 123_456_789 + i as i64 * 1_000_000 + days_ago * 10_000;
            let returns = 12_345 + days_ago * 100;
            hour(
                &app, tenant, *location, &date, 0, gross, 0, returns, 1_234, 5_678,
            )
            .await;
        }
    }

    let year_ago = today - Duration::days(364);

    let admin_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@acme.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    app.create_user(
        "manager@acme.example",
        tmas::domain::account::Role::Manager,
        Some(tenant),
    )
    .await;

    let browser = Browser::start().await;
    sign_in(&browser, &app, "admin@acme.example").await;
    let admin_pages = [
        ("dashboard", "/".to_string()),
        (
            "report",
            "/reports/totals?preset=this_month&granularity=day".to_string(),
        ),
        (
            "report-week",
            "/reports/totals?preset=last_month&granularity=week".to_string(),
        ),
        (
            "report-pages",
            format!("/reports/totals?from={year_ago}&to={today}&granularity=day&page=2"),
        ),
        (
            "report-pages-detail",
            format!("/reports/totals?from={year_ago}&to={today}&granularity=day&page=2#detail"),
        ),
        ("export", "/reports/export".to_string()),
        ("data-edit", "/data/edit".to_string()),
        (
            "imports",
            format!("/admin/integrations/{integration}/imports"),
        ),
        ("integration", format!("/admin/integrations/{integration}")),
        (
            "integration-credentials",
            format!("/admin/integrations/{integration}/credentials"),
        ),
        (
            "integration-delete",
            format!("/admin/integrations/{integration}/delete"),
        ),
        ("integrations", "/admin/integrations".to_string()),
        (
            "wizard-general",
            format!("/admin/integrations/{draft}/wizard/general"),
        ),
        (
            "wizard-locations",
            format!("/admin/integrations/{draft}/wizard/locations"),
        ),
        ("locations", "/admin/locations".to_string()),
        ("location-new", "/admin/locations/new".to_string()),
        (
            "location-edit",
            format!("/admin/locations/{}", locations[0]),
        ),
        ("users", "/admin/users".to_string()),
        ("user-edit", format!("/admin/users/{admin_id}")),
        ("audit", "/admin/audit".to_string()),
        ("traffic", "/admin/traffic".to_string()),
        ("api-keys", "/admin/api-keys".to_string()),
        ("account", "/account/password".to_string()),
        ("forgot-password", "/password/forgot".to_string()),
        ("reset-link-gone", "/password/reset?token=x".to_string()),
        ("not-found", "/no/such/page".to_string()),
    ];
    walk(&browser, &app, "admin", &admin_pages).await;
    // The wizard's first step after an error (its messages are the longest), in both languages.
    for lang in ["en", "es"] {
        choose_language(&browser, lang).await;
        for width in [1366, 390] {
            browser.set_window(width, 2600).await;
            browser
                .goto(&app.url(&format!("/admin/integrations/{draft}/wizard/general")))
                .await;
            browser
                .type_into("input[name=store_name]", "not a store!")
                .await;
            browser.click("#next").await;
            let page = browser
                .wait_for_page(|p| p.contains("field-error") || p.contains("error-message"))
                .await;
            assert!(!page.is_empty());
            // The field in error has the focus and names its message.
            let focused = browser
                .execute("var e = document.activeElement; return [e.name, e.getAttribute('aria-describedby')];")
                .await;
            assert_eq!(focused[0].as_str(), Some("store_name"), "{focused}");
            assert_eq!(focused[1].as_str(), Some("store_name-error"), "{focused}");
            if width == 1366 {
                let violations = browser.accessibility_violations().await;
                assert!(
                    violations.is_empty(),
                    "wizard error ({lang}): {violations:#?}"
                );
            }
            let (scroll, inner) = widths(&browser).await;
            assert!(
                scroll <= inner,
                "wizard error ({lang}, {width} px) is {scroll} px wide in {inner}"
            );
        }
    }

    // A manager: the pages of their menu, and the refusal of an administration page.
    browser.goto(&app.url("/")).await;
    browser.click("form.signout button[type=submit]").await;
    browser.wait_for_url(|u| u.ends_with("/login")).await;
    sign_in(&browser, &app, "manager@acme.example").await;
    let manager_pages = [
        ("dashboard", "/".to_string()),
        (
            "report",
            "/reports/totals?preset=this_month&granularity=day".to_string(),
        ),
        ("export", "/reports/export".to_string()),
        ("account", "/account/password".to_string()),
        ("forbidden", "/admin/users".to_string()),
        ("not-found", "/no/such/page".to_string()),
    ];
    walk(&browser, &app, "manager", &manager_pages).await;
    browser.quit().await;
}

async fn sign_in(browser: &Browser, app: &common::TestApp, email: &str) {
    browser.goto(&app.url("/login")).await;
    browser.type_into("input[name=email]", email).await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_url(|u| !u.ends_with("/login")).await;
}

/// Switches the interface language with the switcher at the foot of every page.
async fn choose_language(browser: &Browser, lang: &str) {
    browser
        .click(&format!(
            "form.language select[name=lang] option[value={lang}]"
        ))
        .await;
    browser.click("form.language button[type=submit]").await;
    let marker = format!("lang=\"{lang}\"");
    browser.wait_for_page(|p| p.contains(&marker)).await;
}

/// On a phone the dashboard opens with its KPI tiles and the report keeps its summary's change
/// in view, nothing is cut, and a table wider than the screen says it scrolls
/// (tests/common/phone_checks.rs). The report's detail by location has more columns than a
/// phone shows: its tables carry the cue, so the check of the cue is never empty.
async fn phone_first(browser: &Browser, who: &str, name: &str, lang: &str) {
    let problems = browser.execute(phone::CHECKS).await;
    assert_eq!(
        problems,
        serde_json::json!([]),
        "{who} {name} ({lang}) at 390 px"
    );
    let cues = browser
        .execute("return document.querySelectorAll('p.scroll-hint:not([hidden])').length;")
        .await;
    if name.starts_with("report") {
        assert!(cues.as_i64() > Some(0), "{who} {name} ({lang}): {cues}");
    }
    if name == "dashboard" {
        let tiles = browser
            .execute("return Array.from(document.querySelectorAll('#kpis .kpi')).map(function (t) { return t.innerText.replace(/\\s+/g, ' ').trim(); });")
            .await;
        let tiles: Vec<&str> = tiles
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(tiles.len(), 5, "{tiles:?}");
        // Each tile names its figure and shows an arrow (or "=") with a signed percentage.
        for tile in &tiles {
            assert!(
                ["▲ +", "▼ -", "= +"].iter().any(|a| tile.contains(a)) && tile.contains('%'),
                "{who} ({lang}) tile without its change: {tile}"
            );
        }
    }
}

/// Opens each page at both widths in both languages: it fits, passes axe-core at 1366 px and
/// starts with a skip link; screenshots are named `layout-{who}-{lang}-{width}-{page}`.
async fn walk(browser: &Browser, app: &common::TestApp, who: &str, pages: &[(&str, String)]) {
    for lang in ["en", "es"] {
        browser.goto(&app.url("/")).await;
        choose_language(browser, lang).await;
        for (width, height) in [(1366, 2600), (390, 3000)] {
            browser.set_window(width, height).await;
            for (name, path) in pages {
                browser.goto(&app.url(path)).await;
                let (scroll, inner) = widths(browser).await;
                assert!(
                    inner <= i64::from(width) && inner > i64::from(width) - 40,
                    "{name}: the window is {inner} px wide, not about {width}"
                );
                assert!(
                    scroll <= inner,
                    "{who} {name} ({lang}, {width} px) is {scroll} px wide in a {inner} px window"
                );
                browser
                    .screenshot(&format!("layout-{who}-{lang}-{width}-{name}"))
                    .await;
                if width == 390 && (name.starts_with("dashboard") || name.starts_with("report")) {
                    phone_first(browser, who, name, lang).await;
                }
                if width == 1366 {
                    let violations = browser.accessibility_violations().await;
                    assert!(
                        violations.is_empty(),
                        "{who} {name} ({lang}) fails axe-core: {violations:#?}"
                    );
                    let skip = browser
                        .execute("var a = document.querySelector('body > a.skip-link'); return a && a === document.querySelector('a') ? a.getAttribute('href') : null;")
                        .await;
                    assert_eq!(
                        skip.as_str(),
                        Some("#main"),
                        "{who} {name}: a skip link first"
                    );
                }
            }
        }
    }
}

/// "Test the connection" in a real browser: the browser ends on the integration's page (not
/// the POST address, so a reload or a language change shows a page), and a refused token
/// shows at once on the badge and the dashboard; at both widths in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_connection_test_ends_on_its_page_and_shows_at_once() {
    if !browser_available() {
        return;
    }
    let (app, sim) = spawn_with_sim(Backend::Sqlite, sim_config()).await;
    let (_, integration) = active_examples_integration(&app, &sim).await;
    sim.update_faults("examples", |f| f.revoked = true).unwrap();
    let browser = Browser::start().await;
    sign_in(&browser, &app, "admin@acme.example").await;
    let page = format!("/admin/integrations/{integration}");
    for lang in ["en", "es"] {
        browser.goto(&app.url("/")).await;
        choose_language(&browser, lang).await;
        for (width, height) in [(1366, 1600), (390, 2400)] {
            browser.set_window(width, height).await;
            browser.goto(&app.url(&page)).await;
            browser
                .click(&format!("form[action=\"{page}/test\"] button"))
                .await;
            // The page before the click has the same address: wait for the answer's page,
            // which shows the test's result (once).
            let source = browser.wait_for_page(|s| s.contains("test-result")).await;
            assert!(source.contains("status-attention"), "{source}");
            let url = browser.url().await;
            assert!(url.ends_with(&page) && !url.ends_with("/test"), "{url}");
            let (scroll, inner) = widths(&browser).await;
            assert!(scroll <= inner, "{lang} {width}: {scroll} > {inner}");
            browser
                .screenshot(&format!("health-{lang}-{width}-integration-test-failed"))
                .await;
            browser.goto(&app.url("/")).await;
            browser
                .screenshot(&format!("health-{lang}-{width}-dashboard"))
                .await;
            browser.goto(&app.url("/admin/users?notice=saved")).await;
            browser
                .screenshot(&format!("health-{lang}-{width}-users-saved"))
                .await;
        }
    }
    browser.quit().await;
}
