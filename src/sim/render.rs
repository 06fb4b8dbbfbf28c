//! Renders the model as Shopify GraphQL Admin API payloads (field names and shapes as in
//! Shopify's schema; amounts as decimal strings in shopMoney).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::model::{SimLocation, SimOrder, SimShop};
use crate::domain::money::{currency_digits, format_minor};

pub fn gid(kind: &str, id: i64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn money(shop: &SimShop, minor: i64) -> Value {
    json!({ "shopMoney": {
        "amount": format_minor(minor, currency_digits(&shop.currency)),
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

/// How many nested items a query asked for: `lineItems(first: N)`, `refunds(first: N)`,
/// `refundLineItems(first: N)`. `None`: all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NestedCaps {
    pub line_items: Option<usize>,
    pub refunds: Option<usize>,
    pub refund_line_items: Option<usize>,
}

/// The first `cap` items and whether more were left out (`pageInfo.hasNextPage`).
fn capped<T>(items: &[T], cap: Option<usize>) -> (&[T], bool) {
    match cap {
        Some(n) if items.len() > n => (&items[..n], true),
        _ => (items, false),
    }
}

/// The order with every nested list whole.
pub fn order(shop: &SimShop, o: &SimOrder) -> Value {
    order_capped(shop, o, &NestedCaps::default())
}

/// The order as a query with these nested `first:` arguments gets it: lists cut at the cap,
/// connections saying so in `pageInfo.hasNextPage`, plain lists (`refunds`) saying nothing.
pub fn order_capped(shop: &SimShop, o: &SimOrder, caps: &NestedCaps) -> Value {
    let (line_page, more_lines) = capped(&o.lines, caps.line_items);
    let (refund_page, _) = capped(&o.refunds, caps.refunds);
    let lines: Vec<Value> = line_page
        .iter()
        .map(|l| {
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
        })
        .collect();
    let refunds: Vec<Value> = refund_page
        .iter()
        .map(|r| {
            let (rl_page, more_rl) = capped(&r.lines, caps.refund_line_items);
            let rl: Vec<Value> = rl_page
                .iter()
                .map(|rl| {
                    let gift = o
                        .lines
                        .iter()
                        .find(|l| l.id == rl.line_id)
                        .is_some_and(|l| l.gift_card);
                    json!({
                        "quantity": rl.quantity,
                        "subtotalSet": money(shop, rl.subtotal),
                        "location": rl.location_id.map(|id| json!({ "id": gid("Location", id) })),
                        "lineItem": { "id": gid("LineItem", rl.line_id), "isGiftCard": gift },
                    })
                })
                .collect();
            json!({
                "id": gid("Refund", r.id),
                "createdAt": time(r.created_at),
                "refundLineItems": { "nodes": rl, "pageInfo": { "hasNextPage": more_rl } },
            })
        })
        .collect();
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
        "lineItems": { "nodes": lines, "pageInfo": { "hasNextPage": more_lines } },
        "refunds": refunds,
    })
}
