//! What places the returns of a bulk file's orders, read several orders a query: while
//! Shopify exports (as the refunds' places are, `bulk_refunds`) and, for the orders that
//! reading missed, after the file, by their ids.
//!
//! The ledger in the file says what each return and exchange took back and when, not where.
//! Read one order at a time (`TmasOrderReturns`, about 15 points used) the returns of a
//! store with a few hundred exchanges took over a minute after the export. Here a page of
//! the window's orders with a return (`return_status:…`) carries each order's returns in a
//! small shape; an order with more than that shape holds is left to the one-order query,
//! which reads the whole. Without `read_returns` Shopify refuses the returns, and the pages
//! read the orders' transactions instead (how a return is placed then, `domain::ledger`).
//!
//! The file stays the truth for which orders have returns: what is read here for an order
//! whose ledger holds no return is never used. Returns only gain refunds and restocked
//! lines, and the file is read after this, so an order that changed in between is read
//! again (its `updatedAt` moves, and the next run reads it whole).
//!
//! What is kept is bounded ([`MAX_KEPT`] orders): past it the pre-read stops and the
//! orders after the file are read by id, so memory stays flat whatever the store.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::json;

use super::follow_ups::placed_by_transactions;
use crate::shopify::client::ShopifyClient;
use crate::shopify::cost::PageInfo;
use crate::shopify::error::ShopifyError;
use crate::shopify::orders::returns_cut;
use crate::shopify::queries::{
    self, COST_BUDGET, MAX_PAGE_SIZE, PAYMENTS_PER_ORDER, TRANSACTION_FIELDS,
};
use crate::shopify::types::wire::{self, Connection, WireOrderTransaction, WireReturn};
use crate::shopify::types::{TimeWindow, gid_number};

/// Returns read with each order; an order with more is read alone.
const RETURNS: u32 = 2;
/// Refunds read with each return.
const REFUNDS: u32 = 2;
/// Transactions read with each of those refunds (its place, so that it is not followed up
/// after the file); a refund with more is followed up.
pub const REFUND_TRANSACTIONS: u32 = 3;
/// Reverse fulfillment orders read with each return.
const REVERSE_ORDERS: u32 = 1;
/// Restocked lines read with each reverse fulfillment order.
const REVERSE_LINES: u32 = 5;
/// The most orders kept for the file. A million-order read with 20,000 kept peaked at
/// 98.0 MiB (the target is 100 MB); 5,000 orders with returns cover a store of about a
/// quarter of a million orders, and past them the rest are read after the file, several a
/// query.
pub const MAX_KEPT: usize = 5_000;

/// The return statuses of an order with a return, as the orders search takes them
/// (`Order.returnStatus` other than `NO_RETURN`).
const WITH_RETURN: [&str; 5] = [
    "returned",
    "in_progress",
    "inspection_complete",
    "return_requested",
    "return_failed",
];

/// Shopify's search filter for the window's orders with a return.
pub fn returned_filter(window: &TimeWindow) -> String {
    let statuses: Vec<String> = WITH_RETURN
        .iter()
        .map(|s| format!("return_status:{s}"))
        .collect();
    format!(
        "{} AND ({})",
        queries::updated_filter(window),
        statuses.join(" OR ")
    )
}

/// A page of orders with what places their returns.
pub static RETURNS_DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasReturnedOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      id
      returns(first: {RETURNS}) {{
        nodes {{
          id
          refunds(first: {REFUNDS}) {{
            nodes {{
              id
              transactions(first: {REFUND_TRANSACTIONS}) {{
                nodes {{
            {TRANSACTION_FIELDS}
                }}
              }}
            }}
            pageInfo {{ hasNextPage endCursor }}
          }}
          reverseFulfillmentOrders(first: {REVERSE_ORDERS}) {{
            nodes {{
              lineItems(first: {REVERSE_LINES}) {{
                nodes {{
                  dispositions {{ type quantity location {{ id }} }}
                }}
                pageInfo {{ hasNextPage endCursor }}
              }}
            }}
            pageInfo {{ hasNextPage endCursor }}
          }}
        }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"
    )
});

