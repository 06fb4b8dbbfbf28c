//! Changes made while the simulator runs: new locations, orders, refunds and cancellations,
//! shaped like what a till would produce. They update the model, so expected totals follow.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{
    Channel, SimEdit, SimLateDiscount, SimLine, SimLocation, SimOrder, SimRefund, SimReturn,
    SimShop, SimTakeBack, SimTransaction,
};

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

/// A return on an order, as Shopify's POS exchange flow makes it: some units come back,
/// other items may be given in exchange (appended to the order's lines), a restocking fee
/// may be kept. What comes back is worth `Σ returned (with tax) − fee`; when that is more
/// than the items given (with tax), the difference is refunded at `location_id` (a refund
/// belonging to the return), else the customer pays the difference or nothing is owed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExchangeSpec {
    pub at: DateTime<Utc>,
    /// The store where it happened: the location of the refund's transaction, if any.
    pub location_id: Option<i64>,
    /// Units returned, by the line's position in the order.
    pub returned: Vec<RefundLineSpec>,
    /// Items given in exchange.
    #[serde(default)]
    pub given: Vec<LineSpec>,
    /// Where the returned goods are restocked; `None`: not restocked.
    pub restock_location_id: Option<i64>,
    /// A restocking fee kept (minor units, no tax).
    #[serde(default)]
    pub fee: i64,
}

/// An order edit: items added, units removed, discounts given on lines after the sale.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EditSpec {
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub add: Vec<LineSpec>,
    #[serde(default)]
    pub remove: Vec<RefundLineSpec>,
    #[serde(default)]
    pub discounts: Vec<LateDiscountSpec>,
}

/// A discount of `amount` (minor units, as an allocation on the line) given on a line later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LateDiscountSpec {
    pub line_index: usize,
    pub amount: i64,
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
    check_lines(&spec.lines)?;
    check_location(shop, spec.location_id)?;
    let id = shop.fresh_id();
    let taxes_included = spec.taxes_included.unwrap_or(shop.taxes_included);
    let lines = spec
        .lines
        .iter()
        .map(|l| new_line(shop, l, taxes_included))
        .collect();
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
        returns: Vec::new(),
        edits: Vec::new(),
        tip: 0,
        shipping: 0,
        garbled: false,
        quantity_skew: 0,
    });
    shop.sort_orders();
    Ok(id)
}

/// A new line item of an order whose prices hold tax or not.
fn new_line(shop: &mut SimShop, l: &LineSpec, taxes_included: bool) -> SimLine {
    let id = shop.fresh_id();
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
    SimLine {
        id,
        quantity: l.quantity,
        unit_price: l.unit_price,
        gift_card: l.gift_card,
        discounts,
        tax,
    }
}

fn check_lines(lines: &[LineSpec]) -> Result<(), SimError> {
    if lines
        .iter()
        .any(|l| l.quantity <= 0 || l.unit_price < 0 || l.discount < 0)
    {
        return Err(SimError::Invalid(
            "lines need a positive quantity and a price".into(),
        ));
    }
    Ok(())
}

fn check_location(shop: &SimShop, location: Option<i64>) -> Result<(), SimError> {
    match location {
        Some(loc) if !shop.locations.iter().any(|l| l.id == loc) => {
            Err(SimError::Invalid(format!("no location {loc}")))
        }
        _ => Ok(()),
    }
}

/// Units of the order's lines taken back, each checked: the line exists and has them.
fn take_backs(
    shop: &SimShop,
    order: &SimOrder,
    specs: &[RefundLineSpec],
) -> Result<Vec<SimTakeBack>, SimError> {
    let mut o = order.clone();
    let mut out = Vec::new();
    for rl in specs {
        let line = o
            .lines
            .get(rl.line_index)
            .cloned()
            .ok_or_else(|| SimError::Invalid(format!("no line {}", rl.line_index)))?;
        let t = shop.take_back(&o, &line, rl.quantity);
        if rl.quantity <= 0 || t.quantity != rl.quantity {
            return Err(SimError::Invalid(format!(
                "line {} has {} units left, not {}",
                rl.line_index,
                o.current_quantity(&line),
                rl.quantity
            )));
        }
        // Seen by the next take-back of the same line.
        o.edits.push(SimEdit {
            id: 0,
            at: order.processed_at,
            added: Vec::new(),
            removed: vec![t],
            discounts: Vec::new(),
        });
        out.push(t);
    }
    Ok(out)
}

fn open_order(shop: &SimShop, order_id: i64) -> Result<usize, SimError> {
    let idx = order_mut(shop, order_id)?;
    if shop.orders[idx].cancelled_at.is_some() {
        return Err(SimError::Invalid(format!("order {order_id} is cancelled")));
    }
    Ok(idx)
}

