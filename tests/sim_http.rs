//! Acceptance 1: the simulator answers like Shopify over real HTTP.

mod common;

use common::sim::{post_graphql, set_faults, shop_query};
use serde_json::{Value, json};
use tmas::shopify::cost::PageInfo;
use tmas::sim::{ALL_ORDERS_SCOPE, Pricing, SimConfig, spawn};

/// Starts the `shopify-sim` binary with `args` on a free port; its process and base URL.
fn start_sim_binary(args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--bind", "127.0.0.1:0", "--shops", "alpha", "--days", "1"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("shopify-sim listening on ")
                .map(str::to_string)
        })
        .expect("listening line");
    (child, base)
}

#[test]
fn help_documents_default_token_shops_and_plan() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .arg("--help")
        .output()
        .expect("shopify-sim runs");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--bind",
        "--seed",
        "--shops",
        "--token",
        "--client-id",
        "--days",
        "shpat_sim_",
        "alpha",
        "examples",
        "Basic",
        "/_sim/",
        "MAX_COST_EXCEEDED",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[tokio::test]
async fn shop_query_answers_shopify_shape_with_cost() {
    let sim = spawn(SimConfig::examples_only()).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-01/graphql.json",
        sim.addr
    );
    let r = post_graphql(
        &url,
        "shpat_sim_examples",
        json!({ "query": "query { shop { name currencyCode ianaTimezone taxesIncluded plan { publicDisplayName shopifyPlus } } }" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("JSON");
    assert_eq!(v["data"]["shop"]["ianaTimezone"], "America/Toronto");
    assert_eq!(v["data"]["shop"]["currencyCode"], "CAD");
    assert_eq!(v["data"]["shop"]["taxesIncluded"], false);
    assert_eq!(v["data"]["shop"]["plan"]["publicDisplayName"], "Basic");
    let cost = &v["extensions"]["cost"];
    assert!(cost["requestedQueryCost"].is_number());
    assert!(cost["actualQueryCost"].is_number());
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 2000.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 100.0);
    assert!(cost["throttleStatus"]["currentlyAvailable"].is_number());
}

#[tokio::test]
async fn wrong_token_gets_shopify_401_body() {
    let sim = spawn(SimConfig::examples_only()).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-01/graphql.json",
        sim.addr
    );
    let r = post_graphql(&url, "shpat_wrong", json!({ "query": "{ shop { name } }" })).await;
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.expect("JSON");
    assert_eq!(
        v,
        json!({ "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)" })
    );
}

#[tokio::test]
async fn orders_come_in_pages_with_page_info() {
    // The examples are dated March 2026: older than 60 days.
    let sim = spawn(SimConfig::examples_only().grant_everywhere(ALL_ORDERS_SCOPE)).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-01/graphql.json",
        sim.addr
    );
    let query = "query Q($first: Int!, $after: String, $query: String!) { orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) { nodes { id updatedAt } pageInfo { hasNextPage endCursor } } }";
    let mut after: Option<String> = None;
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let r = post_graphql(
            &url,
            "shpat_sim_examples",
            json!({ "query": query, "variables": { "first": 4, "after": after, "query": "updated_at:>='2026-01-01T00:00:00Z' AND updated_at:<='2027-01-01T00:00:00Z'" } }),
        )
        .await;
        let v: Value = r.json().await.expect("JSON");
        let orders = &v["data"]["orders"];
        pages += 1;
        for n in orders["nodes"].as_array().expect("nodes") {
            ids.push(n["id"].as_str().expect("id").to_string());
        }
        let info = &orders["pageInfo"];
        assert!(info["hasNextPage"].is_boolean());
        if info["hasNextPage"] == false {
            break;
        }
        after = Some(info["endCursor"].as_str().expect("endCursor").to_string());
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 10, "examples A–E, their left-out orders and G");
    assert!(ids.iter().all(|id| id.starts_with("gid://shopify/Order/")));
    // A filter that excludes everything gives an empty page.
    let r = post_graphql(
        &url,
        "shpat_sim_examples",
        json!({ "query": query, "variables": { "first": 4, "query": "updated_at:>='2030-01-01T00:00:00Z'" } }),
    )
    .await;
    let v: Value = r.json().await.expect("JSON");
    assert_eq!(v["data"]["orders"]["nodes"], json!([]));
    assert_eq!(v["data"]["orders"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn shop_statuses_answer_like_shopify() {
    let sim = spawn(SimConfig::examples_only()).await;
    let base = format!("http://{}", sim.addr);
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/nosuchshop/admin/api/2026-01/graphql.json"))
        .body("{}")
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 404);
    sim.update_faults("examples", |f| f.locked = true)
        .expect("shop");
    let r = shop_query(&base, "examples").await;
    assert_eq!(r.status(), 423);
    sim.update_faults("examples", |f| {
        f.locked = false;
        f.frozen = true;
    })
    .expect("shop");
    let r = shop_query(&base, "examples").await;
    assert_eq!(r.status(), 402);
    // The HTTP control path reads and sets faults too.
    let f: Value = http
        .get(format!("{base}/_sim/examples/faults"))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(f["frozen"], true);
    assert_eq!(set_faults(&base, "examples", json!({})).await, 200);
    let r = shop_query(&base, "examples").await;
    assert_eq!(r.status(), 200);
    let scopes: Value = http
        .get(format!("{base}/examples/admin/oauth/access_scopes.json"))
        .header("X-Shopify-Access-Token", "shpat_sim_examples")
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        scopes,
        json!({"access_scopes": [{"handle": "read_orders"}, {"handle": "read_locations"}]})
    );
    let expected: Value = http
        .get(format!("{base}/_sim/examples/expected"))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert!(expected.as_array().is_some_and(|rows| !rows.is_empty()));
    // An inactive shop: HTTP 200, no data, errors[].extensions.code SHOP_INACTIVE.
    assert_eq!(
        set_faults(&base, "examples", json!({ "inactive": true })).await,
        200
    );
    let r = shop_query(&base, "examples").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("JSON");
    assert_eq!(v["errors"][0]["extensions"]["code"], "SHOP_INACTIVE");
    assert!(v.get("data").is_none_or(Value::is_null), "{v}");
}