/// A page of orders with their transactions: how returns are placed without
/// `read_returns`.
pub static PAYMENTS_DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasReturnedOrderPayments($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      id
      transactions(first: {PAYMENTS_PER_ORDER}) {{
        kind
        status
        processedAt
        location {{ id }}
        amountSet {{ shopMoney {{ amount }} }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"
    )
});

/// How the returns are read: by themselves, or (Shopify refused them) by the orders'
/// transactions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    #[default]
    Returns,
    Payments,
}

impl Shape {
    fn document(self) -> &'static str {
        match self {
            Shape::Returns => RETURNS_DOCUMENT.as_str(),
            Shape::Payments => PAYMENTS_DOCUMENT.as_str(),
        }
    }
}

/// The most orders a page of `shape` may ask for within [`COST_BUDGET`], `pageInfo`
/// counted.
pub fn orders_per_page(shape: Shape) -> u32 {
    fn fit(shape: Shape) -> u32 {
        (1..=MAX_PAGE_SIZE)
            .rev()
            .find(|&n| {
                let variables = json!({ "first": n, "after": "cursor", "query": "" });
                queries::priced(shape.document(), &variables, PageInfo::Object)
                    <= u64::from(COST_BUDGET)
            })
            .unwrap_or(1)
    }
    static RETURNS_PAGE: LazyLock<u32> = LazyLock::new(|| fit(Shape::Returns));
    static PAYMENTS_PAGE: LazyLock<u32> = LazyLock::new(|| fit(Shape::Payments));
    match shape {
        Shape::Returns => *RETURNS_PAGE,
        Shape::Payments => *PAYMENTS_PAGE,
    }
}

#[derive(Debug, Deserialize)]
struct Page {
    orders: PageOrders,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageOrders {
    nodes: Vec<PageOrder>,
    page_info: wire::PageInfo,
}

#[derive(Debug, Deserialize)]
struct PageOrder {
    id: String,
    #[serde(default)]
    returns: Option<Connection<WireReturn>>,
    #[serde(default)]
    transactions: Option<Vec<WireOrderTransaction>>,
}

/// What places one order's returns.
#[derive(Debug)]
pub enum ReturnPlaces {
    Returns(Vec<WireReturn>),
    /// The order's transactions (the app may not read returns).
    Payments(Vec<WireOrderTransaction>),
}

/// What the reading did, for the run's record and the benchmark: while Shopify exported
/// (`requests` to `kept`), then after the file.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReturnsRecord {
    pub requests: u64,
    pub requested_points: f64,
    pub actual_points: f64,
    /// Orders read while Shopify exported and kept for the file.
    pub kept: u64,
    /// Orders of the file given what was kept.
    pub used: u64,
    /// Orders read after the file, several a query, in so many requests and points used.
    pub read_after: u64,
    pub after_requests: u64,
    pub after_points: f64,
    /// The pre-read stopped early (an error or the [`MAX_KEPT`] bound).
    pub stopped: bool,
}

/// The orders' return places read so far, and where the pre-read is.
#[derive(Debug)]
pub struct ReturnPreRead {
    filter: String,
    cursor: Option<String>,
    done: bool,
    shape: Shape,
    kept: HashMap<String, ReturnPlaces>,
    pub record: ReturnsRecord,
}

impl ReturnPreRead {
    pub fn new(window: &TimeWindow) -> Self {
        ReturnPreRead {
            filter: returned_filter(window),
            cursor: None,
            done: false,
            shape: Shape::Returns,
            kept: HashMap::new(),
            record: ReturnsRecord::default(),
        }
    }

    /// Nothing read during the export: every order is read after the file, by id.
    pub fn none() -> Self {
        let mut pre = ReturnPreRead::new(&TimeWindow {
            from: chrono::DateTime::UNIX_EPOCH,
            to: chrono::DateTime::UNIX_EPOCH,
        });
        pre.done = true;
        pre
    }

    /// Nothing more to read during the export.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Stops the pre-read (after an error): what was read is still used.
    pub fn stop(&mut self) {
        self.done = true;
        self.record.stopped = true;
    }

