//! The client's side of a bulk query: start it, poll it, cancel it, and read its file in
//! bounded memory into whole orders (refund lines and transactions by batched follow-ups,
//! `refund_batch`, which go through the same cost pacer as every paged query and so stay
//! inside the rate limit).

use serde::Deserialize;
use serde_json::json;

use super::bulk::orders_query;
use super::bulk_pre_read::ExportPreRead;
use super::bulk_refunds::{PreReadRecord, RefundPreRead};
use super::bulk_returns::{ReturnPlaces, ReturnPreRead, ReturnsRecord};
use super::bulk_stage::BulkStage;
use super::client::{ShopifyClient, malformed};
use super::error::ShopifyError;
use super::queries;
use super::refund_batch::RefundFollowUps;
use super::types::wire::{self, WireRefund};
use super::types::{
    Order, TimeWindow, UnreadableOrder, unreadable_order, whole_order, wire_orders_page,
};

const RUN: &str = "mutation TmasBulkOrders($q: String!) {
  bulkOperationRunQuery(query: $q, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}";

const POLL: &str = "query TmasBulkOperation($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount url }
}";

const CANCEL: &str = "mutation TmasBulkCancel($id: ID!) {
  bulkOperationCancel(id: $id) {
    bulkOperation { id status }
    userErrors { field message }
  }
}";

/// A bulk operation as polled.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    pub id: String,
    pub status: String,
    pub error_code: Option<String>,
    pub object_count: Option<String>,
    pub root_object_count: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserError {
    message: String,
    code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunPayload {
    bulk_operation: Option<BulkOperationId>,
    user_errors: Vec<UserError>,
}

#[derive(Debug, Deserialize)]
struct BulkOperationId {
    id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunData {
    bulk_operation_run_query: Option<RunPayload>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PollData {
    bulk_operation: Option<BulkOperation>,
}

/// Why Shopify would not start a bulk operation.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkRefused {
    /// Too many operations run for the shop (LIMIT_REACHED, OPERATION_IN_PROGRESS).
    Busy(String),
    /// Shopify refused the query.
    Query(String),
}

impl ShopifyClient {
    /// Starts the bulk export of the orders updated inside `window`; `Ok(Err(_))` when
    /// Shopify answered with a user error.
    pub async fn start_bulk_orders(
        &self,
        window: &TimeWindow,
    ) -> Result<Result<String, BulkRefused>, ShopifyError> {
        let q = orders_query(&queries::updated_filter(window));
        let (data, _) = self
            .graphql::<RunData>("bulk run", RUN, json!({ "q": q }))
            .await?;
        let payload = data
            .bulk_operation_run_query
            .ok_or_else(|| malformed("bulkOperationRunQuery answered null"))?;
        if let Some(e) = payload.user_errors.into_iter().next() {
            return Ok(Err(match e.code.as_deref() {
                Some("LIMIT_REACHED" | "OPERATION_IN_PROGRESS") => BulkRefused::Busy(e.message),
                _ => BulkRefused::Query(e.message),
            }));
        }
        payload
            .bulk_operation
            .map(|op| Ok(op.id))
            .ok_or_else(|| malformed("bulkOperationRunQuery created nothing and said nothing"))
    }

    /// The operation now.
    pub async fn bulk_operation(&self, id: &str) -> Result<BulkOperation, ShopifyError> {
        let (data, _) = self
            .graphql::<PollData>("bulk poll", POLL, json!({ "id": id }))
            .await?;
        data.bulk_operation
            .ok_or_else(|| malformed(format!("bulk operation {id} is gone")))
    }

    /// Asks Shopify to cancel the operation (it ends CANCELED shortly after).
    pub async fn cancel_bulk_operation(&self, id: &str) -> Result<(), ShopifyError> {
        self.graphql::<serde_json::Value>("bulk cancel", CANCEL, json!({ "id": id }))
            .await
            .map(|_| ())
    }

    /// Opens a completed operation's file for reading in batches of whole orders.
    ///
    /// This is the interface the worker uses. The file is streamed from its URL into an
    /// on-disk stage ([`BulkStage`]) as it arrives, so memory does not grow with the file;
    /// whole orders are read back from the stage batch by batch. A file that breaks off,
    /// a line that is not a JSON object with an id, or a line item whose order the file
    /// lacks is a `MalformedResponse` naming what was wrong.
    pub async fn open_bulk_orders(&self, url: &str) -> Result<BulkOrdersReader<'_>, ShopifyError> {
        let mut response = self
            .http()
            .get(url)
            .send()
            .await
            .map_err(|e| malformed(format!("bulk file: {e}")))?;
        if !response.status().is_success() {
            return Err(malformed(format!(
                "bulk file answered HTTP {} (expired?)",
                response.status()
            )));
        }
        let mut stage = BulkStage::new().await?;
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| malformed(format!("bulk file broke off: {e}")))?;
            let Some(chunk) = chunk else { break };
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(len) = pending[start..].iter().position(|b| *b == b'\n') {
                let line = std::str::from_utf8(&pending[start..start + len])
                    .map_err(|_| malformed("bulk file line is not UTF-8"))?;
                stage.push_line(line).await?;
                start += len + 1;
            }
            pending.drain(..start);
        }
        if !pending.is_empty() {
            // A file ends with a newline: a last line without one was cut.
            return Err(malformed("bulk file ends in the middle of a line"));
        }
        stage.seal().await?;
        Ok(BulkOrdersReader {
            client: self,
            order_count: stage.order_count(),
            stage,
            follow_ups: RefundFollowUps::default(),
            pre_read: None,
            returns: ReturnPreRead::none(),
        })
    }

    /// Reads a completed operation's file into whole orders, all at once (tests and small
    /// files; the worker reads in batches through [`ShopifyClient::open_bulk_orders`]).
    pub async fn read_bulk_orders(
        &self,
        url: &str,
    ) -> Result<(Vec<Order>, Vec<UnreadableOrder>), ShopifyError> {
        let mut reader = self.open_bulk_orders(url).await?;
        let (mut orders, mut unreadable) = (Vec::new(), Vec::new());
        while let Some(batch) = reader.next_batch(250).await? {
            orders.extend(batch.orders);
            unreadable.extend(batch.unreadable);
        }
        Ok((orders, unreadable))
    }
}

