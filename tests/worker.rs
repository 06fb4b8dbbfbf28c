//! The import worker against the Shopify simulator: exact hourly totals after a backfill and
//! after later refunds, cancellations, re-reads, throttling storms, server errors and revoked
//! credentials; the imports page with "Import now" and "launch back".
mod common;
mod worker_support;

use chrono::{Duration, Utc};
use common::TestApp;
use tmas::db::imports::Outcome;
use tmas::sim::{LineSpec, OrderSpec, RefundLineSpec, RefundSpec};
use tmas::worker::{self, Trigger};
use worker_support::*;

/// 90 days across four locations, then the changes a shop sees later: a new sale, a refund
/// days later at another store, a cancellation, and the whole window read again.
async fn ninety_days_exact_then_later_changes(app: TestApp) {
    let sim = simulator("north", 90, 30, 11).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "North", "north", &state.secret_key).await;
    let config = fast_worker();

    let reports = worker::drain_with(&state, &config).await.expect("drain");
    assert_eq!(reports.len(), 1, "one due integration, one run");
    assert_eq!(reports[0].trigger, Trigger::Initial);
    assert_eq!(
        reports[0].outcome,
        Outcome::Succeeded,
        "{}",
        reports[0].error
    );
    assert!(
        reports[0].pages > 5,
        "paged through {} pages",
        reports[0].pages
    );
    assert_exact(&app.db, &sim, &c, "after the 90-day backfill").await;
    assert!(
        worker::drain_with(&state, &config)
            .await
            .expect("drain")
            .is_empty(),
        "nothing is due until the next scheduled hour"
    );

    // A sale five days ago at the first store, refunded now at the second store.
    let stores: Vec<i64> = c.locations.keys().copied().collect();
    let five_days_ago = Utc::now() - Duration::days(5);
    let order = sim
        .add_order(
            "north",
            &OrderSpec {
                location_id: Some(stores[0]),
                channel: tmas::sim::Channel::Pos,
                test: false,
                processed_at: five_days_ago,
                lines: vec![
                    LineSpec {
                        quantity: 2,
                        unit_price: 2000,
                        gift_card: false,
                        discount: 400,
                    },
                    LineSpec {
                        quantity: 1,
                        unit_price: 1200,
                        gift_card: false,
                        discount: 0,
                    },
                ],
            },
        )
        .expect("add order");
    queue_now(&app, &c).await;
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(&app.db, &sim, &c, "after a new sale").await;

    sim.add_refund(
        "north",
        order,
        &RefundSpec {
            at: Utc::now() - Duration::minutes(3),
            location_id: Some(stores[1]),
            lines: vec![RefundLineSpec {
                line_index: 0,
                quantity: 1,
            }],
        },
    )
    .expect("refund");
    queue_now(&app, &c).await;
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(
        &app.db,
        &sim,
        &c,
        "after a refund days later at another store",
    )
    .await;

    // The same order cancelled later: what the refund did not return comes back then.
    sim.cancel_order("north", order, Utc::now() - Duration::minutes(1))
        .expect("cancel");
    queue_now(&app, &c).await;
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(&app.db, &sim, &c, "after a cancellation").await;
    let order_gid = format!("gid://shopify/Order/{order}");
    let (net, items): (i64, i64) = sqlx::query_as(
        "SELECT CAST((SELECT gross - discounts FROM sales WHERE tenant_id = $1 AND shopify_order_id = $2)
                - (SELECT COALESCE(SUM(returns), 0) FROM returns WHERE tenant_id = $1 AND shopify_order_id = $2) AS BIGINT),
                CAST((SELECT items FROM sales WHERE tenant_id = $1 AND shopify_order_id = $2)
                - (SELECT COALESCE(SUM(items), 0) FROM returns WHERE tenant_id = $1 AND shopify_order_id = $2) AS BIGINT)",
    )
    .bind(c.tenant.0)
    .bind(&order_gid)
    .fetch_one(&app.db.pool)
    .await
    .expect("order facts");
    assert_eq!((net, items), (0, 0), "a cancelled order nets to zero");

    // The same window imported twice: numbers unchanged, nothing stored twice.
    let sales_before = count(
        &app.db,
        "SELECT COUNT(*) FROM sales WHERE tenant_id = $1",
        c.tenant,
    )
    .await;
    for _ in 0..2 {
        sqlx::query(
            "UPDATE integrations SET run_requested = 'backfill', backfill_requested_from = '2026-08-01',
                    next_run_at = $2 WHERE tenant_id = $1",
        )
        .bind(c.tenant.0)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .expect("queue backfill");
        let reports = worker::drain_with(&state, &config).await.expect("drain");
        assert_eq!(reports[0].trigger, Trigger::Backfill);
        assert_eq!(reports[0].outcome, Outcome::Succeeded);
    }
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM sales WHERE tenant_id = $1",
            c.tenant
        )
        .await,
        sales_before
    );
    assert_exact(
        &app.db,
        &sim,
        &c,
        "after reading the whole window twice more",
    )
    .await;
}

