//! Renders the model as Shopify GraphQL Admin API payloads (field names and shapes as in
//! Shopify's schema; amounts as decimal strings in shopMoney).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::ledger::{self, Agreement, AgreementKind, Sale};
use super::model::{SimLocation, SimOrder, SimRefund, SimReturn, SimShop};
use crate::domain::money::{currency_digits, format_minor};

pub fn gid(kind: &str, id: i64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An amount as Shopify's GraphQL `Decimal` scalar writes it: no trailing zeros beyond the
/// first decimal (`"20.0"`, `"19.9"`, `"19.99"`, yen `"1200.0"`).
pub fn decimal(minor: i64, digits: u32) -> String {
    let full = format_minor(minor, digits);
    if !full.contains('.') {
        return format!("{full}.0");
    }
    let trimmed = full.trim_end_matches('0');
    if trimmed.ends_with('.') {
        format!("{trimmed}0")
    } else {
        trimmed.to_string()
    }
}

fn money(shop: &SimShop, minor: i64) -> Value {
    json!({ "shopMoney": {
        "amount": decimal(minor, currency_digits(&shop.currency)),
        "currencyCode": shop.currency,
    }})
}

pub fn shop(shop: &SimShop) -> Value {
    json!({
        "name": shop.name,
        "currencyCode": shop.currency,
        "ianaTimezone": shop.time_zone.name(),
        "taxesIncluded": shop.taxes_included,
        "plan": {
            "publicDisplayName": shop.plan.display_name(),
            "shopifyPlus": matches!(shop.plan, super::model::Plan::Plus),
            "partnerDevelopment": false,
        },
    })
}

pub fn location(l: &SimLocation) -> Value {
    json!({
        "id": gid("Location", l.id),
        "name": l.name,
        "isActive": l.active,
        "address": {
            "address1": l.address1,
            "city": l.city,
            "provinceCode": l.province_code,
            "countryCode": l.country_code,
            "zip": l.zip,
        },
    })
}

/// A window of a nested connection as a query asks for it: `first` items (all when `None`)
/// after the `offset` its `after:` cursor points at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub first: Option<usize>,
    pub offset: usize,
}

/// The nested arguments of an order's selection: `lineItems(first:, after:)`,
/// `refunds(first:)` (a plain list, no paging), `refundLineItems(first:, after:)`, and the
/// ledger and returns when they are asked for (`None`: not rendered at all, since most
/// queries do not ask for them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NestedArgs {
    pub line_items: Window,
    pub refunds: Option<usize>,
    pub refund_line_items: Window,
    pub refund_transactions: Window,
    /// `agreements(first:, after:)` and each agreement's `sales(first:, after:)`.
    pub agreements: Option<Window>,
    pub sales: Window,
    /// `returns(first:, after:)`, each return's `refunds`, `reverseFulfillmentOrders` and
    /// their `lineItems`.
    pub returns: Option<Window>,
    pub return_refunds: Window,
    pub reverse_fulfillment_orders: Window,
    pub reverse_line_items: Window,
}

impl NestedArgs {
    /// Every nested list whole, the ledger and returns included.
    pub fn everything() -> Self {
        NestedArgs {
            agreements: Some(Window::default()),
            returns: Some(Window::default()),
            ..NestedArgs::default()
        }
    }
}

/// The opaque cursor of a position in a list (nested connections, locations).
pub fn offset_cursor(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{offset}}}"))
}

/// The position an offset cursor points at, if it is one of ours.
pub fn cursor_offset(cursor: &str) -> Option<usize> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    usize::try_from(v.get("offset")?.as_u64()?).ok()
}

/// The items of one window, as `{ nodes, pageInfo { hasNextPage endCursor } }`.
fn connection<T>(items: &[T], w: Window, node: impl Fn(&T) -> Value) -> Value {
    let from = w.offset.min(items.len());
    let to = w.first.map_or(items.len(), |n| (from + n).min(items.len()));
    json!({
        "nodes": items[from..to].iter().map(node).collect::<Vec<_>>(),
        "pageInfo": {
            "hasNextPage": to < items.len(),
            "hasPreviousPage": from > 0,
            "endCursor": (to > from).then(|| offset_cursor(to)),
        },
    })
}

/// The order with every nested list whole, its ledger and returns included.
pub fn order(shop: &SimShop, o: &SimOrder) -> Value {
    order_with(shop, o, &NestedArgs::everything())
}

