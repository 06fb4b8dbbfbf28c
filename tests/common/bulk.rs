//! Bulk-export tests against the simulator: its examples shop exporting at a chosen pace, the
//! shop's first location, the orders read page by page to compare with, and what orders count.

use tmas::domain::facts::{OrderFacts, order_facts};
use tmas::shopify::{Order, ShopifyClient};
use tmas::sim::{ALL_ORDERS_SCOPE, BulkFaults, BulkSettings, SimConfig, SimHandle, spawn};

use super::everything;

/// The simulator's examples shop (DOMAIN.md's examples).
pub const EXAMPLES: &str = "examples";

/// A simulator with only the examples shop, every scope granted, exporting `pace` objects a
/// second with `faults`.
pub async fn examples_sim(pace: f64, faults: BulkFaults) -> SimHandle {
    let sim = spawn(SimConfig::examples_only().grant_everywhere(ALL_ORDERS_SCOPE)).await;
    sim.set_bulk(
        EXAMPLES,
        BulkSettings {
            objects_per_sec: pace,
            faults,
            ..BulkSettings::default()
        },
    )
    .expect("shop exists");
    sim
}

/// The Shopify id of the shop's first location.
pub fn first_location(sim: &SimHandle, shop: &str) -> i64 {
    sim.locations(shop).expect("shop")[0].0
}

/// What each order counts, by DOMAIN.md's rules.
pub fn counted(orders: &[Order]) -> Vec<OrderFacts> {
    orders.iter().map(order_facts).collect()
}

/// Every order read page by page, in id order.
pub async fn paged(c: &ShopifyClient) -> Vec<Order> {
    let mut paged = c.fetch_all_orders(everything()).await.expect("pages");
    paged.sort_by(|a, b| a.id.cmp(&b.id));
    paged
}
