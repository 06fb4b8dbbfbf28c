//! TMAS's own model of a point-of-sale order: what the facts rules read. The Shopify
//! client maps its payloads into these types (exact minor units of the shop currency,
//! parsed instants, numeric location ids), so the rules never see a wire shape.

use chrono::{DateTime, Utc};

use super::ledger::Ledger;

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
