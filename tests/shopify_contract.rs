//! Talking to the real Shopify, end to end through the worker: a Shopify that prices the
//! orders page higher than TMAS does (pages shrink, the run says so, totals stay exact), one
//! that prices `pageInfo` at 0, and one that answers with another API version (the
//! integration page says so, with what to do).
mod common;
mod worker_support;

use common::TestApp;
use reqwest::StatusCode;
use tmas::db::imports;
use tmas::domain::account::{Plan, Role};
use tmas::i18n::{Lang, translate};
use tmas::shopify::queries;
use tmas::sim::Pricing;
use tmas::worker;
use worker_support::*;

/// A tenant with a signed-in admin whose integration reads `shop` (first import queued).
async fn signed_in_and_connected(
    app: &TestApp,
    sim: &tmas::sim::SimHandle,
    key: &[u8; 32],
    name: &str,
    shop: &str,
) -> Connected {
    let tenant = app.signed_in(name, Plan::Retail, Role::Admin).await;
    connect_tenant(&app.db, sim, tenant, shop, key, "2026-08-01").await
}

async fn a_costlier_shopify_shrinks_pages_and_the_run_says_so(app: TestApp) {
    let sim = simulator("pricey", 20, 30, 31).await;
    sim.set_pricing(
        "pricey",
        Pricing {
            page_info_cost: 1,
            cost_factor: 1.25,
        },
    )
    .expect("shop");
    let state = worker_state(&app, &sim);
    let c = signed_in_and_connected(&app, &sim, &state.secret_key, "Pricey", "pricey").await;
    let reports = worker::drain_with(&state, &paging_worker())
        .await
        .expect("drain");
    assert_eq!(reports.len(), 1);
    assert_succeeded(&reports[0]);
    assert_exact(&app.db, &sim, &c, "after Shopify refused the first page").await;

    let first = queries::orders_per_page();
    let cost = (queries::orders_query_cost(first, tmas::shopify::cost::PageInfo::Object) as f64
        * 1.25)
        .ceil() as u64;
    let smaller = queries::shrunk_page(first, cost, 1000);
    let note = format!(
        "Shopify refused a page of {first} orders as too costly ({cost} points, limit 1000); \
         TMAS asked again for {smaller} orders a page, from the same place. Nothing is needed \
         from you."
    );
    let runs = imports::runs(&app.db, c.tenant, c.integration, 5)
        .await
        .expect("runs");
    assert_eq!(runs[0].note, note);
    let (code, page) = app
        .browser()
        .text(&format!("/admin/integrations/{}/imports", c.integration))
        .await;
    assert_eq!(code, StatusCode::OK);
    // The page groups the note's numbers as the language writes them.
    let grouped = note.replace(
        &format!("({cost} points, limit 1000)"),
        &format!(
            "({} points, limit {})",
            tmas::i18n::format_integer(Lang::En, cost as i64),
            tmas::i18n::format_integer(Lang::En, 1000)
        ),
    );
    assert!(
        page.contains(&grouped),
        "the imports page shows the note: {grouped}\n{page}"
    );
    let spanish = translate(Lang::Es, &note);
    assert!(spanish.starts_with(&format!("Shopify rechazó una página de {first} pedidos")));
    assert!(
        spanish.contains(&format!("con {smaller} pedidos por página")),
        "{spanish}"
    );
}

async fn page_info_priced_free_imports_exact_with_no_note(app: TestApp) {
    let sim = simulator("free", 20, 30, 32).await;
    sim.set_pricing(
        "free",
        Pricing {
            page_info_cost: 0,
            ..Pricing::default()
        },
    )
    .expect("shop");
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Free", "free", &state.secret_key).await;
    let reports = worker::drain_with(&state, &paging_worker())
        .await
        .expect("drain");
    assert_succeeded(&reports[0]);
    assert_exact(&app.db, &sim, &c, "pageInfo free").await;
    let runs = imports::runs(&app.db, c.tenant, c.integration, 5)
        .await
        .expect("runs");
    assert_eq!(runs[0].note, "");
}

async fn another_api_version_is_shown_on_the_integration_page(app: TestApp) {
    let sim = simulator("retired", 5, 10, 33).await;
    let state = worker_state(&app, &sim);
    let c = signed_in_and_connected(&app, &sim, &state.secret_key, "Retired", "retired").await;
    let path = format!("/admin/integrations/{}", c.integration);
    let warning = "Shopify answered with Admin API version";

    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    let (code, page) = app.browser().text(&path).await;
    assert_eq!(code, StatusCode::OK);
    assert!(!page.contains(warning), "the version asked answered");

    sim.set_answer_version("retired", Some("2026-04".into()))
        .expect("shop");
    sqlx::query("UPDATE integrations SET next_run_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(c.tenant.0)
        .bind(c.integration)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .expect("make due");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports.len(), 1);
    assert_succeeded(&reports[0]);
    let (_, page) = app.browser().text(&path).await;
    assert!(
        page.contains(
            "Shopify answered with Admin API version 2026-04 instead of 2026-10, the version \
             TMAS asks for."
        ),
        "{page}"
    );
    assert!(page.contains("Tell TMAS support."));
    // Totals are still imported: the version is a warning, not a stop.
    assert_exact(&app.db, &sim, &c, "answered by another version").await;
}

backend_tests!(
    a_costlier_shopify_shrinks_pages_and_the_run_says_so,
    page_info_priced_free_imports_exact_with_no_note,
    another_api_version_is_shown_on_the_integration_page,
);