#[tokio::test]
async fn a_burst_beyond_the_bucket_is_throttled_with_its_cost() {
    let sim = spawn(common::one_shop("burst", 10, 30, 3)).await;
    let url = format!("http://{}/burst/admin/api/2026-01/graphql.json", sim.addr);
    let query = "query Q($first: Int!, $query: String!) { orders(first: $first, query: $query) { nodes { id } pageInfo { hasNextPage endCursor } } }";
    let body = json!({ "query": query, "variables": { "first": 250, "query": "" } });
    // The standard plan's 2000-point bucket holds seven 253-point pages (pageInfo priced as
    // an object, the simulator's default), not eight at once.
    let mut throttled = None;
    for _ in 0..12 {
        let r = post_graphql(&url, "shpat_sim_burst", body.clone()).await;
        assert_eq!(r.status(), 200, "THROTTLED is an HTTP 200 answer");
        let v: Value = r.json().await.expect("JSON");
        if v["errors"][0]["extensions"]["code"] == "THROTTLED" {
            throttled = Some(v);
            break;
        }
        assert_eq!(v["extensions"]["cost"]["requestedQueryCost"], 253.0);
    }
    let v = throttled.expect("a burst is throttled");
    assert_eq!(v["errors"][0]["message"], "Throttled");
    let cost = &v["extensions"]["cost"];
    assert_eq!(cost["actualQueryCost"], Value::Null);
    assert!(
        cost["throttleStatus"]["currentlyAvailable"]
            .as_f64()
            .expect("number")
            < 253.0
    );
    assert!(v.get("data").is_none_or(Value::is_null));
}

