//! Starting, polling and cancelling Shopify's bulk export of a window's orders, and the
//! export's query document (orders with their line items, their `refunds` list and their
//! sales ledger, within Shopify's bulk rules: checked against the pinned schema in
//! `cargo test`).

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::json;

use crate::shopify::client::{ShopifyClient, malformed};
use crate::shopify::error::ShopifyError;
use crate::shopify::queries::{
    self, AGREEMENT_FIELDS, LINE_ITEM_FIELDS, ORDER_FIELDS, SALE_FIELDS, TRANSACTION_FIELDS,
};
use crate::shopify::types::TimeWindow;

/// What an export carries of each refund's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportShape {
    /// Each refund agreement's refund with its transactions: a fifth connection, nested two
    /// deep like the sales, so a refund they place needs no query after the file (and the
    /// refunds need no reading while Shopify exports).
    RefundPlaces,
    /// Orders, line items and the ledger only: the refunds' places are read while Shopify
    /// exports and after the file. What TMAS asks for when Shopify refuses the other.
    Plain,
}

/// The bulk query for orders updated in a window (`$query` is written into the document:
/// a bulk query takes no variables).
pub fn orders_query(filter: &str, shape: ExportShape) -> String {
    let template = match shape {
        ExportShape::RefundPlaces => &*WITH_REFUND_PLACES,
        ExportShape::Plain => &*PLAIN,
    };
    template.replace(
        "__FILTER__",
        &filter.replace('\\', "\\\\").replace('"', "\\\""),
    )
}

static PLAIN: LazyLock<String> = LazyLock::new(|| orders_template(""));

static WITH_REFUND_PLACES: LazyLock<String> = LazyLock::new(|| {
    orders_template(&format!(
        "... on RefundAgreement {{
                refund {{
                  id
                  transactions {{
                    edges {{
                      node {{
            {TRANSACTION_FIELDS}
                      }}
                    }}
                  }}
                }}
              }}"
    ))
});

fn orders_template(refund_places: &str) -> String {
    format!(
        "{{
  orders(query: \"__FILTER__\", sortKey: UPDATED_AT) {{
    edges {{
      node {{
        {ORDER_FIELDS}
        lineItems {{
          edges {{
            node {{
          {LINE_ITEM_FIELDS}
            }}
          }}
        }}
        refunds {{ id createdAt processedAt }}
        agreements {{
          edges {{
            node {{
        {AGREEMENT_FIELDS}
              {refund_places}
              sales {{
                edges {{
                  node {{
            {SALE_FIELDS}
                  }}
                }}
              }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"
    )
}

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
    /// Starts the bulk export of the orders updated inside `window` with the refunds'
    /// places, or without them when Shopify refuses that query (its bulk rules are not
    /// all published: the plain export is what every earlier version asked for). Which
    /// one started comes with the operation's id; `Ok(Err(_))` when Shopify refused both.
    pub async fn start_orders_export(
        &self,
        window: &TimeWindow,
    ) -> Result<Result<(String, ExportShape), BulkRefused>, ShopifyError> {
        match self
            .start_bulk_orders(window, ExportShape::RefundPlaces)
            .await?
        {
            Ok(id) => Ok(Ok((id, ExportShape::RefundPlaces))),
            Err(BulkRefused::Query(message)) => {
                tracing::warn!(%message, "Shopify refused the export with the refunds' places; exporting without them");
                Ok(self
                    .start_bulk_orders(window, ExportShape::Plain)
                    .await?
                    .map(|id| (id, ExportShape::Plain)))
            }
            Err(busy) => Ok(Err(busy)),
        }
    }

    /// Starts the bulk export of the orders updated inside `window` in `shape`;
    /// `Ok(Err(_))` when Shopify answered with a user error.
    pub async fn start_bulk_orders(
        &self,
        window: &TimeWindow,
        shape: ExportShape,
    ) -> Result<Result<String, BulkRefused>, ShopifyError> {
        let q = orders_query(&queries::updated_filter(window), shape);
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    #[test]
    fn the_bulk_queries_are_valid_and_within_the_bulk_rules() {
        for shape in [ExportShape::RefundPlaces, ExportShape::Plain] {
            let q = orders_query("updated_at:>='2026-01-01T00:00:00Z' AND x:\"y\"", shape);
            let doc = schema::validate(&q, "bulk.graphql").expect("valid against the schema");
            crate::sim::bulk::check_rules(&doc).expect("within Shopify's bulk rules");
        }
        let places = orders_query("", ExportShape::RefundPlaces);
        assert!(places.contains("transactions"), "{places}");
        assert!(!orders_query("", ExportShape::Plain).contains("transactions"));
    }
}
