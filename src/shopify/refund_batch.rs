//! The refund follow-ups of a bulk read: the lines and transactions of each refund, which
//! bulk refuses (they are connections inside the `refunds` list), read for many refunds at
//! once.
//!
//! Shopify prices a query before running it and takes what it requested from the bucket,
//! then gives back what it did not use; at the standard plan the bucket refills at 100
//! points a second, so the points a refund costs decide how long the follow-ups take. The
//! cheapest exact shape within the schema:
//!
//! - one query reads several refunds, each as an aliased `refund(id:)` (`r0`, `r1`, …), as
//!   many as [`queries::COST_BUDGET`] allows when priced the pessimistic way;
//! - each refund asks only what DOMAIN.md counts (its dates and id come with the bulk
//!   file), with small pages: [`BATCH_LINES`] lines and [`BATCH_TRANSACTIONS`] transactions,
//!   without `pageInfo` (a point each): a page that comes back full may continue;
//! - the rare refund whose page came back full is read whole by the paged `TmasRefund`
//!   follow-up (90 lines and 20 transactions a page), so nothing is counted in part.
//!
//! Every query goes through the client's cost pacer, like every paged query, so the
//! follow-ups stay inside the rate limit whatever else the client sends.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{ShopifyClient, malformed};
use super::cost::PageInfo;
use super::error::ShopifyError;
use super::queries::{self, REFUND_LINE_FIELDS, TRANSACTION_FIELDS};
use super::types::wire::{Connection, WireRefund, WireRefundLineItem, WireTransaction};

/// Lines read with each refund by the batched follow-up. Most refunds return one or two
/// lines; a refund that fills the page is read again by the paged follow-up. Shopify's
/// actual cost counts only the lines that come back, so a larger page costs nothing more
/// but room in the query: it spares the completions (measured on the simulator: with 4
/// lines and 2 transactions one refund in nine was read twice, for 18.2 points a refund).
pub const BATCH_LINES: u32 = 6;
/// Transactions read with each refund by the batched follow-up (one is usual, a split
/// tender two, a failed attempt and its retry two or three).
pub const BATCH_TRANSACTIONS: u32 = 4;

/// The selection for one refund.
fn refund_selection() -> String {
    format!(
        "id
    refundLineItems(first: {BATCH_LINES}) {{
      nodes {{
            {REFUND_LINE_FIELDS}
      }}
    }}
    transactions(first: {BATCH_TRANSACTIONS}) {{
      nodes {{
            {TRANSACTION_FIELDS}
      }}
    }}"
    )
}

/// The document reading `n` refunds: `$id0 … $id{n-1}` answered as `r0 … r{n-1}`.
pub fn document(n: usize) -> String {
    let selection = refund_selection();
    let variables: Vec<String> = (0..n).map(|i| format!("$id{i}: ID!")).collect();
    let fields: Vec<String> = (0..n)
        .map(|i| format!("  r{i}: refund(id: $id{i}) {{\n    {selection}\n  }}"))
        .collect();
    format!(
        "query TmasRefunds({}) {{\n{}\n}}",
        variables.join(", "),
        fields.join("\n")
    )
}

/// The variables of the document for these refund ids.
pub fn variables(ids: &[&str]) -> Value {
    Value::Object(
        ids.iter()
            .enumerate()
            .map(|(i, id)| (format!("id{i}"), json!(id)))
            .collect(),
    )
}

/// The requested cost of reading `n` refunds in one query, priced from the schema.
pub fn batch_cost(n: usize, page_info: PageInfo) -> u64 {
    let ids: Vec<String> = (0..n)
        .map(|i| format!("gid://shopify/Refund/{i}"))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    queries::priced(&document(n), &variables(&ids), page_info)
}

/// The most refunds one query may read and stay within [`queries::COST_BUDGET`].
pub fn refunds_per_request() -> usize {
    static PER_REQUEST: LazyLock<usize> = LazyLock::new(|| {
        let mut n = 1;
        while batch_cost(n + 1, PageInfo::Object) <= u64::from(queries::COST_BUDGET) {
            n += 1;
        }
        n
    });
    *PER_REQUEST
}

/// The documents for 1 … [`refunds_per_request`] refunds, built once.
static DOCUMENTS: LazyLock<Vec<String>> =
    LazyLock::new(|| (1..=refunds_per_request()).map(document).collect());

