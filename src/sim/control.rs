//! Changes made while the simulator runs: new locations, orders, refunds and cancellations,
//! shaped like what a till would produce. They update the model, so expected totals follow.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Channel, SimLine, SimLocation, SimOrder, SimRefund, SimShop, SimTransaction};

/// A new order. Amounts are minor units of the shop currency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderSpec {
    /// Retail location (numeric Shopify id); `None` for an online order.
    pub location_id: Option<i64>,
    #[serde(default = "pos")]
    pub channel: Channel,
    #[serde(default)]
    pub test: bool,
    pub processed_at: DateTime<Utc>,
    pub lines: Vec<LineSpec>,
    /// Whether the order's prices include tax; the shop's setting when left out.
    #[serde(default)]
    pub taxes_included: Option<bool>,
}

fn pos() -> Channel {
    Channel::Pos
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineSpec {
    pub quantity: i64,
    pub unit_price: i64,
    #[serde(default)]
    pub gift_card: bool,
    /// Discount allocated to the line.
    #[serde(default)]
    pub discount: i64,
}

/// A refund of some units of an order's lines (by their position in the order).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundSpec {
    pub at: DateTime<Utc>,
    /// Where the goods are restocked; `None`: not restocked.
    pub location_id: Option<i64>,
    pub lines: Vec<RefundLineSpec>,
    /// Where the refund's money was given back (its successful REFUND transaction's
    /// location); `None`: a refund without a transaction location.
    #[serde(default)]
    pub till_location_id: Option<i64>,
    /// Leaves `createdAt` null, as Shopify sometimes does (`processedAt` then dates it).
    #[serde(default)]
    pub created_at_null: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundLineSpec {
    pub line_index: usize,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("no shop named `{0}`")]
    UnknownShop(String),
    #[error("no order {0}")]
    UnknownOrder(i64),
    #[error("{0}")]
    Invalid(String),
}

pub fn add_order(shop: &mut SimShop, spec: &OrderSpec) -> Result<i64, SimError> {
    if spec
        .lines
        .iter()
        .any(|l| l.quantity <= 0 || l.unit_price < 0)
    {
        return Err(SimError::Invalid(
            "lines need a positive quantity and a price".into(),
        ));
    }
    if let Some(loc) = spec.location_id
        && !shop.locations.iter().any(|l| l.id == loc)
    {
        return Err(SimError::Invalid(format!("no location {loc}")));
    }
    let id = shop.fresh_id();
    let taxes_included = spec.taxes_included.unwrap_or(shop.taxes_included);
    let mut lines = Vec::new();
    for l in &spec.lines {
        let line_id = shop.fresh_id();
        let discounts = if l.discount > 0 {
            vec![l.discount]
        } else {
            vec![]
        };
        let tax = if l.gift_card {
            0
        } else {
            shop.tax_on(l.unit_price * l.quantity - l.discount, taxes_included)
        };
        lines.push(SimLine {
            id: line_id,
            quantity: l.quantity,
            unit_price: l.unit_price,
            gift_card: l.gift_card,
            discounts,
            tax,
        });
    }
    let number = shop.orders.iter().map(|o| o.number).max().unwrap_or(1000) + 1;
    shop.orders.push(SimOrder {
        id,
        number,
        channel: spec.channel,
        test: spec.test,
        location_id: spec.location_id,
        created_at: spec.processed_at,
        processed_at: spec.processed_at,
        updated_at: spec.processed_at.max(Utc::now()),
        cancelled_at: None,
        taxes_included,
        lines,
        refunds: Vec::new(),
        tip: 0,
        shipping: 0,
        garbled: false,
    });
    shop.sort_orders();
    Ok(id)
}

fn order_mut(shop: &mut SimShop, order_id: i64) -> Result<usize, SimError> {
    shop.orders
        .iter()
        .position(|o| o.id == order_id)
        .ok_or(SimError::UnknownOrder(order_id))
}

pub fn add_refund(shop: &mut SimShop, order_id: i64, spec: &RefundSpec) -> Result<i64, SimError> {
    let idx = order_mut(shop, order_id)?;
    let order = shop.orders[idx].clone();
    let mut lines = Vec::new();
    for rl in &spec.lines {
        let line = order
            .lines
            .get(rl.line_index)
            .ok_or_else(|| SimError::Invalid(format!("no line {}", rl.line_index)))?;
        let r = shop.refund_line(&order, line, rl.quantity, spec.location_id);
        if r.quantity > 0 {
            lines.push(r);
        }
    }
    let id = shop.fresh_id();
    let o = &mut shop.orders[idx];
    let mut refund = SimRefund::at(id, spec.at, lines);
    if let Some(till) = spec.till_location_id {
        let paid: i64 = refund.lines.iter().map(|l| l.subtotal + l.tax).sum();
        refund
            .transactions
            .push(SimTransaction::refund(Some(till), paid));
    }
    if spec.created_at_null {
        refund.created_at = None;
    }
    o.refunds.push(refund);
    // Shopify stamps updatedAt with the real time of the change.
    o.touch(spec.at.max(Utc::now()));
    shop.sort_orders();
    Ok(id)
}

pub fn cancel_order(shop: &mut SimShop, order_id: i64, at: DateTime<Utc>) -> Result<(), SimError> {
    let idx = order_mut(shop, order_id)?;
    let o = &mut shop.orders[idx];
    if o.cancelled_at.is_some() {
        return Err(SimError::Invalid(format!(
            "order {order_id} is already cancelled"
        )));
    }
    o.cancelled_at = Some(at);
    o.touch(at.max(Utc::now()));
    shop.sort_orders();
    Ok(())
}

/// Opens another active location, numbered after the shop's last one.
pub fn add_location(shop: &mut SimShop, name: &str) -> i64 {
    let id = shop
        .locations
        .iter()
        .map(|l| l.id)
        .max()
        .unwrap_or(64_000_000_000)
        + 1;
    let n = shop.locations.len();
    shop.locations.push(SimLocation {
        id,
        name: name.to_string(),
        active: true,
        address1: format!("{} Market Street", 10 + n),
        city: name.to_string(),
        province_code: "ON".into(),
        country_code: "CA".into(),
        zip: format!("A1A {n}B{n}"),
    });
    id
}
