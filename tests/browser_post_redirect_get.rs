//! In a real browser, the forms that now redirect end on GET pages that say what was done and
//! fit a 1366 px desktop and a 390 px phone in English and Spanish: a new API key (shown once),
//! a traffic file's preview and its stored result, the answer to "Forgot your password?", a
//! tenant created and saved. Skipped (with a message) when Chromium is not installed, unless
//! `TMAS_REQUIRE_BROWSER=1`. Screenshots go to `TMAS_SCREENSHOTS` when it is set, named
//! `{page}-{lang}-{width}`.

mod common;
mod report_fixtures;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::{Backend, PASSWORD, TestApp};
use tmas::domain::account::{Plan, Role};
use webdriver::{Browser, browser_available};

async fn sign_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/login")).await;
    browser.type_into("input[name=email]", email).await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_url(|u| !u.ends_with("/login")).await;
}

/// Switches the interface language with the switcher at the foot of the page.
async fn choose_language(browser: &Browser, app: &TestApp, lang: &str) {
    browser.goto(&app.url("/password/forgot")).await;
    browser
        .click(&format!(
            "form.language select[name=lang] option[value={lang}]"
        ))
        .await;
    // The page is marked, so that the page the form answers with is told from this one even
    // when both are in the same language at the same address.
    browser
        .execute("window.beforeLanguage = 1; return 0;")
        .await;
    browser.click("form.language button[type=submit]").await;
    for _ in 0..200 {
        let state = browser
            .execute("return [typeof window.beforeLanguage, document.readyState, document.documentElement.lang];")
            .await;
        if state[0] == "undefined" && state[1] == "complete" {
            assert_eq!(state[2], lang, "the language chosen");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the language form never answered");
}

/// The page fits the window (nothing scrolls sideways) and, on the desktop, axe-core finds
/// nothing; then its screenshot.
async fn check(browser: &Browser, name: &str, lang: &str, width: u32) {
    let answer = browser
        .execute("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    let (scroll, inner) = (answer[0].as_i64().unwrap(), answer[1].as_i64().unwrap());
    assert!(
        scroll <= inner,
        "{name} ({lang}) is {scroll} px wide in {inner}"
    );
    if width == 1366 {
        let violations = browser.accessibility_violations().await;
        assert!(violations.is_empty(), "{name} ({lang}): {violations:#?}");
    }
    browser.screenshot(&format!("{name}-{lang}-{width}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirected_forms_end_on_pages_that_say_what_was_done() {
    if !browser_available() {
        return;
    }
    // Mail on (a relay nobody listens at), so that "Forgot your password?" can answer.
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.smtp_url = Some("smtp://127.0.0.1:9?tls=none".into());
        settings.mail_from = Some("TMAS <tmas@tmas.example.com>".into());
        settings.public_url = Some("https://tmas.example.com/".into());
    })
    .await;
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    report_fixtures::location(&app, tenant, "STORE-01", "Downtown").await;
    app.create_user("admin@acme.example", Role::Admin, Some(tenant))
        .await;
    app.create_user("ops@tmas.example", Role::Staff, None).await;
    let file = app.dir.path().join("march.csv");
    std::fs::write(
        &file,
        "location_id,date,hour,traffic,staff_hours\nSTORE-01,2026-03-02,10,40,2.5\nSTORE-01,2026-03-02,11,35,2\n",
    )
    .expect("write the file");

    let browser = Browser::start().await;
    for lang in ["en", "es"] {
        for width in [1366, 390] {
            browser.set_window(width, 1400).await;
            // Signed out: the answer to "Forgot your password?".
            choose_language(&browser, &app, lang).await;
            // An address of its own each time: three requests an hour per address.
            browser
                .type_into(
                    "input[name=email]",
                    &format!("ana.{lang}{width}@acme.example"),
                )
                .await;
            browser
                .click("form[action='/password/forgot'] button[type=submit]")
                .await;
            browser
                .wait_for_url(|u| u.ends_with("/password/forgot?sent=1"))
                .await;
            check(&browser, "forgot-sent", lang, width).await;

            sign_in(&browser, &app, "admin@acme.example").await;
            // Signing in takes the account's own language: choose the one looked at again.
            choose_language(&browser, &app, lang).await;
            // A new key, shown once; a reload says it was shown.
            browser.goto(&app.url("/admin/api-keys")).await;
            browser
                .type_into("input[name=name]", &format!("Counters {lang} {width}"))
                .await;
            browser
                .click("form[action='/admin/api-keys'] button[type=submit]")
                .await;
            let url = browser
                .wait_for_url(|u| u.ends_with("/admin/api-keys?notice=created"))
                .await;
            assert!(browser.source().await.contains("class=\"api-key\""));
            check(&browser, "api-key-created", lang, width).await;
            browser.goto(&url).await;
            assert!(!browser.source().await.contains("class=\"api-key\""));
            check(&browser, "api-key-reloaded", lang, width).await;

            // A traffic file: its preview page, then its result.
            browser.goto(&app.url("/admin/traffic")).await;
            browser
                .type_into("input[type=file]", &file.display().to_string())
                .await;
            browser
                .click("form[action='/admin/traffic/preview'] button[type=submit]")
                .await;
            browser
                .wait_for_url(|u| u.contains("/admin/traffic/uploads/"))
                .await;
            check(&browser, "traffic-preview", lang, width).await;
            browser
                .click("form[action='/admin/traffic/commit'] button[type=submit]")
                .await;
            browser
                .wait_for_url(|u| u.contains("/admin/traffic?upload="))
                .await;
            let page = browser.source().await;
            assert!(page.contains("class=\"notice\""), "{page}");
            browser.execute("window.scrollTo(0, 0); return 0;").await;
            check(&browser, "traffic-stored", lang, width).await;
            browser.click("form.signout button[type=submit]").await;
            browser.wait_for_url(|u| u.ends_with("/login")).await;

            // Staff: a tenant created, then saved.
            sign_in(&browser, &app, "ops@tmas.example").await;
            choose_language(&browser, &app, lang).await;
            browser.goto(&app.url("/staff/tenants")).await;
            browser
                .type_into("input[name=name]", &format!("Bravo {lang} {width}"))
                .await;
            browser
                .click("form[action='/staff/tenants'] button[type=submit]")
                .await;
            browser
                .wait_for_url(|u| u.ends_with("/staff/tenants?notice=created"))
                .await;
            check(&browser, "tenant-created", lang, width).await;
            browser
                .goto(&app.url(&format!("/staff/tenants/{}", tenant.0)))
                .await;
            browser
                .click(&format!(
                    "form[action='/staff/tenants/{}'] button[type=submit]",
                    tenant.0
                ))
                .await;
            browser
                .wait_for_url(|u| u.ends_with("/staff/tenants?notice=saved"))
                .await;
            check(&browser, "tenant-saved", lang, width).await;
            browser.click("form.signout button[type=submit]").await;
            browser.wait_for_url(|u| u.ends_with("/login")).await;
        }
    }
    browser.quit().await;
}
