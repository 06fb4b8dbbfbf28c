//! Renders the model as Shopify GraphQL Admin API payloads (field names and shapes as in
//! Shopify's schema; amounts as decimal strings in shopMoney).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::model::{SimLocation, SimOrder, SimRefund, SimShop};
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
/// `refunds(first:)` (a plain list, no paging) and `refundLineItems(first:, after:)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NestedArgs {
    pub line_items: Window,
    pub refunds: Option<usize>,
    pub refund_line_items: Window,
    pub refund_transactions: Window,
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

/// The order with every nested list whole.
pub fn order(shop: &SimShop, o: &SimOrder) -> Value {
    order_with(shop, o, &NestedArgs::default())
}

/// The order as a query with these nested arguments gets it: connections cut to their
/// window and saying so in `pageInfo`, the plain `refunds` list cut at its `first:` and
/// saying nothing.
pub fn order_with(shop: &SimShop, o: &SimOrder, args: &NestedArgs) -> Value {
    let lines = connection(&o.lines, args.line_items, |l| {
        json!({
            "id": gid("LineItem", l.id),
            "quantity": l.quantity,
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
    json!({
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
    })
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