#[tokio::test]
async fn control_paths_add_orders_refunds_and_cancellations() {
    let sim = spawn(SimConfig::examples_only()).await;
    let base = format!("http://{}", sim.addr);
    let http = reqwest::Client::new();
    let before = sim.expected_totals("examples").expect("shop");
    let created: Value = http
        .post(format!("{base}/_sim/examples/orders"))
        .json(&json!({
            "location_id": 1001,
            "processed_at": "2026-03-10T15:00:00Z",
            "lines": [{ "quantity": 2, "unit_price": 1000 }]
        }))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    let id = created["id"].as_i64().expect("order id");
    let r = http
        .post(format!("{base}/_sim/examples/orders/{id}/refunds"))
        .json(&json!({ "at": "2026-03-12T15:00:00Z", "location_id": 1002, "lines": [{ "line_index": 0, "quantity": 1 }] }))
        .send().await.expect("answer");
    assert_eq!(r.status(), 200);
    let r = http
        .post(format!("{base}/_sim/examples/orders/{id}/cancel"))
        .json(&json!({ "at": "2026-03-13T15:00:00Z" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 200);
    let after = sim.expected_totals("examples").expect("shop");
    let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).expect("valid date");
    assert_eq!(before.day(1001, d(2026, 3, 10)).net, 0);
    assert_eq!(after.day(1001, d(2026, 3, 10)).net, 2000);
    assert_eq!(after.day(1002, d(2026, 3, 12)).returns, 1000);
    let cancel = after.day(1001, d(2026, 3, 13));
    assert_eq!(
        (cancel.returns, cancel.items, cancel.transactions),
        (1000, -1, 1)
    );
    let r = http
        .post(format!("{base}/_sim/examples/orders/{id}/cancel"))
        .json(&json!({ "at": "2026-03-13T16:00:00Z" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 422, "an order is cancelled once");
    let r = http
        .post(format!("{base}/_sim/examples/orders/1/refunds"))
        .json(&json!({ "at": "2026-03-12T15:00:00Z", "location_id": null, "lines": [] }))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 404);
}

/// Shopify prices a query before running it (nested connections multiply) and refuses one
/// above 1,000 points. TMAS's first orders query (250 orders with 100 line items and 51
/// refunds of 100 lines each) would be refused; nothing is taken from the bucket.
#[tokio::test]
async fn a_query_above_1000_points_is_refused_before_it_runs() {
    let sim = spawn(common::one_shop("costly", 3, 20, 4)).await;
    let url = format!("http://{}/costly/admin/api/2026-01/graphql.json", sim.addr);
    let query = "query Q($first: Int!) { orders(first: $first) { nodes { id \
        lineItems(first: 100) { nodes { id originalUnitPriceSet { shopMoney { amount } } } } \
        refunds(first: 51) { id refundLineItems(first: 100) { nodes { quantity } } } } } }";
    let r = post_graphql(
        &url,
        "shpat_sim_costly",
        json!({ "query": query, "variables": { "first": 250 } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("JSON");
    // 2 + 250 × (1 + (2 + 100 × 3) + 51 × (1 + 2 + 100))
    let cost = 2.0 + 250.0 * (1.0 + 302.0 + 51.0 * 103.0);
    let e = &v["errors"][0];
    assert_eq!(e["extensions"]["code"], "MAX_COST_EXCEEDED");
    assert_eq!(e["extensions"]["cost"], cost);
    assert_eq!(e["extensions"]["maxCost"], 1000.0);
    assert!(
        e["message"]
            .as_str()
            .expect("message")
            .starts_with(&format!(
                "Query cost is {cost}, which exceeds the single query max cost limit (1000)"
            )),
        "{e}"
    );
    assert!(v.get("data").is_none_or(Value::is_null));
    assert_eq!(v["extensions"]["cost"]["requestedQueryCost"], cost);
    assert_eq!(sim.stats("costly").expect("shop").points_spent, 0.0);
}

/// Every query TMAS sends is priced by the simulator exactly as the client plans for, and
/// stays under the single-query limit.
#[tokio::test]
async fn tmas_queries_cost_what_the_client_plans_for() {
    use tmas::shopify::queries;
    // Every document TMAS can send, the returns' one included.
    let sim = spawn(SimConfig::examples_only().grant_everywhere(tmas::sim::RETURNS_SCOPE)).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-01/graphql.json",
        sim.addr
    );
    // Under both readings of `pageInfo`, the simulator prices every document exactly as the
    // client's schema-based pricing does.
    for reading in [PageInfo::Object, PageInfo::Free] {
        sim.set_pricing(
            "examples",
            Pricing {
                page_info_cost: reading.points() as u8,
                ..Pricing::default()
            },
        )
        .expect("shop");
        for (name, query, mut variables) in queries::documents() {
            // From the start: the cost does not depend on the cursor.
            if let Some(v) = variables.as_object_mut() {
                v.remove("after");
                v.remove("agreement");
            }
            let planned = queries::priced(query, &variables, reading);
            let r = post_graphql(
                &url,
                "shpat_sim_examples",
                json!({ "query": query, "variables": variables }),
            )
            .await;
            let v: Value = r.json().await.expect("JSON");
            assert!(v.get("errors").is_none(), "{name}: {v}");
            assert_eq!(
                v["extensions"]["cost"]["requestedQueryCost"], planned as f64,
                "{name} {reading:?}"
            );
            assert!(planned <= u64::from(queries::COST_BUDGET), "{name}");
            let actual = v["extensions"]["cost"]["actualQueryCost"]
                .as_f64()
                .expect("actual");
            assert!(actual <= planned as f64);
        }
    }
}

/// Like a GraphQL server, the simulator answers only the fields asked for, refuses fields
/// and root fields that do not exist, and connections without `first` or `last`.
#[tokio::test]
async fn answers_only_what_is_asked_and_refuses_what_shopify_refuses() {
    let sim = spawn(SimConfig::examples_only()).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-01/graphql.json",
        sim.addr
    );
    let url = &url;
    let ask = |query: &'static str| async move {
        let v: Value = post_graphql(url, "shpat_sim_examples", json!({ "query": query }))
            .await
            .json()
            .await
            .expect("JSON");
        v
    };
    let v = ask("{ shop { name } }").await;
    assert!(v["data"]["shop"]["name"].is_string());
    assert_eq!(
        v["data"],
        json!({ "shop": { "name": v["data"]["shop"]["name"] } })
    );
    // (query, error code, part of the message)
    let refused = [
        (
            "{ shop { name nme } }",
            "undefinedField",
            "Field 'nme' doesn't exist on type 'Shop'",
        ),
        (
            "{ order { id } }",
            "missingRequiredArguments",
            "Field 'order' is missing required arguments: id",
        ),
        (
            "{ orders(first: \"ten\") { nodes { id } } }",
            "argumentLiteralsIncompatible",
            "Argument 'first' on Field 'orders' has an invalid value",
        ),
        (
            "{ shop(id: 1) { name } }",
            "argumentNotAccepted",
            "doesn't accept argument 'id'",
        ),
        // Valid on Shopify, but beyond what the simulator renders: said plainly.
        (
            "{ customers(first: 5) { nodes { id } } }",
            "NOT_SIMULATED",
            "customers",
        ),
        ("{ shop { name email } }", "NOT_SIMULATED", "email"),
        (
            "{ orders { nodes { id } } }",
            "BAD_REQUEST",
            "first or last",
        ),
        (
            "{ orders(first: 1) { nodes { id lineItems(first: 300) { nodes { id } } } } }",
            "ARGUMENT_OUT_OF_RANGE",
            "between 1 and 250",
        ),
        ("{ shop { ...F } }", "undefinedFragment", "F"),
        (
            "{ shop { ...F } } fragment F on Shop { name }",
            "GRAPHQL_PARSE_FAILED",
            "fragments",
        ),
    ];
    for (query, code, part) in refused {
        let v = ask(query).await;
        let e = &v["errors"][0];
        assert_eq!(e["extensions"]["code"], code, "{query}: {v}");
        assert!(
            e["message"].as_str().expect("message").contains(part),
            "{query}: {v}"
        );
        assert!(v.get("data").is_none_or(Value::is_null), "{query}: {v}");
    }
}

/// `shopify-sim --scopes` grants exactly the scopes given (here read_all_orders too), and
/// refuses a value that is not a scope handle with a message naming it.
#[tokio::test]
async fn the_scopes_flag_grants_what_it_names_and_refuses_nonsense() {
    use std::process::Command;
    let bad = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--bind", "127.0.0.1:0", "--shops", "alpha", "--days", "1"])
        .args(["--scopes", "read_orders,all the orders"])
        .output()
        .expect("runs");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("`all the orders` is not an access scope"),
        "{stderr}"
    );

    let (mut child, base) =
        start_sim_binary(&["--scopes", "read_orders,read_locations,read_all_orders"]);
    let scopes: Value = reqwest::Client::new()
        .get(format!("{base}/alpha/admin/oauth/access_scopes.json"))
        .header("X-Shopify-Access-Token", "shpat_sim_alpha")
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    let _ = child.kill();
    let _ = child.wait();
    let mut handles: Vec<&str> = scopes["access_scopes"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["handle"].as_str())
        .collect();
    handles.sort();
    assert_eq!(
        handles,
        ["read_all_orders", "read_locations", "read_orders"]
    );
}

/// Every answer says which API version answered (`X-Shopify-API-Version`): the one asked,
/// or, once told (as Shopify does when the asked version is retired), another.
#[tokio::test]
async fn answers_say_which_api_version_answered() {
    let sim = spawn(SimConfig::examples_only()).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-10/graphql.json",
        sim.addr
    );
    let ask = || {
        post_graphql(
            &url,
            "shpat_sim_examples",
            json!({ "query": "{ shop { name } }" }),
        )
    };
    assert_eq!(ask().await.headers()["x-shopify-api-version"], "2026-10");
    let control = format!("http://{}/_sim/examples/api_version", sim.addr);
    let http = reqwest::Client::new();
    let set = |body: Value| http.post(&control).json(&body).send();
    assert_eq!(
        set(json!({ "answer": "2026-07" }))
            .await
            .expect("sim")
            .status(),
        200
    );
    assert_eq!(ask().await.headers()["x-shopify-api-version"], "2026-07");
    assert_eq!(
        set(json!({ "answer": "latest" }))
            .await
            .expect("sim")
            .status(),
        422
    );
    assert_eq!(
        set(json!({ "answer": null })).await.expect("sim").status(),
        200
    );
    assert_eq!(ask().await.headers()["x-shopify-api-version"], "2026-10");

    // Pricing is a control too, and refuses what it cannot apply.
    let pricing = format!("http://{}/_sim/examples/pricing", sim.addr);
    let r = http
        .post(&pricing)
        .json(&json!({ "page_info_cost": 2 }))
        .send()
        .await
        .expect("sim");
    assert_eq!(r.status(), 422);
    let r = http
        .post(&pricing)
        .json(&json!({ "page_info_cost": 0, "cost_factor": 1.5 }))
        .send()
        .await
        .expect("sim");
    assert_eq!(r.status(), 200);
    let p = sim.pricing("examples").expect("shop");
    assert_eq!((p.page_info_cost, p.cost_factor), (0, 1.5));
    // `{ shop { name } }` is 1 point; 1.5 times that, rounded up, is 2.
    let v: Value = ask().await.json().await.expect("JSON");
    assert_eq!(v["extensions"]["cost"]["requestedQueryCost"], 2.0);
}

