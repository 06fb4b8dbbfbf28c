//! One walk through the Shopify setup wizard in headless Chromium, like a person: signs in,
//! optionally switches the interface language with the selector, types the store and a
//! mistyped token, then the right one, picks the Shopify locations, confirms, sets the
//! schedule, finishes, and sees the integration page. The texts it expects come from a
//! `WizardTexts` table, so each language's test is the same walk with its own table.
//! Included with `#[path = "common/browser_wizard_walk.rs"] mod browser_wizard_walk;` next
//! to `mod common;`, `mod webdriver;` and `mod wizard_support;`.

use tmas::db;
use tmas::domain::account::{Plan, Role};
use tmas::domain::integration::RunRequest;

use crate::common::{Backend, PASSWORD};
use crate::webdriver::{Browser, browser_available};
use crate::wizard_support::{self, sim_config, spawn_with_sim};

/// A language picked with the selector at the bottom of every page before the walk.
pub struct LanguageSwitch {
    /// The selector's value, also the page's `lang` attribute once picked.
    pub code: &'static str,
    /// The sign-out button's text in that language: the page is translated once it shows.
    pub sign_out: &'static str,
}

/// What the wizard says in one language, step by step.
pub struct WizardTexts {
    /// `None` walks in the language the account starts with (English).
    pub switch: Option<LanguageSwitch>,
    /// Put before each screenshot's name, so both walks can share a screenshot folder.
    pub screenshot_prefix: &'static str,
    /// All on step 1 ("Step 1 of 5", ...).
    pub step_1: &'static [&'static str],
    /// None on step 1 (another language's texts, proving the page was translated).
    pub not_on_step_1: &'static [&'static str],
    /// Step 1 again after Shopify refused the token.
    pub token_refused: &'static str,
    pub step_2: &'static str,
    /// Step 2 saying which shop the credentials reached.
    pub connected: &'static str,
    /// Step 3's question, with the two locations picked.
    pub confirm: &'static str,
    pub step_4: &'static str,
    /// Step 5's summary of the schedule (every hour at minute 15).
    pub schedule_summary: &'static str,
    /// The integration page once the wizard is finished.
    pub import_queued: &'static str,
}

/// Walks the wizard reading `texts` on its pages, then checks what was stored. Skipped (with
/// a message) when Chromium is not installed, unless `TMAS_REQUIRE_BROWSER=1`.
pub async fn walk(texts: &WizardTexts) {
    if !browser_available() {
        return;
    }
    let (app, sim) = spawn_with_sim(Backend::Sqlite, sim_config()).await;
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    for (code, name) in [("STORE-01", "King Street"), ("STORE-02", "Queen Street")] {
        let input =
            tmas::domain::location::LocationInput::parse(name, code, "America/Toronto", "active")
                .expect("valid location");
        db::locations::create(&app.db, tenant, &input)
            .await
            .expect("location");
    }
    let token = sim.token("examples").expect("shop");
    let browser = Browser::start().await;
    let shot = |name: &str| format!("{}{name}", texts.screenshot_prefix);

    browser
        .sign_in(&app.url("/login"), "ana@acme.example", PASSWORD)
        .await;

    if let Some(switch) = &texts.switch {
        // The language selector at the bottom of every page.
        browser.choose_language(switch.code).await;
        browser.wait_for_page(|p| p.contains(switch.sign_out)).await;
    }

    browser.goto(&app.url("/admin/integrations")).await;
    browser.screenshot(&shot("01-integrations")).await;
    browser
        .click("a[href=\"/admin/integrations/shopify/new\"]")
        .await;
    browser
        .wait_for_url(|u| u.ends_with("/admin/integrations/shopify/new"))
        .await;
    let first = browser.source().await;
    for text in texts.step_1 {
        assert!(first.contains(text), "{text:?} missing: {first}");
    }
    for text in texts.not_on_step_1 {
        assert!(!first.contains(text), "{text:?} still there: {first}");
    }

    // A mistyped token first: the page says so and keeps what was typed, except the token.
    browser.type_into("input[name=label]", "Acme Retail").await;
    browser
        .type_into("input[name=store_name]", "examples.myshopify.com")
        .await;
    browser
        .click("input[name=credential_kind][value=access_token]")
        .await;
    browser
        .type_into("input[name=access_token]", "shpat_typo")
        .await;
    browser.screenshot(&shot("02-general")).await;
    browser.click("#next").await;
    let page = browser
        .wait_for_page(|p| p.contains(texts.token_refused))
        .await;
    assert!(page.contains("examples.myshopify.com") && !page.contains("shpat_typo"));
    browser.screenshot(&shot("03-general-error")).await;

    browser.type_into("input[name=access_token]", &token).await;
    browser.click("#next").await;
    let url = browser
        .wait_for_url(|u| u.ends_with("/wizard/locations"))
        .await;
    let page = browser.source().await;
    assert!(
        page.contains(texts.step_2) && page.contains(texts.connected),
        "{page}"
    );
    browser.screenshot(&shot("04-locations")).await;

    browser
        .click("select[name=\"location[STORE-01]\"] option[value=\"1001\"]")
        .await;
    browser
        .click("select[name=\"location[STORE-02]\"] option[value=\"1002\"]")
        .await;
    browser.click("#next").await;
    browser
        .wait_for_url(|u| u.ends_with("/wizard/confirm"))
        .await;
    let page = browser.source().await;
    assert!(page.contains(texts.confirm), "{page}");
    browser.screenshot(&shot("05-confirm")).await;
    browser.click("#next").await;

    browser
        .wait_for_url(|u| u.ends_with("/wizard/schedule"))
        .await;
    let page = browser.source().await;
    assert!(page.contains(texts.step_4), "{page}");
    browser.type_into("input[name=minute]", "15").await;
    browser.screenshot(&shot("06-schedule")).await;
    browser.click("#next").await;

    browser
        .wait_for_url(|u| u.ends_with("/wizard/finish"))
        .await;
    let page = browser.source().await;
    assert!(page.contains(texts.schedule_summary), "{page}");
    browser.screenshot(&shot("07-finish")).await;
    browser.click("#next").await;

    let done = browser
        .wait_for_url(|u| u.contains("?notice=started"))
        .await;
    let page = browser.source().await;
    assert!(
        page.contains(texts.import_queued) && page.contains("STORE-02"),
        "{page}"
    );
    browser.screenshot(&shot("08-integration")).await;
    browser.set_window(390, 844).await;
    browser.screenshot(&shot("09-integration-phone")).await;
    browser.goto(&url).await;
    browser.screenshot(&shot("10-locations-phone")).await;
    browser.quit().await;

    let id = wizard_support::id_in(
        done.split_once("/admin/integrations/")
            .map(|(_, rest)| rest)
            .map(|r| format!("/admin/integrations/{r}"))
            .as_deref()
            .unwrap_or_default(),
    );
    let stored = db::integrations::get(&app.db, tenant, id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.status.as_str(), "active");
    assert_eq!(stored.schedule.minute(), 15);
    assert_eq!(stored.run_requested, Some(RunRequest::Initial));
}