/// The order as a query with these nested arguments gets it: connections cut to their
/// window and saying so in `pageInfo`, the plain `refunds` list cut at its `first:` and
/// saying nothing.
pub fn order_with(shop: &SimShop, o: &SimOrder, args: &NestedArgs) -> Value {
    let lines = connection(&o.lines, args.line_items, |l| {
        json!({
            "__typename": "LineItem",
            "id": gid("LineItem", l.id),
            "quantity": l.quantity,
            "currentQuantity": o.current_quantity(l) + o.quantity_skew,
            "isGiftCard": l.gift_card,
            "originalUnitPriceSet": money(shop, l.unit_price),
            "discountAllocations": l.discounts.iter()
                .map(|d| json!({ "allocatedAmountSet": money(shop, *d) }))
                .collect::<Vec<_>>(),
            "taxLines": if l.tax == 0 && l.gift_card { vec![] } else {
                vec![json!({ "priceSet": money(shop, l.tax) })]
            },
        })
    });
    let refund_count = args
        .refunds
        .map_or(o.refunds.len(), |n| n.min(o.refunds.len()));
    let refunds: Vec<Value> = o.refunds[..refund_count]
        .iter()
        .map(|r| refund(shop, o, r, args.refund_line_items, args.refund_transactions))
        .collect();
    let mut lines = lines;
    if o.garbled
        && let Some(amount) = lines.pointer_mut("/nodes/0/originalUnitPriceSet/shopMoney/amount")
    {
        *amount = json!("12.3.4");
    }
    let mut out = json!({
        "__typename": "Order",
        "id": gid("Order", o.id),
        "name": format!("#{}", o.number),
        "sourceName": o.channel.source_name(),
        "test": o.test,
        "retailLocation": o.location_id.map(|id| json!({ "id": gid("Location", id) })),
        "processedAt": time(o.processed_at),
        "cancelledAt": o.cancelled_at.map(time),
        "updatedAt": time(o.updated_at),
        "createdAt": time(o.created_at),
        "taxesIncluded": o.taxes_included,
        "lineItems": lines,
        "refunds": refunds,
        "edited": !o.edits.is_empty(),
        "transactions": order_transactions(shop, o),
        "returnStatus": o.return_status().to_ascii_uppercase(),
    });
    if let Some(w) = args.agreements {
        let agreements = ledger::ledger(shop, o);
        out["agreements"] = connection(&agreements, w, |a| agreement(shop, o, a, args.sales));
    }
    if let Some(w) = args.returns {
        out["returns"] = connection(&o.returns, w, |r| order_return(shop, o, r, args));
    }
    out
}

/// One `SalesAgreement`, its sales cut to `sales`.
fn agreement(shop: &SimShop, o: &SimOrder, a: &Agreement, sales: Window) -> Value {
    let mut out = json!({
        "__typename": a.kind.type_name(),
        "id": gid("SalesAgreement", a.id),
        "happenedAt": time(a.happened_at),
        "reason": a.kind.reason(),
        "sales": connection(&a.sales, sales, |s| sale(shop, s)),
    });
    match a.kind {
        AgreementKind::Refund(id) => {
            if let Some(r) = o.refunds.iter().find(|r| r.id == id) {
                out["refund"] = refund(shop, o, r, Window::default(), Window::default());
            }
        }
        AgreementKind::Return(id) => {
            if let Some(r) = o.returns.iter().find(|r| r.id == id) {
                out["return"] = order_return(shop, o, r, &NestedArgs::default());
            }
        }
        AgreementKind::Order | AgreementKind::OrderEdit => {}
    }
    out
}

/// One `Sale`: `__typename` says which implementation (`ProductSale` carries its line item).
fn sale(shop: &SimShop, s: &Sale) -> Value {
    let mut out = json!({
        "__typename": s.line_type.type_name(),
        "id": gid("Sale", s.id),
        "actionType": s.action.name(),
        "lineType": s.line_type.name(),
        "quantity": s.quantity,
        "totalAmount": money(shop, s.total),
        "totalTaxAmount": money(shop, s.tax),
        "totalDiscountAmountBeforeTaxes": money(shop, s.discount),
    });
    if let Some(line) = s.line_id {
        out["lineItem"] = json!({ "id": gid("LineItem", line) });
    }
    out
}

