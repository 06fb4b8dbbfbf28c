//! Property tests of the Shopify side: the money parser, the orders-page parser on arbitrary
//! and mutated payloads (typed errors, never a panic), and the DOMAIN.md invariants of the
//! facts of any order (cancelled orders net to zero, gift cards and non-POS orders never
//! count).

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use tmas::domain::facts::{bucket_facts, order_facts};
use tmas::domain::ledger::{Agreement, AgreementKind, Ledger, Sale, SaleAction, SaleLine};
use tmas::domain::money::{format_minor, parse_minor};
use tmas::shopify::types::{LineItem, Order, Refund, RefundLineItem, orders_page_from_data};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
        Just(json!("gid://shopify/Order/1")),
        Just(json!("2026-03-02T15:15:00Z")),
        Just(json!("12.50")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "orders",
                        "nodes",
                        "pageInfo",
                        "hasNextPage",
                        "endCursor",
                        "id",
                        "lineItems",
                        "refunds",
                        "quantity",
                        "shopMoney",
                        "amount",
                        "x"
                    ]),
                    inner
                ),
                0..5
            )
            .prop_map(|fields| Value::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            )),
        ]
    })
}

fn valid_page() -> Value {
    json!({ "orders": {
        "nodes": [{
            "id": "gid://shopify/Order/7000001", "name": "#1001", "sourceName": "pos", "test": false,
            "retailLocation": { "id": "gid://shopify/Location/1001" },
            "processedAt": "2026-03-02T15:15:00Z", "cancelledAt": null,
            "updatedAt": "2026-03-04T21:40:00Z", "createdAt": "2026-03-02T15:15:00Z",
            "taxesIncluded": false,
            "lineItems": { "nodes": [
                { "id": "gid://shopify/LineItem/1", "quantity": 2, "isGiftCard": false,
                  "originalUnitPriceSet": { "shopMoney": { "amount": "20.0", "currencyCode": "CAD" } },
                  "discountAllocations": [ { "allocatedAmountSet": { "shopMoney": { "amount": "2.0" } } } ],
                  "taxLines": [ { "priceSet": { "shopMoney": { "amount": "4.68" } } } ] }
            ], "pageInfo": { "hasNextPage": false } },
            "refunds": [{
                "id": "gid://shopify/Refund/9", "createdAt": "2026-03-04T21:40:00Z",
                "processedAt": "2026-03-04T21:40:00Z",
                "refundLineItems": { "nodes": [{
                    "quantity": 1, "subtotalSet": { "shopMoney": { "amount": "18.00" } },
                    "totalTaxSet": { "shopMoney": { "amount": "2.34" } },
                    "location": { "id": "gid://shopify/Location/1002" },
                    "lineItem": { "id": "gid://shopify/LineItem/1", "isGiftCard": false }
                }], "pageInfo": { "hasNextPage": false } },
                "transactions": { "nodes": [{
                    "kind": "REFUND", "status": "SUCCESS",
                    "location": { "id": "gid://shopify/Location/1002" },
                    "amountSet": { "shopMoney": { "amount": "20.34" } }
                }], "pageInfo": { "hasNextPage": false } }
            }]
        }],
        "pageInfo": { "hasNextPage": false, "endCursor": null }
    }})
}

/// Every leaf path of a JSON value.
fn leaf_paths(value: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            let mut p = path.clone();
            p.push(k.clone());
            leaf_paths(v, p, out);
        }),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| {
            let mut p = path.clone();
            p.push(i.to_string());
            leaf_paths(v, p, out);
        }),
        _ => out.push(path),
    }
}

fn set_path(value: &mut Value, path: &[String], new: Value) {
    let mut cursor = value;
    for key in path {
        cursor = match cursor {
            Value::Object(map) => map.get_mut(key).expect("path exists"),
            Value::Array(items) => &mut items[key.parse::<usize>().expect("index")],
            _ => unreachable!("paths end at leaves"),
        };
    }
    *cursor = new;
}

