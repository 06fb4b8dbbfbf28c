//! Acceptance 2: the client against the simulator on a free port.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use common::{client, client_config, everything, one_shop};
use tmas::shopify::{Credentials, ShopifyClient, ShopifyError};
use tmas::sim::{ALL_ORDERS_SCOPE, LineSpec, OrderSpec, STORE_01, SimConfig, spawn};

fn unique(orders: &[tmas::shopify::Order]) -> usize {
    orders
        .iter()
        .map(|o| o.id.as_str())
        .collect::<HashSet<_>>()
        .len()
}

#[tokio::test]
async fn reads_all_pages_of_20000_orders_once_each() {
    let sim = spawn(one_shop("big", 100, 215, 11)).await;
    sim.update_faults("big", |f| f.unlimited = true)
        .expect("shop");
    let total = sim.order_count("big").expect("shop");
    assert!(total >= 20_000, "only {total} orders generated");
    let c = client(&sim, "big");
    let mut pages = 0;
    let mut orders = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = c
            .fetch_orders_page(&everything(), cursor.as_deref())
            .await
            .expect("page");
        pages += 1;
        assert!(page.orders.len() <= 250);
        assert!(page.cost.is_some());
        orders.extend(page.orders);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(orders.len(), total);
    assert_eq!(unique(&orders), total);
    assert_eq!(pages, total.div_ceil(250));
}

#[tokio::test]
async fn rides_out_throttle_storms_429s_and_server_errors() {
    let sim = spawn(one_shop("stormy", 60, 50, 12)).await;
    sim.update_faults("stormy", |f| {
        f.unlimited = true;
        f.throttled_next = 6;
        f.too_many_requests_next = 6;
        f.retry_after_secs = 0.05;
        f.server_error_rate = 0.2;
        f.cut_rate = 0.03;
        f.malformed_rate = 0.03;
    })
    .expect("shop");
    let total = sim.order_count("stormy").expect("shop");
    let mut config = client_config(&sim);
    config.page_size = 50;
    let c = ShopifyClient::new(
        &config,
        "stormy",
        Credentials::AccessToken(sim.token("stormy").expect("shop")),
    )
    .expect("client");
    let orders = c
        .fetch_all_orders(everything())
        .await
        .expect("all orders despite faults");
    assert_eq!(orders.len(), total);
    assert_eq!(unique(&orders), total);
    let stats = sim.stats("stormy").expect("shop");
    assert_eq!(stats.throttled, 6);
    assert_eq!(stats.too_many_requests, 6);
    assert!(stats.server_errors > 0, "the 5xx rate was exercised");
}

#[tokio::test]
async fn paces_requests_from_the_reported_cost() {
    // A small bucket that refills fast: reading needs several bucketfuls, and the client
    // should wait for points instead of being throttled.
    let sim = spawn(one_shop("paced", 20, 50, 13)).await;
    sim.set_rate_limit("paced", 400.0, 2000.0).expect("shop");
    let mut config = client_config(&sim);
    config.page_size = 60;
    let c = ShopifyClient::new(
        &config,
        "paced",
        Credentials::AccessToken(sim.token("paced").expect("shop")),
    )
    .expect("client");
    let orders = c.fetch_all_orders(everything()).await.expect("orders");
    assert_eq!(orders.len(), sim.order_count("paced").expect("shop"));
    let stats = sim.stats("paced").expect("shop");
    assert!(stats.points_spent > 1200.0, "needed several bucketfuls");
    // Only the first request of a kind can be throttled: the client learns its cost.
    assert!(stats.throttled <= 1, "throttled {} times", stats.throttled);
}

fn till_order(days_ago: i64) -> OrderSpec {
    OrderSpec {
        location_id: Some(STORE_01),
        channel: tmas::sim::Channel::Pos,
        test: false,
        processed_at: Utc::now() - chrono::Duration::days(days_ago),
        lines: vec![LineSpec {
            quantity: 1,
            unit_price: 1_000,
            gift_card: false,
            discount: 0,
        }],
    }
}

