//! Issue 16, item 1: a bulk file is read through the on-disk stage, and each refund's lines
//! and transactions by the batched follow-up (several refunds a query), completed by the
//! paged follow-up when a page came back full, paced inside the rate limit. Checked against
//! the paged read and the simulator's expected totals, to the cent.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::bulk::{EXAMPLES, counted, examples_sim, first_location, paged};
use common::{client, everything};
use tmas::domain::facts::{bucket_facts, order_facts};
use tmas::shopify::bulk::follow_ups::{
    BATCH_LINES, MoneyShape, RefundFollowUps, refunds_per_request,
};
use tmas::shopify::bulk::refund_pre_read::{PreReadRecord, RefundPreRead};
use tmas::shopify::{Order, ShopifyClient};
use tmas::sim::{BulkFaults, LineSpec, OrderSpec, RefundLineSpec, RefundSpec, SimHandle};

const SHOP: &str = EXAMPLES;

/// Exports every order in bulk and reads the file in small batches.
async fn bulk_read(c: &ShopifyClient) -> (Vec<Order>, RefundFollowUps) {
    let (orders, follow_ups, _) = bulk_read_with(c, None).await;
    (orders, follow_ups)
}

/// [`bulk_read`], taking the refunds of `pre` (read while the export ran).
async fn bulk_read_with(
    c: &ShopifyClient,
    pre: Option<RefundPreRead>,
) -> (Vec<Order>, RefundFollowUps, PreReadRecord) {
    let id = c
        .start_bulk_orders(
            &everything(),
            tmas::shopify::bulk::export::ExportShape::Plain,
        )
        .await
        .expect("answers")
        .expect("started");
    let op = loop {
        let op = c.bulk_operation(&id).await.expect("polls");
        if !matches!(op.status.as_str(), "CREATED" | "RUNNING") {
            break op;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(op.status, "COMPLETED");
    let mut reader = c
        .open_bulk_orders(op.url.as_deref().expect("url"))
        .await
        .expect("opens");
    if let Some(pre) = pre {
        reader.use_pre_read(pre);
    }
    let mut orders = Vec::new();
    while let Some(batch) = reader.next_batch(3).await.expect("batch") {
        assert!(batch.unreadable.is_empty());
        assert!(batch.orders.len() <= 3);
        orders.extend(batch.orders);
    }
    assert_eq!(orders.len() as u64, reader.order_count());
    orders.sort_by(|a, b| a.id.cmp(&b.id));
    (
        orders,
        reader.refund_follow_ups(),
        reader.pre_read_record().unwrap_or_default(),
    )
}

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
                unit_price: 1_001 + 37 * i as i64,
                gift_card: false,
                discount: (i % 3) as i64 * 11,
            })
            .collect(),
    };
    sim.add_order(SHOP, &spec).expect("order")
}

fn refund(sim: &SimHandle, order: i64, lines: std::ops::Range<usize>, till: Option<i64>) {
    let spec = RefundSpec {
        at: Utc::now() - chrono::Duration::days(2),
        location_id: None,
        lines: lines
            .map(|line_index| RefundLineSpec {
                line_index,
                quantity: 1,
            })
            .collect(),
        till_location_id: till,
        created_at_null: false,
    };
    sim.add_refund(SHOP, order, &spec).expect("refund");
}

/// Refunds of one line, of a few, of exactly a full batched page, and of more lines than a
/// paged follow-up page holds: each is read whole, the first ones by the batched query and
/// the others completed page by page, and the totals are the simulator's to the cent.
#[tokio::test]
async fn refunds_with_many_lines_or_transactions_are_read_exactly() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let till = Some(first_location(&sim, SHOP));
    let big = order(&sim, 120);
    refund(&sim, big, 0..1, till);
    refund(&sim, big, 1..4, till);
    refund(&sim, big, 4..4 + BATCH_LINES as usize, None);
    // More than the paged follow-up's 90 lines a page.
    refund(&sim, big, 10..110, till);
    let c = client(&sim, SHOP);
    let (bulk, follow_ups) = bulk_read(&c).await;
    assert_eq!(counted(&bulk), counted(&paged(&c).await));

    let read = bulk
        .iter()
        .find(|o| o.id.ends_with(&format!("/{big}")))
        .expect("the big order");
    let lines: Vec<usize> = read
        .refunds
        .iter()
        .map(|r| r.refund_line_items.len())
        .collect();
    // The ledger in the file says what each refund returned: a refund its till places has
    // no line read; the one without a till is read whole (its restock locations decide),
    // its full page completed page by page.
    assert_eq!(lines, [0, 0, BATCH_LINES as usize, 0]);

    let all_refunds: usize = bulk.iter().map(|o| o.refunds.len()).sum();
    assert_eq!(follow_ups.refunds, all_refunds as u64);
    assert!(follow_ups.reread >= 1, "{follow_ups:?}");
    assert!(follow_ups.completed >= 1, "{follow_ups:?}");
    assert!(follow_ups.completed < follow_ups.refunds, "{follow_ups:?}");
    assert!(follow_ups.actual_points <= follow_ups.requested_points);

    let tz: chrono_tz::Tz = c
        .shop()
        .await
        .expect("shop")
        .iana_timezone
        .parse()
        .expect("zone");
    let facts: Vec<_> = bulk.iter().map(order_facts).collect();
    assert_eq!(
        bucket_facts(&facts, tz),
        sim.expected_totals(SHOP).expect("shop").buckets
    );
}