proptest! {
    #[test]
    fn money_parser_never_panics(raw in ".{0,40}", digits in 0u32..4) {
        let _ = parse_minor(&raw, digits);
    }

    #[test]
    fn money_round_trips(value in -1_000_000_000_000i64..1_000_000_000_000, digits in 0u32..4) {
        prop_assert_eq!(parse_minor(&format_minor(value, digits), digits).unwrap(), value);
    }

    #[test]
    fn arbitrary_json_is_an_error_or_a_page_never_a_panic(data in arbitrary_json()) {
        let _ = orders_page_from_data(data, None);
    }

    #[test]
    fn any_single_leaf_changed_is_parsed_or_refused(index in any::<prop::sample::Index>(), new in arbitrary_json()) {
        let mut page = valid_page();
        let mut paths = Vec::new();
        leaf_paths(&page, Vec::new(), &mut paths);
        let path = index.get(&paths).clone();
        set_path(&mut page, &path, new);
        if let Ok(parsed) = orders_page_from_data(page, None) {
            for order in &parsed.orders {
                let _ = order_facts(order);
            }
        }
    }
}

#[derive(Debug, Clone)]
struct LineSpec {
    quantity: i64,
    unit_price: i64,
    unit_discount: i64,
    gift_card: bool,
    refunded: i64,
}

fn line_spec() -> impl Strategy<Value = LineSpec> {
    (1i64..6, 0i64..50_000, any::<bool>(), 0u8..10).prop_flat_map(
        |(quantity, unit_price, gift_card, gift_roll)| {
            let gift_card = gift_card && gift_roll == 0;
            (0..=unit_price, 0..=quantity).prop_map(move |(unit_discount, refunded)| LineSpec {
                quantity,
                unit_price,
                unit_discount,
                gift_card,
                refunded,
            })
        },
    )
}

fn at(minutes: i64) -> DateTime<Utc> {
    "2026-03-02T15:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minutes)
}

fn order_from(lines: &[LineSpec], cancelled: bool, refund_location: Option<i64>) -> Order {
    let line_items: Vec<LineItem> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineItem {
            id: format!("gid://shopify/LineItem/{i}"),
            quantity: l.quantity,
            original_unit_price: l.unit_price,
            is_gift_card: l.gift_card,
            discount: l.unit_discount * l.quantity,
            tax: 0,
            current_quantity: Some(l.quantity - l.refunded),
        })
        .collect();
    let refund_lines: Vec<RefundLineItem> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.refunded > 0)
        .map(|(i, l)| RefundLineItem {
            quantity: l.refunded,
            subtotal: (l.unit_price - l.unit_discount) * l.refunded,
            tax: 0,
            location_id: refund_location,
            line_item_id: format!("gid://shopify/LineItem/{i}"),
            is_gift_card: l.gift_card,
        })
        .collect();
    Order {
        id: "gid://shopify/Order/1".into(),
        name: "#1".into(),
        source_name: Some("pos".into()),
        test: false,
        retail_location_id: Some(1001),
        processed_at: at(0),
        cancelled_at: cancelled.then(|| at(300)),
        updated_at: at(300),
        created_at: at(0),
        taxes_included: false,
        currency_code: "CAD".into(),
        line_items,
        refunds: if refund_lines.is_empty() {
            Vec::new()
        } else {
            vec![Refund {
                id: "gid://shopify/Refund/1".into(),
                created_at: Some(at(120)),
                processed_at: at(120),
                refund_line_items: refund_lines,
                transactions: Vec::new(),
            }]
        },
        ledger: None,
    }
}

