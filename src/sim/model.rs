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
    /// The part of the line's discounts these units carried (what the ledger's sale says
    /// of them; never part of the refund's payload).
    pub discount: i64,
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
    /// The return this refund belongs to (an exchange's difference, a return's money back):
    /// its sales are in the return's agreement, and it has no agreement of its own.
    pub return_id: Option<i64>,
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
            return_id: None,
        }
    }

    /// When Shopify would say the refund happened: its creation, else its processing.
    pub fn when(&self) -> DateTime<Utc> {
        self.created_at.unwrap_or(self.processed_at)
    }
}

/// Units of a line taken back (by a return) or removed (by an edit): their value after
/// discounts without tax, their tax and their part of the line's discounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimTakeBack {
    pub line_id: i64,
    pub quantity: i64,
    pub subtotal: i64,
    pub tax: i64,
    pub discount: i64,
}

/// A return on the order (Shopify's POS exchange flow, or a return with a restocking fee):
/// goods come back and others may be given in exchange, all in one `ReturnAgreement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReturn {
    pub id: i64,
    /// When it happened (`happenedAt` of its agreement, `createdAt` of the return).
    pub at: DateTime<Utc>,
    pub lines: Vec<SimTakeBack>,
    /// Line items given in exchange, appended to the order's lines by this return.
    pub exchange_lines: Vec<i64>,
    /// Where the returned goods were restocked (`RESTOCKED`); `None`: `NOT_RESTOCKED`.
    pub restock_location_id: Option<i64>,
    /// A restocking fee kept from what is given back (shop currency, no tax).
    pub fee: i64,
    /// The refund that gave money back, when there is one (in `SimOrder::refunds`).
    pub refund_id: Option<i64>,
    /// The till where it happened (where money changed hands, if any did).
    pub location_id: Option<i64>,
    /// What the customer paid there for the items given in exchange beyond the value of
    /// the returned goods (0 when nothing was owed or money went back).
    pub balance_paid: i64,
}

/// A discount given on a line after the sale: the allocation it added and the tax it took
/// off the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimLateDiscount {
    pub line_id: i64,
    pub amount: i64,
    pub tax: i64,
}

/// An order edit after the sale (`OrderEditAgreement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEdit {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Line items added, appended to the order's lines by this edit.
    pub added: Vec<i64>,
    /// Units removed (`LineItem.quantity` keeps them, `currentQuantity` does not).
    pub removed: Vec<SimTakeBack>,
    pub discounts: Vec<SimLateDiscount>,
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
    /// Line items in Shopify's order: those sold, then those appended by returns
    /// (exchanges) and edits. A line's `discounts` and `tax` are as they are now, with any
    /// discount given later (see [`SimEdit::discounts`]).
    pub lines: Vec<SimLine>,
    pub refunds: Vec<SimRefund>,
    pub returns: Vec<SimReturn>,
    pub edits: Vec<SimEdit>,
    /// Tips and shipping: money the order carries that is never a sale.
    pub tip: i64,
    pub shipping: i64,
    /// Rendered with a value TMAS cannot read (see `SimHandle::set_garbled`).
    pub garbled: bool,
    /// Added to every line's rendered `currentQuantity`: Shopify's other view of the order
    /// disagreeing with its ledger (see `SimHandle::set_current_quantity_skew`).
    pub quantity_skew: i64,
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

    /// Shopify's `returnStatus` of the order, in the lower case its orders search takes
    /// (`return_status:returned`): every return the simulator makes is completed at once.
    pub fn return_status(&self) -> &'static str {
        if self.returns.is_empty() {
            "no_return"
        } else {
            "returned"
        }
    }

    /// Whether the line was appended after the sale (given in exchange or added by an edit).
    pub fn appended(&self, line_id: i64) -> bool {
        self.returns
            .iter()
            .any(|r| r.exchange_lines.contains(&line_id))
            || self.edits.iter().any(|e| e.added.contains(&line_id))
    }

    /// Every take-back of a line so far: refund lines of refunds that are not a return's,
    /// returned lines and units removed by edits.
    pub fn taken_back(&self, line_id: i64) -> SimTakeBack {
        let refunded = self
            .refunds
            .iter()
            .filter(|r| r.return_id.is_none())
            .flat_map(|r| &r.lines)
            .filter(|l| l.line_id == line_id)
            .map(|l| (l.quantity, l.subtotal, l.tax, l.discount));
        let returned = self
            .returns
            .iter()
            .flat_map(|r| &r.lines)
            .chain(self.edits.iter().flat_map(|e| &e.removed))
            .filter(|l| l.line_id == line_id)
            .map(|l| (l.quantity, l.subtotal, l.tax, l.discount));
        let (quantity, subtotal, tax, discount) =
            refunded.chain(returned).fold((0, 0, 0, 0), |a, b| {
                (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
            });
        SimTakeBack {
            line_id,
            quantity,
            subtotal,
            tax,
            discount,
        }
    }

    /// `LineItem.currentQuantity`: the quantity less the units refunded, returned or
    /// removed by an edit. (The rest of a cancelled order is not taken off: the simulator
    /// models a cancellation without a refund as Shopify's cancel with nothing restocked
    /// and no agreement, see DOMAIN.md's cancellation rule.)
    pub fn current_quantity(&self, line: &SimLine) -> i64 {
        line.quantity - self.taken_back(line.id).quantity
    }

    /// The discount allocations and tax a line had when it was sold (or appended): its
    /// allocations and tax now, less what discounts given later changed.
    pub fn original_discount_and_tax(&self, line: &SimLine) -> (i64, i64) {
        let (amount, tax) = self
            .edits
            .iter()
            .flat_map(|e| &e.discounts)
            .filter(|d| d.line_id == line.id)
            .fold((0, 0), |(a, t), d| (a + d.amount, t + d.tax));
        (line.discount_total() - amount, line.tax + tax)
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

    /// Taking back `quantity` units of `line` (refund, return or removal), priced
    /// proportionally to what was paid, so that taking back every unit gives back exactly
    /// what was paid; never more units than are left.
    pub fn take_back(&self, order: &SimOrder, line: &SimLine, quantity: i64) -> SimTakeBack {
        let done = order.taken_back(line.id);
        let quantity = quantity.min(line.quantity - done.quantity).max(0);
        let paid = self.line_paid(order, line);
        let discount = line.discount_total();
        let (subtotal, tax, discount) = if done.quantity + quantity == line.quantity {
            (
                paid - done.subtotal,
                line.tax - done.tax,
                discount - done.discount,
            )
        } else {
            (
                round_div(paid * quantity, line.quantity),
                round_div(line.tax * quantity, line.quantity),
                round_div(discount * quantity, line.quantity),
            )
        };
        SimTakeBack {
            line_id: line.id,
            quantity,
            subtotal,
            tax,
            discount,
        }
    }

    /// A refund of `quantity` units of `line`, priced as [`SimShop::take_back`] does.
    pub fn refund_line(
        &self,
        order: &SimOrder,
        line: &SimLine,
        quantity: i64,
        location_id: Option<i64>,
    ) -> SimRefundLine {
        let t = self.take_back(order, line, quantity);
        SimRefundLine {
            line_id: line.id,
            quantity: t.quantity,
            subtotal: t.subtotal,
            tax: t.tax,
            location_id,
            discount: t.discount,
        }
    }
}

/// a / b rounded half up, for non-negative a and positive b.
pub fn round_div(a: i64, b: i64) -> i64 {
    (2 * a + b) / (2 * b)
}