/// Queues a run now, as "Import now" does.
async fn queue_now(app: &TestApp, c: &Connected) {
    let queued = tmas::db::imports::queue_run(&app.db, c.tenant, c.integration, "manual", None)
        .await
        .expect("queue");
    assert_eq!(queued, Ok(()));
}

/// A throttling storm (THROTTLED and 429) and one request in five failing with a 5xx.
async fn storms_and_server_errors_change_nothing(app: TestApp) {
    let sim = simulator("storm", 30, 30, 5).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Storm", "storm", &state.secret_key).await;
    sim.update_faults("storm", |f| {
        f.throttled_next = 6;
        f.too_many_requests_next = 6;
        f.retry_after_secs = 0.05;
        f.server_error_rate = 0.2;
    })
    .expect("faults");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(
        reports[0].outcome,
        Outcome::Succeeded,
        "{}",
        reports[0].error
    );
    let stats = sim.stats("storm").expect("stats");
    assert!(
        stats.throttled >= 6 && stats.too_many_requests >= 6,
        "the storm happened: {stats:?}"
    );
    assert_exact(
        &app.db,
        &sim,
        &c,
        "through a 429/THROTTLED storm and 20% 5xx",
    )
    .await;
}

/// Persistent server errors end the run as failed; the next run catches up.
async fn persistent_errors_fail_the_run_and_the_next_catches_up(app: TestApp) {
    let sim = simulator("flaky", 20, 20, 6).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Flaky", "flaky", &state.secret_key).await;
    sim.update_faults("flaky", |f| f.server_error_rate = 1.0)
        .expect("faults");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].outcome, Outcome::Failed);
    assert!(reports[0].error.contains("retried"), "{}", reports[0].error);
    let (status, next): (String, Option<i64>) =
        sqlx::query_as("SELECT status, next_run_at FROM integrations WHERE id = $1")
            .bind(c.integration)
            .fetch_one(&app.db.pool)
            .await
            .expect("row");
    assert_eq!(status, "active", "a transient failure needs nobody");
    assert!(
        next.is_some_and(|n| n > tmas::db::now()),
        "next scheduled run"
    );

    sim.update_faults("flaky", |f| f.server_error_rate = 0.0)
        .expect("faults");
    make_due(&app, &c).await;
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(
        reports[0].trigger,
        Trigger::Initial,
        "the first import is tried again"
    );
    assert_eq!(reports[0].outcome, Outcome::Succeeded);
    assert_exact(&app.db, &sim, &c, "after the failed run was caught up").await;
}

async fn make_due(app: &TestApp, c: &Connected) {
    sqlx::query("UPDATE integrations SET next_run_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(c.tenant.0)
        .bind(c.integration)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .expect("make due");
}

backend_tests!(
    ninety_days_exact_then_later_changes,
    storms_and_server_errors_change_nothing,
    persistent_errors_fail_the_run_and_the_next_catches_up,
);
