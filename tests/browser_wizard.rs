//! A person connects Shopify in headless Chromium: signs in, types the store and token,
//! clicks Next, picks the Shopify locations, confirms, sets the schedule, finishes, and sees
//! the integration page. The walk is shared with `browser_wizard_es.rs`; this is its English
//! table. Skipped (with a message) when Chromium is not installed, unless
//! `TMAS_REQUIRE_BROWSER=1`.

#[path = "common/browser_wizard_walk.rs"]
mod browser_wizard_walk;
mod common;
#[path = "common/webdriver.rs"]
mod webdriver;
#[path = "common/wizard_support.rs"]
mod wizard_support;

use browser_wizard_walk::{WizardTexts, walk};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_connects_shopify_in_a_browser() {
    walk(&WizardTexts {
        switch: None,
        screenshot_prefix: "",
        step_1: &["Step 1 of 5"],
        not_on_step_1: &[],
        token_refused: "did not accept this access token",
        step_2: "Step 2 of 5",
        connected: "Connected to",
        confirm: "These 2 locations will be imported. Continue?",
        step_4: "Step 4 of 5",
        schedule_summary: "Every hour at minute 15",
        import_queued: "first import is queued",
    })
    .await;
}
