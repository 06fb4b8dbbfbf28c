//! Benchmark: orders/s the client parses from the simulator unthrottled, and the share of
//! the allowed rate a long import uses when throttled like Shopify's standard plan.
//!
//! Run with `cargo bench --bench shopify_client` (set `BENCH_THROTTLED_SECS` to change the
//! length of the throttled phase, 40 s by default).

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use tmas::shopify::{ClientConfig, Credentials, RetryPolicy, ShopifyClient, TimeWindow};
use tmas::sim::{ALL_ORDERS_SCOPE, Plan, ShopSpec, SimConfig, spawn};

fn window() -> TimeWindow {
    TimeWindow {
        from: Utc::now() - chrono::Duration::days(3650),
        to: Utc::now() + chrono::Duration::days(3650),
    }
}

#[tokio::main]
async fn main() {
    let mut spec = ShopSpec::new(
        "bench",
        chrono_tz::America::Toronto,
        "CAD",
        NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date"),
    );
    spec.days = 100;
    spec.orders_per_day = 215;
    spec.plan = Plan::Basic;
    let mut config = SimConfig::examples_only();
    config.seed = 42;
    config.shops = vec![spec];
    // 100 days of history: the app must hold read_all_orders to read it all.
    let sim = spawn(config.grant_everywhere(ALL_ORDERS_SCOPE)).await;
    let token = sim.token("bench").expect("bench shop exists");
    let client_config = ClientConfig {
        base_url: sim.base_url(),
        retry: RetryPolicy::default(),
        ..ClientConfig::default()
    };
    let client = ShopifyClient::new(
        &client_config,
        &bench_store(),
        Credentials::AccessToken(token),
    )
    .expect("valid client");
    let total = sim.order_count("bench").expect("bench shop exists");

    // 1. Unthrottled: how fast the client reads and parses (simulator rendering included).
    sim.update_faults("bench", |f| f.unlimited = true)
        .expect("bench shop exists");
    let mut best = f64::MAX;
    let mut requests = 0;
    for run in 1..=3 {
        let before = sim
            .stats("bench")
            .expect("bench shop exists")
            .graphql_requests;
        let started = Instant::now();
        let orders = client.fetch_all_orders(window()).await.expect("orders");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(orders.len(), total);
        println!(
            "unthrottled run {run}: {total} orders in {secs:.2} s = {:.0} orders/s",
            total as f64 / secs
        );
        best = best.min(secs);
        requests = sim
            .stats("bench")
            .expect("bench shop exists")
            .graphql_requests
            - before;
    }
    let per_page = tmas::shopify::queries::orders_per_page() as usize;
    println!(
        "unthrottled best: {:.0} orders/s ({} pages of {per_page}; {requests} GraphQL requests with the follow-ups of large orders)",
        total as f64 / best,
        total.div_ceil(per_page)
    );

    // 2. Throttled at the standard plan (2000-point bucket, 100 points/s): read for a while
    //    and compare the points spent after the first bucketful with what the plan allows.
    sim.update_faults("bench", |f| f.unlimited = false)
        .expect("bench shop exists");
    let (maximum, restore) = Plan::Basic.limits();
    sim.set_rate_limit("bench", maximum, restore)
        .expect("bench shop exists");
    sim.reset_stats("bench").expect("bench shop exists");
    let client = ShopifyClient::new(
        &client_config,
        &bench_store(),
        Credentials::AccessToken(sim.token("bench").expect("bench shop exists")),
    )
    .expect("valid client");
    let phase = Duration::from_secs(
        std::env::var("BENCH_THROTTLED_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(40),
    );
    let started = Instant::now();
    let mut cursor: Option<String> = None;
    let mut orders = 0usize;
    let mut pages = 0usize;
    // Steady state starts once the initial bucket is spent (the first wait for points);
    // it records (time, points spent so far, points left in the bucket) at that moment.
    let mut steady: Option<(Instant, f64, f64)> = None;
    let mut points_total = 0.0;
    let mut last_page_at = started;
    let mut last_available = maximum;
    while started.elapsed() < phase {
        let page = client
            .fetch_orders_page(&window(), cursor.as_deref())
            .await
            .expect("page");
        let now = Instant::now();
        pages += 1;
        orders += page.orders.len();
        let cost = page.cost.expect("every answer carries its cost");
        let actual = cost.actual_query_cost.unwrap_or(0.0);
        points_total += actual;
        if steady.is_none() && now.duration_since(last_page_at) > Duration::from_millis(500) {
            // This page waited for points: measure from the previous page's end, counting
            // this page's points as spent within the steady window.
            steady = Some((last_page_at, points_total - actual, last_available));
        }
        last_page_at = now;
        last_available = cost.throttle_status.currently_available;
        // At the end of the history, start over: the phase measures pacing, not data.
        cursor = page.next_cursor;
    }
    let stats = sim.stats("bench").expect("bench shop exists");
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "throttled (standard plan, {maximum} bucket, {restore} points/s): {pages} pages, {orders} orders in {elapsed:.1} s = {:.0} orders/s; THROTTLED answers: {}",
        orders as f64 / elapsed,
        stats.throttled
    );
    if let Some((t0, p0, level0)) = steady {
        // Allowed in the window: what the bucket restored, plus what it held at the start
        // and no longer holds at the end.
        let secs = last_page_at.duration_since(t0).as_secs_f64();
        let allowed = restore * secs + (level0 - last_available);
        let spent = points_total - p0;
        println!(
            "throttled steady state: {spent:.0} points spent of {allowed:.0} allowed in {secs:.1} s ({:.1} points/s) = {:.1}% of the allowed rate",
            spent / secs,
            spent / allowed * 100.0
        );
    }
    let overall = points_total / (maximum + restore * elapsed);
    println!(
        "throttled overall: {points_total:.0} points of {:.0} allowed (bucket + restore x time) = {:.1}%",
        maximum + restore * elapsed,
        overall * 100.0
    );
    sim.shutdown();
}

fn bench_store() -> tmas::domain::store_name::StoreName {
    tmas::domain::store_name::StoreName::parse("bench").expect("a store name")
}
