//! Parsing GraphQL order payloads (Shopify's field names and shapes), good and bad.

use serde_json::{Value, json};
use tmas::domain::facts::order_facts;
use tmas::shopify::ShopifyError;
use tmas::shopify::types::orders_page_from_data;

fn example_a() -> Value {
    json!({ "orders": {
        "nodes": [{
            "id": "gid://shopify/Order/7000001",
            "name": "#1001",
            "sourceName": "pos",
            "test": false,
            "retailLocation": { "id": "gid://shopify/Location/1001" },
            "processedAt": "2026-03-02T15:15:00Z",
            "cancelledAt": null,
            "updatedAt": "2026-03-04T21:40:00Z",
            "createdAt": "2026-03-02T15:15:00Z",
            "taxesIncluded": false,
            "lineItems": { "nodes": [
                { "id": "gid://shopify/LineItem/1", "quantity": 2, "isGiftCard": false,
                  "originalUnitPriceSet": { "shopMoney": { "amount": "20.0", "currencyCode": "CAD" } },
                  "discountAllocations": [
                      { "allocatedAmountSet": { "shopMoney": { "amount": "2.0" } } },
                      { "allocatedAmountSet": { "shopMoney": { "amount": "2.0" } } } ],
                  "taxLines": [ { "priceSet": { "shopMoney": { "amount": "4.68" } } } ] },
                { "id": "gid://shopify/LineItem/2", "quantity": 1, "isGiftCard": false,
                  "originalUnitPriceSet": { "shopMoney": { "amount": "12.0", "currencyCode": "CAD" } },
                  "discountAllocations": [ { "allocatedAmountSet": { "shopMoney": { "amount": "1.2" } } } ],
                  "taxLines": [ { "priceSet": { "shopMoney": { "amount": "1.4" } } } ] }
            ], "pageInfo": { "hasNextPage": false } },
            "refunds": [{
                "id": "gid://shopify/Refund/9",
                "createdAt": "2026-03-04T21:40:00Z",
                "processedAt": "2026-03-04T21:40:00Z",
                "refundLineItems": { "nodes": [{
                    "quantity": 1,
                    "subtotalSet": { "shopMoney": { "amount": "18.00" } },
                    "totalTaxSet": { "shopMoney": { "amount": "2.34" } },
                    "location": null,
                    "lineItem": { "id": "gid://shopify/LineItem/1", "isGiftCard": false }
                }], "pageInfo": { "hasNextPage": false } },
                "transactions": { "nodes": [{
                    "kind": "REFUND",
                    "status": "SUCCESS",
                    "location": { "id": "gid://shopify/Location/1002" },
                    "amountSet": { "shopMoney": { "amount": "20.34" } }
                }], "pageInfo": { "hasNextPage": false } }
            }]
        }],
        "pageInfo": { "hasNextPage": true, "endCursor": "abc" }
    }})
}

#[test]
fn parses_example_a_and_b_into_facts() {
    let page = orders_page_from_data(example_a(), None).expect("valid page");
    assert_eq!(page.next_cursor.as_deref(), Some("abc"));
    let o = &page.orders[0];
    assert_eq!(o.retail_location_id, Some(1001));
    assert_eq!(o.line_items[0].discount, 400);
    let f = order_facts(o);
    let s = f.sale.expect("sale");
    assert_eq!((s.gross, s.discounts, s.items), (5200, 520, 3));
    assert_eq!(f.returns.len(), 1);
    assert_eq!(
        (
            f.returns[0].shopify_location_id,
            f.returns[0].returns,
            f.returns[0].items
        ),
        (1002, 1800, 1)
    );
}

fn assert_malformed(data: Value) {
    match orders_page_from_data(data, None) {
        Err(ShopifyError::MalformedResponse { .. }) => {}
        other => panic!("expected MalformedResponse, got {other:?}"),
    }
}

/// One order of the page cannot be read: the page is still read, and the order is set
/// apart, named, with the field that was wrong.
fn assert_unreadable(data: Value, field: &str) {
    let page = orders_page_from_data(data, None).expect("the page is read");
    assert!(page.orders.is_empty(), "{:?}", page.orders);
    assert_eq!(page.unreadable.len(), 1);
    let u = &page.unreadable[0];
    assert_eq!(u.id, "gid://shopify/Order/7000001");
    assert_eq!(u.name, "#1001");
    assert!(u.problem.contains(field), "{field} not in {}", u.problem);
}

