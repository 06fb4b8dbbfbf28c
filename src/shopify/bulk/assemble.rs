//! Reassembling the export's JSONL file (`groupObjects: false`) into orders shaped like the
//! paged query's nodes, so the same mapping (`types::orders_page_from_data`) reads both:
//! each child line (a line item, an agreement, a sale) told apart by its own fields and put
//! back in its parent.
//!
//! A refund's lines and transactions are connections inside the `refunds` list, which bulk
//! refuses. An export with the refunds' places carries each refund agreement's refund with
//! its transactions (a child of the agreement): they go into the order's `refunds` list;
//! what the file does not carry the caller reads with the batched follow-up
//! (`follow_ups`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// What a child line of the orders export is: Shopify gives each child the id of its
/// parent only, so its own fields tell a line item, an agreement (it has `happenedAt`), a
/// sale (it has `actionType`, and its parent is an agreement) and a refund's transaction
/// (it has `kind`; its parent is the refund's agreement or the refund) apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    LineItem,
    Agreement,
    Sale,
    Transaction,
}

impl Child {
    pub fn of(has_action_type: bool, has_happened_at: bool, has_kind: bool) -> Child {
        if has_action_type {
            Child::Sale
        } else if has_happened_at {
            Child::Agreement
        } else if has_kind {
            Child::Transaction
        } else {
            Child::LineItem
        }
    }

    pub fn of_object(object: &Map<String, Value>) -> Child {
        Child::of(
            object.contains_key("actionType"),
            object.contains_key("happenedAt"),
            object.contains_key("kind"),
        )
    }
}

/// A finished connection of `nodes`.
pub fn finished(nodes: Vec<Value>) -> Value {
    json!({ "nodes": nodes, "pageInfo": { "hasNextPage": false, "endCursor": null } })
}

/// The refund a refund agreement line names (`refund { id }`).
pub fn agreement_refund(agreement: &Value) -> Option<&str> {
    agreement.pointer("/refund/id").and_then(Value::as_str)
}

/// Puts an order's children back in place: its line items as `lineItems`, its agreements
/// (each with its sales) as `agreements`, the transactions the file carries of a refund
/// agreement's refund (under the agreement's id or the refund's) into that refund of the
/// `refunds` list. An order the file gives no agreement keeps none: its line items are then
/// read by the line-item rules rather than by an empty ledger.
pub fn assemble(
    order: &mut Map<String, Value>,
    items: Vec<Value>,
    agreements: Vec<Value>,
    sales: &mut BTreeMap<String, Vec<Value>>,
    transactions: &mut BTreeMap<String, Vec<Value>>,
) {
    order.insert("lineItems".into(), finished(items));
    if agreements.is_empty() {
        return;
    }
    for a in &agreements {
        let Some(refund_id) = agreement_refund(a) else {
            continue;
        };
        let agreement_id = a.get("id").and_then(Value::as_str).unwrap_or_default();
        let mut carried = transactions.remove(agreement_id).unwrap_or_default();
        carried.extend(transactions.remove(refund_id).unwrap_or_default());
        if carried.is_empty() {
            continue;
        }
        let refund = order
            .get_mut("refunds")
            .and_then(Value::as_array_mut)
            .and_then(|refunds| {
                refunds
                    .iter_mut()
                    .find(|r| r.get("id").and_then(Value::as_str) == Some(refund_id))
            })
            .and_then(Value::as_object_mut);
        if let Some(refund) = refund {
            refund.insert("transactions".into(), finished(carried));
        }
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
