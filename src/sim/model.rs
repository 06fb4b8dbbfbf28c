//! The simulator's own model of a shop: what was sold and returned, before any of it is
//! rendered as a Shopify payload. Expected totals are computed from this.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A Shopify plan and the GraphQL cost limits that come with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// Basic, Grow and the other standard plans: 100 points/s.
    Basic,
    /// Advanced Shopify: 200 points/s.
    Advanced,
    /// Shopify Plus: 1000 points/s.
    Plus,
}

impl Plan {
    /// `ShopPlan.publicDisplayName`.
    pub fn display_name(self) -> &'static str {
        match self {
            Plan::Basic => "Basic",
            Plan::Advanced => "Advanced",
            Plan::Plus => "Plus",
        }
    }

    /// (bucket size, restore rate per second) of the GraphQL Admin API: the documented
    /// restore rates, with a bucket of 20 seconds' worth.
    pub fn limits(self) -> (f64, f64) {
        match self {
            Plan::Basic => (2000.0, 100.0),
            Plan::Advanced => (4000.0, 200.0),
            Plan::Plus => (20000.0, 1000.0),
        }
    }

    pub fn parse(s: &str) -> Option<Plan> {
        match s.to_ascii_lowercase().as_str() {
            "basic" | "standard" => Some(Plan::Basic),
            "advanced" => Some(Plan::Advanced),
            "plus" => Some(Plan::Plus),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLocation {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub address1: String,
    pub city: String,
    pub province_code: String,
    pub country_code: String,
    pub zip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Pos,
    Web,
}

impl Channel {
    /// `Order.sourceName`.
    pub fn source_name(self) -> &'static str {
        match self {
            Channel::Pos => "pos",
            Channel::Web => "web",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLine {
    pub id: i64,
    pub quantity: i64,
    /// Unit price before discounts (tax included when the shop's prices include tax).
    pub unit_price: i64,
    pub gift_card: bool,
    /// Discount allocations (line and order level), each in minor units.
    pub discounts: Vec<i64>,
    pub tax: i64,
}

impl SimLine {
    pub fn discount_total(&self) -> i64 {
        self.discounts.iter().sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRefundLine {
    pub line_id: i64,
    pub quantity: i64,
    /// Price paid for the returned goods after discounts, without tax (Shopify's
    /// `subtotalSet` adds the tax when the order's prices include it).
    pub subtotal: i64,
    pub tax: i64,
    /// Where the goods are restocked (None: not restocked).
    pub location_id: Option<i64>,
}

/// A money movement of a refund, as Shopify lists it in `Refund.transactions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTransaction {
    /// `OrderTransactionKind` (REFUND, or e.g. CHANGE).
    pub kind: &'static str,
    /// `OrderTransactionStatus` (SUCCESS, FAILURE…).
    pub status: &'static str,
    /// Where the transaction was processed (None: Shopify gives none).
    pub location_id: Option<i64>,
    pub amount: i64,
}

impl SimTransaction {
    /// A successful refund of `amount` at `location_id`.
    pub fn refund(location_id: Option<i64>, amount: i64) -> Self {
        SimTransaction {
            kind: "REFUND",
            status: "SUCCESS",
            location_id,
            amount,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRefund {
    pub id: i64,
    /// Null in some of Shopify's refunds; `processed_at` then dates it.
    pub created_at: Option<DateTime<Utc>>,
    pub processed_at: DateTime<Utc>,
    pub lines: Vec<SimRefundLine>,
    /// Shipping, tip or tax refunded without goods (never part of sales).
    pub other_amount: i64,
    pub transactions: Vec<SimTransaction>,
}

impl SimRefund {
    /// A refund created and processed at `at`, without transactions.
    pub fn at(id: i64, at: DateTime<Utc>, lines: Vec<SimRefundLine>) -> Self {
        SimRefund {
            id,
            created_at: Some(at),
            processed_at: at,
            lines,
            other_amount: 0,
            transactions: Vec::new(),
        }
    }

    /// When Shopify would say the refund happened: its creation, else its processing.
    pub fn when(&self) -> DateTime<Utc> {
        self.created_at.unwrap_or(self.processed_at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    pub id: i64,
    pub number: i64,
    pub channel: Channel,
    pub test: bool,
    pub location_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub processed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Whether this order's prices include tax (usually the shop's setting, not always).
    pub taxes_included: bool,
    pub lines: Vec<SimLine>,
    pub refunds: Vec<SimRefund>,
    /// Tips and shipping: money the order carries that is never a sale.
    pub tip: i64,
    pub shipping: i64,
    /// Rendered with a value TMAS cannot read (see `SimHandle::set_garbled`).
    pub garbled: bool,
}

impl SimOrder {
    /// Sort key of `sortKey: UPDATED_AT` pagination.
    pub fn key(&self) -> (i64, i64) {
        (self.updated_at.timestamp_millis(), self.id)
    }

    /// What the customer paid: the goods after discounts with their tax, shipping and tip.
    pub fn total_paid(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| {
                l.unit_price * l.quantity - l.discount_total()
                    + if self.taxes_included { 0 } else { l.tax }
            })
            .sum::<i64>()
            + self.shipping
            + self.tip
    }

    /// Shopify's `financial_status` (as its orders search names it) of a paid order:
    /// `refunded` once successful refund transactions gave back everything paid,
    /// `partially_refunded` once they gave back anything, else `paid`. A refund that moved
    /// no money (store credit, an exchange) leaves the order `paid`.
    pub fn financial_status(&self) -> &'static str {
        let refunded: i64 = self
            .refunds
            .iter()
            .flat_map(|r| &r.transactions)
            .filter(|t| t.kind == "REFUND" && t.status == "SUCCESS")
            .map(|t| t.amount)
            .sum();
        if refunded <= 0 {
            "paid"
        } else if refunded >= self.total_paid() {
            "refunded"
        } else {
            "partially_refunded"
        }
    }

    /// Pushes `updated_at` forward to `at` (Shopify bumps it on every change).
    pub fn touch(&mut self, at: DateTime<Utc>) {
        if at > self.updated_at {
            self.updated_at = at;
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimShop {
    pub name: String,
    pub time_zone: Tz,
    pub currency: String,
    pub taxes_included: bool,
    /// Tax rate in basis points (1300 = 13%).
    pub tax_rate_bp: i64,
    pub plan: Plan,
    pub locations: Vec<SimLocation>,
    /// Kept sorted by [`SimOrder::key`].
    pub orders: Vec<SimOrder>,
    /// Next id for orders, lines and refunds created while running.
    pub next_id: i64,
}

impl SimShop {
    pub fn sort_orders(&mut self) {
        self.orders.sort_by_key(SimOrder::key);
    }

    pub fn fresh_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Tax on a line's discounted amount, rounded half up, for an order whose prices
    /// include tax or not.
    pub fn tax_on(&self, amount: i64, taxes_included: bool) -> i64 {
        let (num, den) = if taxes_included {
            (amount * self.tax_rate_bp, 10_000 + self.tax_rate_bp)
        } else {
            (amount * self.tax_rate_bp, 10_000)
        };
        (2 * num + den) / (2 * den)
    }

    /// What a line of `order` sold for after discounts and without tax.
    pub fn line_paid(&self, order: &SimOrder, line: &SimLine) -> i64 {
        line.unit_price * line.quantity
            - line.discount_total()
            - if order.taxes_included { line.tax } else { 0 }
    }

    /// A refund of `quantity` units of `line`, priced proportionally to what was paid, so
    /// that returning every unit gives back exactly what was paid.
    pub fn refund_line(
        &self,
        order: &SimOrder,
        line: &SimLine,
        quantity: i64,
        location_id: Option<i64>,
    ) -> SimRefundLine {
        let (done_q, done_v, done_t) = order
            .refunds
            .iter()
            .flat_map(|r| r.lines.iter())
            .filter(|l| l.line_id == line.id)
            .fold((0, 0, 0), |(q, v, t), l| {
                (q + l.quantity, v + l.subtotal, t + l.tax)
            });
        let quantity = quantity.min(line.quantity - done_q).max(0);
        let paid = self.line_paid(order, line);
        let (subtotal, tax) = if done_q + quantity == line.quantity {
            (paid - done_v, line.tax - done_t)
        } else {
            (
                round_div(paid * quantity, line.quantity),
                round_div(line.tax * quantity, line.quantity),
            )
        };
        SimRefundLine {
            line_id: line.id,
            quantity,
            subtotal,
            tax,
            location_id,
        }
    }
}

/// a / b rounded half up, for non-negative a and positive b.
pub fn round_div(a: i64, b: i64) -> i64 {
    (2 * a + b) / (2 * b)
}
