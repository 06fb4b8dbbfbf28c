//! The client's side of a bulk query: start it, poll it, cancel it, and read its file in
//! chunks into whole orders (refund lines and transactions by paged follow-ups, which go
//! through the same cost pacer as every paged query and so stay inside the rate limit).

use serde::Deserialize;
use serde_json::json;

use super::bulk::{Reassembler, orders_query};
use super::client::{ShopifyClient, malformed};
use super::error::ShopifyError;
use super::queries;
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
    /// This is the interface the worker uses; how the file is held while it is read (today
    /// in memory, to become a bounded-memory staging) is the reader's business.
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
        let mut reassembler = Reassembler::default();
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| malformed(format!("bulk file broke off: {e}")))?;
            let Some(chunk) = chunk else { break };
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line = std::str::from_utf8(&line)
                    .map_err(|_| malformed("bulk file line is not UTF-8"))?;
                reassembler.push_line(line).map_err(malformed)?;
            }
        }
        if !pending.is_empty() {
            // A file ends with a newline: a last line without one was cut.
            return Err(malformed("bulk file ends in the middle of a line"));
        }
        let page = wire_orders_page(reassembler.finish().map_err(malformed)?, None)?;
        Ok(BulkOrdersReader {
            client: self,
            order_count: (page.orders.len() + page.unreadable.len()) as u64,
            orders: page.orders.into_iter(),
            unreadable: page.unreadable,
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
/// read by follow-ups) a batch at a time, so the caller can store each batch as it comes.
pub struct BulkOrdersReader<'a> {
    client: &'a ShopifyClient,
    order_count: u64,
    orders: std::vec::IntoIter<(super::types::wire::WireOrder, serde_json::Value)>,
    /// Orders the file holds that could not be read; handed out with the first batch.
    unreadable: Vec<UnreadableOrder>,
}

impl BulkOrdersReader<'_> {
    /// How many orders (root objects) the file holds, readable or not.
    pub fn order_count(&self) -> u64 {
        self.order_count
    }

    /// The next batch of at most `max_orders` orders, `None` when the file is done.
    pub async fn next_batch(
        &mut self,
        max_orders: usize,
    ) -> Result<Option<BulkBatch>, ShopifyError> {
        let mut batch = BulkBatch {
            orders: Vec::new(),
            unreadable: std::mem::take(&mut self.unreadable),
        };
        for (mut o, raw) in self.orders.by_ref().take(max_orders.max(1)) {
            for r in &mut o.refunds {
                *r = self.client.fetch_refund(&r.id, None).await?;
                self.client.complete_refund_lines(r).await?;
            }
            match whole_order(o) {
                Ok(order) => batch.orders.push(order),
                Err(ShopifyError::MalformedResponse { context }) => {
                    batch.unreadable.push(unreadable_order(&raw, context));
                }
                Err(e) => return Err(e),
            }
        }
        if batch.orders.is_empty() && batch.unreadable.is_empty() {
            return Ok(None);
        }
        Ok(Some(batch))
    }
}
