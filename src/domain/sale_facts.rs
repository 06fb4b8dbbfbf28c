//! The facts one order gives: what its sale and its returns add to the numbers, what support
//! should look at, and where a refund counts. Both ways of reading an order (its line items
//! in [`super::facts`], its sales ledger in [`super::ledger`]) build these.

use chrono::{DateTime, Utc};

use super::order::{Refund, RefundLineItem};

/// What an order adds when it is processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleFact {
    pub order_id: String,
    pub shopify_location_id: i64,
    pub at: DateTime<Utc>,
    /// Unit price × quantity of non-gift-card lines, less included tax.
    pub gross: i64,
    pub discounts: i64,
    pub items: i64,
    pub transaction: bool,
}

/// What an event after the sale changes: a refund, a return or exchange, an edit, or a
/// cancellation's unreturned remainder. Refunds and plain returns only take back; an
/// exchange or an edit can also sell (`gross`, `discounts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnFact {
    /// The refund's id, or `cancel:<order id>` for what a cancellation returns. A refund
    /// is one return at one place (see [`refund_location`]), so ids stay unique.
    pub id: String,
    pub order_id: String,
    pub shopify_location_id: i64,
    pub at: DateTime<Utc>,
    /// Goods sold by the event (an exchange's new items, an edit's added ones), before
    /// discounts and without tax.
    pub gross: i64,
    pub discounts: i64,
    /// Value returned (positive; subtracted from net sales), without tax.
    pub returns: i64,
    /// Items taken back less items sold by the event (subtracted from items sold).
    pub items: i64,
    pub transaction: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFacts {
    pub sale: Option<SaleFact>,
    pub returns: Vec<ReturnFact>,
    /// What support should look at (an order still counted): see [`LedgerProblem`].
    pub problems: Vec<LedgerProblem>,
}

/// Why an imported order is listed for support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerProblem {
    /// An agreement, sale action or sale line of a type TMAS does not know: the agreement is
    /// left out rather than guessed.
    UnknownType { agreement_id: String, what: String },
    /// A line item whose product sales do not add up to its `currentQuantity`.
    QuantityMismatch {
        line_item_id: String,
        ledger: i64,
        current: i64,
    },
}

impl std::fmt::Display for LedgerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerProblem::UnknownType { agreement_id, what } => {
                write!(f, "unknown {what} in agreement {agreement_id}")
            }
            LedgerProblem::QuantityMismatch {
                line_item_id,
                ledger,
                current,
            } => write!(
                f,
                "line item {line_item_id}: ledger quantity {ledger}, current quantity {current}"
            ),
        }
    }
}

/// The value of returned goods without tax: Shopify's refund line subtotal includes the
/// tax when the order's prices do, and its `totalTaxSet` says how much.
pub(super) fn returned_value(line: &RefundLineItem, taxes_included: bool) -> i64 {
    line.subtotal - if taxes_included { line.tax } else { 0 }
}

/// Among `(location, weight)` pairs, the location with the largest total weight; on a tie
/// the one listed first. `None` when there is no pair.
fn heaviest(pairs: impl IntoIterator<Item = (i64, i64)>) -> Option<i64> {
    let mut totals: Vec<(i64, i64)> = Vec::new();
    for (loc, weight) in pairs {
        match totals.iter_mut().find(|(l, _)| *l == loc) {
            Some(slot) => slot.1 += weight,
            None => totals.push((loc, weight)),
        }
    }
    // `max_by_key` keeps the last of equal maxima; reversing makes ties go to the first.
    totals
        .into_iter()
        .rev()
        .max_by_key(|&(_, w)| w)
        .map(|(l, _)| l)
}

/// Where a refund was processed, per DOMAIN.md: the location of its successful refund
/// transactions; when Shopify gives none, the restock location of its returned goods;
/// `None` when neither is known (the caller then uses the order's retail location).
///
/// A refund is one return, counted once at one place. When its successful refund
/// transactions were processed at several locations (rare: a refund finished at another
/// till), it belongs to the location that gave back the most money, the first listed on a
/// tie. When its goods are restocked at several places, it belongs to the place that took
/// back the most value, the first listed on a tie. Splitting it instead would count one
/// return as several transactions.
pub fn refund_location(
    refund: &Refund,
    goods: &[&RefundLineItem],
    taxes_included: bool,
) -> Option<i64> {
    heaviest(
        refund
            .transactions
            .iter()
            .filter(|t| t.is_successful_refund())
            .filter_map(|t| Some((t.location_id?, t.amount))),
    )
    .or_else(|| {
        heaviest(
            goods
                .iter()
                .filter_map(|l| Some((l.location_id?, returned_value(l, taxes_included)))),
        )
    })
}