    /// The returns' refunds kept here whose transactions are all read and name no place:
    /// their lines decide, so they are read after the file (all at once, by the reader).
    pub(super) fn placeless_refunds(&self) -> Vec<String> {
        self.kept
            .values()
            .filter_map(|places| match places {
                ReturnPlaces::Returns(returns) => Some(returns),
                ReturnPlaces::Payments(_) => None,
            })
            .flatten()
            .flat_map(|r| &r.refunds.nodes)
            .filter(|refund| {
                refund.transactions.as_ref().is_some_and(|t| {
                    t.nodes.len() < REFUND_TRANSACTIONS as usize
                        && !placed_by_transactions(&t.nodes)
                })
            })
            .map(|refund| refund.id.clone())
            .collect()
    }

    /// What places the order's returns, if it was read (each is taken once).
    pub(super) fn take(&mut self, order: &str) -> Option<ReturnPlaces> {
        let places = self.kept.remove(order)?;
        self.record.used += 1;
        Some(places)
    }

    /// Keeps what a page read of each order, where the page held it whole.
    fn keep_page(&mut self, orders: Vec<PageOrder>) -> Vec<(String, ReturnPlaces)> {
        let mut whole = Vec::with_capacity(orders.len());
        for o in orders {
            let places = match (o.returns, o.transactions) {
                (Some(returns), _) if returns_cut(&returns).is_none() => {
                    ReturnPlaces::Returns(returns.nodes)
                }
                (None, Some(t)) if t.len() < PAYMENTS_PER_ORDER as usize => {
                    ReturnPlaces::Payments(t)
                }
                // More than the page's shape holds: the one-order query reads it whole.
                _ => continue,
            };
            whole.push((o.id, places));
        }
        whole
    }
}

