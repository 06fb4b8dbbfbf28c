//! Refunds read while Shopify exports: the overlap of the refund follow-ups with the bulk
//! export.
//!
//! An export of a large store takes minutes, during which the rate-limit bucket refills
//! unused. Meanwhile TMAS pages through the window's orders whose financial status says
//! money went back (`financial_status:partially_refunded OR financial_status:refunded`),
//! reading each one's refunds' transactions in the follow-up's cheap shape: the sales ledger
//! in the file says what each refund returned, so only where it was processed is left to
//! read (a refund whose transactions name no place has its lines read after the file). When the file is read, a refund already read here is taken as it is and only the
//! others are followed up: a refund that moved no money leaves its order `paid` and is
//! caught then, and the bulk file stays the truth for which refunds exist (a refund read
//! here that the file lacks is never counted). Refunds do not change once made, so
//! reading them a few minutes before the file is as exact as reading them after.
//!
//! What is kept is bounded ([`MAX_KEPT`] refunds): past it the pre-read stops and the
//! follow-ups read the rest, so memory stays flat whatever the store.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

use super::follow_ups::{
    BATCH_TRANSACTIONS, MoneyShape, SCALAR_TRANSACTION_FIELDS, WireDetail, detail,
    placed_by_transactions, refused_as_unknown_field,
};
use crate::shopify::client::ShopifyClient;
use crate::shopify::cost::PageInfo;
use crate::shopify::error::ShopifyError;
use crate::shopify::queries::{self, COST_BUDGET, MAX_PAGE_SIZE};
use crate::shopify::types::TimeWindow;
use crate::shopify::types::wire::{Connection, WireRefundLineItem, WireTransaction};

/// Refunds read with each order; an order with more has the rest followed up.
pub const REFUNDS_PER_ORDER: u32 = 2;
/// The most refunds kept for the file (about 10 MB).
pub const MAX_KEPT: usize = 20_000;

/// Shopify's search filter for the window's orders that gave money back.
pub fn refunded_filter(window: &TimeWindow) -> String {
    format!(
        "{} AND (financial_status:partially_refunded OR financial_status:refunded)",
        queries::updated_filter(window)
    )
}

/// A page of refunded orders with their refunds, lines and transactions.
pub static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasRefundedOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      refunds(first: {REFUNDS_PER_ORDER}) {{
        id
        transactions(first: {BATCH_TRANSACTIONS}) {{
          nodes {{
            {SCALAR_TRANSACTION_FIELDS}
          }}
        }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"
    )
});

/// The requested cost of a page of `first` orders.
pub fn page_cost(first: u32, page_info: PageInfo) -> u64 {
    queries::priced(
        &DOCUMENT,
        &json!({ "first": first, "after": "cursor", "query": "" }),
        page_info,
    )
}

/// The most orders a page may ask for within [`COST_BUDGET`], `pageInfo` counted.
pub fn orders_per_page() -> u32 {
    static PER_PAGE: LazyLock<u32> = LazyLock::new(|| {
        (1..=MAX_PAGE_SIZE)
            .rev()
            .find(|&n| page_cost(n, PageInfo::Object) <= u64::from(COST_BUDGET))
            .unwrap_or(1)
    });
    *PER_PAGE
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    orders: PageOrders,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageOrders {
    nodes: Vec<PageOrder>,
    page_info: crate::shopify::types::wire::PageInfo,
}

#[derive(Debug, Deserialize)]
struct PageOrder {
    refunds: Vec<Value>,
}

type Detail = (Connection<WireRefundLineItem>, Connection<WireTransaction>);

/// What the pre-read did, for the run's record and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PreReadRecord {
    pub requests: u64,
    pub requested_points: f64,
    pub actual_points: f64,
    /// Refunds read and kept for the file.
    pub kept: u64,
    /// Refunds of the file taken from what was kept (the others were followed up).
    pub used: u64,
    /// The pre-read stopped early: an error (the follow-ups read everything instead), the
    /// [`MAX_KEPT`] bound, or Shopify refusing the money scalars.
    pub stopped: bool,
    /// Shopify refused the money scalars: the follow-ups read the `…Set` fields.
    pub set_shape: bool,
}