/// Whole orders of one batch of a bulk file.
#[derive(Debug, Default)]
pub struct BulkBatch {
    pub orders: Vec<Order>,
    pub unreadable: Vec<UnreadableOrder>,
}

/// A completed bulk file being read: hands out whole orders (refund lines and transactions
/// read by follow-ups, several refunds a query) a batch at a time, so the caller can store
/// each batch as it comes.
pub struct BulkOrdersReader<'a> {
    client: &'a ShopifyClient,
    order_count: u64,
    stage: BulkStage,
    follow_ups: RefundFollowUps,
    /// Refunds already read while the export ran ([`RefundPreRead`]).
    pre_read: Option<RefundPreRead>,
    /// Returns' places read while the export ran, and the reading of the others by id.
    returns: ReturnPreRead,
}

impl BulkOrdersReader<'_> {
    /// How many orders (root objects) the file holds, readable or not.
    pub fn order_count(&self) -> u64 {
        self.order_count
    }

    /// What the refund follow-ups cost so far.
    pub fn refund_follow_ups(&self) -> RefundFollowUps {
        self.follow_ups
    }

    /// Takes the refunds read while the export ran: those the file lists are not read
    /// again. A pre-read that found Shopify refusing the money scalars makes the
    /// follow-ups read the `…Set` fields at once.
    pub fn use_pre_read(&mut self, pre: impl Into<ExportPreRead>) {
        let ExportPreRead { refunds, returns } = pre.into();
        self.follow_ups.set_shape |= refunds.record.set_shape;
        self.pre_read = Some(refunds);
        self.returns = returns;
    }

    /// What reading the returns' places did, during the export and after it.
    pub fn returns_record(&self) -> ReturnsRecord {
        self.returns.record
    }

    /// What the pre-read did, and how many of its refunds the file used so far.
    pub fn pre_read_record(&self) -> Option<PreReadRecord> {
        self.pre_read.as_ref().map(|p| p.record)
    }

    /// The next batch of at most `max_orders` orders, `None` when the file is done.
    pub async fn next_batch(
        &mut self,
        max_orders: usize,
    ) -> Result<Option<BulkBatch>, ShopifyError> {
        let mut nodes = self.stage.next_orders(max_orders.max(1)).await?;
        if nodes.is_empty() {
            return Ok(None);
        }
        for order in &mut nodes {
            with_unread_refund_lists(order);
        }
        let page = wire_orders_page(
            json!({ "orders": { "nodes": nodes,
                    "pageInfo": { "hasNextPage": false, "endCursor": null } } }),
            None,
        )?;
        let mut orders = page.orders;
        // The refunds leave their orders while they are read and go back after: the future
        // then holds owned values only, which keeps it `Send` for the worker's tasks.
        let mut refunds: Vec<WireRefund> = Vec::new();
        let mut per_order: Vec<usize> = Vec::with_capacity(orders.len());
        for (o, _) in &mut orders {
            per_order.push(o.refunds.len());
            refunds.append(&mut o.refunds);
        }
        // The ledger in the file says what each refund returned: of a refund of an order
        // with its ledger only the place is left to read (its transactions), and only when
        // they name none its lines (their restock locations). An order the file gave no
        // ledger is counted by its line items, so its refunds are read whole.
        let ledgered: Vec<bool> = orders
            .iter()
            .zip(&per_order)
            .flat_map(|((o, _), &n)| std::iter::repeat_n(o.agreements.is_some(), n))
            .collect();
        // Places read while the export ran are taken as they are; the others are read now
        // and go back to their slots, so each order gets its own.
        let mut slots: Vec<Option<WireRefund>> = refunds.into_iter().map(Some).collect();
        let (mut place_at, mut whole_at) = (Vec::new(), Vec::new());
        for (i, slot) in slots.iter_mut().enumerate() {
            let Some(r) = slot.as_mut() else { continue };
            if !ledgered[i] {
                whole_at.push(i);
                continue;
            }
            // The pre-read keeps only refunds its transactions place.
            match self.pre_read.as_mut().and_then(|p| p.take(&r.id)) {
                Some((_, transactions)) => r.transactions = transactions,
                None => place_at.push(i),
            }
        }
        let mut unread: Vec<WireRefund> =
            place_at.iter().filter_map(|&i| slots[i].take()).collect();
        let again = self
            .client
            .read_refund_places(&mut unread, &mut self.follow_ups)
            .await?;
        for (&i, r) in place_at.iter().zip(unread) {
            slots[i] = Some(r);
        }
        whole_at.extend(again.into_iter().map(|k| place_at[k]));
        let mut unread: Vec<WireRefund> =
            whole_at.iter().filter_map(|&i| slots[i].take()).collect();
        self.client
            .read_refund_details(&mut unread, &mut self.follow_ups)
            .await?;
        for (&i, r) in whole_at.iter().zip(unread) {
            slots[i] = Some(r);
        }
        let refunds: Vec<WireRefund> = slots.into_iter().flatten().collect();
        let mut read = refunds.into_iter();
        for ((o, _), n) in orders.iter_mut().zip(per_order) {
            o.refunds = read.by_ref().take(n).collect();
        }
        // The ledger in the file says what each return did, not where: those orders take
        // what was read while Shopify exported, the others are read now several a query,
        // and an order neither holds whole is read alone.
        self.place_returns(&mut orders).await?;
        for (o, _) in &mut orders {
            self.client.complete_ledger(o).await?;
        }
        let mut batch = BulkBatch {
            orders: Vec::with_capacity(orders.len()),
            unreadable: page.unreadable,
        };
        for (o, raw) in orders {
            match whole_order(o) {
                Ok(order) => batch.orders.push(order),
                Err(ShopifyError::MalformedResponse { context }) => {
                    batch.unreadable.push(unreadable_order(&raw, context));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Some(batch))
    }
}

impl BulkOrdersReader<'_> {
    /// Gives each order whose ledger holds a return what places its returns: read while
    /// the export ran, else read now by the orders' ids.
    async fn place_returns(
        &mut self,
        orders: &mut [(wire::WireOrder, serde_json::Value)],
    ) -> Result<(), ShopifyError> {
        let mut unread: Vec<usize> = Vec::new();
        for (i, (o, _)) in orders.iter_mut().enumerate() {
            if !needs_return_places(o) {
                continue;
            }
            match self.returns.take(&o.id) {
                Some(places) => give(o, places),
                None => unread.push(i),
            }
        }
        if unread.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = unread.iter().map(|&i| orders[i].0.id.as_str()).collect();
        let mut read = self
            .client
            .read_return_places(&mut self.returns, &ids)
            .await?;
        for i in unread {
            let o = &mut orders[i].0;
            if let Some(places) = read.remove(&o.id) {
                give(o, places);
            }
        }
        Ok(())
    }
}

/// Whether the order's ledger holds a return whose place is not read yet.
pub(super) fn needs_return_places(o: &wire::WireOrder) -> bool {
    o.returns.is_none()
        && o.payments.is_empty()
        && o.agreements
            .as_ref()
            .is_some_and(|a| a.nodes.iter().any(|a| a.typename == "ReturnAgreement"))
}

fn give(o: &mut wire::WireOrder, places: ReturnPlaces) {
    match places {
        ReturnPlaces::Returns(returns) => o.returns = Some(returns),
        ReturnPlaces::Payments(payments) => o.payments = payments,
    }
}

/// Gives each refund of a bulk order the empty, finished lists of lines and transactions
/// that the follow-up fills (bulk cannot export them).
fn with_unread_refund_lists(order: &mut serde_json::Value) {
    let Some(refunds) = order.get_mut("refunds").and_then(|r| r.as_array_mut()) else {
        return;
    };
    for r in refunds.iter_mut().filter_map(|r| r.as_object_mut()) {
        for c in ["refundLineItems", "transactions"] {
            r.insert(
                c.into(),
                json!({ "nodes": [], "pageInfo": { "hasNextPage": false, "endCursor": null } }),
            );
        }
    }
}