/// Many refunds in one batch of orders are read several to a query, and the queries wait
/// for the bucket: a small bucket that refills fast is never overdrawn (no THROTTLED).
#[tokio::test]
async fn batched_follow_ups_stay_inside_the_rate_limit() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let till = Some(first_location(&sim, SHOP));
    let per_request = refunds_per_request(MoneyShape::Scalar);
    for _ in 0..3 {
        let o = order(&sim, 2 * per_request);
        for i in 0..per_request {
            refund(&sim, o, 2 * i..2 * i + 1, till);
        }
    }
    // One query's budget fits, two do not: every follow-up has to wait for points.
    sim.set_rate_limit(SHOP, 1_000.0, 4_000.0).expect("shop");
    sim.reset_stats(SHOP).expect("shop");
    let c = client(&sim, SHOP);
    let (bulk, follow_ups) = bulk_read(&c).await;
    let stats = sim.stats(SHOP).expect("shop");
    assert_eq!(stats.throttled, 0, "{stats:?}");
    let all_refunds: u64 = bulk.iter().map(|o| o.refunds.len() as u64).sum();
    assert!(all_refunds >= 3 * per_request as u64);
    assert_eq!(follow_ups.refunds, all_refunds);
    // Several refunds a query: far fewer queries than refunds.
    assert!(
        follow_ups.requests * 4 <= all_refunds,
        "{follow_ups:?} for {all_refunds} refunds"
    );
    assert_eq!(counted(&bulk), counted(&paged(&c).await));
}

/// An API version that has removed the deprecated money scalars (`subtotal`, `totalTax`,
/// `amount`) refuses the cheap follow-up: the read switches to the money sets for the rest
/// of the run, says so, and reads exactly the same orders; the scalars cost fewer points.
#[tokio::test]
async fn without_the_money_scalars_the_follow_ups_read_the_money_sets() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let till = Some(first_location(&sim, SHOP));
    for lines in [2, 3, 5] {
        let o = order(&sim, lines);
        refund(&sim, o, 0..lines - 1, till);
    }
    let c = client(&sim, SHOP);
    let (cheap, scalars) = bulk_read(&c).await;
    assert!(!scalars.set_shape);
    assert!(scalars.refunds >= 3, "{scalars:?}");

    sim.update_faults(SHOP, |f| f.no_deprecated_money = true)
        .expect("shop");
    let (read, sets) = bulk_read(&c).await;
    assert!(sets.set_shape, "{sets:?}");
    assert_eq!(sets.refunds, scalars.refunds);
    assert_eq!(read, cheap, "the same orders, to the cent");
    assert_eq!(counted(&read), counted(&paged(&c).await));
    assert!(
        sets.actual_points > scalars.actual_points,
        "sets {sets:?} vs scalars {scalars:?}"
    );

    // The pre-read meets the same refusal: it stops and the follow-ups read the sets.
    let mut pre = RefundPreRead::new(&everything());
    c.pre_read_refunds_page(&mut pre).await.expect("answers");
    assert!(pre.is_done() && pre.record.set_shape && pre.record.kept == 0);
    let (read, sets, _) = bulk_read_with(&c, Some(pre)).await;
    assert!(sets.set_shape);
    assert_eq!(read, cheap);
}

/// Refunds read while the export runs (the orders whose money went back) are taken from
/// there and not read again; a refund that moved no money leaves its order paid, is not
/// found by the financial-status filter, and is followed up after the file. The orders are
/// the paged read's to the cent, and the simulator served each refund's details once.
#[tokio::test]
async fn refunds_read_during_the_export_are_read_once() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let till = Some(first_location(&sim, SHOP));
    let partly = order(&sim, 3);
    refund(&sim, partly, 0..1, till);
    let credit = order(&sim, 2);
    refund(&sim, credit, 0..1, None);
    let model = sim.shop_model(SHOP).expect("shop");
    let status = |id: i64| {
        model
            .orders
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.financial_status())
    };
    assert_eq!(status(partly), Some("partially_refunded"));
    assert_eq!(status(credit), Some("paid"), "no money moved");

    let c = client(&sim, SHOP);
    let expected = paged(&c).await;
    let all_refunds: u64 = expected.iter().map(|o| o.refunds.len() as u64).sum();
    sim.reset_stats(SHOP).expect("shop");
    let mut pre = RefundPreRead::new(&everything());
    while !pre.is_done() {
        c.pre_read_refunds_page(&mut pre).await.expect("pre-read");
    }
    assert!(!pre.record.stopped);
    let (read, follow_ups, record) = bulk_read_with(&c, Some(pre)).await;
    assert_eq!(
        counted(&read),
        counted(&expected),
        "the same orders, to the cent"
    );
    assert!(record.used >= 1, "{record:?}");
    assert_eq!(
        record.used, record.kept,
        "every refund kept was in the file"
    );
    assert_eq!(
        record.used + follow_ups.refunds,
        all_refunds,
        "each refund read once: {record:?} {follow_ups:?}"
    );
    assert!(
        follow_ups.refunds >= 1,
        "the store-credit refund is followed up"
    );
    let stats = sim.stats(SHOP).expect("shop");
    assert_eq!(
        stats.refunds_served_in_orders + stats.refunds_served_by_id,
        all_refunds + follow_ups.completed + follow_ups.reread,
        "no refund served twice, but those completed page by page: {stats:?}"
    );
    assert_eq!(stats.refunds_served_in_orders, record.kept);
}
