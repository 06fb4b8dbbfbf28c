//! Issue 22, item 6: the places of a bulk file's returns are read several orders a query —
//! while Shopify exports, else after the file by the orders' ids — and the orders come out
//! as the paged read's (one order a query) to the cent, with and without `read_returns`.

mod common;

use std::time::Duration;

use common::bulk::{counted, paged};
use common::{client, everything};
use tmas::shopify::bulk::pre_read::ExportPreRead;
use tmas::shopify::bulk::return_places::ReturnsRecord;
use tmas::shopify::{Order, ShopifyClient};
use tmas::sim::{BulkSettings, RETURNS_SCOPE, SimHandle};

const SHOP: &str = "returns";

/// A store with POS exchanges, edits and returns; its app may read returns or not.
async fn sim(read_returns: bool) -> SimHandle {
    let mut config = common::one_shop(SHOP, 30, 40, 7);
    config.examples = false;
    config.shops = config
        .shops
        .into_iter()
        .map(|s| s.with_ledger_events())
        .collect();
    if read_returns {
        config = config.grant_everywhere(RETURNS_SCOPE);
    }
    let sim = tmas::sim::spawn(config).await;
    sim.update_faults(SHOP, |f| f.unlimited = true)
        .expect("shop");
    sim.set_bulk(
        SHOP,
        BulkSettings {
            objects_per_sec: 1e6,
            ..BulkSettings::default()
        },
    )
    .expect("shop");
    sim
}

/// Exports every order, reads `pre` to its end while the export runs (when given), then
/// the file; the orders and what reading the returns' places did.
async fn bulk_read(
    c: &ShopifyClient,
    mut pre: Option<ExportPreRead>,
) -> (Vec<Order>, ReturnsRecord) {
    let id = c
        .start_bulk_orders(
            &everything(),
            tmas::shopify::bulk::export::ExportShape::Plain,
        )
        .await
        .expect("answers")
        .expect("started");
    if let Some(p) = pre.as_mut() {
        while !p.is_done() {
            c.pre_read_page(p).await.expect("pre-read");
        }
    }
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
    if let Some(p) = pre {
        reader.use_pre_read(p);
    }
    let mut orders = Vec::new();
    while let Some(batch) = reader.next_batch(50).await.expect("batch") {
        assert!(batch.unreadable.is_empty());
        orders.extend(batch.orders);
    }
    orders.sort_by(|a, b| a.id.cmp(&b.id));
    (orders, reader.returns_record())
}

/// The orders whose ledger holds a return (each needs its returns' places).
fn with_returns(orders: &[Order]) -> usize {
    orders
        .iter()
        .filter(|o| {
            o.ledger.as_ref().is_some_and(|l| {
                l.agreements
                    .iter()
                    .any(|a| matches!(a.kind, tmas::domain::ledger::AgreementKind::Return { .. }))
            })
        })
        .count()
}

async fn reads_each_return_place_once(read_returns: bool) {
    let sim = sim(read_returns).await;
    let c = client(&sim, SHOP);
    let expected = paged(&c).await;
    let returned = with_returns(&expected);
    assert!(returned >= 5, "the store has returns to place ({returned})");

    // Read while Shopify exports: every order with a return is taken from there.
    let (read, during) = bulk_read(
        &c,
        Some(ExportPreRead::new(
            &everything(),
            tmas::shopify::bulk::export::ExportShape::Plain,
        )),
    )
    .await;
    assert_eq!(
        counted(&read),
        counted(&expected),
        "the same orders, to the cent"
    );
    assert_eq!(during.used as usize, returned, "{during:?}");
    assert_eq!(
        during.read_after, 0,
        "nothing left after the file: {during:?}"
    );
    assert!(
        during.requests < during.kept,
        "several orders a query: {during:?}"
    );

    // Nothing read during the export: the orders are read after the file by their ids,
    // several a query.
    let (read, after) = bulk_read(&c, None).await;
    assert_eq!(
        counted(&read),
        counted(&expected),
        "the same orders, to the cent"
    );
    assert_eq!(after.read_after as usize, returned, "{after:?}");
    assert!(
        after.after_requests < after.read_after,
        "several orders a query: {after:?}"
    );
}

#[tokio::test]
async fn returns_places_are_read_several_orders_a_query_with_read_returns() {
    reads_each_return_place_once(true).await;
}

/// Without `read_returns` Shopify refuses the returns; the pages read the orders'
/// transactions instead, and the orders are still the paged read's.
#[tokio::test]
async fn without_read_returns_the_orders_transactions_place_them() {
    reads_each_return_place_once(false).await;
}
