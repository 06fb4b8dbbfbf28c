//! Expected totals per location and local hour, computed from the simulator's own model
//! (never from its payloads), following DOMAIN.md. An independent check of the importer.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::Serialize;

use super::model::{Channel, SimEdit, SimLine, SimOrder, SimRefund, SimReturn, SimShop};
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
    visible_expected_totals(shop, None, true)
}

/// The expected totals of the orders an app can read: with `created_since`, only orders
/// created at or after it (Shopify's 60-day window without `read_all_orders`), refunds and
/// cancellations of older orders included, since the app never sees those orders at all.
///
/// `returns_readable` says whether the app may read returns (`read_returns`): without it,
/// DOMAIN.md places a return where money changed hands at it (the refund of a difference,
/// the payment of a balance), else at the store of the sale.
pub fn visible_expected_totals(
    shop: &SimShop,
    created_since: Option<DateTime<Utc>>,
    returns_readable: bool,
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
        add_sale(&mut out, shop, order, home);
        for refund in order.refunds.iter().filter(|r| r.return_id.is_none()) {
            add_refund(&mut out, shop, order, home, refund);
        }
        for ret in &order.returns {
            add_return(&mut out, shop, order, home, ret, returns_readable);
        }
        for edit in &order.edits {
            add_edit(&mut out, shop, order, home, edit);
        }
        if let Some(cancelled_at) = order.cancelled_at {
            add_cancellation(&mut out, shop, order, home, cancelled_at);
        }
    }
    out
}

/// Whether `line_id` is a line of goods (not a gift card) of `order`.
fn is_goods(order: &SimOrder, line_id: i64) -> bool {
    order.lines.iter().any(|l| l.id == line_id && !l.gift_card)
}

/// A line counted as sold as it was when sold, its units as items.
fn add_sold_line(b: &mut HourlyTotals, order: &SimOrder, l: &SimLine) {
    let (discount, tax) = order.original_discount_and_tax(l);
    b.add_sold(
        l.unit_price * l.quantity,
        discount,
        tax,
        order.taxes_included,
    );
    b.items += l.quantity;
}

/// The sale: the goods sold then, as they were then (discounts given later and the items
/// appended by exchanges and edits are counted when they happened).
fn add_sale(out: &mut ExpectedTotals, shop: &SimShop, order: &SimOrder, home: i64) {
    let sold: Vec<_> = order
        .lines
        .iter()
        .filter(|l| !l.gift_card && !order.appended(l.id))
        .collect();
    if !sold.is_empty() {
        let b = out.slot(shop, home, order.processed_at);
        for l in &sold {
            add_sold_line(b, order, l);
        }
        b.transactions += 1;
    }
}

/// A refund outside a return, where its money or goods went (else the store of the sale).
fn add_refund(
    out: &mut ExpectedTotals,
    shop: &SimShop,
    order: &SimOrder,
    home: i64,
    refund: &SimRefund,
) {
    let back: Vec<_> = refund
        .lines
        .iter()
        .filter(|rl| is_goods(order, rl.line_id))
        .collect();
    if back.is_empty() {
        return;
    }
    let b = out.slot(shop, refund_place(refund).unwrap_or(home), refund.when());
    for rl in &back {
        b.add_returned(rl.subtotal, rl.quantity);
    }
    b.transactions += i64::from(back.iter().any(|rl| rl.quantity > 0));
}

