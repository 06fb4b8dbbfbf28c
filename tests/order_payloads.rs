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
                "refundLineItems": { "nodes": [{
                    "quantity": 1,
                    "subtotalSet": { "shopMoney": { "amount": "18.00" } },
                    "location": { "id": "gid://shopify/Location/1002" },
                    "lineItem": { "id": "gid://shopify/LineItem/1", "isGiftCard": false }
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
    let f = order_facts(o, false);
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

#[test]
fn bad_payloads_are_malformed_not_panics() {
    assert_malformed(json!(null));
    assert_malformed(json!({ "orders": 3 }));
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"] =
        json!("20.001");
    assert_malformed(v);
    let mut v = example_a();
    v["orders"]["nodes"][0]["retailLocation"]["id"] = json!("not-a-gid");
    assert_malformed(v);
    let mut v = example_a();
    v["orders"]["nodes"][0]["processedAt"] = json!("yesterday");
    assert_malformed(v);
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
    assert_malformed(v);
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["quantity"] = json!(i64::MAX);
    assert_malformed(v);
    let mut v = example_a();
    v["orders"]["nodes"][0]["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"] =
        json!("92233720368547758.07");
    assert_malformed(v);
}