/// Shopify's 60-day rule: without `read_all_orders` the orders query leaves out every order
/// created more than 60 days ago, with no error; granting the scope brings them back.
#[tokio::test]
async fn without_read_all_orders_older_orders_are_not_returned() {
    let sim = spawn(SimConfig::examples_only()).await;
    let old = sim.add_order("examples", &till_order(61)).expect("order");
    let recent = sim.add_order("examples", &till_order(59)).expect("order");
    let c = client(&sim, "examples");
    let mut scopes = c.access_scopes().await.expect("scopes");
    scopes.sort();
    assert_eq!(scopes, vec!["read_locations", "read_orders"]);
    let gid = |id: i64| format!("gid://shopify/Order/{id}");
    let cutoff = Utc::now() - chrono::Duration::days(60);
    let seen = c.fetch_all_orders(everything()).await.expect("orders");
    // The 61-day-old order and the examples of March 2026 are simply absent; the examples
    // of November 2026 and the 59-day-old order are there.
    assert!(seen.iter().any(|o| o.id == gid(recent)));
    assert!(!seen.iter().any(|o| o.id == gid(old)));
    assert!(seen.iter().all(|o| o.created_at >= cutoff));
    assert!(seen.len() < sim.order_count("examples").expect("shop"));
    // The visible view of the expected totals leaves out the old orders.
    let visible = sim.visible_expected_totals("examples").expect("shop");
    let all = sim.expected_totals("examples").expect("shop");
    assert!(all.buckets.len() > visible.buckets.len());

    // Granting the scope through the control API brings the whole history back.
    let r = reqwest::Client::new()
        .post(format!("http://{}/_sim/examples/scopes", sim.addr))
        .json(&serde_json::json!({
            "scopes": ["read_orders", "read_locations", ALL_ORDERS_SCOPE]
        }))
        .send()
        .await
        .expect("control path");
    assert!(r.status().is_success());
    assert!(
        c.access_scopes()
            .await
            .expect("scopes")
            .contains(&ALL_ORDERS_SCOPE.to_string())
    );
    let seen = c.fetch_all_orders(everything()).await.expect("orders");
    assert_eq!(seen.len(), sim.order_count("examples").expect("shop"));
    assert!(seen.iter().any(|o| o.id == gid(old)));
    assert_eq!(
        sim.visible_expected_totals("examples").expect("shop"),
        sim.expected_totals("examples").expect("shop")
    );
}

/// An order with more line items or refunds than the query reads is never counted in part:
/// the client stops with `OrderTooLarge` naming the order. At the caps exactly, all is read.
#[tokio::test]
async fn orders_beyond_the_nested_caps_are_refused_by_name() {
    use tmas::shopify::queries::{NESTED_PAGE_SIZE, REFUNDS_PER_ORDER};
    use tmas::sim::{RefundLineSpec, RefundSpec};
    let refund = |line_index| RefundSpec {
        at: Utc::now(),
        location_id: None,
        lines: vec![RefundLineSpec {
            line_index,
            quantity: 1,
        }],
    };
    let with_lines = |n: usize| {
        let mut spec = till_order(1);
        spec.lines = vec![spec.lines[0].clone(); n];
        spec
    };
    let gid = |id: i64| format!("gid://shopify/Order/{id}");

    // Exactly at the caps: 100 lines, 50 refunds, all read.
    let sim = spawn(SimConfig::examples_only()).await;
    let full = sim
        .add_order("examples", &with_lines(NESTED_PAGE_SIZE as usize))
        .expect("order");
    for i in 0..REFUNDS_PER_ORDER as usize {
        sim.add_refund("examples", full, &refund(i))
            .expect("refund");
    }
    let c = client(&sim, "examples");
    let orders = c.fetch_all_orders(everything()).await.expect("at the caps");
    let o = orders.iter().find(|o| o.id == gid(full)).expect("order");
    assert_eq!(o.line_items.len(), NESTED_PAGE_SIZE as usize);
    assert_eq!(o.refunds.len(), REFUNDS_PER_ORDER as usize);

    // One refund more.
    sim.add_refund("examples", full, &refund(99))
        .expect("refund");
    match c.fetch_all_orders(everything()).await {
        Err(ShopifyError::OrderTooLarge { order, what, limit }) => {
            assert!(order.contains(&gid(full)), "{order}");
            assert_eq!((what.as_str(), limit), ("refunds", REFUNDS_PER_ORDER));
        }
        other => panic!("expected OrderTooLarge, got {other:?}"),
    }

    // One line item more.
    let sim = spawn(SimConfig::examples_only()).await;
    let big = sim
        .add_order("examples", &with_lines(NESTED_PAGE_SIZE as usize + 1))
        .expect("order");
    let e = client(&sim, "examples")
        .fetch_all_orders(everything())
        .await
        .expect_err("too many lines");
    match &e {
        ShopifyError::OrderTooLarge { order, what, limit } => {
            assert!(order.contains(&gid(big)), "{order}");
            assert_eq!((what.as_str(), *limit), ("line items", NESTED_PAGE_SIZE));
        }
        other => panic!("expected OrderTooLarge, got {other:?}"),
    }
    assert!(e.is_attention_needed());
    assert!(e.to_string().contains(&gid(big)), "{e}");
}