/// A return with what was given in exchange, at the place DOMAIN.md gives it.
fn add_return(
    out: &mut ExpectedTotals,
    shop: &SimShop,
    order: &SimOrder,
    home: i64,
    ret: &SimReturn,
    returns_readable: bool,
) {
    // The return's refund (by its till, then its restock location), else where the
    // goods were restocked, else the store of the sale.
    let money_moved = ret.refund_id.is_some() || ret.balance_paid > 0;
    let place = if returns_readable {
        order
            .refunds
            .iter()
            .filter(|r| Some(r.id) == ret.refund_id)
            .find_map(refund_place)
            .or(ret.restock_location_id)
            .unwrap_or(home)
    } else if money_moved {
        ret.location_id.unwrap_or(home)
    } else {
        home
    };
    let b = out.slot(shop, place, ret.at);
    let mut units_back = 0;
    for t in ret.lines.iter().filter(|t| is_goods(order, t.line_id)) {
        b.add_returned(t.subtotal, t.quantity);
        units_back += t.quantity;
    }
    for l in order
        .lines
        .iter()
        .filter(|l| !l.gift_card && ret.exchange_lines.contains(&l.id))
    {
        add_sold_line(b, order, l);
    }
    // An exchange is one transaction: the customer came once.
    b.transactions += i64::from(units_back > 0);
}

/// An order edit at the store of the sale: lines added, units removed, late discounts.
fn add_edit(out: &mut ExpectedTotals, shop: &SimShop, order: &SimOrder, home: i64, edit: &SimEdit) {
    let b = out.slot(shop, home, edit.at);
    for l in order
        .lines
        .iter()
        .filter(|l| !l.gift_card && edit.added.contains(&l.id))
    {
        add_sold_line(b, order, l);
    }
    for t in edit.removed.iter().filter(|t| is_goods(order, t.line_id)) {
        b.add_returned(t.subtotal, t.quantity);
    }
    for d in &edit.discounts {
        // The line's price stays; its discount grows and, when its price holds tax,
        // the tax inside it shrinks (so the price less tax grows by that much).
        let gross = if order.taxes_included { d.tax } else { 0 };
        b.gross += gross;
        b.discounts += d.amount;
        b.net += gross - d.amount;
    }
}

/// A cancellation returns every good not already taken back, at the store of the sale.
fn add_cancellation(
    out: &mut ExpectedTotals,
    shop: &SimShop,
    order: &SimOrder,
    home: i64,
    cancelled_at: DateTime<Utc>,
) {
    let mut value = 0;
    let mut qty = 0;
    for l in order.lines.iter().filter(|l| !l.gift_card) {
        let back = order.taken_back(l.id);
        if back.quantity < l.quantity {
            qty += l.quantity - back.quantity;
            value += shop.line_paid(order, l) - back.subtotal;
        }
    }
    if qty > 0 {
        let b = out.slot(shop, home, cancelled_at);
        b.add_returned(value, qty);
        b.transactions += 1;
    }
}

/// Where a refund counts: its successful refund transactions' place (the largest amount,
/// the first on a tie), else its goods' restock location (the same rule).
fn refund_place(refund: &SimRefund) -> Option<i64> {
    let till = first_largest(
        refund
            .transactions
            .iter()
            .filter(|t| t.kind == "REFUND" && t.status == "SUCCESS")
            .filter_map(|t| t.location_id.map(|l| (l, t.amount))),
    );
    let restock = first_largest(
        refund
            .lines
            .iter()
            .filter_map(|rl| rl.location_id.map(|l| (l, rl.subtotal))),
    );
    till.or(restock)
}

/// Adding to one hour's totals, in DOMAIN.md's words.
trait Bucket {
    /// Goods sold at `price` (unit price × quantity) less `discount`, with `tax` included
    /// in the price or not.
    fn add_sold(&mut self, price: i64, discount: i64, tax: i64, taxes_included: bool);
    /// Goods worth `value` (after discounts, without tax) taken back.
    fn add_returned(&mut self, value: i64, quantity: i64);
}

impl Bucket for HourlyTotals {
    fn add_sold(&mut self, price: i64, discount: i64, tax: i64, taxes_included: bool) {
        let gross = price - if taxes_included { tax } else { 0 };
        self.gross += gross;
        self.discounts += discount;
        self.net += gross - discount;
    }

    fn add_returned(&mut self, value: i64, quantity: i64) {
        self.returns += value;
        self.net -= value;
        self.items -= quantity;
    }
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