#[test]
fn bad_payloads_are_malformed_not_panics() {
    assert_malformed(json!(null));
    assert_malformed(json!({ "orders": 3 }));
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"] =
        json!("20.001");
    assert_unreadable(v, "unit price");
    let mut v = example_a();
    v["orders"]["nodes"][0]["retailLocation"]["id"] = json!("not-a-gid");
    assert_unreadable(v, "location id");
    let mut v = example_a();
    v["orders"]["nodes"][0]["processedAt"] = json!("yesterday");
    assert_unreadable(v, "processedAt");
    let mut v = example_a();
    v["orders"]["nodes"][0]["refunds"][0]["processedAt"] = json!(null);
    assert_unreadable(v, "refunds[0].processedAt");
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["pageInfo"]["hasNextPage"] = json!(true);
    assert!(matches!(
        orders_page_from_data(v, None),
        Err(ShopifyError::OrderTooLarge { .. })
    ));
    // A refund whose lines continue is not counted in part.
    let mut v = example_a();
    let refund = v["orders"]["nodes"][0]["refunds"][0].clone();
    assert!(refund.is_object(), "example A has a refund");
    v["orders"]["nodes"][0]["refunds"][0]["refundLineItems"]["pageInfo"]["hasNextPage"] =
        json!(true);
    assert!(matches!(
        orders_page_from_data(v.clone(), None),
        Err(ShopifyError::OrderTooLarge { ref what, .. }) if what == "lines in one refund"
    ));
    // Refunds are a plain list: however many came, they are read.
    let mut v = example_a();
    v["orders"]["nodes"][0]["refunds"] = json!(vec![refund; 60]);
    assert!(orders_page_from_data(v, None).is_ok());
    let mut v = example_a();
    v["orders"]["pageInfo"]["endCursor"] = json!(null);
    assert_malformed(v);
    // Quantities and amounts no sale can have are refused instead of overflowing sums.
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["quantity"] = json!(-1);
    assert_unreadable(v, "quantity");
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["quantity"] = json!(i64::MAX);
    assert_unreadable(v, "quantity");
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"] =
        json!("92233720368547758.07");
    assert_unreadable(v, "unit price");
}

/// An unreadable order next to a readable one: the readable one is counted, and the
/// unreadable one still says where and when it would have counted.
#[test]
fn one_unreadable_order_does_not_stop_the_page() {
    let mut v = example_a();
    let mut broken = v["orders"]["nodes"][0].clone();
    broken["id"] = json!("gid://shopify/Order/7000002");
    broken["name"] = json!("#1002");
    broken["refunds"][0]["processedAt"] = json!(null);
    broken["refunds"][0]["createdAt"] = json!("2026-03-05T15:00:00Z");
    v["orders"]["nodes"]
        .as_array_mut()
        .expect("nodes")
        .push(broken);
    let page = orders_page_from_data(v, None).expect("the page is read");
    assert_eq!(page.orders.len(), 1);
    assert_eq!(page.orders[0].id, "gid://shopify/Order/7000001");
    let u = &page.unreadable[0];
    assert_eq!(
        (u.id.as_str(), u.name.as_str()),
        ("gid://shopify/Order/7000002", "#1002")
    );
    assert!(
        u.problem.starts_with("refunds[0].processedAt"),
        "{}",
        u.problem
    );
    assert!(u.maybe_imported);
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant");
    // The sale at its store, the refund at its till and at the order's store.
    assert_eq!(
        u.touches,
        vec![
            (1001, at("2026-03-02T15:15:00Z")),
            (1001, at("2026-03-05T15:00:00Z")),
            (1002, at("2026-03-05T15:00:00Z")),
        ]
    );
}

/// A refund whose `createdAt` is null (Shopify's schema allows it) counts at its
/// `processedAt`.
#[test]
fn a_refund_without_created_at_is_read() {
    let mut v = example_a();
    v["orders"]["nodes"][0]["refunds"][0]["createdAt"] = json!(null);
    v["orders"]["nodes"][0]["refunds"][0]["processedAt"] = json!("2026-03-04T22:10:00Z");
    let page = orders_page_from_data(v, None).expect("valid page");
    let f = order_facts(&page.orders[0]);
    assert_eq!(f.returns[0].at.to_rfc3339(), "2026-03-04T22:10:00+00:00");
}
