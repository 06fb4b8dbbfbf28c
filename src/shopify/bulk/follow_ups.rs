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
//! - its money is read through the deprecated `Money` scalars (`RefundLineItem.subtotal`,
//!   `totalTax`, `OrderTransaction.amount`): a scalar costs nothing, a `…Set { shopMoney }`
//!   costs 2 points, 4 a line and 2 a transaction (see [`MoneyShape`]). When Shopify
//!   answers that those fields do not exist (an API version that removed them), the rest
//!   of the run reads the `…Set` fields and says so ([`RefundFollowUps::set_shape`]);
//! - the rare refund whose page came back full is read whole by the paged `TmasRefund`
//!   follow-up (90 lines and 20 transactions a page), so nothing is counted in part.
//!
//! Every query goes through the client's cost pacer, like every paged query, so the
//! follow-ups stay inside the rate limit whatever else the client sends.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::shopify::client::{ShopifyClient, malformed};
use crate::shopify::cost::PageInfo;
use crate::shopify::error::ShopifyError;
use crate::shopify::queries::{self, REFUND_LINE_FIELDS, TRANSACTION_FIELDS};
use crate::shopify::types::wire::{
    Connection, IdRef, MoneyBag, MoneyV2, WireRefund, WireRefundLineItem, WireRefundedLine,
    WireTransaction,
};

/// Lines read with each refund by the batched follow-up. Most refunds return one or two
/// lines; a refund that fills the page is read again by the paged follow-up. Shopify's
/// actual cost counts only the lines that come back, so a larger page costs nothing more
/// but room in the query: it spares the completions (measured on the simulator: with 4
/// lines and 2 transactions one refund in nine was read twice, for 18.2 points a refund).
pub const BATCH_LINES: u32 = 6;
/// Transactions read with each refund by the batched follow-up (one is usual, a split
/// tender two, a failed attempt and its retry two or three).
pub const BATCH_TRANSACTIONS: u32 = 4;

/// How the batched follow-up reads a refund's money.
///
/// Shopify prices a scalar at 0 and an object at 1, so `subtotalSet { shopMoney { amount } }`
/// costs 2 points where the deprecated `subtotal: Money!` costs none. The deprecated fields
/// are in the shop currency, as DOMAIN.md counts: Shopify kept the Order resource's
/// existing money fields in the shop currency when it added presentment currencies, and
/// added the `…Set` fields beside them. A transaction's amount is only ever compared with
/// the other transactions of the same refund (which location gave back the most), so its
/// currency could not change the result either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoneyShape {
    /// `subtotal`, `totalTax`, `amount`: 3 points a line, 2 a transaction.
    #[default]
    Scalar,
    /// `subtotalSet`, `totalTaxSet`, `amountSet` (`shopMoney`): 7 and 4.
    Set,
}

pub(super) const SCALAR_LINE_FIELDS: &str = "quantity
            subtotal
            totalTax
            location { id }
            lineItem { id isGiftCard }";

pub(super) const SCALAR_TRANSACTION_FIELDS: &str = "kind
            status
            location { id }
            amount";

/// The selection of a refund's place: its transactions only (an order whose ledger came in
/// the bulk file needs no more, unless none of them says where it was processed).
fn place_selection(shape: MoneyShape) -> String {
    let transactions = match shape {
        MoneyShape::Scalar => SCALAR_TRANSACTION_FIELDS,
        MoneyShape::Set => TRANSACTION_FIELDS,
    };
    format!(
        "id
    transactions(first: {BATCH_TRANSACTIONS}) {{
      nodes {{
            {transactions}
      }}
    }}"
    )
}

/// The document reading where `n` refunds were processed (`TmasRefundPlaces`).
pub fn place_document(n: usize, shape: MoneyShape) -> String {
    aliased("TmasRefundPlaces", n, &place_selection(shape))
}

