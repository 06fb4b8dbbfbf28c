//! TMAS's own model of a point-of-sale order: what the facts rules read. The Shopify
//! client maps its payloads into these types (exact minor units of the shop currency,
//! parsed instants, numeric location ids), so the rules never see a wire shape. Its sales
//! ledger is part of it; the rules that read the ledger are in [`super::ledger`].

use chrono::{DateTime, Utc};

/// An order with every amount in exact minor units of the shop currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub name: String,
    pub source_name: Option<String>,
    pub test: bool,
    /// Numeric id of the Shopify location the order was sold at (`retailLocation`).
    pub retail_location_id: Option<i64>,
    pub processed_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Whether this order's prices include tax (the order's own setting, which can differ
    /// from the shop's).
    pub taxes_included: bool,
    /// Shop currency of the amounts (empty when the order has no line items).
    pub currency_code: String,
    pub line_items: Vec<LineItem>,
    pub refunds: Vec<Refund>,
    /// The order's sales ledger, when it was read: the facts then come from it.
    pub ledger: Option<Ledger>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    pub id: String,
    pub quantity: i64,
    pub original_unit_price: i64,
    pub is_gift_card: bool,
    /// Σ of the discount allocations (line and order level).
    pub discount: i64,
    /// Σ of the tax lines.
    pub tax: i64,
    /// Units still on the order after removals and returns (`currentQuantity`), when read.
    pub current_quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    /// Shopify may leave it null; [`Refund::at`] then falls back to `processed_at`.
    pub created_at: Option<DateTime<Utc>>,
    pub processed_at: DateTime<Utc>,
    pub refund_line_items: Vec<RefundLineItem>,
    pub transactions: Vec<RefundTransaction>,
}

impl Refund {
    /// When the refund counts: its creation, else its processing (DOMAIN.md).
    pub fn at(&self) -> DateTime<Utc> {
        self.created_at.unwrap_or(self.processed_at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundLineItem {
    pub quantity: i64,
    /// What Shopify calls the line's subtotal: the price paid after discounts, with tax
    /// when the order's prices include tax.
    pub subtotal: i64,
    /// The tax refunded on this line (`totalTaxSet`).
    pub tax: i64,
    /// Where the goods are restocked (None: not restocked).
    pub location_id: Option<i64>,
    pub line_item_id: String,
    pub is_gift_card: bool,
}

/// A money movement of a refund (`Refund.transactions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundTransaction {
    pub kind: TransactionKind,
    pub status: TransactionStatus,
    /// Where the transaction was processed.
    pub location_id: Option<i64>,
    pub amount: i64,
}

impl RefundTransaction {
    /// Money actually given back: kind REFUND, status SUCCESS.
    pub fn is_successful_refund(&self) -> bool {
        self.kind == TransactionKind::Refund && self.status == TransactionStatus::Success
    }
}

/// `OrderTransaction.kind`, as far as TMAS needs to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    Refund,
    /// Any other kind (sale, capture, void, change…).
    Other,
}

/// `OrderTransaction.status`, as far as TMAS needs to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    Success,
    /// Pending, failed, error, unknown…
    Other,
}

/// An order's sales ledger as Shopify answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub agreements: Vec<Agreement>,
    /// The order's returns with what places them, or `None` when TMAS may not read returns
    /// (no `read_returns` scope): a return is then placed by [`Ledger::payments`].
    pub returns: Option<Vec<ReturnPlaces>>,
    /// The order's successful money movements (`Order.transactions`), read only when its
    /// returns cannot be: a refund of an exchange's difference, or the payment of its
    /// balance, was processed where the exchange happened.
    pub payments: Vec<Payment>,
}

/// A successful transaction of an order: where and when money moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub at: DateTime<Utc>,
    pub location_id: i64,
    /// The amount (a weight between places; its sign is not read).
    pub amount: i64,
}

/// One event of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub kind: AgreementKind,
    pub happened_at: DateTime<Utc>,
    pub sales: Vec<Sale>,
}

/// The concrete type of a `SalesAgreement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgreementKind {
    /// `OrderAgreement`: the sale.
    Order,
    /// `OrderEditAgreement`: items added or removed, or a discount changed, after the sale.
    OrderEdit,
    /// `RefundAgreement`, with its refund's id.
    Refund { refund_id: String },
    /// `ReturnAgreement` (a return or an exchange), with its return's id.
    Return { return_id: String },
    /// A type TMAS does not know (added by Shopify later): never guessed.
    Unknown(String),
}

/// `SaleActionType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaleAction {
    Order,
    /// A removal or a return.
    Return,
    Update,
    /// `UNKNOWN`, or a value added later.
    Unknown(String),
}

/// `SaleLineType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaleLine {
    Product,
    /// The difference between returned goods' value and what was refunded.
    Adjustment,
    /// Gift cards, tips, shipping, duties and fees: never sales.
    NotSales(String),
    /// `UNKNOWN`, or a value added later.
    Unknown(String),
}

impl SaleLine {
    /// Reads Shopify's enum value.
    pub fn parse(value: &str) -> SaleLine {
        match value {
            "PRODUCT" => SaleLine::Product,
            "ADJUSTMENT" => SaleLine::Adjustment,
            "GIFT_CARD" | "TIP" | "SHIPPING" | "DUTY" | "FEE" | "ADDITIONAL_FEE" => {
                SaleLine::NotSales(value.to_string())
            }
            other => SaleLine::Unknown(other.to_string()),
        }
    }
}

impl SaleAction {
    /// Reads Shopify's enum value.
    pub fn parse(value: &str) -> SaleAction {
        match value {
            "ORDER" => SaleAction::Order,
            "RETURN" => SaleAction::Return,
            "UPDATE" => SaleAction::Update,
            other => SaleAction::Unknown(other.to_string()),
        }
    }
}

/// One signed sale of an agreement, in minor units of the shop currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub action: SaleAction,
    pub line: SaleLine,
    pub quantity: Option<i64>,
    /// `totalAmount`: after discounts and taxes.
    pub total: i64,
    /// `totalTaxAmount`.
    pub tax: i64,
    /// `totalDiscountAmountBeforeTaxes`.
    pub discount: i64,
    /// The line item of a `ProductSale`.
    pub line_item_id: Option<String>,
}

impl Sale {
    /// The value without tax, after discounts (signed).
    pub(super) fn value(&self) -> i64 {
        self.total - self.tax
    }
}

/// What places a return: its refunds and where its goods were restocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPlaces {
    pub id: String,
    pub refund_ids: Vec<String>,
    /// `(location, quantity)` of each `RESTOCKED` disposition.
    pub restocked: Vec<(i64, i64)>,
}
