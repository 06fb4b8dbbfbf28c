//! Issue 22, item 6: the export carries each refund agreement's refund with its
//! transactions, so a refund they place is not read again after the file, and nothing is
//! read about refunds while Shopify exports. A Shopify that refuses that export gets the
//! plain one, and the refunds are read as before. Both give the paged read's orders and the
//! simulator's expected totals, to the cent.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::bulk::{EXAMPLES, counted, examples_sim, first_location, paged};
use common::{client, everything};
use tmas::domain::facts::{bucket_facts, order_facts};
use tmas::shopify::bulk::export::ExportShape;
use tmas::shopify::bulk::follow_ups::RefundFollowUps;
use tmas::shopify::bulk::pre_read::ExportPreRead;
use tmas::shopify::{Order, ShopifyClient};
use tmas::sim::{BulkFaults, LineSpec, OrderSpec, RefundLineSpec, RefundSpec, SimHandle};

const SHOP: &str = EXAMPLES;

fn order(sim: &SimHandle, lines: usize) -> i64 {
    let spec = OrderSpec {
        taxes_included: None,
        location_id: Some(first_location(sim, SHOP)),
        channel: tmas::sim::Channel::Pos,
        test: false,
        processed_at: Utc::now() - chrono::Duration::days(3),
        lines: (0..lines)
            .map(|i| LineSpec {
                quantity: 2,
                // Odd cents, so that a line lost or counted twice shows in the totals.
                unit_price: 1_003 + 41 * i as i64,
                gift_card: false,
                discount: (i % 2) as i64 * 13,
            })
            .collect(),
    };
    sim.add_order(SHOP, &spec).expect("order")
}

fn refund(sim: &SimHandle, order: i64, line_index: usize, till: Option<i64>) {
    let spec = RefundSpec {
        at: Utc::now() - chrono::Duration::days(2),
        location_id: None,
        lines: vec![RefundLineSpec {
            line_index,
            quantity: 1,
        }],
        till_location_id: till,
        created_at_null: false,
    };
    sim.add_refund(SHOP, order, &spec).expect("refund");
}

/// Adds three refunds at the till (their transactions place them) and two without money
/// moved (no transaction: their restock locations decide) to the examples' own.
fn refunds(sim: &SimHandle) {
    let till = Some(first_location(sim, SHOP));
    let a = order(sim, 3);
    refund(sim, a, 0, till);
    refund(sim, a, 1, None);
    let b = order(sim, 2);
    refund(sim, b, 0, till);
    let c = order(sim, 4);
    refund(sim, c, 2, till);
    refund(sim, c, 3, None);
}

/// The shop's refunds whose transactions name no place (no successful refund with a
/// location), from the simulator's model.
fn placeless(sim: &SimHandle) -> u64 {
    let model = sim.shop_model(SHOP).expect("shop");
    let placed = |r: &tmas::sim::SimRefund| {
        r.transactions
            .iter()
            .any(|t| t.kind == "REFUND" && t.status == "SUCCESS" && t.location_id.is_some())
    };
    model
        .orders
        .iter()
        .flat_map(|o| &o.refunds)
        .filter(|r| !placed(r))
        .count() as u64
}

/// Exports as the worker does (with the refunds' places unless Shopify refuses them),
/// reading what is left to read while the export runs, then reads the file.
async fn worker_like_read(c: &ShopifyClient) -> (ExportShape, Vec<Order>, RefundFollowUps, u64) {
    let (id, shape) = c
        .start_orders_export(&everything())
        .await
        .expect("answers")
        .expect("started");
    let mut pre = ExportPreRead::new(&everything(), shape);
    let op = loop {
        let op = c.bulk_operation(&id).await.expect("polls");
        if !matches!(op.status.as_str(), "CREATED" | "RUNNING") {
            break op;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(op.status, "COMPLETED");
    while !pre.is_done() {
        c.pre_read_page(&mut pre).await.expect("pre-read");
    }
    let pre_read_requests = pre.refunds.record.requests;
    let mut reader = c
        .open_bulk_orders(op.url.as_deref().expect("url"))
        .await
        .expect("opens");
    reader.exported_as(shape);
    reader.use_pre_read(pre);
    let mut orders = Vec::new();
    while let Some(batch) = reader.next_batch(2).await.expect("batch") {
        assert!(batch.unreadable.is_empty());
        orders.extend(batch.orders);
    }
    orders.sort_by(|a, b| a.id.cmp(&b.id));
    (shape, orders, reader.refund_follow_ups(), pre_read_requests)
}

async fn assert_exact(sim: &SimHandle, c: &ShopifyClient, orders: &[Order]) {
    assert_eq!(
        counted(orders),
        counted(&paged(c).await),
        "the paged read's"
    );
    let tz: chrono_tz::Tz = c
        .shop()
        .await
        .expect("shop")
        .iana_timezone
        .parse()
        .expect("zone");
    let facts: Vec<_> = orders.iter().map(order_facts).collect();
    assert_eq!(
        bucket_facts(&facts, tz),
        sim.expected_totals(SHOP).expect("shop").buckets,
        "the simulator's expected totals, to the cent"
    );
}

#[tokio::test]
async fn refunds_placed_by_the_transactions_in_the_file_are_not_read_again() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    refunds(&sim);
    let placeless = placeless(&sim);
    assert!(placeless >= 2, "{placeless}");
    let c = client(&sim, SHOP);
    sim.reset_stats(SHOP).expect("shop");
    let (shape, orders, follow_ups, pre_read_requests) = worker_like_read(&c).await;
    assert_eq!(shape, ExportShape::RefundPlaces);
    assert_eq!(pre_read_requests, 0, "no refund read while Shopify exports");
    let all_refunds: u64 = orders.iter().map(|o| o.refunds.len() as u64).sum();
    assert!(all_refunds >= 5, "{all_refunds}");
    assert_eq!(
        follow_ups.refunds, placeless,
        "only the refunds whose transactions name no place are read after the file: {follow_ups:?}"
    );
    assert_eq!(
        follow_ups.requests, 1,
        "read all at once before the first batch of two orders, not batch by batch: {follow_ups:?}"
    );
    let stats = sim.stats(SHOP).expect("shop");
    assert_eq!(stats.refunds_served_in_orders, 0, "{stats:?}");
    assert_eq!(stats.refunds_served_by_id, placeless, "{stats:?}");
    assert_exact(&sim, &c, &orders).await;
}

#[tokio::test]
async fn a_shopify_refusing_the_refunds_places_in_bulk_gets_the_plain_export() {
    let sim = examples_sim(
        1e6,
        BulkFaults {
            refuse_connection_in_object: true,
            ..BulkFaults::default()
        },
    )
    .await;
    refunds(&sim);
    let c = client(&sim, SHOP);
    let refused = c
        .start_bulk_orders(&everything(), ExportShape::RefundPlaces)
        .await
        .expect("answers");
    assert!(refused.is_err(), "the fault refuses it: {refused:?}");
    let (shape, orders, follow_ups, pre_read_requests) = worker_like_read(&c).await;
    assert_eq!(shape, ExportShape::Plain);
    assert!(
        pre_read_requests >= 1,
        "the refunds are read while Shopify exports"
    );
    let all_refunds: u64 = orders.iter().map(|o| o.refunds.len() as u64).sum();
    assert!(
        follow_ups.refunds < all_refunds,
        "those read during the export are not read again: {follow_ups:?}"
    );
    assert_exact(&sim, &c, &orders).await;
}