/// The requested cost of reading `n` refunds' places in one query.
pub fn place_batch_cost(n: usize, shape: MoneyShape, page_info: PageInfo) -> u64 {
    let ids: Vec<String> = (0..n)
        .map(|i| format!("gid://shopify/Refund/{i}"))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    queries::priced(&place_document(n, shape), &variables(&ids), page_info)
}

/// The most refunds' places one query may read within [`queries::COST_BUDGET`].
pub fn places_per_request(shape: MoneyShape) -> usize {
    fn most(shape: MoneyShape) -> usize {
        most_within_budget(|n| place_batch_cost(n, shape, PageInfo::Object))
    }
    static SCALAR: LazyLock<usize> = LazyLock::new(|| most(MoneyShape::Scalar));
    static SET: LazyLock<usize> = LazyLock::new(|| most(MoneyShape::Set));
    match shape {
        MoneyShape::Scalar => *SCALAR,
        MoneyShape::Set => *SET,
    }
}

fn place_documents(shape: MoneyShape) -> &'static [String] {
    static SCALAR: LazyLock<Vec<String>> = LazyLock::new(|| {
        (1..=places_per_request(MoneyShape::Scalar))
            .map(|n| place_document(n, MoneyShape::Scalar))
            .collect()
    });
    static SET: LazyLock<Vec<String>> = LazyLock::new(|| {
        (1..=places_per_request(MoneyShape::Set))
            .map(|n| place_document(n, MoneyShape::Set))
            .collect()
    });
    match shape {
        MoneyShape::Scalar => &SCALAR,
        MoneyShape::Set => &SET,
    }
}

/// Whether a refund's transactions say where it was processed (a successful refund with a
/// location): DOMAIN.md's first rule; otherwise its restock locations decide.
pub(super) fn placed_by_transactions(transactions: &[WireTransaction]) -> bool {
    transactions
        .iter()
        .any(|t| t.kind == "REFUND" && t.status == "SUCCESS" && t.location.is_some())
}

/// The selection for one refund.
fn refund_selection(shape: MoneyShape) -> String {
    let (lines, transactions) = match shape {
        MoneyShape::Scalar => (SCALAR_LINE_FIELDS, SCALAR_TRANSACTION_FIELDS),
        MoneyShape::Set => (REFUND_LINE_FIELDS, TRANSACTION_FIELDS),
    };
    format!(
        "id
    refundLineItems(first: {BATCH_LINES}) {{
      nodes {{
            {lines}
      }}
    }}
    transactions(first: {BATCH_TRANSACTIONS}) {{
      nodes {{
            {transactions}
      }}
    }}"
    )
}

/// The document reading `n` refunds: `$id0 … $id{n-1}` answered as `r0 … r{n-1}`.
pub fn document(n: usize, shape: MoneyShape) -> String {
    aliased("TmasRefunds", n, &refund_selection(shape))
}

