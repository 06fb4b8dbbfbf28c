//! Acceptance 2: the client against the simulator on a free port.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use common::{client, client_config, everything, one_shop, store};
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
        assert!(page.orders.len() <= tmas::shopify::queries::orders_per_page() as usize);
        assert!(page.cost.is_some());
        orders.extend(page.orders);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(orders.len(), total);
    assert_eq!(unique(&orders), total);
    assert_eq!(
        pages,
        total.div_ceil(tmas::shopify::queries::orders_per_page() as usize)
    );
}

#[tokio::test]
async fn rides_out_throttle_storms_429s_and_server_errors() {
    let sim = spawn(one_shop("stormy", 10, 50, 12)).await;
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
    let config = client_config(&sim);
    let c = ShopifyClient::new(
        &config,
        &store("stormy"),
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
    // (Shopify's smallest bucket is 1,000 points: one query may request that much.)
    let sim = spawn(one_shop("paced", 5, 50, 13)).await;
    sim.set_rate_limit("paced", 1000.0, 2000.0).expect("shop");
    let config = client_config(&sim);
    let c = ShopifyClient::new(
        &config,
        &store("paced"),
        Credentials::AccessToken(sim.token("paced").expect("shop")),
    )
    .expect("client");
    let orders = c.fetch_all_orders(everything()).await.expect("orders");
    assert_eq!(orders.len(), sim.order_count("paced").expect("shop"));
    let stats = sim.stats("paced").expect("shop");
    assert!(stats.points_spent > 3000.0, "needed several bucketfuls");
    // Only the first request of a kind can be throttled: the client learns its cost.
    assert!(stats.throttled <= 1, "throttled {} times", stats.throttled);
}

fn till_order(days_ago: i64) -> OrderSpec {
    OrderSpec {
        taxes_included: None,
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

/// An orders page carries only the first few line items and refunds of each order (so that
/// it stays under Shopify's 1,000-point limit). Orders with hundreds of lines, many refunds
/// and long refunds are read whole through follow-up queries, and count to the cent.
#[tokio::test]
async fn orders_beyond_the_page_caps_are_read_whole_by_follow_up_queries() {
    use tmas::domain::facts::{bucket_facts, order_facts};
    use tmas::shopify::queries::{LINE_ITEMS_PER_ORDER, LINES_PER_REFUND, REFUNDS_PER_ORDER};
    use tmas::sim::{RefundLineSpec, RefundSpec};
    let sim = spawn(SimConfig::examples_only().grant_everywhere(ALL_ORDERS_SCOPE)).await;
    let gid = |id: i64| format!("gid://shopify/Order/{id}");
    let mut spec = till_order(1);
    // 230 lines of different prices: more than two follow-up pages of line items.
    spec.lines = (0..230)
        .map(|i| LineSpec {
            quantity: 2,
            unit_price: 1_000 + i,
            gift_card: false,
            discount: i % 7,
        })
        .collect();
    let big = sim.add_order("examples", &spec).expect("order");
    // Five refunds (the page lists two), the third with 120 lines (the page reads four).
    for r in 0..5usize {
        let lines = if r == 2 {
            (0..120)
                .map(|i| RefundLineSpec {
                    line_index: 100 + i,
                    quantity: 1,
                })
                .collect()
        } else {
            vec![RefundLineSpec {
                line_index: r,
                quantity: 1,
            }]
        };
        sim.add_refund(
            "examples",
            big,
            &RefundSpec {
                till_location_id: None,
                created_at_null: false,
                at: Utc::now(),
                location_id: None,
                lines,
            },
        )
        .expect("refund");
    }
    // An order exactly at the page's caps needs no follow-up of its lines.
    let mut at_caps = till_order(1);
    at_caps.lines = vec![at_caps.lines[0].clone(); LINE_ITEMS_PER_ORDER as usize];
    let small = sim.add_order("examples", &at_caps).expect("order");

    let c = client(&sim, "examples");
    let before = sim.stats("examples").expect("shop");
    let orders = c
        .fetch_all_orders(everything())
        .await
        .expect("whole orders");
    let after = sim.stats("examples").expect("shop");
    // Requests answered (a THROTTLED answer is asked again, and is not a follow-up).
    let requests =
        (after.graphql_requests - before.graphql_requests) - (after.throttled - before.throttled);
    let o = orders.iter().find(|o| o.id == gid(big)).expect("big order");
    assert_eq!(o.line_items.len(), 230);
    assert_eq!(
        o.line_items
            .iter()
            .map(|l| l.id.as_str())
            .collect::<HashSet<_>>()
            .len(),
        230,
        "each line once"
    );
    assert_eq!(o.refunds.len(), 5);
    assert!(o.refunds.len() > REFUNDS_PER_ORDER as usize);
    assert_eq!(o.refunds[2].refund_line_items.len(), 120);
    assert!(120 > LINES_PER_REFUND as usize);
    assert_eq!(
        o.refunds
            .iter()
            .map(|r| r.refund_line_items.len())
            .sum::<usize>(),
        124
    );
    let s = orders
        .iter()
        .find(|o| o.id == gid(small))
        .expect("small order");
    assert_eq!(s.line_items.len(), LINE_ITEMS_PER_ORDER as usize);
    // Follow-ups: 3 pages of lines, the refund ids, 3 refunds not listed, 1 more page of
    // the long refund's lines (the rest of the examples shop needs none).
    let pages = orders
        .len()
        .div_ceil(tmas::shopify::queries::orders_per_page() as usize);
    // And the sales ledger of each order changed after its sale (refunded, cancelled):
    // pages of 5 agreements, an agreement with more than 10 sales read again alone (walked
    // to from its page's start, then 90 sales a page).
    let ledger_requests: usize = orders
        .iter()
        .filter_map(|o| o.ledger.as_ref())
        .map(|l| {
            let walks: usize = l
                .agreements
                .iter()
                .enumerate()
                .filter(|(_, a)| a.sales.len() > 10)
                .map(|(i, a)| i % 5 + a.sales.len().div_ceil(90))
                .sum();
            l.agreements.len().div_ceil(5) + walks
        })
        .sum();
    assert!(ledger_requests > 10, "{ledger_requests}");
    assert_eq!(requests as usize, pages + 3 + 1 + 3 + 1 + ledger_requests);
    // To the cent: the importer's hourly totals equal the simulator's own.
    let info = c.shop().await.expect("shop");
    let tz: chrono_tz::Tz = info.iana_timezone.parse().expect("zone");
    let facts: Vec<_> = orders.iter().map(order_facts).collect();
    assert_eq!(
        bucket_facts(&facts, tz),
        sim.expected_totals("examples").expect("shop").buckets
    );
}

/// An order with 250 refunds or more cannot be read whole (Shopify cannot page that list):
/// the client stops with `OrderTooLarge` naming the order rather than count it in part.
#[tokio::test]
async fn an_order_with_too_many_refunds_is_refused_by_name() {
    use tmas::shopify::queries::MAX_REFUNDS;
    use tmas::sim::{RefundLineSpec, RefundSpec};
    let sim = spawn(SimConfig::examples_only()).await;
    let mut spec = till_order(1);
    spec.lines[0].quantity = MAX_REFUNDS as i64;
    let id = sim.add_order("examples", &spec).expect("order");
    let refund = RefundSpec {
        till_location_id: None,
        created_at_null: false,
        at: Utc::now(),
        location_id: None,
        lines: vec![RefundLineSpec {
            line_index: 0,
            quantity: 1,
        }],
    };
    for _ in 0..MAX_REFUNDS - 1 {
        sim.add_refund("examples", id, &refund).expect("refund");
    }
    let c = client(&sim, "examples");
    let orders = c
        .fetch_all_orders(everything())
        .await
        .expect("249 refunds are read");
    let o = orders
        .iter()
        .find(|o| o.id.ends_with(&format!("/{id}")))
        .expect("order");
    assert_eq!(o.refunds.len(), MAX_REFUNDS as usize - 1);

    sim.add_refund("examples", id, &refund).expect("refund");
    let e = c
        .fetch_all_orders(everything())
        .await
        .expect_err("too many refunds");
    match &e {
        ShopifyError::OrderTooLarge { order, what, .. } => {
            assert!(order.ends_with(&format!("/{id})")), "{order}");
            assert_eq!(what, "refunds");
        }
        other => panic!("expected OrderTooLarge, got {other:?}"),
    }
    assert!(e.is_attention_needed());
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
        &store("no-such-shop"),
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
        &store("examples"),
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
        &store("examples"),
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
    assert_eq!(locations.len(), 5, "four stores and the warehouse");
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
    let patient = ShopifyClient::new(
        &config,
        &store("examples"),
        Credentials::AccessToken(token.clone()),
    )
    .expect("client");
    patient.shop().await.expect("slow but in time");
    config.request_timeout = Duration::from_millis(50);
    config.retry.max_retries = 2;
    let hasty = ShopifyClient::new(&config, &store("examples"), Credentials::AccessToken(token))
        .expect("client");
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
    let first = ShopifyClient::new(
        &config,
        &store("resume"),
        Credentials::AccessToken(token.clone()),
    )
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
    let second = ShopifyClient::new(&config, &store("resume"), Credentials::AccessToken(token))
        .expect("client");
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

/// Whether Shopify prices `pageInfo` at 0 or 1 point, the client reads every order once, on
/// pages it never has to shrink: its own pricing already counts `pageInfo`.
#[tokio::test]
async fn imports_every_order_whether_page_info_is_priced_or_not() {
    for page_info_cost in [0u8, 1] {
        let sim = spawn(one_shop("paged", 20, 40, 21)).await;
        sim.set_pricing(
            "paged",
            tmas::sim::Pricing {
                page_info_cost,
                ..tmas::sim::Pricing::default()
            },
        )
        .expect("shop");
        sim.update_faults("paged", |f| f.unlimited = true)
            .expect("shop");
        let total = sim.order_count("paged").expect("shop");
        let c = client(&sim, "paged");
        let orders = c.fetch_all_orders(everything()).await.expect("every page");
        assert_eq!(orders.len(), total, "pageInfo at {page_info_cost}");
        assert_eq!(unique(&orders), total);
        assert!(
            c.take_page_shrinks().is_empty(),
            "pageInfo at {page_info_cost}"
        );
        assert_eq!(c.page_size(), tmas::shopify::queries::orders_per_page());
    }
}

/// A Shopify that prices higher than TMAS's count refuses the first page
/// (`MAX_COST_EXCEEDED`); the client asks again from the same cursor with a page sized from
/// Shopify's own count, reads every order once, and says what it did.
#[tokio::test]
async fn a_page_shopify_prices_above_the_limit_is_asked_again_smaller() {
    use tmas::shopify::queries;
    let sim = spawn(one_shop("pricey", 20, 40, 22)).await;
    sim.set_pricing(
        "pricey",
        tmas::sim::Pricing {
            page_info_cost: 1,
            cost_factor: 1.25,
        },
    )
    .expect("shop");
    sim.update_faults("pricey", |f| f.unlimited = true)
        .expect("shop");
    let total = sim.order_count("pricey").expect("shop");
    let c = client(&sim, "pricey");
    let first = queries::orders_per_page();
    let orders = c.fetch_all_orders(everything()).await.expect("every page");
    assert_eq!(orders.len(), total);
    assert_eq!(unique(&orders), total);
    let shrinks = c.take_page_shrinks();
    assert_eq!(shrinks.len(), 1, "{shrinks:?}");
    let s = shrinks[0];
    let shopify_cost =
        (queries::orders_query_cost(first, tmas::shopify::cost::PageInfo::Object) as f64 * 1.25)
            .ceil() as u32;
    assert!(s.refused);
    assert_eq!(
        (s.from, s.shopify_cost, s.max_cost),
        (first, shopify_cost, 1000)
    );
    assert_eq!(
        s.to,
        queries::shrunk_page(first, u64::from(shopify_cost), 1000)
    );
    assert!(s.to < first);
    assert_eq!(c.page_size(), s.to);
    assert!(
        s.note().contains(&format!("{} orders", s.to)),
        "{}",
        s.note()
    );
}

/// The client reads `X-Shopify-API-Version` from each answer and says when Shopify answered
/// with another version than the one asked.
#[tokio::test]
async fn notices_when_shopify_answers_with_another_api_version() {
    let sim = spawn(SimConfig::examples_only()).await;
    let c = client(&sim, "examples");
    c.shop().await.expect("shop");
    assert_eq!(c.answered_version().as_deref(), Some(c.api_version()));
    assert_eq!(c.version_mismatch(), None);
    sim.set_answer_version("examples", Some("2026-04".into()))
        .expect("shop");
    c.shop().await.expect("shop");
    assert_eq!(c.version_mismatch().as_deref(), Some("2026-04"));
    assert_eq!(c.api_version(), tmas::shopify::DEFAULT_API_VERSION);
}
