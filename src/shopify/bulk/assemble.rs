//! Reassembling the export's JSONL file (`groupObjects: false`) into orders shaped like the
//! paged query's nodes, so the same mapping (`types::orders_page_from_data`) reads both:
//! each child line (a line item, an agreement, a sale) told apart by its own fields and put
//! back in its parent.
//!
//! A refund's lines and transactions are connections inside the `refunds` list, which bulk
//! refuses: the reassembled refunds carry empty, finished connections and the caller reads
//! them with the batched follow-up (`follow_ups`) for the orders that have refunds.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

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

    pub fn of_object(object: &Map<String, Value>) -> Child {
        Child::of(
            object.contains_key("actionType"),
            object.contains_key("happenedAt"),
        )
    }
}

/// A finished connection of `nodes`.
pub fn finished(nodes: Vec<Value>) -> Value {
    json!({ "nodes": nodes, "pageInfo": { "hasNextPage": false, "endCursor": null } })
}

/// Puts an order's children back in place: its line items as `lineItems`, its agreements
/// (each with its sales) as `agreements`. An order the file gives no agreement keeps none:
/// its line items are then read by the line-item rules rather than by an empty ledger.
pub fn assemble(
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