/// The query `name` reading `selection` of `n` refunds, aliased `r0 … r{n-1}`.
fn aliased(name: &str, n: usize, selection: &str) -> String {
    let variables: Vec<String> = (0..n).map(|i| format!("$id{i}: ID!")).collect();
    let fields: Vec<String> = (0..n)
        .map(|i| format!("  r{i}: refund(id: $id{i}) {{\n    {selection}\n  }}"))
        .collect();
    format!(
        "query {name}({}) {{\n{}\n}}",
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
pub fn batch_cost(n: usize, shape: MoneyShape, page_info: PageInfo) -> u64 {
    let ids: Vec<String> = (0..n)
        .map(|i| format!("gid://shopify/Refund/{i}"))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    queries::priced(&document(n, shape), &variables(&ids), page_info)
}

fn most_per_request(shape: MoneyShape) -> usize {
    most_within_budget(|n| batch_cost(n, shape, PageInfo::Object))
}

/// The requested cost of 1 … `most` refunds a query, computed once per shape and kind.
fn costs_up_to(most: usize, cost: impl Fn(usize) -> u64) -> Vec<u64> {
    (1..=most).map(cost).collect()
}

fn detail_costs(shape: MoneyShape) -> &'static [u64] {
    static SCALAR: LazyLock<Vec<u64>> = LazyLock::new(|| {
        costs_up_to(refunds_per_request(MoneyShape::Scalar), |n| {
            batch_cost(n, MoneyShape::Scalar, PageInfo::Object)
        })
    });
    static SET: LazyLock<Vec<u64>> = LazyLock::new(|| {
        costs_up_to(refunds_per_request(MoneyShape::Set), |n| {
            batch_cost(n, MoneyShape::Set, PageInfo::Object)
        })
    });
    match shape {
        MoneyShape::Scalar => &SCALAR,
        MoneyShape::Set => &SET,
    }
}

fn place_costs(shape: MoneyShape) -> &'static [u64] {
    static SCALAR: LazyLock<Vec<u64>> = LazyLock::new(|| {
        costs_up_to(places_per_request(MoneyShape::Scalar), |n| {
            place_batch_cost(n, MoneyShape::Scalar, PageInfo::Object)
        })
    });
    static SET: LazyLock<Vec<u64>> = LazyLock::new(|| {
        costs_up_to(places_per_request(MoneyShape::Set), |n| {
            place_batch_cost(n, MoneyShape::Set, PageInfo::Object)
        })
    });
    match shape {
        MoneyShape::Scalar => &SCALAR,
        MoneyShape::Set => &SET,
    }
}

/// How many refunds to ask for in the next query, of `costs` (the requested cost of 1 … n
/// refunds): as many as the bucket holds the requested cost of now, at least one. A query
/// waits until its requested points are there although Shopify gives most of them back
/// (a refund requests about 31 points and uses about 9), so after the export's pre-reads
/// a batch sized to the bucket runs at once where a full one would wait seconds.
fn batch_now(available: Option<f64>, costs: &[u64]) -> usize {
    let Some(available) = available else {
        return costs.len().max(1);
    };
    costs
        .iter()
        .rposition(|&c| c as f64 <= available)
        .map_or(1, |i| i + 1)
}

/// The most refunds a query may ask for when `n` refunds cost `cost(n)`: at least one, and
/// within [`queries::COST_BUDGET`] from then on.
fn most_within_budget(cost: impl Fn(usize) -> u64) -> usize {
    let mut n = 1;
    while cost(n + 1) <= u64::from(queries::COST_BUDGET) {
        n += 1;
    }
    n
}

/// The most refunds one query may read and stay within [`queries::COST_BUDGET`].
pub fn refunds_per_request(shape: MoneyShape) -> usize {
    static SCALAR: LazyLock<usize> = LazyLock::new(|| most_per_request(MoneyShape::Scalar));
    static SET: LazyLock<usize> = LazyLock::new(|| most_per_request(MoneyShape::Set));
    match shape {
        MoneyShape::Scalar => *SCALAR,
        MoneyShape::Set => *SET,
    }
}

/// The documents for 1 … [`refunds_per_request`] refunds, built once per shape.
fn documents(shape: MoneyShape) -> &'static [String] {
    static SCALAR: LazyLock<Vec<String>> = LazyLock::new(|| {
        (1..=refunds_per_request(MoneyShape::Scalar))
            .map(|n| document(n, MoneyShape::Scalar))
            .collect()
    });
    static SET: LazyLock<Vec<String>> = LazyLock::new(|| {
        (1..=refunds_per_request(MoneyShape::Set))
            .map(|n| document(n, MoneyShape::Set))
            .collect()
    });
    match shape {
        MoneyShape::Scalar => &SCALAR,
        MoneyShape::Set => &SET,
    }
}

