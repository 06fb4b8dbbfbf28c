//! Expected totals per location and local hour, computed from the simulator's own model
//! (never from its payloads), following DOMAIN.md. An independent check of the importer.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::Serialize;

use super::model::{Channel, SimShop};
pub use crate::domain::facts::HourlyTotals;

/// Key of one bucket: Shopify location id (numeric), local date, local hour 0..=23.
pub type BucketKey = (i64, NaiveDate, u32);

/// What TMAS should show for a shop, hour by hour, in the shop's time zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedTotals {
    pub buckets: BTreeMap<BucketKey, HourlyTotals>,
}

/// One bucket as the HTTP control path shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectedRow {
    pub location_id: i64,
    pub date: NaiveDate,
    pub hour: u32,
    pub gross: i64,
    pub discounts: i64,
    pub returns: i64,
    pub net: i64,
    pub transactions: i64,
    pub items: i64,
}

impl ExpectedTotals {
    pub fn hour(&self, location_id: i64, date: NaiveDate, hour: u32) -> HourlyTotals {
        self.buckets
            .get(&(location_id, date, hour))
            .copied()
            .unwrap_or_default()
    }

    /// The sum of a location's hours on a local date.
    pub fn day(&self, location_id: i64, date: NaiveDate) -> HourlyTotals {
        let mut t = HourlyTotals::default();
        for (_, b) in self
            .buckets
            .range((location_id, date, 0)..=(location_id, date, 23))
        {
            t.gross += b.gross;
            t.discounts += b.discounts;
            t.returns += b.returns;
            t.net += b.net;
            t.transactions += b.transactions;
            t.items += b.items;
        }
        t
    }

    pub fn rows(&self) -> Vec<ExpectedRow> {
        self.buckets
            .iter()
            .map(|(&(location_id, date, hour), t)| ExpectedRow {
                location_id,
                date,
                hour,
                gross: t.gross,
                discounts: t.discounts,
                returns: t.returns,
                net: t.net,
                transactions: t.transactions,
                items: t.items,
            })
            .collect()
    }

    fn slot(&mut self, shop: &SimShop, location: i64, at: DateTime<Utc>) -> &mut HourlyTotals {
        let local = at.with_timezone(&shop.time_zone);
        self.buckets
            .entry((location, local.date_naive(), local.hour()))
            .or_default()
    }
}

/// Computes the expected totals of everything the shop has sold and taken back.
pub fn expected_totals(shop: &SimShop) -> ExpectedTotals {
    visible_expected_totals(shop, None)
}

/// The expected totals of the orders an app can read: with `created_since`, only orders
/// created at or after it (Shopify's 60-day window without `read_all_orders`), refunds and
/// cancellations of older orders included, since the app never sees those orders at all.
pub fn visible_expected_totals(
    shop: &SimShop,
    created_since: Option<DateTime<Utc>>,
) -> ExpectedTotals {
    let mut out = ExpectedTotals::default();
    for order in &shop.orders {
        if created_since.is_some_and(|since| order.created_at < since) {
            continue;
        }
        let Some(home) = order.location_id else {
            continue;
        };
        if order.test || order.channel != Channel::Pos {
            continue;
        }
        let goods: Vec<_> = order.lines.iter().filter(|l| !l.gift_card).collect();
        if !goods.is_empty() {
            // The order's own setting says whether its prices hold tax.
            let gross: i64 = goods
                .iter()
                .map(|l| l.unit_price * l.quantity - if order.taxes_included { l.tax } else { 0 })
                .sum();
            let discounts: i64 = goods.iter().map(|l| l.discount_total()).sum();
            let b = out.slot(shop, home, order.processed_at);
            b.gross += gross;
            b.discounts += discounts;
            b.net += gross - discounts;
            b.items += goods.iter().map(|l| l.quantity).sum::<i64>();
            b.transactions += 1;
        }
        let is_goods = |line_id: i64| goods.iter().any(|l| l.id == line_id);
        for refund in &order.refunds {
            let back: Vec<_> = refund
                .lines
                .iter()
                .filter(|rl| is_goods(rl.line_id))
                .collect();
            if back.is_empty() {
                continue;
            }
            // The model's subtotal is the value of the goods without tax, whatever the
            // order's prices hold.
            let value: i64 = back.iter().map(|rl| rl.subtotal).sum();
            let qty: i64 = back.iter().map(|rl| rl.quantity).sum();
            let till = first_largest(
                refund
                    .transactions
                    .iter()
                    .filter(|t| t.kind == "REFUND" && t.status == "SUCCESS")
                    .filter_map(|t| t.location_id.map(|l| (l, t.amount))),
            );
            let restock = first_largest(
                back.iter()
                    .filter_map(|rl| rl.location_id.map(|l| (l, rl.subtotal))),
            );
            let b = out.slot(shop, till.or(restock).unwrap_or(home), refund.when());
            b.returns += value;
            b.net -= value;
            b.items -= qty;
            b.transactions += i64::from(qty > 0);
        }
        if let Some(cancelled_at) = order.cancelled_at {
            let mut value = 0;
            let mut qty = 0;
            for l in &goods {
                let back: Vec<_> = order
                    .refunds
                    .iter()
                    .flat_map(|r| r.lines.iter())
                    .filter(|rl| rl.line_id == l.id)
                    .collect();
                let q_back: i64 = back.iter().map(|rl| rl.quantity).sum();
                if q_back < l.quantity {
                    qty += l.quantity - q_back;
                    value +=
                        shop.line_paid(order, l) - back.iter().map(|rl| rl.subtotal).sum::<i64>();
                }
            }
            if qty > 0 {
                let b = out.slot(shop, home, cancelled_at);
                b.returns += value;
                b.net -= value;
                b.items -= qty;
                b.transactions += 1;
            }
        }
    }
    out
}

/// The place with the largest total weight, the first to appear winning a tie: where a
/// refund spread over several places counts (DOMAIN.md leaves the choice to TMAS; the rule
/// is written in `domain::facts::refund_location`, and again here from the model).
fn first_largest(places: impl Iterator<Item = (i64, i64)>) -> Option<i64> {
    let mut seen: Vec<i64> = Vec::new();
    let mut totals: BTreeMap<i64, i64> = BTreeMap::new();
    for (place, weight) in places {
        if !seen.contains(&place) {
            seen.push(place);
        }
        *totals.entry(place).or_default() += weight;
    }
    let mut best: Option<(i64, i64)> = None;
    for place in seen {
        let total = totals[&place];
        if best.is_none_or(|(_, b)| total > b) {
            best = Some((place, total));
        }
    }
    best.map(|(place, _)| place)
}
