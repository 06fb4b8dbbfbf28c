//! The daily check against Shopify's own report (ShopifyQL), through the simulator: every
//! day matches after an import; a day Shopify's report differs on is named with both figures
//! and a reason; without `read_reports` the check says so and imports go on; a parse error
//! and a column the report no longer has; throttling; a location in another time zone than
//! the shop. On SQLite and PostgreSQL.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;
mod worker_support;

use chrono::{Duration, NaiveDate, Utc};
use common::{TestApp, html_unescape, location_of, toronto_today, visible_text};
use serde_json::json;
use tmas::db::reconciliation::{self as store, DayCheck};
use tmas::domain::account::{Plan, Role};
use tmas::shopify::RetryPolicy;
use tmas::sim::{ShopSpec, SimConfig, SimHandle};
use tmas::web::AppState;
use tmas::worker::WorkerConfig;
use tmas::worker::reconcile;
use worker_support::*;

backend_tests!(
    every_day_matches_after_an_import,
    a_day_that_differs_is_named_with_both_figures,
    without_read_reports_the_check_says_so_and_imports_go_on,
    a_report_without_a_column_and_throttling_are_recorded,
    a_location_in_another_time_zone_is_checked_in_its_own,
    an_edited_day_and_a_disabled_location_are_named,
);

const SHOP: &str = "recon";

/// A shop in Toronto with ten days of history ending yesterday (so nothing is in the future),
/// granting the scopes the check and the exact placement of returns need.
async fn simulator(reports: bool) -> SimHandle {
    let mut spec = ShopSpec::new(
        SHOP,
        chrono_tz::America::Toronto,
        "CAD",
        toronto_today() - Duration::days(1),
    );
    spec.days = 10;
    spec.orders_per_day = 12;
    let mut config = SimConfig::examples_only();
    config.examples = false;
    config.seed = 25;
    config.shops = vec![spec];
    let mut config = config
        .grant_everywhere(tmas::sim::ALL_ORDERS_SCOPE)
        .grant_everywhere("read_returns");
    if reports {
        config = config.grant_everywhere("read_reports");
    }
    let sim = tmas::sim::spawn(config).await;
    sim.update_faults(SHOP, |f| f.unlimited = true)
        .expect("shop exists");
    sim
}

/// A signed-in admin's tenant connected to the shop, its history imported.
async fn imported(app: &TestApp, sim: &SimHandle, name: &str) -> (AppState, Connected) {
    let tenant = app.signed_in(name, Plan::Retail, Role::Admin).await;
    let state = worker_state(app, sim);
    let backfill = (toronto_today() - Duration::days(12)).to_string();
    let c = connect_tenant(&app.db, sim, tenant, SHOP, &state.secret_key, &backfill).await;
    drain_ok(&state, &fast_worker()).await;
    (state, c)
}

/// Runs the check of the connection now.
async fn check_now(state: &AppState, config: &WorkerConfig, c: &Connected) -> store::CheckRow {
    reconcile::request_now(&state.db, c.tenant, c.integration)
        .await
        .expect("request");
    let ran = reconcile::run_due(state, config).await.expect("run");
    assert!(ran >= 1, "the requested check ran");
    store::check(&state.db, c.tenant, c.integration)
        .await
        .expect("read check")
        .expect("a check row")
}

/// What a page shows, tags dropped and entities read.
fn shown(html: &str) -> String {
    html_unescape(&visible_text(html))
}

/// An amount in Canadian dollars as the English page writes it (`$1,234.50`).
fn money(minor: i64) -> String {
    tmas::i18n::format_money(tmas::i18n::Lang::En, minor, 2, "CAD")
}

async fn days(state: &AppState, c: &Connected) -> Vec<DayCheck> {
    store::days(&state.db, c.tenant, c.integration)
        .await
        .expect("read days")
}

async fn every_day_matches_after_an_import(app: TestApp) {
    let sim = simulator(true).await;
    let (state, c) = imported(&app, &sim, "Acme").await;
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "done", "{}", check.message);
    let days = days(&state, &c).await;
    assert_eq!(days.len(), c.locations.len() * 7, "every location, 7 days");
    let differing: Vec<_> = days.iter().filter(|d| !d.matches()).collect();
    assert!(differing.is_empty(), "{differing:#?}");
    // Real figures were compared, to the cent: Shopify's side equals the simulator's own
    // expected totals of the day.
    let expected = sim.expected_totals(SHOP).expect("expected");
    let by_row: std::collections::BTreeMap<i64, i64> =
        c.locations.iter().map(|(s, row)| (*row, *s)).collect();
    let mut sold = 0;
    for d in &days {
        let date: NaiveDate = d.local_date.parse().expect("date");
        let day = expected.day(by_row[&d.location_id], date);
        assert_eq!(d.shopify_net, day.net, "{d:?}");
        assert_eq!(d.shopify_returns, day.returns, "{d:?}");
        sold += d.shopify_orders;
    }
    assert!(sold > 20, "the week had sales ({sold} orders)");
    // The page and the dashboard say so.
    let (_, page) = app
        .browser()
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    let page = shown(&page);
    assert!(
        page.contains("7 of 7 days match Shopify's report."),
        "{page}"
    );
    assert!(page.contains("matches Shopify's report (checked"), "{page}");
    let (_, dashboard) = app.browser().text("/").await;
    assert!(
        shown(&dashboard).contains("Checked against Shopify: 7 of 7 days match"),
        "{dashboard}"
    );
}