#[tokio::test]
async fn revoked_token_is_credentials_rejected() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| f.revoked = true)
        .expect("shop");
    let e = client(&sim, "examples").shop().await.expect_err("revoked");
    assert_eq!(e, ShopifyError::CredentialsRejected);
    assert!(e.is_attention_needed());
}

#[tokio::test]
async fn missing_scope_is_scope_missing() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| {
        f.missing_scopes = vec!["read_orders".into()]
    })
    .expect("shop");
    let c = client(&sim, "examples");
    let e = c
        .fetch_orders_page(&everything(), None)
        .await
        .expect_err("no scope");
    assert_eq!(
        e,
        ShopifyError::ScopeMissing {
            scope: "read_orders".into()
        }
    );
    assert!(e.is_attention_needed());
    assert_eq!(
        c.access_scopes().await.expect("scopes"),
        vec!["read_locations"]
    );
}

#[tokio::test]
async fn locked_frozen_and_unknown_shops_are_typed() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| f.locked = true)
        .expect("shop");
    let c = client(&sim, "examples");
    let e = c.shop().await.expect_err("locked");
    assert!(matches!(e, ShopifyError::ShopUnavailable { .. }), "{e:?}");
    assert!(e.is_attention_needed());
    sim.update_faults("examples", |f| {
        f.locked = false;
        f.frozen = true;
    })
    .expect("shop");
    assert!(matches!(
        c.shop().await,
        Err(ShopifyError::ShopUnavailable { .. })
    ));
    let other = ShopifyClient::new(
        &client_config(&sim),
        "no-such-shop",
        Credentials::AccessToken("x".into()),
    )
    .expect("client");
    assert_eq!(other.shop().await, Err(ShopifyError::ShopNotFound));
}

/// An inactive shop answers GraphQL with a `SHOP_INACTIVE` error: the store's owner must act,
/// so the client says the shop is unavailable (needs attention), and does not retry.
#[tokio::test]
async fn inactive_shop_is_shop_unavailable() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| f.inactive = true)
        .expect("shop");
    let c = client(&sim, "examples");
    let e = c.shop().await.expect_err("inactive");
    assert_eq!(
        e,
        ShopifyError::ShopUnavailable {
            reason: "the store is inactive".into()
        }
    );
    assert!(e.is_attention_needed());
    assert!(e.to_string().contains("inactive"), "{e}");
    let e = c
        .fetch_orders_page(&everything(), None)
        .await
        .expect_err("inactive");
    assert!(matches!(e, ShopifyError::ShopUnavailable { .. }), "{e:?}");
    // Answered at once, not retried: one request per call.
    assert_eq!(sim.stats("examples").expect("shop").graphql_requests, 2);
    sim.update_faults("examples", |f| f.inactive = false)
        .expect("shop");
    assert!(c.shop().await.is_ok());
}

#[tokio::test]
async fn persistent_server_errors_end_as_transient() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| f.server_error_rate = 1.0)
        .expect("shop");
    let e = client(&sim, "examples")
        .shop()
        .await
        .expect_err("always 5xx");
    assert!(matches!(e, ShopifyError::Transient { .. }), "{e:?}");
    assert!(!e.is_attention_needed());
}