/// Records a return (an exchange, a return with a fee) on an order, with its refund when
/// money goes back; `updatedAt` moves to `spec.at`. Returns the return's numeric id.
pub fn apply_exchange(
    shop: &mut SimShop,
    order_id: i64,
    spec: &ExchangeSpec,
) -> Result<i64, SimError> {
    let idx = open_order(shop, order_id)?;
    check_lines(&spec.given)?;
    check_location(shop, spec.location_id)?;
    check_location(shop, spec.restock_location_id)?;
    if spec.returned.is_empty() || spec.fee < 0 {
        return Err(SimError::Invalid(
            "a return needs returned units and a fee of 0 or more".into(),
        ));
    }
    let order = shop.orders[idx].clone();
    if spec.at < order.processed_at {
        return Err(SimError::Invalid("a return comes after the sale".into()));
    }
    let lines = take_backs(shop, &order, &spec.returned)?;
    let taxes_included = order.taxes_included;
    let given: Vec<SimLine> = spec
        .given
        .iter()
        .map(|l| new_line(shop, l, taxes_included))
        .collect();
    let id = shop.fresh_id();
    let back: i64 = lines.iter().map(|t| t.subtotal + t.tax).sum::<i64>() - spec.fee;
    let owed: i64 = given
        .iter()
        .map(|l| {
            l.unit_price * l.quantity - l.discount_total() + if taxes_included { 0 } else { l.tax }
        })
        .sum();
    let refund_id = (back > owed).then(|| shop.fresh_id());
    let o = &mut shop.orders[idx];
    if let Some(refund_id) = refund_id {
        let mut refund = SimRefund::at(
            refund_id,
            spec.at,
            lines
                .iter()
                .map(|t| super::model::SimRefundLine {
                    line_id: t.line_id,
                    quantity: t.quantity,
                    subtotal: t.subtotal,
                    tax: t.tax,
                    location_id: spec.restock_location_id,
                    discount: t.discount,
                })
                .collect(),
        );
        refund.return_id = Some(id);
        refund
            .transactions
            .push(SimTransaction::refund(spec.location_id, back - owed));
        o.refunds.push(refund);
    }
    o.returns.push(SimReturn {
        id,
        at: spec.at,
        lines,
        exchange_lines: given.iter().map(|l| l.id).collect(),
        restock_location_id: spec.restock_location_id,
        fee: spec.fee,
        refund_id,
        location_id: spec.location_id,
        balance_paid: (owed - back).max(0),
    });
    o.lines.extend(given);
    o.touch(spec.at);
    Ok(id)
}

/// Records an order edit; `updatedAt` moves to `spec.at`. Returns the edit's numeric id.
pub fn apply_edit(shop: &mut SimShop, order_id: i64, spec: &EditSpec) -> Result<i64, SimError> {
    let idx = open_order(shop, order_id)?;
    check_lines(&spec.add)?;
    let order = shop.orders[idx].clone();
    if spec.at < order.processed_at {
        return Err(SimError::Invalid("an edit comes after the sale".into()));
    }
    if spec.add.is_empty() && spec.remove.is_empty() && spec.discounts.is_empty() {
        return Err(SimError::Invalid("an edit changes something".into()));
    }
    let removed = take_backs(shop, &order, &spec.remove)?;
    let mut discounts = Vec::new();
    for d in &spec.discounts {
        let line = order
            .lines
            .get(d.line_index)
            .ok_or_else(|| SimError::Invalid(format!("no line {}", d.line_index)))?;
        let paid = shop.line_paid(&order, line);
        if line.gift_card
            || order.taken_back(line.id).quantity > 0
            || spec.remove.iter().any(|r| r.line_index == d.line_index)
            || d.amount <= 0
            || d.amount > paid
        {
            return Err(SimError::Invalid(format!(
                "line {} cannot take a discount of {} (gift card, units taken back, or more than it costs)",
                d.line_index, d.amount
            )));
        }
        let after = line.discount_total() + d.amount;
        let tax_after = shop.tax_on(
            line.unit_price * line.quantity - after,
            order.taxes_included,
        );
        discounts.push(SimLateDiscount {
            line_id: line.id,
            amount: d.amount,
            tax: line.tax - tax_after,
        });
    }
    let added: Vec<SimLine> = spec
        .add
        .iter()
        .map(|l| new_line(shop, l, order.taxes_included))
        .collect();
    let id = shop.fresh_id();
    let o = &mut shop.orders[idx];
    for d in &discounts {
        if let Some(line) = o.lines.iter_mut().find(|l| l.id == d.line_id) {
            line.discounts.push(d.amount);
            line.tax -= d.tax;
        }
    }
    o.edits.push(SimEdit {
        id,
        at: spec.at,
        added: added.iter().map(|l| l.id).collect(),
        removed,
        discounts,
    });
    o.lines.extend(added);
    o.touch(spec.at);
    Ok(id)
}

/// An exchange (or a return) made while the simulator runs: as [`apply_exchange`], with
/// `updatedAt` at the real time of the change.
pub fn exchange(shop: &mut SimShop, order_id: i64, spec: &ExchangeSpec) -> Result<i64, SimError> {
    let id = apply_exchange(shop, order_id, spec)?;
    touch_now(shop, order_id);
    Ok(id)
}

/// An order edit made while the simulator runs: as [`apply_edit`], with `updatedAt` at the
/// real time of the change.
pub fn edit_order(shop: &mut SimShop, order_id: i64, spec: &EditSpec) -> Result<i64, SimError> {
    let id = apply_edit(shop, order_id, spec)?;
    touch_now(shop, order_id);
    Ok(id)
}

/// Shopify stamps updatedAt with the real time of a change.
fn touch_now(shop: &mut SimShop, order_id: i64) {
    if let Some(o) = shop.orders.iter_mut().find(|o| o.id == order_id) {
        o.touch(Utc::now());
    }
    shop.sort_orders();
}

fn order_mut(shop: &SimShop, order_id: i64) -> Result<usize, SimError> {
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