async fn a_day_that_differs_is_named_with_both_figures(app: TestApp) {
    let sim = simulator(true).await;
    let (state, c) = imported(&app, &sim, "Acme").await;
    let bad = toronto_today() - Duration::days(3);
    sim.update_faults(SHOP, |f| f.report_differs_on = vec![bad.to_string()])
        .expect("fault");
    // Asked from the integration page: a POST with the CSRF field, back with a notice.
    let browser = app.browser();
    let response = browser
        .post_form(
            &format!("/admin/integrations/{}/reconciliation", c.integration),
            &[],
        )
        .await;
    assert_eq!(
        location_of(&response),
        format!(
            "/admin/integrations/{}?notice=check_queued#reconciliation",
            c.integration
        )
    );
    let ran = reconcile::run_due(&state, &fast_worker())
        .await
        .expect("run");
    assert_eq!(ran, 1);
    let days = days(&state, &c).await;
    let differing: Vec<_> = days.iter().filter(|d| !d.matches()).collect();
    assert!(!differing.is_empty(), "the day differs");
    for d in &differing {
        assert_eq!(
            d.local_date,
            bad.to_string(),
            "only that day differs: {d:?}"
        );
        assert_eq!(d.shopify_net - d.tmas_net, 1000, "by 10.00: {d:?}");
        assert_eq!(d.shopify_orders, d.tmas_orders);
        assert_eq!(d.reasons, "changed", "{d:?}");
    }
    // Nothing imported changed: TMAS's side is its stored day.
    assert_days_exact(&app.db, &sim, &c, "after the check").await;
    let (_, page) = browser
        .text(&format!(
            "/admin/integrations/{}?notice=check_queued",
            c.integration
        ))
        .await;
    let text = shown(&page);
    assert!(
        text.contains("1 day differs from Shopify's report."),
        "{text}"
    );
    assert!(text.contains("Net sales"), "{text}");
    assert!(text.contains("(difference -$10.00)"), "{text}");
    assert!(
        text.contains(&format!(
            "in Shopify {}, in TMAS {}",
            money(differing[0].shopify_net),
            money(differing[0].tmas_net)
        )),
        "{text}"
    );
    assert!(
        text.contains("Shopify's data changed after TMAS's last import of this day."),
        "{text}"
    );
    assert!(page.contains("Re-import this day"), "{page}");
    assert!(page.contains(&format!("value=\"{bad}\"")), "{page}");
    let (_, dashboard) = browser.text("/").await;
    assert!(
        shown(&dashboard).contains("Checked against Shopify: 1 day differs"),
        "{dashboard}"
    );
    // In Spanish too.
    let response = browser.post_form("/language", &[("lang", "es")]).await;
    assert!(
        response.status().is_redirection(),
        "{:?}",
        response.status()
    );
    let (_, page) = browser
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    assert!(
        shown(&page).contains("1 día difiere del informe de Shopify."),
        "{page}"
    );
    // Another tenant's admin cannot ask for this integration's check, nor see it.
    let other_tenant = app.create_tenant("Other", Plan::Retail).await;
    app.create_user("admin@other.example", Role::Admin, Some(other_tenant))
        .await;
    let other = app.other_browser();
    other.login("admin@other.example", common::PASSWORD).await;
    let path = format!("/admin/integrations/{}/reconciliation", c.integration);
    assert_eq!(
        other.post_form(&path, &[]).await.status(),
        reqwest::StatusCode::NOT_FOUND
    );
    let (_, dashboard) = other.text("/").await;
    assert!(
        !dashboard.contains("Checked against Shopify"),
        "{dashboard}"
    );
}

async fn without_read_reports_the_check_says_so_and_imports_go_on(app: TestApp) {
    let sim = simulator(false).await;
    let (state, c) = imported(&app, &sim, "Acme").await;
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "no_scope");
    assert!(days(&state, &c).await.is_empty());
    assert_days_exact(&app.db, &sim, &c, "imports without read_reports").await;
    let (_, page) = app
        .browser()
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    let text = shown(&page);
    assert!(
        text.contains("the app does not have the read_reports scope"),
        "{text}"
    );
    assert!(text.contains("then reinstall the app"), "{text}");
    assert!(text.contains("release a new version"), "{text}");
    // Granted later: the next check reads it from Shopify and compares.
    sim.grant_scope(SHOP, "read_reports").expect("grant");
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "done", "{}", check.message);
    assert!(days(&state, &c).await.iter().all(DayCheck::matches));
}