#[tokio::test]
async fn client_credentials_are_renewed_before_and_after_expiry() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.set_token_lifetime("examples", Duration::from_secs(2))
        .expect("shop");
    let (id, secret) = sim.client_credentials("examples").expect("shop");
    let c = ShopifyClient::new(
        &client_config(&sim),
        "examples",
        Credentials::ClientCredentials {
            client_id: id.clone(),
            client_secret: secret,
        },
    )
    .expect("client");
    c.shop().await.expect("first token");
    c.shop().await.expect("cached token");
    assert_eq!(sim.stats("examples").expect("shop").tokens_issued, 1);
    // Renewed before it expires.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    c.shop().await.expect("renewed token");
    let s = sim.stats("examples").expect("shop");
    assert_eq!((s.tokens_issued, s.unauthorized), (2, 0));
    // Expired early on Shopify's side: one 401, a new token, success.
    sim.expire_tokens("examples").expect("shop");
    c.locations().await.expect("after renewal");
    let s = sim.stats("examples").expect("shop");
    assert_eq!((s.tokens_issued, s.unauthorized), (3, 1));
    // A wrong secret is rejected credentials.
    let bad = ShopifyClient::new(
        &client_config(&sim),
        "examples",
        Credentials::ClientCredentials {
            client_id: id,
            client_secret: "wrong".into(),
        },
    )
    .expect("client");
    assert_eq!(bad.shop().await, Err(ShopifyError::CredentialsRejected));
}

#[tokio::test]
async fn reads_shop_locations_and_scopes() {
    let sim = spawn(one_shop("small", 10, 10, 14)).await;
    let c = client(&sim, "small");
    let shop = c.shop().await.expect("shop");
    assert_eq!(shop.iana_timezone, "America/Toronto");
    assert_eq!(shop.plan_display_name, "Basic");
    let locations = c.locations().await.expect("locations");
    assert_eq!(locations.len(), 4);
    assert_eq!(locations.iter().filter(|l| !l.is_active).count(), 1);
    let expected: Vec<(i64, bool)> = locations
        .iter()
        .map(|l| (l.legacy_id, l.is_active))
        .collect();
    assert_eq!(expected, sim.locations("small").expect("shop"));
    // `one_shop` grants read_all_orders on top of the two default scopes.
    assert_eq!(
        c.access_scopes().await.expect("scopes"),
        vec!["read_orders", "read_locations", "read_all_orders"]
    );
}

#[tokio::test]
async fn slow_answers_within_the_timeout_pass_and_beyond_it_end_as_transient() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| f.delay_ms = 150)
        .expect("shop");
    let mut config = client_config(&sim);
    config.request_timeout = Duration::from_secs(2);
    let token = sim.token("examples").expect("shop");
    let patient = ShopifyClient::new(&config, "examples", Credentials::AccessToken(token.clone()))
        .expect("client");
    patient.shop().await.expect("slow but in time");
    config.request_timeout = Duration::from_millis(50);
    config.retry.max_retries = 2;
    let hasty =
        ShopifyClient::new(&config, "examples", Credentials::AccessToken(token)).expect("client");
    let e = hasty.shop().await.expect_err("always too slow");
    assert!(
        matches!(&e, ShopifyError::Transient { attempts: 3, detail } if detail == "timed out"),
        "{e:?}"
    );
}

#[tokio::test]
async fn forbidden_is_scope_missing_with_the_scope_named() {
    let sim = spawn(SimConfig::examples_only()).await;
    sim.update_faults("examples", |f| {
        f.forbidden_scope = Some("read_orders".into())
    })
    .expect("shop");
    let e = client(&sim, "examples")
        .fetch_orders_page(&everything(), None)
        .await
        .expect_err("403");
    assert_eq!(
        e,
        ShopifyError::ScopeMissing {
            scope: "read_orders".into()
        }
    );
}

#[tokio::test]
async fn an_interrupted_import_resumes_from_its_checkpointed_cursor() {
    let sim = spawn(one_shop("resume", 30, 40, 15)).await;
    sim.update_faults("resume", |f| f.unlimited = true)
        .expect("shop");
    let total = sim.order_count("resume").expect("shop");
    let mut config = client_config(&sim);
    config.page_size = 100;
    let token = sim.token("resume").expect("shop");
    let first = ShopifyClient::new(&config, "resume", Credentials::AccessToken(token.clone()))
        .expect("client");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..3 {
        let page = first
            .fetch_orders_page(&everything(), cursor.as_deref())
            .await
            .expect("page");
        seen.extend(page.orders);
        cursor = page.next_cursor;
    }
    drop(first); // the worker "crashes" with only its checkpoint left
    let second =
        ShopifyClient::new(&config, "resume", Credentials::AccessToken(token)).expect("client");
    while let Some(c) = cursor.take() {
        let page = second
            .fetch_orders_page(&everything(), Some(&c))
            .await
            .expect("page");
        seen.extend(page.orders);
        cursor = page.next_cursor;
    }
    assert_eq!(seen.len(), total);
    assert_eq!(unique(&seen), total);
}