impl ShopifyClient {
    /// One page of orders matching `query` in `pre`'s shape: each order read whole, the
    /// end cursor, and whether more follow. Shopify refusing the returns (no
    /// `read_returns`) turns `pre` to the payments' shape and reads the page again.
    async fn returns_page(
        &self,
        pre: &mut ReturnPreRead,
        query: &str,
        first: Option<u32>,
        after: Option<&str>,
    ) -> Result<(Vec<(String, ReturnPlaces)>, Option<String>, bool), ShopifyError> {
        loop {
            let variables = json!({
                "first": first.unwrap_or_else(|| orders_per_page(pre.shape)),
                "after": after,
                "query": query,
            });
            let asked = self
                .graphql::<Page>("returned orders", pre.shape.document(), variables)
                .await;
            let (page, cost) = match asked {
                Ok(answer) => answer,
                Err(ShopifyError::ScopeMissing { .. }) if pre.shape == Shape::Returns => {
                    pre.shape = Shape::Payments;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let used = cost.map_or(0.0, |c| {
                c.actual_query_cost.unwrap_or(c.requested_query_cost)
            });
            if pre.done {
                pre.record.after_requests += 1;
                pre.record.after_points += used;
            } else {
                pre.record.requests += 1;
                pre.record.requested_points += cost.map_or(0.0, |c| c.requested_query_cost);
                pre.record.actual_points += used;
            }
            let more = page.orders.page_info.has_next_page;
            let cursor = page.orders.page_info.end_cursor;
            return Ok((pre.keep_page(page.orders.nodes), cursor, more));
        }
    }

    /// Reads the next page of the window's orders with a return into `pre` (through the
    /// cost pacer, like every query). Does nothing once `pre` is done.
    pub async fn pre_read_returns_page(&self, pre: &mut ReturnPreRead) -> Result<(), ShopifyError> {
        if pre.done {
            return Ok(());
        }
        let (filter, cursor) = (pre.filter.clone(), pre.cursor.clone());
        let (whole, cursor, more) = self
            .returns_page(pre, &filter, None, cursor.as_deref())
            .await?;
        pre.record.kept += whole.len() as u64;
        pre.kept.extend(whole);
        pre.cursor = cursor;
        if !more || pre.cursor.is_none() {
            pre.done = true;
        } else if pre.kept.len() >= MAX_KEPT {
            pre.stop();
        }
        Ok(())
    }

    /// Reads what places the returns of `orders` (their ids), several orders a query; an
    /// order the answer does not hold whole is left out (the one-order query reads it).
    pub(super) async fn read_return_places(
        &self,
        pre: &mut ReturnPreRead,
        orders: &[&str],
    ) -> Result<HashMap<String, ReturnPlaces>, ShopifyError> {
        // The export is over: what is read now is counted as read after it.
        pre.done = true;
        let mut out = HashMap::with_capacity(orders.len());
        let mut rest = orders;
        while !rest.is_empty() {
            let n = rest.len().min(orders_per_page(pre.shape) as usize);
            let (chunk, after) = rest.split_at(n);
            let ids: Vec<i64> = chunk.iter().filter_map(|id| gid_number(id)).collect();
            if ids.is_empty() {
                break;
            }
            let first = u32::try_from(ids.len()).unwrap_or(MAX_PAGE_SIZE);
            let (whole, _, _) = self
                .returns_page(pre, &queries::ids_filter(&ids), Some(first), None)
                .await?;
            pre.record.read_after += whole.len() as u64;
            out.extend(whole);
            rest = after;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    #[test]
    fn the_documents_are_valid_and_a_page_holds_many_orders() {
        schema::validate(&RETURNS_DOCUMENT, "returned.graphql").expect("valid");
        schema::validate(&PAYMENTS_DOCUMENT, "returned-payments.graphql").expect("valid");
        for shape in [Shape::Returns, Shape::Payments] {
            // Each return's refunds come with their transactions, so the requested price
            // of an order is high; what Shopify counts is what comes back.
            let n = orders_per_page(shape);
            assert!(n >= 5, "{shape:?}: a page holds several orders ({n})");
            let price = |n: u32| {
                queries::priced(
                    shape.document(),
                    &json!({ "first": n, "after": "c", "query": "" }),
                    PageInfo::Object,
                )
            };
            assert!(price(n) <= u64::from(COST_BUDGET));
            assert!(price(n + 1) > u64::from(COST_BUDGET));
        }
        for banned in ["customer", "email", "phone", "staffMember"] {
            assert!(!RETURNS_DOCUMENT.contains(banned), "{banned}");
            assert!(!PAYMENTS_DOCUMENT.contains(banned), "{banned}");
        }
    }

    #[test]
    fn the_filter_adds_every_return_status_but_none_to_the_window() {
        let to = chrono::Utc::now();
        let w = TimeWindow {
            from: to - chrono::Duration::hours(1),
            to,
        };
        let f = returned_filter(&w);
        assert!(f.starts_with(&queries::updated_filter(&w)), "{f}");
        for s in WITH_RETURN {
            assert!(f.contains(&format!("return_status:{s}")), "{f}");
        }
        assert!(!f.contains("no_return"), "{f}");
    }

    fn page(json: serde_json::Value) -> Vec<PageOrder> {
        serde_json::from_value::<Page>(json)
            .expect("a page")
            .orders
            .nodes
    }

    #[test]
    fn an_order_whose_returns_continue_is_left_to_the_one_order_query() {
        let more = json!({ "hasNextPage": true, "endCursor": "x" });
        let done = json!({ "hasNextPage": false, "endCursor": null });
        let a_return = |refunds_page: &serde_json::Value| {
            json!({ "id": "gid://shopify/Return/1",
                    "refunds": { "nodes": [{ "id": "gid://shopify/Refund/1" }], "pageInfo": refunds_page },
                    "reverseFulfillmentOrders": { "nodes": [], "pageInfo": done } })
        };
        let orders = page(json!({ "orders": { "nodes": [
            { "id": "gid://shopify/Order/1", "returns": { "nodes": [a_return(&done)], "pageInfo": done } },
            { "id": "gid://shopify/Order/2", "returns": { "nodes": [a_return(&more)], "pageInfo": done } },
            { "id": "gid://shopify/Order/3", "returns": { "nodes": [a_return(&done)], "pageInfo": more } },
            { "id": "gid://shopify/Order/4", "transactions": [] },
        ], "pageInfo": done } }));
        let mut pre = ReturnPreRead::none();
        let kept: Vec<String> = pre
            .keep_page(orders)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(kept, ["gid://shopify/Order/1", "gid://shopify/Order/4"]);
    }
}