/// What the refund follow-ups of a read cost, for the run's record and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RefundFollowUps {
    /// Refunds whose lines and transactions were read.
    pub refunds: u64,
    /// Batched queries sent.
    pub requests: u64,
    /// Points those queries requested and used, as Shopify counted them.
    pub requested_points: f64,
    pub actual_points: f64,
    /// Refunds read again by the paged follow-up because a page came back full.
    pub completed: u64,
}

impl RefundFollowUps {
    pub fn add(&mut self, other: &RefundFollowUps) {
        self.refunds += other.refunds;
        self.requests += other.requests;
        self.requested_points += other.requested_points;
        self.actual_points += other.actual_points;
        self.completed += other.completed;
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundDetail {
    id: String,
    refund_line_items: Connection<WireRefundLineItem>,
    transactions: Connection<WireTransaction>,
}

impl ShopifyClient {
    /// Reads the lines and transactions of these refunds (known by id and dates from a
    /// bulk file), several per query, and adds to `record` what that cost.
    pub(super) async fn read_refund_details(
        &self,
        refunds: &mut [WireRefund],
        record: &mut RefundFollowUps,
    ) -> Result<(), ShopifyError> {
        for batch in refunds.chunks_mut(refunds_per_request()) {
            let asked = {
                let ids: Vec<&str> = batch.iter().map(|r| r.id.as_str()).collect();
                variables(&ids)
            };
            let (mut data, cost) = self
                .graphql::<HashMap<String, Option<RefundDetail>>>(
                    "refunds",
                    DOCUMENTS[batch.len() - 1].as_str(),
                    asked,
                )
                .await?;
            record.requests += 1;
            if let Some(c) = cost {
                record.requested_points += c.requested_query_cost;
                record.actual_points += c.actual_query_cost.unwrap_or(c.requested_query_cost);
            }
            for (i, refund) in batch.iter_mut().enumerate() {
                let detail = data.remove(&format!("r{i}")).flatten().ok_or_else(|| {
                    malformed(format!("{} disappeared while it was being read", refund.id))
                })?;
                if detail.id != refund.id {
                    return Err(malformed(format!(
                        "asked for refund {} and was answered {}",
                        refund.id, detail.id
                    )));
                }
                record.refunds += 1;
                let full = detail.refund_line_items.nodes.len() >= BATCH_LINES as usize
                    || detail.transactions.nodes.len() >= BATCH_TRANSACTIONS as usize;
                if full {
                    // The page may continue: read this refund whole, page after page.
                    record.completed += 1;
                    let whole = self.fetch_refund(&refund.id, None).await?;
                    refund.refund_line_items = whole.refund_line_items;
                    refund.transactions = whole.transactions;
                    self.complete_refund_lines(refund).await?;
                } else {
                    refund.refund_line_items = detail.refund_line_items;
                    refund.transactions = detail.transactions;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    #[test]
    fn every_batch_document_is_valid_and_within_budget() {
        let n = refunds_per_request();
        assert!(n >= 10, "a query reads many refunds ({n})");
        for k in [1, 2, n] {
            let doc = document(k);
            schema::validate(&doc, "refunds.graphql").expect("valid against the schema");
            assert!(batch_cost(k, PageInfo::Object) <= u64::from(queries::COST_BUDGET));
            assert!(batch_cost(k, PageInfo::Free) <= batch_cost(k, PageInfo::Object));
        }
        assert!(batch_cost(n + 1, PageInfo::Object) > u64::from(queries::COST_BUDGET));
        assert_eq!(DOCUMENTS.len(), n);
    }

    #[test]
    fn a_refund_is_priced_per_alias() {
        // Each alias is priced on its own: n refunds cost n times one.
        let one = batch_cost(1, PageInfo::Object);
        assert_eq!(batch_cost(5, PageInfo::Object), 5 * one);
        // 1 (refund) + lines 2 + 6 × (1 + 2 + 2 + 1 + 1) + transactions 2 + 4 × (1 + 1 + 2).
        assert_eq!(one, 1 + 2 + 6 * 7 + 2 + 4 * 4);
    }

    #[test]
    fn asks_for_no_personal_data() {
        let doc = document(2);
        for banned in ["customer", "email", "phone", "staffMember", "user"] {
            assert!(!doc.contains(banned), "{banned}");
        }
    }
}
