//! Issue 22, acceptance 4: the simulator serves Shopify's sales ledger (`Order.agreements`),
//! its returns and the line items' `currentQuantity` over real HTTP, paged and in bulk, for
//! exchanges, edits and returns with a restocking fee, consistent with the order's other
//! views; example G of DOMAIN.md comes out of its expected totals.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use common::date;
use common::sim::gql;
use serde_json::{Value, json};
use tmas::sim::examples::example_g;
use tmas::sim::{
    ALL_ORDERS_SCOPE, EXAMPLES_SHOP, EditSpec, ExchangeSpec, LateDiscountSpec, LineSpec, ORDER_A,
    RETURNS_SCOPE, RefundLineSpec, STORE_01, STORE_02, ShopSpec, SimConfig, SimHandle, spawn,
};

const SALES: &str = "sales(first: $salesFirst, after: $salesAfter) { nodes { __typename actionType lineType quantity totalAmount { shopMoney { amount currencyCode } } totalTaxAmount { shopMoney { amount } } totalDiscountAmountBeforeTaxes { shopMoney { amount } } ... on ProductSale { lineItem { id } } ... on GiftCardSale { lineItem { id } } } pageInfo { hasNextPage endCursor } }";

fn ledger_query() -> String {
    format!(
        "query Ledger($id: ID!, $first: Int!, $after: String, $salesFirst: Int!, $salesAfter: String) {{ order(id: $id) {{ id edited returnStatus lineItems(first: 20) {{ nodes {{ id quantity currentQuantity }} }} agreements(first: $first, after: $after) {{ nodes {{ __typename id happenedAt ... on RefundAgreement {{ refund {{ id }} }} ... on ReturnAgreement {{ return {{ id }} }} {SALES} }} pageInfo {{ hasNextPage endCursor }} }} returns(first: 2) {{ nodes {{ id refunds(first: 2) {{ nodes {{ id }} }} reverseFulfillmentOrders(first: 1) {{ nodes {{ lineItems(first: 5) {{ nodes {{ dispositions {{ type quantity location {{ id }} }} }} }} }} }} }} }} }} }}"
    )
}

async fn order_ledger(
    sim: &SimHandle,
    shop: &str,
    id: i64,
    first: i64,
    after: Option<&str>,
    sales_first: i64,
    sales_after: Option<&str>,
) -> Value {
    let v = gql(
        sim,
        shop,
        &ledger_query(),
        json!({ "id": format!("gid://shopify/Order/{id}"), "first": first, "after": after,
                "salesFirst": sales_first, "salesAfter": sales_after }),
    )
    .await;
    assert!(v.get("errors").is_none(), "{v}");
    let actual = v["extensions"]["cost"]["actualQueryCost"]
        .as_f64()
        .expect("cost");
    let requested = v["extensions"]["cost"]["requestedQueryCost"]
        .as_f64()
        .expect("cost");
    assert!(actual <= requested && actual > 0.0, "{v}");
    v["data"]["order"].clone()
}

fn amount(sale: &Value, field: &str) -> String {
    sale[field]["shopMoney"]["amount"]
        .as_str()
        .expect("a decimal string")
        .to_string()
}

