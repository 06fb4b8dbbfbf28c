//! Shared by the wizard and integration tests: the app pointed at an embedded Shopify
//! simulator, and the wizard driven through its HTTP forms like a person would.
//! Included with `#[path = "common/wizard_support.rs"] mod wizard_support;`.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use tmas::db::integrations::Integration;
use tmas::db::{self, TenantId};
use tmas::sim::{ShopSpec, SimConfig, SimHandle};

use crate::common::{Backend, Browser, TestApp, location_of};

/// The examples shop (locations 1001 STORE-01, 1002 STORE-02) and a small generated shop
/// `alpha` (four locations, the last inactive).
pub fn sim_config() -> SimConfig {
    let mut config = SimConfig::examples_only();
    let mut alpha = ShopSpec::new(
        "alpha",
        chrono_tz::America::Toronto,
        "CAD",
        Utc::now().date_naive(),
    );
    alpha.days = 2;
    alpha.orders_per_day = 4;
    config.seed = 7;
    config.shops = vec![alpha];
    config
}

/// The app (without worker) talking to a fresh simulator.
pub async fn spawn_with_sim(backend: Backend, config: SimConfig) -> (TestApp, SimHandle) {
    let sim = tmas::sim::spawn(config).await;
    let url = sim.base_url();
    let app = TestApp::spawn_with(backend, move |settings| settings.shopify_url = url).await;
    (app, sim)
}

/// One test per back end for each `async fn(TestApp, SimHandle)`.
#[macro_export]
macro_rules! sim_backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (app, sim) = $crate::wizard_support::spawn_with_sim(
                        $crate::common::Backend::Sqlite,
                        $crate::wizard_support::sim_config(),
                    ).await;
                    super::$name(app, sim).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if !$crate::common::postgres_configured() {
                        eprintln!("skipped: set TMAS_TEST_POSTGRES_URL to run on PostgreSQL");
                        return;
                    }
                    let (app, sim) = $crate::wizard_support::spawn_with_sim(
                        $crate::common::Backend::Postgres,
                        $crate::wizard_support::sim_config(),
                    ).await;
                    super::$name(app, sim).await;
                }
            )*
        }
    };
}

/// Creates a TMAS location through the Locations form.
pub async fn add_location(browser: &Browser, code: &str, name: &str) {
    let response = browser
        .post_form(
            "/admin/locations",
            &[
                ("name", name),
                ("location_id", code),
                ("time_zone", "America/Toronto"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "location {code}");
}

/// Replaces an integration's credentials with client credentials through its form.
pub async fn replace_with_client_credentials(
    browser: &Browser,
    id: i64,
    client_id: &str,
    secret: &str,
) -> reqwest::Response {
    browser
        .post_form(
            &format!("/admin/integrations/{id}/credentials"),
            &[
                ("credential_kind", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ],
        )
        .await
}

/// The integration id in a `/admin/integrations/{id}/…` address.
pub fn id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/admin/integrations/")
        .split(['/', '?'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no integration id in {location:?}"))
}

/// Posts the general-information step with an access token; returns the response.
pub async fn post_general(
    browser: &Browser,
    path: &str,
    label: &str,
    store: &str,
    token: &str,
) -> reqwest::Response {
    browser
        .post_form(
            path,
            &[
                ("label", label),
                ("store_name", store),
                ("credential_kind", "access_token"),
                ("access_token", token),
            ],
        )
        .await
}

/// Step 1 for a shop of the simulator; returns the new draft's id.
pub async fn start_wizard(browser: &Browser, sim: &SimHandle, shop: &str) -> i64 {
    let token = sim.token(shop).expect("shop");
    let response = post_general(
        browser,
        "/admin/integrations/shopify/new",
        "Acme Retail",
        shop,
        &token,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location_of(&response);
    assert!(to.ends_with("/wizard/locations"), "{to}");
    id_in(&to)
}

pub fn default_backfill() -> String {
    (Utc::now().date_naive() - Duration::days(10)).to_string()
}

/// Steps 2–5 with the given matches (`location[CODE]` → Shopify id); returns nothing, asserts
/// each step moves on.
pub async fn finish_wizard(browser: &Browser, id: i64, matches: &[(&str, &str)]) {
    let fields: Vec<(String, String)> = matches
        .iter()
        .map(|(code, sid)| (format!("location[{code}]"), sid.to_string()))
        .collect();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let base = format!("/admin/integrations/{id}/wizard");
    let r = browser
        .post_form(&format!("{base}/locations"), &borrowed)
        .await;
    assert_eq!(location_of(&r), format!("{base}/confirm"));
    let r = browser.post_form(&format!("{base}/confirm"), &[]).await;
    assert_eq!(location_of(&r), format!("{base}/schedule"));
    let backfill = default_backfill();
    let r = browser
        .post_form(
            &format!("{base}/schedule"),
            &[
                ("frequency", "hourly"),
                ("minute", "02"),
                ("backfill_from", &backfill),
            ],
        )
        .await;
    assert_eq!(location_of(&r), format!("{base}/finish"));
    let r = browser.post_form(&format!("{base}/finish"), &[]).await;
    assert_eq!(
        location_of(&r),
        format!("/admin/integrations/{id}?notice=started")
    );
}

/// A tenant on the retail plan whose admin is signed in on `app.browser()`, with locations
/// STORE-01 and STORE-02, and an active integration of the examples shop matching both.
pub async fn active_examples_integration(app: &TestApp, sim: &SimHandle) -> (TenantId, i64) {
    let tenant = app
        .signed_in(
            "Acme",
            tmas::domain::account::Plan::Retail,
            tmas::domain::account::Role::Admin,
        )
        .await;
    let browser = app.browser();
    add_location(&browser, "STORE-01", "King Street").await;
    add_location(&browser, "STORE-02", "Queen Street").await;
    let id = start_wizard(&browser, sim, "examples").await;
    finish_wizard(&browser, id, &[("STORE-01", "1001"), ("STORE-02", "1002")]).await;
    (tenant, id)
}

pub async fn integration(app: &TestApp, tenant: TenantId, id: i64) -> Option<Integration> {
    db::integrations::get(&app.db, tenant, id)
        .await
        .expect("query integration")
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Audit actions recorded in the tenant, oldest first.
pub async fn audit_actions(app: &TestApp, tenant: TenantId) -> Vec<String> {
    let mut entries = db::audit::list_for_tenant(&app.db, tenant, 500)
        .await
        .expect("audit");
    entries.reverse();
    entries.into_iter().map(|e| e.action).collect()
}
