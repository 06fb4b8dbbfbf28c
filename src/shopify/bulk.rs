//! Reading order history through a Shopify bulk query operation: the query document (orders
//! with their line items and their `refunds` list, within Shopify's bulk rules), and the
//! reassembly of its JSONL file (`groupObjects: false`) into orders shaped like the paged
//! query's nodes, so the same mapping (`types::orders_page_from_data`) reads both.
//!
//! A refund's lines and transactions are connections inside the `refunds` list, which bulk
//! refuses: the reassembled refunds carry empty, finished connections and the caller reads
//! them with the batched follow-up (`refund_batch`) for the orders that have refunds.
//!
//! [`Reassembler`] holds the whole file in memory (tests and small files); the client reads
//! files through the on-disk stage in `bulk_stage`, whose memory does not grow with the file.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::queries::{AGREEMENT_FIELDS, LINE_ITEM_FIELDS, ORDER_FIELDS, SALE_FIELDS};

/// The bulk query for orders updated in a window (`$query` is written into the document:
/// a bulk query takes no variables).
pub fn orders_query(filter: &str) -> String {
    ORDERS_TEMPLATE.replace(
        "__FILTER__",
        &filter.replace('\\', "\\\\").replace('"', "\\\""),
    )
}

static ORDERS_TEMPLATE: LazyLock<String> = LazyLock::new(|| {
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
});

/// What a child line of the orders export is: Shopify gives each child the id of its
/// parent only, so its own fields tell a line item, an agreement (it has `happenedAt`) and
/// a sale (it has `actionType`, and its parent is an agreement) apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    LineItem,
    Agreement,
    Sale,
}

impl Child {
    pub fn of(has_action_type: bool, has_happened_at: bool) -> Child {
        if has_action_type {
            Child::Sale
        } else if has_happened_at {
            Child::Agreement
        } else {
            Child::LineItem
        }
    }

    fn of_object(object: &Map<String, Value>) -> Child {
        Child::of(
            object.contains_key("actionType"),
            object.contains_key("happenedAt"),
        )
    }
}

/// A finished connection of `nodes`.
pub(crate) fn finished(nodes: Vec<Value>) -> Value {
    json!({ "nodes": nodes, "pageInfo": { "hasNextPage": false, "endCursor": null } })
}

/// Puts an order's children back in place: its line items as `lineItems`, its agreements
/// (each with its sales) as `agreements`. An order the file gives no agreement keeps none:
/// its line items are then read by the line-item rules rather than by an empty ledger.
pub(crate) fn assemble(
    order: &mut Map<String, Value>,
    items: Vec<Value>,
    agreements: Vec<Value>,
    sales: &mut BTreeMap<String, Vec<Value>>,
) {
    order.insert("lineItems".into(), finished(items));
    if agreements.is_empty() {
        return;
    }
    let agreements = agreements
        .into_iter()
        .map(|mut a| {
            let id = a
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Value::Object(a) = &mut a {
                a.insert(
                    "sales".into(),
                    finished(sales.remove(&id).unwrap_or_default()),
                );
            }
            a
        })
        .collect();
    order.insert("agreements".into(), finished(agreements));
}

/// Orders put back together from the lines of a bulk file, in any order of lines.
#[derive(Debug, Default)]
pub struct Reassembler {
    orders: BTreeMap<String, Map<String, Value>>,
    /// Line items and agreements by their order's id, and sales by their agreement's id,
    /// put in place when the file has ended.
    items: BTreeMap<String, Vec<Value>>,
    agreements: BTreeMap<String, Vec<Value>>,
    sales: BTreeMap<String, Vec<Value>>,
}