/// The sales ledger Shopify keeps for an order that is only sold, refunded or cancelled:
/// the sale (one sale per line, gift cards as such), a refund agreement per refund, and
/// nothing for what a cancellation returns without a refund (TMAS's rule returns the rest).
fn ledger_of(order: &Order) -> Ledger {
    let sale = |action: SaleAction,
                line_id: &str,
                gift: bool,
                quantity: i64,
                value: i64,
                discount: i64| Sale {
        action,
        line: if gift {
            SaleLine::NotSales("GIFT_CARD".into())
        } else {
            SaleLine::Product
        },
        quantity: Some(quantity),
        total: value,
        tax: 0,
        discount,
        line_item_id: Some(line_id.to_string()),
    };
    let mut agreements = vec![Agreement {
        id: "gid://shopify/SalesAgreement/1".into(),
        kind: AgreementKind::Order,
        happened_at: order.processed_at,
        sales: order
            .line_items
            .iter()
            .map(|l| {
                let value = l.original_unit_price * l.quantity - l.discount;
                sale(
                    SaleAction::Order,
                    &l.id,
                    l.is_gift_card,
                    l.quantity,
                    value,
                    l.discount,
                )
            })
            .collect(),
    }];
    for (i, r) in order.refunds.iter().enumerate() {
        agreements.push(Agreement {
            id: format!("gid://shopify/SalesAgreement/{}", i + 2),
            kind: AgreementKind::Refund {
                refund_id: r.id.clone(),
            },
            happened_at: r.at(),
            sales: r
                .refund_line_items
                .iter()
                .map(|rl| {
                    let line = order.line_items.iter().find(|l| l.id == rl.line_item_id);
                    let discount = line.map_or(0, |l| l.discount / l.quantity * rl.quantity);
                    sale(
                        SaleAction::Return,
                        &rl.line_item_id,
                        rl.is_gift_card,
                        -rl.quantity,
                        -rl.subtotal,
                        -discount,
                    )
                })
                .collect(),
        });
    }
    Ledger {
        agreements,
        returns: Some(Vec::new()),
        payments: Vec::new(),
    }
}

proptest! {
    #[test]
    fn a_cancelled_order_nets_to_zero(lines in prop::collection::vec(line_spec(), 1..6), elsewhere in any::<bool>()) {
        let order = order_from(&lines, true, elsewhere.then_some(1002));
        let facts = order_facts(&order);
        let (sold_net, sold_items) = facts.sale.as_ref().map(|s| (s.gross - s.discounts, s.items)).unwrap_or((0, 0));
        let returned: i64 = facts.returns.iter().map(|r| r.returns).sum();
        let returned_items: i64 = facts.returns.iter().map(|r| r.items).sum();
        prop_assert_eq!(sold_net - returned, 0);
        prop_assert_eq!(sold_items - returned_items, 0);
    }

    #[test]
    fn gift_cards_never_count(lines in prop::collection::vec(line_spec(), 1..6)) {
        let facts = order_from(&lines, false, None);
        let expected_items: i64 = lines.iter().filter(|l| !l.gift_card).map(|l| l.quantity).sum();
        let expected_gross: i64 = lines.iter().filter(|l| !l.gift_card).map(|l| l.quantity * l.unit_price).sum();
        let facts = order_facts(&facts);
        match facts.sale {
            Some(sale) => {
                prop_assert_eq!(sale.items, expected_items);
                prop_assert_eq!(sale.gross, expected_gross);
                prop_assert!(sale.transaction);
            }
            None => prop_assert!(lines.iter().all(|l| l.gift_card)),
        }
        let returned_items: i64 = facts.returns.iter().map(|r| r.items).sum();
        prop_assert_eq!(returned_items, lines.iter().filter(|l| !l.gift_card).map(|l| l.refunded).sum::<i64>());
    }

    /// DOMAIN.md: for an order that is only sold, refunded or cancelled, the ledger says
    /// exactly what the line-item rules say, hour by hour, and its lines add up.
    #[test]
    fn the_ledger_of_a_plain_order_says_what_its_line_items_say(
        lines in prop::collection::vec(line_spec(), 1..6),
        cancelled in any::<bool>(),
        elsewhere in any::<bool>(),
    ) {
        let plain = order_from(&lines, cancelled, elsewhere.then_some(1002));
        let mut ledgered = plain.clone();
        ledgered.ledger = Some(ledger_of(&plain));
        let tz = chrono_tz::America::Toronto;
        let by_lines = order_facts(&plain);
        let by_ledger = order_facts(&ledgered);
        prop_assert_eq!(bucket_facts([&by_ledger], tz), bucket_facts([&by_lines], tz));
        prop_assert!(by_ledger.problems.is_empty(), "{:?}", by_ledger.problems);
    }

    #[test]
    fn online_test_and_unplaced_orders_give_nothing(lines in prop::collection::vec(line_spec(), 1..4), which in 0u8..3) {
        let mut order = order_from(&lines, false, None);
        match which {
            0 => order.source_name = Some("web".into()),
            1 => order.test = true,
            _ => order.retail_location_id = None,
        }
        let facts = order_facts(&order);
        prop_assert!(facts.sale.is_none() && facts.returns.is_empty());
    }
}