async fn a_report_without_a_column_and_throttling_are_recorded(app: TestApp) {
    let sim = simulator(true).await;
    // A query the simulator does not read is refused as Shopify refuses it: parse errors,
    // no table.
    let token = sim.token(SHOP).expect("token");
    let url = format!(
        "{}/admin/api/2026-10/graphql.json",
        sim.base_url().replace("{shop}", SHOP)
    );
    let answer: serde_json::Value = common::sim::post_graphql(
        &url,
        &token,
        json!({ "query": tmas::shopify::shopifyql::DOCUMENT,
                "variables": { "query": "FROM sales SHOW total_sales DURING last_month" } }),
    )
    .await
    .json()
    .await
    .expect("json");
    let result = &answer["data"]["shopifyqlQuery"];
    assert!(result["tableData"].is_null(), "{answer}");
    assert!(
        !result["parseErrors"]
            .as_array()
            .expect("parse errors")
            .is_empty(),
        "{answer}"
    );

    let (state, c) = imported(&app, &sim, "Acme").await;
    sim.update_faults(SHOP, |f| {
        f.shopifyql_missing_columns = vec!["returns".into()];
    })
    .expect("fault");
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "missing_column");
    assert_eq!(check.message, "returns");
    let (_, page) = app
        .browser()
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    assert!(
        shown(&page).contains("no longer has the column returns"),
        "{page}"
    );

    // Throttled beyond the waits the client allows: recorded, tried again within the hour.
    sim.update_faults(SHOP, |f| {
        f.shopifyql_missing_columns.clear();
        f.shopifyql_warnings = vec!["The metric returns is deprecated".into()];
        f.unlimited = false;
        f.throttled_next = 10;
        f.retry_after_secs = 0.01;
    })
    .expect("fault");
    let impatient = WorkerConfig {
        retry: RetryPolicy {
            max_throttle_waits: 1,
            max_throttle_wait: std::time::Duration::from_millis(20),
            ..RetryPolicy::fast()
        },
        ..fast_worker()
    };
    let check = check_now(&state, &impatient, &c).await;
    assert_eq!(check.state.as_str(), "throttled");
    assert!(check.next_check_at <= Utc::now().timestamp() + 3600);
    // Warnings ride along with an answer.
    sim.update_faults(SHOP, |f| {
        f.throttled_next = 0;
        f.unlimited = true;
    })
    .expect("fault");
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "done");
    assert_eq!(check.warnings, "The metric returns is deprecated");
}

async fn a_location_in_another_time_zone_is_checked_in_its_own(app: TestApp) {
    let sim = simulator(true).await;
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let state = worker_state(&app, &sim);
    let backfill = (toronto_today() - Duration::days(12)).to_string();
    let c = connect_tenant(&app.db, &sim, tenant, SHOP, &state.secret_key, &backfill).await;
    // The first location keeps its books in Tokyo, 14 hours ahead of the shop.
    let (&shopify_id, &row) = c.locations.iter().next().expect("a location");
    sqlx::query("UPDATE locations SET time_zone = 'Asia/Tokyo' WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(row)
        .execute(&app.db.pool)
        .await
        .expect("move the location");
    drain_ok(&state, &fast_worker()).await;
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "done", "{}", check.message);
    let days = days(&state, &c).await;
    let differing: Vec<_> = days.iter().filter(|d| !d.matches()).collect();
    assert!(differing.is_empty(), "{differing:#?}");
    // Its days are Tokyo's: the report in the shop's zone would not have matched.
    let tokyo_today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let tokyo: Vec<_> = days.iter().filter(|d| d.location_id == row).collect();
    assert_eq!(tokyo.len(), 7);
    assert_eq!(
        tokyo.iter().map(|d| d.local_date.clone()).max(),
        Some((tokyo_today - Duration::days(1)).to_string())
    );
    let shop = sim.shop_model(SHOP).expect("model");
    let (since, until) = (
        tokyo_today - Duration::days(7),
        tokyo_today - Duration::days(1),
    );
    let in_toronto = tmas::sim::shopifyql::report(&shop, chrono_tz::America::Toronto, since, until);
    let in_tokyo = tmas::sim::shopifyql::report(&shop, chrono_tz::Asia::Tokyo, since, until);
    let of = |r: &std::collections::BTreeMap<(i64, NaiveDate), tmas::sim::shopifyql::ReportDay>| {
        r.iter()
            .filter(|((l, _), _)| *l == shopify_id)
            .map(|(k, v)| (*k, *v))
            .collect::<Vec<_>>()
    };
    assert_ne!(
        of(&in_toronto),
        of(&in_tokyo),
        "the zone moves sales between days"
    );
}