impl Reassembler {
    /// Takes one line of the file. A line that is not a JSON object is an error (the file
    /// broke or is not what was asked for).
    pub fn push_line(&mut self, line: &str) -> Result<(), String> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let Value::Object(mut object) =
            serde_json::from_str(line).map_err(|e| format!("bulk file line is not JSON: {e}"))?
        else {
            return Err("bulk file line is not a JSON object".into());
        };
        match object.remove("__parentId") {
            Some(Value::String(parent)) => {
                let kind = Child::of_object(&object);
                let by_parent = match kind {
                    Child::LineItem => &mut self.items,
                    Child::Agreement => &mut self.agreements,
                    Child::Sale => &mut self.sales,
                };
                by_parent
                    .entry(parent)
                    .or_default()
                    .push(Value::Object(object));
                Ok(())
            }
            Some(_) => Err("bulk file line has a __parentId that is not an id".into()),
            None => {
                let id = object
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or("bulk file order line has no id")?
                    .to_string();
                if let Some(Value::Array(refunds)) = object.get_mut("refunds") {
                    for r in refunds.iter_mut().filter_map(Value::as_object_mut) {
                        // Read by the paged follow-up; finished and empty until then.
                        for c in ["refundLineItems", "transactions"] {
                            r.insert(
                                c.into(),
                                json!({ "nodes": [], "pageInfo": { "hasNextPage": false, "endCursor": null } }),
                            );
                        }
                    }
                }
                self.orders.insert(id, object);
                Ok(())
            }
        }
    }

    /// The orders, as the `data` of a paged orders query (`{ orders: { nodes, pageInfo } }`),
    /// or an error when a line item's order never came.
    pub fn finish(mut self) -> Result<Value, String> {
        let mut nodes = Vec::with_capacity(self.orders.len());
        for (id, mut order) in std::mem::take(&mut self.orders) {
            let items = self.items.remove(&id).unwrap_or_default();
            let agreements = self.agreements.remove(&id).unwrap_or_default();
            assemble(&mut order, items, agreements, &mut self.sales);
            nodes.push(Value::Object(order));
        }
        if let Some(parent) = self
            .items
            .keys()
            .chain(self.agreements.keys())
            .chain(self.sales.keys())
            .next()
        {
            return Err(format!(
                "bulk file has lines of an order it lacks: {parent}"
            ));
        }
        Ok(json!({ "orders": { "nodes": nodes,
            "pageInfo": { "hasNextPage": false, "endCursor": null } } }))
    }

    pub fn order_count(&self) -> usize {
        self.orders.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    #[test]
    fn the_bulk_query_is_valid_and_within_the_bulk_rules() {
        let q = orders_query("updated_at:>='2026-01-01T00:00:00Z' AND x:\"y\"");
        let doc = schema::validate(&q, "bulk.graphql").expect("valid against the schema");
        crate::sim::bulk::check_rules(&doc).expect("within Shopify's bulk rules");
    }

    #[test]
    fn children_before_or_after_their_parent_land_in_it() {
        let mut r = Reassembler::default();
        r.push_line(r#"{"id":"L1","quantity":1,"__parentId":"gid://shopify/Order/1"}"#)
            .expect("line");
        r.push_line(r#"{"id":"gid://shopify/Order/1","refunds":[{"id":"R1"}]}"#)
            .expect("order");
        r.push_line(r#"{"id":"gid://shopify/Order/2","refunds":[]}"#)
            .expect("order");
        r.push_line(r#"{"id":"L2","quantity":2,"__parentId":"gid://shopify/Order/1"}"#)
            .expect("line");
        assert_eq!(r.order_count(), 2);
        let data = r.finish().expect("whole");
        let o1 = &data["orders"]["nodes"][0];
        assert_eq!(o1["lineItems"]["nodes"].as_array().map(Vec::len), Some(2));
        assert_eq!(o1["refunds"][0]["transactions"]["nodes"], json!([]));
        assert_eq!(data["orders"]["nodes"][1]["lineItems"]["nodes"], json!([]));
    }

    #[test]
    fn refuses_broken_lines_and_lost_parents() {
        let mut r = Reassembler::default();
        assert!(r.push_line("{\"id\":\"gid://shopify/Order/1\"").is_err());
        assert!(r.push_line("[1]").is_err());
        assert!(r.push_line("{\"name\":\"no id\"}").is_err());
        r.push_line(r#"{"id":"L1","__parentId":"gid://shopify/Order/9"}"#)
            .expect("line");
        assert!(r.finish().is_err());
    }
}