/// A document Shopify's schema refuses is answered as Shopify answers it: HTTP 200, no data,
/// each error with message, locations, path and code; nothing is charged.
#[tokio::test]
async fn a_document_the_schema_refuses_gets_shopifys_error_shape() {
    let sim = spawn(SimConfig::examples_only()).await;
    let url = format!(
        "http://{}/examples/admin/api/2026-10/graphql.json",
        sim.addr
    );
    let r = post_graphql(
        &url,
        "shpat_sim_examples",
        json!({ "query": "query TmasOrders($first: Int!) {\n  orders(first: $first) {\n    nodes { id grandTotal }\n  }\n}", "variables": { "first": 2 } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("JSON");
    assert_eq!(
        v["errors"],
        json!([{
            "message": "Field 'grandTotal' doesn't exist on type 'Order'",
            "locations": [{ "line": 3, "column": 16 }],
            "path": ["query TmasOrders", "orders", "nodes", "grandTotal"],
            "extensions": { "code": "undefinedField", "typeName": "Order", "fieldName": "grandTotal" },
        }])
    );
    assert!(v.get("data").is_none_or(Value::is_null));
    assert_eq!(sim.stats("examples").expect("shop").points_spent, 0.0);
}

/// `shopify-sim --page-info-cost 0 --cost-factor 2 --answer-api-version 2026-07` prices and
/// answers as told on every shop; a pricing it cannot apply is refused.
#[tokio::test]
async fn the_pricing_and_version_flags_apply_to_every_shop() {
    use std::process::Command;
    let bad = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--bind", "127.0.0.1:0", "--shops", "alpha", "--days", "1"])
        .args(["--cost-factor", "0"])
        .output()
        .expect("runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cost_factor"));

    let (mut child, base) = start_sim_binary(&[
        "--page-info-cost",
        "0",
        "--cost-factor",
        "2",
        "--answer-api-version",
        "2026-07",
    ]);
    let query = "{ orders(first: 10) { nodes { id } pageInfo { hasNextPage } } }";
    let r = post_graphql(
        &format!("{base}/alpha/admin/api/2026-10/graphql.json"),
        "shpat_sim_alpha",
        json!({ "query": query }),
    )
    .await;
    let version = r.headers()["x-shopify-api-version"].clone();
    let v: Value = r.json().await.expect("JSON");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(version, "2026-07");
    // (2 + 10 × 1 + pageInfo 0) × 2
    assert_eq!(v["extensions"]["cost"]["requestedQueryCost"], 24.0, "{v}");
}