/// One `Return` of `o`: its refunds, and one reverse fulfillment order whose line items say
/// where the goods went (`RESTOCKED` at a location, or `NOT_RESTOCKED`).
fn order_return(shop: &SimShop, o: &SimOrder, r: &SimReturn, args: &NestedArgs) -> Value {
    let refunds: Vec<&SimRefund> = o
        .refunds
        .iter()
        .filter(|f| f.return_id == Some(r.id))
        .collect();
    let number = o.returns.iter().position(|x| x.id == r.id).unwrap_or(0) + 1;
    let lines: Vec<(usize, _)> = r.lines.iter().enumerate().collect();
    let rfo = json!({
        "id": gid("ReverseFulfillmentOrder", r.id),
        "status": "CLOSED",
        "lineItems": connection(&lines, args.reverse_line_items, |(k, t)| {
            let (kind, location) = match r.restock_location_id {
                Some(l) => ("RESTOCKED", json!({ "id": gid("Location", l) })),
                None => ("NOT_RESTOCKED", Value::Null),
            };
            json!({
                "id": gid("ReverseFulfillmentOrderLineItem", r.id * 100 + *k as i64),
                "totalQuantity": t.quantity,
                "dispositions": [{
                    "id": gid("ReverseFulfillmentOrderDisposition", r.id * 100 + *k as i64),
                    "type": kind,
                    "quantity": t.quantity,
                    "location": location,
                    "createdAt": time(r.at),
                }],
            })
        }),
    });
    json!({
        "__typename": "Return",
        "id": gid("Return", r.id),
        "name": format!("#{}-R{number}", o.number),
        "status": "CLOSED",
        "createdAt": time(r.at),
        "closedAt": time(r.at),
        "totalQuantity": r.lines.iter().map(|t| t.quantity).sum::<i64>(),
        "refunds": connection(&refunds, args.return_refunds, |f| {
            refund(shop, o, f, args.refund_line_items, args.refund_transactions)
        }),
        "reverseFulfillmentOrders": connection(&[rfo], args.reverse_fulfillment_orders, Value::clone),
    })
}

/// `Order.transactions`: the sale's payment at the store of the sale, each refund's money
/// back, and each balance a customer paid at an exchange, where and when it happened.
fn order_transactions(shop: &SimShop, o: &SimOrder) -> Value {
    let digits = currency_digits(&shop.currency);
    let moved =
        |kind: &str, status: &str, at: DateTime<Utc>, location: Option<i64>, amount: i64| {
            json!({
                "kind": kind,
                "status": status,
                "processedAt": time(at),
                "location": location.map(|id| json!({ "id": gid("Location", id) })),
                "amountSet": money(shop, amount),
                "amount": decimal(amount, digits),
            })
        };
    let mut out = vec![moved(
        "SALE",
        "SUCCESS",
        o.processed_at,
        o.location_id,
        o.total_paid(),
    )];
    for r in &o.refunds {
        for t in &r.transactions {
            out.push(moved(
                t.kind,
                t.status,
                r.processed_at,
                t.location_id,
                t.amount,
            ));
        }
    }
    for r in o.returns.iter().filter(|r| r.balance_paid > 0) {
        out.push(moved(
            "SALE",
            "SUCCESS",
            r.at,
            r.location_id,
            r.balance_paid,
        ));
    }
    Value::Array(out)
}

/// One refund of `o`, its lines cut to `window` and its transactions to `transactions`.
pub fn refund(
    shop: &SimShop,
    o: &SimOrder,
    r: &SimRefund,
    window: Window,
    transactions: Window,
) -> Value {
    let digits = currency_digits(&shop.currency);
    let lines = connection(&r.lines, window, |rl| {
        let gift = o
            .lines
            .iter()
            .find(|l| l.id == rl.line_id)
            .is_some_and(|l| l.gift_card);
        // Shopify's subtotal is what the customer paid for the goods: with their tax when
        // the order's prices include it.
        let subtotal = rl.subtotal + if o.taxes_included { rl.tax } else { 0 };
        json!({
            "quantity": rl.quantity,
            "subtotalSet": money(shop, subtotal),
            "totalTaxSet": money(shop, rl.tax),
            // The deprecated `Money` scalars, in the shop currency.
            "subtotal": decimal(subtotal, digits),
            "totalTax": decimal(rl.tax, digits),
            "location": rl.location_id.map(|id| json!({ "id": gid("Location", id) })),
            "lineItem": { "id": gid("LineItem", rl.line_id), "isGiftCard": gift },
        })
    });
    let transactions = connection(&r.transactions, transactions, |t| {
        json!({
            "kind": t.kind,
            "status": t.status,
            "location": t.location_id.map(|id| json!({ "id": gid("Location", id) })),
            "amountSet": money(shop, t.amount),
            "amount": decimal(t.amount, digits),
        })
    });
    json!({
        "__typename": "Refund",
        "id": gid("Refund", r.id),
        "createdAt": r.created_at.map(time),
        "processedAt": time(r.processed_at),
        "refundLineItems": lines,
        "transactions": transactions,
    })
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn writes_amounts_like_shopifys_decimal_scalar() {
        assert_eq!(decimal(2000, 2), "20.0");
        assert_eq!(decimal(1990, 2), "19.9");
        assert_eq!(decimal(1999, 2), "19.99");
        assert_eq!(decimal(0, 2), "0.0");
        assert_eq!(decimal(-350, 2), "-3.5");
        assert_eq!(decimal(1200, 0), "1200.0");
        assert_eq!(decimal(1005, 3), "1.005");
    }
}