/// Whether Shopify refused a document because a field it names does not exist: how an API
/// version that has removed the deprecated money scalars answers.
pub(super) fn refused_as_unknown_field(e: &ShopifyError) -> bool {
    matches!(e, ShopifyError::MalformedResponse { context }
        if context.contains("doesn't exist on type")
            && ["'subtotal'", "'totalTax'", "'amount'"].iter().any(|f| context.contains(f)))
}

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
    /// Refunds whose place was asked first (their order's ledger came in the file) and whose
    /// transactions named none, so they were read whole after (counted once in `refunds`).
    pub reread: u64,
    /// Shopify refused the deprecated money scalars: the rest of the run read the `…Set`
    /// fields (the run says so in a note).
    pub set_shape: bool,
}

impl RefundFollowUps {
    pub fn add(&mut self, other: &RefundFollowUps) {
        self.refunds += other.refunds;
        self.requests += other.requests;
        self.requested_points += other.requested_points;
        self.actual_points += other.actual_points;
        self.completed += other.completed;
        self.reread += other.reread;
        self.set_shape |= other.set_shape;
    }

    /// The shape the next follow-up reads money with.
    pub fn shape(&self) -> MoneyShape {
        if self.set_shape {
            MoneyShape::Set
        } else {
            MoneyShape::Scalar
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RefundDetail<L, T> {
    pub(super) id: String,
    /// Not asked when only the refund's place is read: none, and nothing more to read.
    #[serde(default = "Connection::default")]
    pub(super) refund_line_items: Connection<L>,
    pub(super) transactions: Connection<T>,
}

/// A refund line read through the money scalars.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScalarLine {
    quantity: i64,
    subtotal: String,
    total_tax: String,
    location: Option<IdRef>,
    line_item: WireRefundedLine,
}

/// A refund transaction read through the money scalar.
#[derive(Debug, Deserialize)]
struct ScalarTransaction {
    kind: String,
    status: String,
    location: Option<IdRef>,
    amount: String,
}

/// A shop-currency amount as a `MoneyBag` (the currency code is taken from the order's
/// line items, never from here).
fn shop_money(amount: String) -> MoneyBag {
    MoneyBag {
        shop_money: MoneyV2 {
            amount,
            currency_code: None,
        },
    }
}

fn connection<A, B>(c: Connection<A>, f: impl Fn(A) -> B) -> Connection<B> {
    Connection {
        nodes: c.nodes.into_iter().map(f).collect(),
        page_info: c.page_info,
    }
}

pub(super) type WireDetail = RefundDetail<WireRefundLineItem, WireTransaction>;

/// One answered refund, in the wire shape whichever shape it was read with.
pub(super) fn detail(value: Value, shape: MoneyShape) -> Result<WireDetail, serde_json::Error> {
    Ok(match shape {
        MoneyShape::Set => serde_json::from_value(value)?,
        MoneyShape::Scalar => {
            let d: RefundDetail<ScalarLine, ScalarTransaction> = serde_json::from_value(value)?;
            RefundDetail {
                id: d.id,
                refund_line_items: connection(d.refund_line_items, |l| WireRefundLineItem {
                    quantity: l.quantity,
                    subtotal_set: shop_money(l.subtotal),
                    total_tax_set: shop_money(l.total_tax),
                    location: l.location,
                    line_item: l.line_item,
                }),
                transactions: connection(d.transactions, |t| WireTransaction {
                    kind: t.kind,
                    status: t.status,
                    location: t.location,
                    amount_set: shop_money(t.amount),
                }),
            }
        }
    })
}

impl ShopifyClient {
    /// Asks for `batch` with `document` (aliased `r0 …`, read in `shape`), counts the query
    /// in `record`, and returns each refund's answer in the batch's order. `None` when
    /// Shopify refused the money scalars: `record` now reads the `…Set` fields, ask again.
    async fn ask_refunds(
        &self,
        name: &'static str,
        document: &'static str,
        batch: &[WireRefund],
        shape: MoneyShape,
        record: &mut RefundFollowUps,
    ) -> Result<Option<Vec<WireDetail>>, ShopifyError> {
        let asked = {
            let ids: Vec<&str> = batch.iter().map(|r| r.id.as_str()).collect();
            variables(&ids)
        };
        let answer = self
            .graphql::<HashMap<String, Option<Value>>>(name, document, asked)
            .await;
        let (mut data, cost) = match answer {
            Err(e) if shape == MoneyShape::Scalar && refused_as_unknown_field(&e) => {
                tracing::warn!(error = %e, "Shopify refused the money scalars; reading the money sets");
                record.set_shape = true;
                return Ok(None);
            }
            other => other?,
        };
        record.requests += 1;
        if let Some(c) = cost {
            record.requested_points += c.requested_query_cost;
            record.actual_points += c.actual_query_cost.unwrap_or(c.requested_query_cost);
        }
        let mut details = Vec::with_capacity(batch.len());
        for (i, refund) in batch.iter().enumerate() {
            let value = data.remove(&format!("r{i}")).flatten().ok_or_else(|| {
                malformed(format!("{} disappeared while it was being read", refund.id))
            })?;
            let detail = detail(value, shape)
                .map_err(|e| malformed(format!("refund {}: {e}", refund.id)))?;
            if detail.id != refund.id {
                return Err(malformed(format!(
                    "asked for refund {} and was answered {}",
                    refund.id, detail.id
                )));
            }
            details.push(detail);
        }
        Ok(Some(details))
    }

    /// Reads where these refunds were processed (their transactions), several per query,
    /// for orders whose ledger says what each returned; returns the positions of those
    /// whose transactions name no place (or filled their page), which must be read whole.
    pub(super) async fn read_refund_places(
        &self,
        refunds: &mut [WireRefund],
        record: &mut RefundFollowUps,
    ) -> Result<Vec<usize>, ShopifyError> {
        let mut whole = Vec::new();
        let mut start = 0;
        while start < refunds.len() {
            let shape = record.shape();
            let n = batch_now(self.points_available(), place_costs(shape));
            let end = refunds.len().min(start + n);
            let batch = &mut refunds[start..end];
            let document = place_documents(shape)[batch.len() - 1].as_str();
            let Some(details) = self
                .ask_refunds("refund places", document, batch, shape, record)
                .await?
            else {
                continue;
            };
            for (i, (refund, detail)) in batch.iter_mut().zip(details).enumerate() {
                if detail.transactions.nodes.len() >= BATCH_TRANSACTIONS as usize
                    || !placed_by_transactions(&detail.transactions.nodes)
                {
                    record.reread += 1;
                    whole.push(start + i);
                } else {
                    record.refunds += 1;
                    refund.transactions = detail.transactions;
                }
            }
            start = end;
        }
        Ok(whole)
    }

    /// Reads the lines and transactions of these refunds (known by id and dates from a
    /// bulk file), several per query, and adds to `record` what that cost.
    pub(super) async fn read_refund_details(
        &self,
        refunds: &mut [WireRefund],
        record: &mut RefundFollowUps,
    ) -> Result<(), ShopifyError> {
        let mut start = 0;
        while start < refunds.len() {
            let shape = record.shape();
            let n = batch_now(self.points_available(), detail_costs(shape));
            let end = refunds.len().min(start + n);
            let batch = &mut refunds[start..end];
            let name = match shape {
                MoneyShape::Scalar => "refunds",
                MoneyShape::Set => "refunds (money sets)",
            };
            let document = documents(shape)[batch.len() - 1].as_str();
            let Some(details) = self
                .ask_refunds(name, document, batch, shape, record)
                .await?
            else {
                continue;
            };
            for (refund, detail) in batch.iter_mut().zip(details) {
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
            start = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    #[test]
    fn a_batch_asks_for_what_the_bucket_holds_now() {
        let costs = detail_costs(MoneyShape::Scalar);
        let most = costs.len();
        assert_eq!(batch_now(None, costs), most, "nothing known: a full batch");
        assert_eq!(batch_now(Some(2_000.0), costs), most);
        assert_eq!(batch_now(Some(0.0), costs), 1, "at least one");
        let half = costs[most / 2 - 1] as f64;
        assert_eq!(batch_now(Some(half), costs), most / 2);
        assert_eq!(batch_now(Some(half - 1.0), costs), most / 2 - 1);
        assert!(costs.windows(2).all(|w| w[0] < w[1]), "{costs:?}");
        assert_eq!(
            place_costs(MoneyShape::Set).len(),
            places_per_request(MoneyShape::Set)
        );
    }

    #[test]
    fn every_batch_document_is_valid_and_within_budget() {
        for shape in [MoneyShape::Scalar, MoneyShape::Set] {
            let n = refunds_per_request(shape);
            assert!(n >= 10, "a query reads many refunds ({n})");
            for k in [1, 2, n] {
                let doc = document(k, shape);
                schema::validate(&doc, "refunds.graphql").expect("valid against the schema");
                assert!(batch_cost(k, shape, PageInfo::Object) <= u64::from(queries::COST_BUDGET));
                assert!(
                    batch_cost(k, shape, PageInfo::Free) <= batch_cost(k, shape, PageInfo::Object)
                );
            }
            assert!(batch_cost(n + 1, shape, PageInfo::Object) > u64::from(queries::COST_BUDGET));
            assert_eq!(documents(shape).len(), n);
        }
        assert!(refunds_per_request(MoneyShape::Scalar) > refunds_per_request(MoneyShape::Set));
        // A refund's place alone (its transactions): more than twice as many a query.
        for shape in [MoneyShape::Scalar, MoneyShape::Set] {
            let n = places_per_request(shape);
            assert!(n > 2 * refunds_per_request(shape), "{n}");
            let doc = place_document(n, shape);
            schema::validate(&doc, "places.graphql").expect("valid against the schema");
            assert!(!doc.contains("refundLineItems"));
            assert!(
                place_batch_cost(n, shape, PageInfo::Object) <= u64::from(queries::COST_BUDGET)
            );
            assert!(
                place_batch_cost(n + 1, shape, PageInfo::Object) > u64::from(queries::COST_BUDGET)
            );
            assert_eq!(place_documents(shape).len(), n);
        }
    }

    #[test]
    fn a_refund_is_priced_per_alias() {
        // Each alias is priced on its own: n refunds cost n times one.
        for shape in [MoneyShape::Scalar, MoneyShape::Set] {
            let one = batch_cost(1, shape, PageInfo::Object);
            assert_eq!(batch_cost(5, shape, PageInfo::Object), 5 * one);
        }
        // 1 (refund) + lines 2 + 6 × (1 + 2 + 2 + 1 + 1) + transactions 2 + 4 × (1 + 1 + 2).
        assert_eq!(
            batch_cost(1, MoneyShape::Set, PageInfo::Object),
            1 + 2 + 6 * 7 + 2 + 4 * 4
        );
        // The scalars cost nothing: a line is itself, its location and its line item; a
        // transaction itself and its location.
        assert_eq!(
            batch_cost(1, MoneyShape::Scalar, PageInfo::Object),
            1 + 2 + 6 * 3 + 2 + 4 * 2
        );
    }

    #[test]
    fn only_a_missing_money_scalar_switches_the_shape() {
        let refused = |m: &str| refused_as_unknown_field(&malformed(format!("GraphQL error: {m}")));
        assert!(refused(
            "Field 'subtotal' doesn't exist on type 'RefundLineItem'"
        ));
        assert!(refused(
            "Field 'amount' doesn't exist on type 'OrderTransaction'"
        ));
        assert!(!refused("Field 'nme' doesn't exist on type 'Shop'"));
        assert!(!refused("Throttled"));
        assert!(!refused_as_unknown_field(&ShopifyError::RateLimited));
    }

    #[test]
    fn asks_for_no_personal_data() {
        let doc = document(2, MoneyShape::Scalar) + &document(2, MoneyShape::Set);
        for banned in ["customer", "email", "phone", "staffMember", "user"] {
            assert!(!doc.contains(banned), "{banned}");
        }
    }
}