fn local(y: i32, m: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<Utc> {
    chrono_tz::America::Toronto
        .with_ymd_and_hms(y, m, d, h, mi, 0)
        .single()
        .expect("a plain local time")
        .with_timezone(&Utc)
}

/// Per line item, the quantities of its product (or gift-card) sales over every agreement,
/// and the line's `currentQuantity`.
fn quantity_check(order: &Value) {
    let mut sold: BTreeMap<String, i64> = BTreeMap::new();
    for a in order["agreements"]["nodes"].as_array().expect("agreements") {
        for s in a["sales"]["nodes"].as_array().expect("sales") {
            if s["lineType"] == "PRODUCT" || s["lineType"] == "GIFT_CARD" {
                let line = s["lineItem"]["id"].as_str().expect("a product sale's line");
                *sold.entry(line.to_string()).or_default() += s["quantity"].as_i64().unwrap_or(0);
            }
        }
    }
    for l in order["lineItems"]["nodes"].as_array().expect("lines") {
        let id = l["id"].as_str().expect("id");
        assert_eq!(
            sold.get(id).copied().unwrap_or(0),
            l["currentQuantity"].as_i64().expect("currentQuantity"),
            "line {id} of {}",
            order["id"]
        );
    }
}

#[tokio::test]
async fn example_g_is_an_exchange_in_the_ledger_and_in_the_expected_totals() {
    let sim = spawn(
        SimConfig::examples_only()
            .grant_everywhere(ALL_ORDERS_SCOPE)
            .grant_everywhere(RETURNS_SCOPE),
    )
    .await;
    let before = sim.shop_model(EXAMPLES_SHOP).expect("shop");
    let updated_before = before
        .orders
        .iter()
        .find(|o| o.id == ORDER_A)
        .expect("A")
        .updated_at;
    let return_id = sim
        .exchange(EXAMPLES_SHOP, ORDER_A, &example_g())
        .expect("example G applies");

    let t = sim.expected_totals(EXAMPLES_SHOP).expect("totals");
    let g = t.hour(STORE_02, date(2026, 3, 9), 14);
    assert_eq!(
        (
            g.gross,
            g.discounts,
            g.returns,
            g.net,
            g.transactions,
            g.items
        ),
        (6000, 0, 1800, 4200, 1, 0)
    );
    let a = t.hour(STORE_01, date(2026, 3, 2), 10);
    assert_eq!((a.net, a.items, a.transactions), (4680, 3, 1));

    let order = order_ledger(&sim, EXAMPLES_SHOP, ORDER_A, 8, None, 8, None).await;
    assert_eq!(order["edited"], false);
    assert_eq!(order["returnStatus"], "RETURNED");
    let agreements = order["agreements"]["nodes"].as_array().expect("agreements");
    let kinds: Vec<&str> = agreements
        .iter()
        .map(|a| a["__typename"].as_str().expect("typename"))
        .collect();
    assert_eq!(
        kinds,
        ["OrderAgreement", "RefundAgreement", "ReturnAgreement"]
    );
    assert_eq!(
        agreements[1]["refund"]["id"],
        "gid://shopify/Refund/9000001"
    );
    assert!(agreements[0].get("refund").is_none() && agreements[0].get("return").is_none());
    let exchange = &agreements[2];
    assert_eq!(
        exchange["return"]["id"],
        format!("gid://shopify/Return/{return_id}")
    );
    assert_eq!(exchange["happenedAt"], "2026-03-09T18:20:00Z");
    let sales = exchange["sales"]["nodes"].as_array().expect("sales");
    let shirt = &sales[0];
    assert_eq!(
        (
            &shirt["__typename"],
            &shirt["actionType"],
            &shirt["lineType"],
            &shirt["quantity"]
        ),
        (
            &json!("ProductSale"),
            &json!("RETURN"),
            &json!("PRODUCT"),
            &json!(-1)
        )
    );
    assert_eq!(
        (
            amount(shirt, "totalAmount"),
            amount(shirt, "totalTaxAmount"),
            amount(shirt, "totalDiscountAmountBeforeTaxes")
        ),
        ("-20.34".into(), "-2.34".into(), "-2.0".into())
    );
    assert_eq!(shirt["totalAmount"]["shopMoney"]["currencyCode"], "CAD");
    assert_eq!(shirt["lineItem"]["id"], "gid://shopify/LineItem/8000011");
    let jacket = &sales[1];
    assert_eq!(
        (
            &jacket["actionType"],
            &jacket["quantity"],
            amount(jacket, "totalAmount"),
            amount(jacket, "totalTaxAmount")
        ),
        (&json!("ORDER"), &json!(1), "67.8".into(), "7.8".into())
    );
    // The jacket is appended to the line items; the shirts are all gone from the order now.
    let lines = order["lineItems"]["nodes"].as_array().expect("lines");
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["id"], jacket["lineItem"]["id"]);
    assert_eq!(
        (&lines[0]["quantity"], &lines[0]["currentQuantity"]),
        (&json!(2), &json!(0))
    );
    quantity_check(&order);
    // No refund: the customer paid the difference; the shirt was restocked at STORE-02.
    let ret = &order["returns"]["nodes"][0];
    assert_eq!(ret["refunds"]["nodes"], json!([]));
    assert_eq!(
        ret["reverseFulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["dispositions"],
        json!([{ "type": "RESTOCKED", "quantity": 1, "location": { "id": "gid://shopify/Location/1002" } }])
    );
    // The change moved the order's updatedAt.
    let after = sim.shop_model(EXAMPLES_SHOP).expect("shop");
    assert!(
        after
            .orders
            .iter()
            .find(|o| o.id == ORDER_A)
            .expect("A")
            .updated_at
            > updated_before
    );
}

#[tokio::test]
async fn agreements_and_sales_page_with_first_and_after() {
    let sim = spawn(
        SimConfig::examples_only()
            .grant_everywhere(ALL_ORDERS_SCOPE)
            .grant_everywhere(RETURNS_SCOPE),
    )
    .await;
    sim.exchange(EXAMPLES_SHOP, ORDER_A, &example_g())
        .expect("example G");
    sim.edit_order(
        EXAMPLES_SHOP,
        ORDER_A,
        &EditSpec {
            at: local(2026, 3, 10, 11, 0),
            add: vec![LineSpec {
                quantity: 2,
                unit_price: 450,
                gift_card: false,
                discount: 0,
            }],
            remove: vec![RefundLineSpec {
                line_index: 1,
                quantity: 1,
            }],
            discounts: vec![LateDiscountSpec {
                line_index: 2,
                amount: 600,
            }],
        },
    )
    .expect("an edit");
    let whole = order_ledger(&sim, EXAMPLES_SHOP, ORDER_A, 8, None, 8, None).await;
    assert_eq!(whole["edited"], true);
    quantity_check(&whole);
    let edit = whole["agreements"]["nodes"]
        .as_array()
        .expect("agreements")
        .last()
        .expect("the edit")
        .clone();
    assert_eq!(edit["__typename"], "OrderEditAgreement");
    let kinds: Vec<(String, String, i64)> = edit["sales"]["nodes"]
        .as_array()
        .expect("sales")
        .iter()
        .map(|s| {
            (
                s["actionType"].as_str().unwrap_or_default().to_string(),
                amount(s, "totalAmount"),
                s["quantity"].as_i64().unwrap_or(99),
            )
        })
        .collect();
    // Added 2 × 4.50 (+13 %), the mug removed (10.80 + 1.40), the jacket 6.00 off (+0.78).
    assert_eq!(
        kinds,
        [
            ("ORDER".to_string(), "10.17".to_string(), 2),
            ("RETURN".to_string(), "-12.2".to_string(), -1),
            ("UPDATE".to_string(), "-6.78".to_string(), 0),
        ]
    );
    assert_eq!(
        amount(&edit["sales"]["nodes"][2], "totalDiscountAmountBeforeTaxes"),
        "6.0"
    );

    // Page agreements one at a time, and each agreement's sales one at a time.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = order_ledger(&sim, EXAMPLES_SHOP, ORDER_A, 1, after.as_deref(), 1, None).await;
        let nodes = page["agreements"]["nodes"]
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(nodes.len(), 1);
        let mut sales = Vec::new();
        let mut sales_page = nodes[0]["sales"].clone();
        loop {
            sales.extend(sales_page["nodes"].as_array().expect("sales").clone());
            if sales_page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            let cursor = sales_page["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_string);
            let again = order_ledger(
                &sim,
                EXAMPLES_SHOP,
                ORDER_A,
                1,
                after.as_deref(),
                1,
                cursor.as_deref(),
            )
            .await;
            sales_page = again["agreements"]["nodes"][0]["sales"].clone();
        }
        let mut agreement = nodes[0].clone();
        agreement["sales"]["nodes"] = Value::Array(sales);
        seen.push(agreement);
        if page["agreements"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["agreements"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_string);
    }
    let whole_nodes = whole["agreements"]["nodes"].as_array().expect("nodes");
    assert_eq!(seen.len(), whole_nodes.len());
    for (paged, all) in seen.iter().zip(whole_nodes) {
        assert_eq!(paged["id"], all["id"]);
        assert_eq!(paged["sales"]["nodes"], all["sales"]["nodes"]);
    }
}

#[tokio::test]
async fn a_return_with_a_restocking_fee_refunded_at_another_store() {
    let sim = spawn(
        SimConfig::examples_only()
            .grant_everywhere(ALL_ORDERS_SCOPE)
            .grant_everywhere(RETURNS_SCOPE),
    )
    .await;
    // Example D's first sale (10.00 at STORE-01): returned at STORE-02 with a 1.00 fee.
    let d = 7_000_006;
    let fee_return = sim
        .exchange(
            EXAMPLES_SHOP,
            d,
            &ExchangeSpec {
                at: local(2026, 11, 3, 12, 0),
                location_id: Some(STORE_02),
                returned: vec![RefundLineSpec {
                    line_index: 0,
                    quantity: 1,
                }],
                given: Vec::new(),
                restock_location_id: None,
                fee: 100,
            },
        )
        .expect("a return with a fee");
    let order = order_ledger(&sim, EXAMPLES_SHOP, d, 8, None, 8, None).await;
    quantity_check(&order);
    let ret = &order["agreements"]["nodes"][1];
    assert_eq!(ret["__typename"], "ReturnAgreement");
    let sales = ret["sales"]["nodes"].as_array().expect("sales");
    assert_eq!(
        sales
            .iter()
            .map(|s| (
                s["__typename"].as_str().unwrap_or_default(),
                s["lineType"].as_str().unwrap_or_default(),
                amount(s, "totalAmount")
            ))
            .collect::<Vec<_>>(),
        [
            ("ProductSale", "PRODUCT", "-11.3".to_string()),
            ("FeeSale", "FEE", "1.0".to_string())
        ]
    );
    // Its refund gives back 11.30 − 1.00 at STORE-02, belongs to the return, and has no
    // agreement of its own.
    let r = &order["returns"]["nodes"][0];
    assert_eq!(r["id"], format!("gid://shopify/Return/{fee_return}"));
    let refund_id = r["refunds"]["nodes"][0]["id"].as_str().expect("a refund");
    assert_eq!(
        order["agreements"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        r["reverseFulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["dispositions"][0]["type"],
        "NOT_RESTOCKED"
    );
    let v = gql(
        &sim,
        EXAMPLES_SHOP,
        "query R($id: ID!) { refund(id: $id) { id transactions(first: 5) { nodes { kind status amountSet { shopMoney { amount } } location { id } } } } }",
        json!({ "id": refund_id }),
    )
    .await;
    assert_eq!(
        v["data"]["refund"]["transactions"]["nodes"][0],
        json!({ "kind": "REFUND", "status": "SUCCESS", "amountSet": { "shopMoney": { "amount": "10.3" } },
                "location": { "id": "gid://shopify/Location/1002" } })
    );
    // Counted where the money went back, on that day: returns 10.00, not the fee.
    let t = sim.expected_totals(EXAMPLES_SHOP).expect("totals");
    let h = t.hour(STORE_02, date(2026, 11, 3), 12);
    assert_eq!(
        (h.returns, h.net, h.transactions, h.items),
        (1000, -1000, 1, -1)
    );
}

#[tokio::test]
async fn a_generated_shop_with_exchanges_and_edits_keeps_every_view_consistent() {
    let mut spec = ShopSpec::new(
        "ledger",
        chrono_tz::America::Toronto,
        "CAD",
        NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date"),
    )
    .with_ledger_events();
    spec.days = 30;
    spec.orders_per_day = 40;
    let mut config = SimConfig::examples_only()
        .grant_everywhere(ALL_ORDERS_SCOPE)
        .grant_everywhere(RETURNS_SCOPE);
    config.shops = vec![spec];
    let sim = spawn(config).await;
    // Many orders' ledgers one after the other: the bucket is not what this test is about.
    sim.update_faults("ledger", |f| f.unlimited = true)
        .expect("shop");
    let model = sim.shop_model("ledger").expect("shop");
    let changed: Vec<i64> = model
        .orders
        .iter()
        .filter(|o| !o.returns.is_empty() || !o.edits.is_empty())
        .map(|o| o.id)
        .collect();
    assert!(changed.len() >= 10, "{} orders changed", changed.len());
    for id in changed {
        let order = order_ledger(&sim, "ledger", id, 8, None, 8, None).await;
        quantity_check(&order);
        let o = model.orders.iter().find(|o| o.id == id).expect("order");
        assert_eq!(order["edited"], !o.edits.is_empty());
        assert_eq!(
            order["returnStatus"],
            if o.returns.is_empty() {
                "NO_RETURN"
            } else {
                "RETURNED"
            }
        );
    }
}

const RUN: &str = "mutation Run($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) { bulkOperation { id status } userErrors { field message code } } }";
const POLL: &str = "query Poll($id: ID!) { bulkOperation(id: $id) { id status url } }";
const BULK_LEDGER: &str = "{ orders(query: \"updated_at:>='2020-01-01T00:00:00Z'\") { edges { node { __typename id edited returnStatus lineItems { edges { node { __typename id quantity currentQuantity } } } agreements { edges { node { __typename id happenedAt ... on RefundAgreement { refund { id } } ... on ReturnAgreement { return { id } } sales { edges { node { __typename id actionType lineType quantity totalAmount { shopMoney { amount } } totalTaxAmount { shopMoney { amount } } totalDiscountAmountBeforeTaxes { shopMoney { amount } } ... on ProductSale { lineItem { id } } } } } } } } } } } }";

#[tokio::test]
async fn a_bulk_export_carries_agreements_and_their_sales() {
    let sim = spawn(
        SimConfig::examples_only()
            .grant_everywhere(ALL_ORDERS_SCOPE)
            .grant_everywhere(RETURNS_SCOPE),
    )
    .await;
    sim.exchange(EXAMPLES_SHOP, ORDER_A, &example_g())
        .expect("example G");
    let v = gql(&sim, EXAMPLES_SHOP, RUN, json!({ "q": BULK_LEDGER })).await;
    assert_eq!(
        v["data"]["bulkOperationRunQuery"]["userErrors"],
        json!([]),
        "{v}"
    );
    let id = v["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
        .as_str()
        .expect("an operation")
        .to_string();
    let mut url = None;
    for _ in 0..400 {
        let op = gql(&sim, EXAMPLES_SHOP, POLL, json!({ "id": id })).await;
        if op["data"]["bulkOperation"]["status"] == "COMPLETED" {
            url = op["data"]["bulkOperation"]["url"]
                .as_str()
                .map(str::to_string);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let body = reqwest::get(url.expect("completed with a file"))
        .await
        .expect("file")
        .text()
        .await
        .expect("text");
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let model = sim.shop_model(EXAMPLES_SHOP).expect("shop");
    let of_type = |t: &'static str| lines.iter().filter(move |l| l["__typename"] == t);
    assert_eq!(of_type("Order").count(), model.orders.len());
    assert!(
        of_type("Order").all(|o| o.get("__parentId").is_none() && o.get("agreements").is_none())
    );
    let orders: Vec<&str> = of_type("Order")
        .map(|o| o["id"].as_str().expect("id"))
        .collect();
    let agreements: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["__typename"]
                .as_str()
                .is_some_and(|t| t.ends_with("Agreement"))
        })
        .collect();
    // One agreement per sale, per refund that is not a return's, and per return.
    let expected_agreements: usize = model
        .orders
        .iter()
        .map(|o| {
            1 + o.refunds.iter().filter(|r| r.return_id.is_none()).count()
                + o.returns.len()
                + o.edits.len()
        })
        .sum();
    assert_eq!(agreements.len(), expected_agreements);
    for a in &agreements {
        let parent = a["__parentId"].as_str().expect("an order parent");
        assert!(orders.contains(&parent));
        assert!(a.get("sales").is_none());
    }
    assert_eq!(
        of_type("LineItem").count(),
        model.orders.iter().map(|o| o.lines.len()).sum::<usize>()
    );
    let sales: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["__typename"]
                .as_str()
                .is_some_and(|t| t.ends_with("Sale"))
        })
        .collect();
    assert!(!sales.is_empty());
    for s in &sales {
        let parent = s["__parentId"].as_str().expect("an agreement parent");
        assert!(agreements.iter().any(|a| a["id"] == parent), "{s}");
    }
    // Example G's exchange: two sales under the ReturnAgreement, the jacket's line among the
    // order's line items.
    let g = agreements
        .iter()
        .find(|a| a["__typename"] == "ReturnAgreement")
        .expect("the exchange");
    assert!(g["return"]["id"].is_string());
    let g_sales: Vec<&&Value> = sales
        .iter()
        .filter(|s| s["__parentId"] == g["id"])
        .collect();
    assert_eq!(g_sales.len(), 2);
    assert_eq!(g_sales[1]["totalAmount"]["shopMoney"]["amount"], "67.8");
    assert!(
        of_type("LineItem").any(|l| l["id"] == g_sales[1]["lineItem"]["id"]
            && l["__parentId"] == format!("gid://shopify/Order/{ORDER_A}"))
    );
}

#[tokio::test]
async fn control_paths_make_exchanges_and_edits() {
    let sim = spawn(
        SimConfig::examples_only()
            .grant_everywhere(ALL_ORDERS_SCOPE)
            .grant_everywhere(RETURNS_SCOPE),
    )
    .await;
    let client = reqwest::Client::new();
    let base = format!("http://{}/_sim/{EXAMPLES_SHOP}/orders/{ORDER_A}", sim.addr);
    let r = client
        .post(format!("{base}/exchanges"))
        .json(&example_g())
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 200);
    let made: Value = r.json().await.expect("JSON");
    assert!(
        made["gid"]
            .as_str()
            .is_some_and(|g| g.starts_with("gid://shopify/Return/"))
    );
    // The jacket given in exchange (line 2) is refunded later, at STORE-01.
    let r = client
        .post(format!("{base}/refunds"))
        .json(&json!({ "at": "2026-03-12T15:00:00Z", "location_id": null, "till_location_id": STORE_01,
                       "lines": [{ "line_index": 2, "quantity": 1 }] }))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 200);
    let r = client
        .post(format!("{base}/edits"))
        .json(&json!({ "at": "2026-03-13T15:00:00Z", "discounts": [{ "line_index": 1, "amount": 100 }] }))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 200);
    // Nothing left of the shirts to exchange: refused, and the order is as it was.
    let r = client
        .post(format!("{base}/exchanges"))
        .json(&example_g())
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 422);
    let order = order_ledger(&sim, EXAMPLES_SHOP, ORDER_A, 8, None, 8, None).await;
    quantity_check(&order);
    let kinds: Vec<&str> = order["agreements"]["nodes"]
        .as_array()
        .expect("agreements")
        .iter()
        .map(|a| a["__typename"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "OrderAgreement",
            "RefundAgreement",
            "ReturnAgreement",
            "RefundAgreement",
            "OrderEditAgreement"
        ]
    );
    let t = sim.expected_totals(EXAMPLES_SHOP).expect("totals");
    // 2026-03-12 15:00 UTC is 11:00 EDT: the jacket back at STORE-01 (60.00).
    let back = t.hour(STORE_01, date(2026, 3, 12), 11);
    assert_eq!((back.returns, back.transactions, back.items), (6000, 1, -1));
    // The mug's later 1.00 discount, at the store of the sale, no transaction.
    let edit = t.hour(STORE_01, date(2026, 3, 13), 11);
    assert_eq!(
        (
            edit.gross,
            edit.discounts,
            edit.net,
            edit.transactions,
            edit.items
        ),
        (0, 100, -100, 0, 0)
    );
}