/// The section and the badge in headless Chromium, at 1366 and 390 px in English and Spanish:
/// they fit the width; with `TMAS_SCREENSHOTS=dir` their screenshots are kept
/// (`reconciliation-{page}-{lang}-{width}`). Skipped without Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_section_and_the_badge_fit_a_desktop_and_a_phone() {
    if !webdriver::browser_available() {
        return;
    }
    let app = TestApp::spawn(common::Backend::Sqlite).await;
    let sim = simulator(true).await;
    let (state, c) = imported(&app, &sim, "Acme").await;
    let bad = toronto_today() - Duration::days(2);
    sim.update_faults(SHOP, |f| f.report_differs_on = vec![bad.to_string()])
        .expect("fault");
    check_now(&state, &fast_worker(), &c).await;
    let browser = webdriver::Browser::start().await;
    browser
        .sign_in(&app.url("/login"), "admin@acme.example", common::PASSWORD)
        .await;
    for lang in ["en", "es"] {
        browser.choose_language(lang).await;
        for width in [1366, 390] {
            browser.set_window(width, 1100).await;
            for (name, path, anchor) in [
                (
                    "integration",
                    format!("/admin/integrations/{}", c.integration),
                    "reconciliation",
                ),
                ("dashboard", "/".to_string(), "main"),
            ] {
                browser.goto(&app.url(&path)).await;
                browser
                    .execute(&format!(
                        "document.getElementById('{anchor}').scrollIntoView(); return 0;"
                    ))
                    .await;
                let (scroll, inner) = browser.widths().await;
                assert!(
                    scroll <= inner,
                    "{name} ({lang}, {width} px) is {scroll} px wide in {inner}"
                );
                browser
                    .screenshot(&format!("reconciliation-{name}-{lang}-{width}"))
                    .await;
            }
        }
    }
    browser.quit().await;
}

async fn an_edited_day_and_a_disabled_location_are_named(app: TestApp) {
    let sim = simulator(true).await;
    let (state, c) = imported(&app, &sim, "Acme").await;
    let yesterday = (toronto_today() - Duration::days(1)).to_string();
    let week_ago = (toronto_today() - Duration::days(7)).to_string();
    // A day of the week with sales, at one location: edited by hand in TMAS.
    let (edited_row, edited_date): (i64, String) = sqlx::query_as(
        "SELECT location_id, local_date FROM daily_totals
         WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3 AND net <> 0
         ORDER BY local_date, location_id LIMIT 1",
    )
    .bind(c.tenant.0)
    .bind(&week_ago)
    .bind(&yesterday)
    .fetch_one(&app.db.pool)
    .await
    .expect("a day with sales");
    sqlx::query(
        "UPDATE hourly_totals SET net = net + 500, edited = 1
         WHERE tenant_id = $1 AND location_id = $2 AND local_date = $3",
    )
    .bind(c.tenant.0)
    .bind(edited_row)
    .bind(&edited_date)
    .execute(&app.db.pool)
    .await
    .expect("edit");
    // Another location disabled, and Shopify's report differing on yesterday.
    let disabled_row = *c
        .locations
        .values()
        .find(|row| **row != edited_row)
        .expect("another location");
    sqlx::query(
        "UPDATE integration_locations SET enabled = 0 WHERE tenant_id = $1 AND location_id = $2",
    )
    .bind(c.tenant.0)
    .bind(disabled_row)
    .execute(&app.db.pool)
    .await
    .expect("disable");
    sim.update_faults(SHOP, |f| f.report_differs_on = vec![yesterday.clone()])
        .expect("fault");
    let check = check_now(&state, &fast_worker(), &c).await;
    assert_eq!(check.state.as_str(), "done", "{}", check.message);
    let days = days(&state, &c).await;
    let edited = days
        .iter()
        .find(|d| d.location_id == edited_row && d.local_date == edited_date)
        .expect("the edited day");
    assert!(!edited.matches());
    assert!(edited.reason_list().contains(&"edited"), "{edited:?}");
    let disabled = days
        .iter()
        .find(|d| d.location_id == disabled_row && d.local_date == yesterday)
        .expect("the disabled location's day");
    assert!(!disabled.matches());
    assert!(disabled.reason_list().contains(&"disabled"), "{disabled:?}");
    let (_, page) = app
        .browser()
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    let text = shown(&page);
    assert!(
        text.contains("The day was edited by hand in TMAS."),
        "{text}"
    );
    assert!(text.contains("The location is disabled"), "{text}");
}
