//! In a real browser, the forms this work changed end on a GET page that says what was done,
//! so a reload or a language change shows that page again (never a browser error), and the
//! pages fit a 1366 px desktop and a 390 px phone in English and Spanish: a saved location,
//! the account's saved digests, a password reset's page, the audit log's facts as a list, the
//! wizard's "create all" of Shopify locations, and a manager's missing page. Skipped (with a
//! message) when Chromium is not installed, unless `TMAS_REQUIRE_BROWSER=1`. Screenshots go to
//! `TMAS_SCREENSHOTS` when it is set, named `{page}-{lang}-{width}`.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use common::{Backend, PASSWORD};
use webdriver::{Browser, browser_available};
use wizard_support::{sim_config, spawn_with_sim};

/// The page fits the window: nothing scrolls sideways.
async fn fits(browser: &Browser, what: &str) {
    let (scroll, inner) = browser.widths().await;
    assert!(scroll <= inner, "{what} is {scroll} px wide in {inner}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_end_on_pages_that_say_what_was_done() {
    if !browser_available() {
        return;
    }
    let (app, sim) = spawn_with_sim(Backend::Sqlite, sim_config()).await;
    let tenant = app
        .signed_in(
            "Acme",
            tmas::domain::account::Plan::Retail,
            tmas::domain::account::Role::Admin,
        )
        .await;
    let draft = wizard_support::start_wizard(&app.browser(), &sim, "alpha").await;
    let bo = app
        .create_user(
            "bo@acme.example",
            tmas::domain::account::Role::Manager,
            Some(tenant),
        )
        .await;
    // A manager whose password is never reset here.
    app.create_user(
        "cy@acme.example",
        tmas::domain::account::Role::Manager,
        Some(tenant),
    )
    .await;
    let browser = Browser::start().await;
    browser
        .sign_in(&app.url("/login"), "admin@acme.example", PASSWORD)
        .await;

    for lang in ["en", "es"] {
        browser.goto(&app.url("/")).await;
        browser.choose_language(lang).await;
        for width in [1366, 390] {
            browser.set_window(width, 1400).await;
            let shot = |page: &str| format!("{page}-{lang}-{width}");

            // A location saved: the list says so; a reload shows the list again.
            browser.goto(&app.url("/admin/locations/new")).await;
            let code = format!("S-{lang}-{width}");
            browser
                .type_into("input[name=name]", "King Street West")
                .await;
            browser.type_into("input[name=location_id]", &code).await;
            browser
                .click("form[action='/admin/locations'] button[type=submit]")
                .await;
            let url = browser
                .wait_for_url(|u| u.contains("/admin/locations?notice=created"))
                .await;
            let page = browser.source().await;
            assert!(page.contains("class=\"notice\""), "{page}");
            fits(&browser, &url).await;
            browser.screenshot(&shot("locations-saved")).await;

            // The account's digests saved.
            browser.goto(&app.url("/account/password")).await;
            browser
                .click("form[action='/account/digests'] button")
                .await;
            browser
                .wait_for_url(|u| u.ends_with("/account/password?saved=digests"))
                .await;
            fits(&browser, "account").await;
            browser.screenshot(&shot("account-saved")).await;

            // A password reset ends on its own GET page, which shows the password once.
            browser.goto(&app.url(&format!("/admin/users/{bo}"))).await;
            browser
                .click(&format!("form[action='/admin/users/{bo}/password'] button"))
                .await;
            browser
                .wait_for_url(|u| u.ends_with(&format!("/admin/users/{bo}/password")))
                .await;
            let page = browser.source().await;
            assert!(page.contains("<code>"), "{page}");
            fits(&browser, "password reset").await;
            browser.screenshot(&shot("user-password-reset")).await;
            // A reload shows the user's page, not a browser error or a second reset.
            browser
                .goto(&app.url(&format!("/admin/users/{bo}/password")))
                .await;
            browser
                .wait_for_url(|u| u.ends_with(&format!("/admin/users/{bo}")))
                .await;

            // The audit log's facts one a line.
            browser.goto(&app.url("/admin/audit")).await;
            let page = browser.source().await;
            assert!(page.contains("<ul class=\"facts\">"), "{page}");
            fits(&browser, "audit").await;
            browser.screenshot(&shot("audit-facts")).await;

            // The wizard offers every unmatched Shopify location at once.
            browser
                .goto(&app.url(&format!("/admin/integrations/{draft}/wizard/locations")))
                .await;
            let page = browser.source().await;
            assert!(page.contains("value=\"all\""), "{page}");
            fits(&browser, "wizard locations").await;
            browser
                .execute("document.querySelector('ul.unmatched').scrollIntoView(); return 0;")
                .await;
            browser.screenshot(&shot("wizard-locations-all")).await;
        }
    }

    // A manager's missing page names what a manager can open.
    browser.goto(&app.url("/")).await;
    browser.click("form.signout button[type=submit]").await;
    browser.wait_for_url(|u| u.ends_with("/login")).await;
    browser
        .sign_in(&app.url("/login"), "cy@acme.example", PASSWORD)
        .await;
    for lang in ["en", "es"] {
        browser.goto(&app.url("/")).await;
        browser.choose_language(lang).await;
        for width in [1366, 390] {
            browser.set_window(width, 1000).await;
            browser.goto(&app.url("/no/such/page")).await;
            let page = browser.source().await;
            assert!(page.contains("class=\"advice\""), "{page}");
            fits(&browser, "not found").await;
            browser
                .screenshot(&format!("not-found-manager-{lang}-{width}"))
                .await;
        }
    }
    browser.quit().await;
}