/// Without `read_returns` an order's `returns` are refused as Shopify refuses them
/// (`ACCESS_DENIED`, naming the scope), while its `transactions` say where and when money
/// changed hands at an exchange: the payment of example G's balance at STORE-02.
#[tokio::test]
async fn without_read_returns_returns_are_refused_and_transactions_place_an_exchange() {
    let sim = spawn(SimConfig::examples_only().grant_everywhere(ALL_ORDERS_SCOPE)).await;
    sim.exchange(EXAMPLES_SHOP, ORDER_A, &example_g())
        .expect("example G applies");
    let url = format!(
        "http://{}/{EXAMPLES_SHOP}/admin/api/2026-10/graphql.json",
        sim.addr
    );
    let token = sim.token(EXAMPLES_SHOP).expect("token");
    let ask = |query: &'static str| {
        let (url, token) = (url.clone(), token.clone());
        async move {
            reqwest::Client::new()
                .post(url)
                .header("X-Shopify-Access-Token", token)
                .json(&json!({ "query": query, "variables": { "id": format!("gid://shopify/Order/{ORDER_A}") } }))
                .send()
                .await
                .expect("answer")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    let refused =
        ask("query R($id: ID!) { order(id: $id) { returns(first: 5) { nodes { id } } } }").await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "ACCESS_DENIED",
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("read_returns")
    );
    let paid = ask(
        "query P($id: ID!) { order(id: $id) { transactions(first: 20) { kind status processedAt location { id } amountSet { shopMoney { amount } } } } }",
    )
    .await;
    let transactions = paid["data"]["order"]["transactions"]
        .as_array()
        .expect("transactions");
    let at_store_02: Vec<&Value> = transactions
        .iter()
        .filter(|t| t["location"]["id"] == json!(format!("gid://shopify/Location/{STORE_02}")))
        .filter(|t| t["kind"] == "SALE")
        .collect();
    assert_eq!(at_store_02.len(), 1, "{paid}");
    assert_eq!(at_store_02[0]["kind"], "SALE");
    assert_eq!(at_store_02[0]["status"], "SUCCESS");
    // The jacket (67.80 with tax) less the shirt (20.34 with tax): 47.46 paid there.
    assert_eq!(at_store_02[0]["amountSet"]["shopMoney"]["amount"], "47.46");
    // The expected totals place the exchange where the balance was paid: STORE-02.
    let t = sim.expected_totals(EXAMPLES_SHOP).expect("totals");
    let d = NaiveDate::from_ymd_opt(2026, 3, 9).expect("date");
    assert_eq!(t.hour(STORE_02, d, 14).net, 4200);
}