/// The refunds read while the export runs, and where the reading is.
#[derive(Debug)]
pub struct RefundPreRead {
    filter: String,
    cursor: Option<String>,
    done: bool,
    kept: HashMap<String, Detail>,
    pub record: PreReadRecord,
}

impl RefundPreRead {
    pub fn new(window: &TimeWindow) -> Self {
        RefundPreRead {
            filter: refunded_filter(window),
            cursor: None,
            done: false,
            kept: HashMap::new(),
            record: PreReadRecord::default(),
        }
    }

    /// Nothing to read (the export carries the refunds' places).
    pub fn none() -> Self {
        RefundPreRead {
            filter: String::new(),
            cursor: None,
            done: true,
            kept: HashMap::new(),
            record: PreReadRecord::default(),
        }
    }

    /// Nothing more to read: every refunded order was read, or the pre-read stopped.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Stops the pre-read (after an error): what was read is still used.
    pub fn stop(&mut self) {
        self.done = true;
        self.record.stopped = true;
    }

    /// The refund's lines and transactions, if they were read here (each is taken once).
    pub(super) fn take(&mut self, id: &str) -> Option<Detail> {
        let d = self.kept.remove(id)?;
        self.record.used += 1;
        Some(d)
    }

    fn keep(&mut self, d: WireDetail) {
        // A page that came back full may continue, and transactions that name no place
        // leave the refund to its restock locations: the follow-ups read those whole.
        if d.transactions.nodes.len() >= BATCH_TRANSACTIONS as usize
            || !placed_by_transactions(&d.transactions.nodes)
        {
            return;
        }
        self.record.kept += 1;
        self.kept
            .insert(d.id, (d.refund_line_items, d.transactions));
    }
}

impl ShopifyClient {
    /// Reads the next page of refunded orders into `pre` (through the cost pacer, like every
    /// query). Does nothing once `pre` is done.
    pub async fn pre_read_refunds_page(&self, pre: &mut RefundPreRead) -> Result<(), ShopifyError> {
        if pre.done {
            return Ok(());
        }
        let variables = json!({
            "first": orders_per_page(),
            "after": pre.cursor,
            "query": pre.filter,
        });
        let (page, cost) = match self
            .graphql::<Page>("refunded orders", DOCUMENT.as_str(), variables)
            .await
        {
            Ok(answer) => answer,
            Err(e) if refused_as_unknown_field(&e) => {
                tracing::warn!(error = %e, "Shopify refused the money scalars; refunds are read after the export");
                pre.record.set_shape = true;
                pre.stop();
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        pre.record.requests += 1;
        if let Some(c) = cost {
            pre.record.requested_points += c.requested_query_cost;
            pre.record.actual_points += c.actual_query_cost.unwrap_or(c.requested_query_cost);
        }
        for order in page.orders.nodes {
            for r in order.refunds {
                let d = detail(r, MoneyShape::Scalar).map_err(|e| {
                    crate::shopify::client::malformed(format!("refunded orders: {e}"))
                })?;
                pre.keep(d);
            }
        }
        pre.cursor = page.orders.page_info.end_cursor;
        if !page.orders.page_info.has_next_page || pre.cursor.is_none() {
            pre.done = true;
        } else if pre.kept.len() >= MAX_KEPT {
            pre.stop();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    #[test]
    fn the_document_is_valid_and_within_budget() {
        schema::validate(&DOCUMENT, "refunded.graphql").expect("valid against the schema");
        let n = orders_per_page();
        assert!(n >= 10, "a page holds many orders ({n})");
        assert!(page_cost(n, PageInfo::Object) <= u64::from(COST_BUDGET));
        assert!(page_cost(n + 1, PageInfo::Object) > u64::from(COST_BUDGET));
        for banned in ["customer", "email", "phone", "staffMember"] {
            assert!(!DOCUMENT.contains(banned), "{banned}");
        }
    }

    #[test]
    fn the_filter_adds_the_financial_status_to_the_window() {
        let to = chrono::Utc::now();
        let w = TimeWindow {
            from: to - chrono::Duration::hours(1),
            to,
        };
        let f = refunded_filter(&w);
        assert!(f.starts_with(&queries::updated_filter(&w)), "{f}");
        assert!(
            f.ends_with(" AND (financial_status:partially_refunded OR financial_status:refunded)")
        );
    }
}
