//! Issue 16, acceptance 4: the simulator serves bulk query operations like Shopify, checked
//! against the real schema: the mutation, its payload and user errors, the status lifecycle,
//! growing counts at a set pace, the JSONL at a URL that expires, and each fault.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::bulk::{EXAMPLES, examples_sim};
use common::sim::gql;
use serde_json::{Value, json};
use tmas::domain::facts::order_facts;
use tmas::sim::{BulkFaults, SimHandle};

const SHOP: &str = EXAMPLES;

const ORDERS: &str = "{ orders { edges { node { id name lineItems { edges { node { id quantity } } } refunds { id processedAt } } } } }";

const RUN: &str = "mutation Run($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) { bulkOperation { id status } userErrors { field message code } } }";
const POLL: &str = "query Poll($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount url partialDataUrl completedAt } }";

async fn run(sim: &SimHandle, query: &str) -> Value {
    let v = gql(sim, SHOP, RUN, json!({ "q": query })).await;
    assert!(v.get("errors").is_none(), "{v}");
    v["data"]["bulkOperationRunQuery"].clone()
}

async fn poll(sim: &SimHandle, id: &str) -> Value {
    let v = gql(sim, SHOP, POLL, json!({ "id": id })).await;
    assert!(v.get("errors").is_none(), "{v}");
    v["data"]["bulkOperation"].clone()
}

/// Polls until the operation has ended.
async fn finish(sim: &SimHandle, id: &str) -> Value {
    for _ in 0..400 {
        let op = poll(sim, id).await;
        if !matches!(
            op["status"].as_str(),
            Some("CREATED" | "RUNNING" | "CANCELING")
        ) {
            return op;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the bulk operation did not end");
}

fn count(v: &Value) -> u64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .expect("UnsignedInt64 is a string")
}

#[tokio::test]
async fn refuses_queries_against_the_bulk_rules_with_user_errors() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let cases = [
        ("{ shop { name } }", "at least one connection"),
        ("{ orders { nodes { id } } }", "`nodes`"),
        (
            "{ orders { edges { node { refunds { refundLineItems { edges { node { quantity } } } } } } } }",
            "within a list",
        ),
        (
            "{ orders { edges { node { returns { edges { node { reverseFulfillmentOrders { edges { node { lineItems { edges { node { id } } } } } } } } } } } } }",
            "nesting depth",
        ),
        (
            "{ orders { edges { node { a: lineItems { edges { node { id } } } b: lineItems { edges { node { id } } } c: lineItems { edges { node { id } } } d: lineItems { edges { node { id } } } e: lineItems { edges { node { id } } } } } } }",
            "more than 5",
        ),
        ("{ orders { edges { node { nonsense } } } }", "nonsense"),
    ];
    for (query, needle) in cases {
        let payload = run(&sim, query).await;
        assert!(payload["bulkOperation"].is_null(), "{query}: {payload}");
        let message = payload["userErrors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{query}: {message}");
        assert_eq!(payload["userErrors"][0]["code"], "INVALID");
    }
    // Five connections are allowed: the limit is not off by one.
    let five = "{ orders { edges { node { a: lineItems { edges { node { id } } } b: lineItems { edges { node { id } } } c: lineItems { edges { node { id } } } d: lineItems { edges { node { id } } } } } } }";
    assert!(run(&sim, five).await["userErrors"][0].is_null());
}

#[tokio::test]
async fn an_export_runs_at_its_pace_and_serves_jsonl_with_parent_ids() {
    let sim = examples_sim(20.0, BulkFaults::default()).await;
    let model = sim.shop_model(SHOP).expect("shop");
    let lines_in_model: usize = model.orders.iter().map(|o| o.lines.len()).sum();
    let total = (model.orders.len() + lines_in_model) as u64;
    assert!(
        total > 20,
        "the examples shop is big enough to watch ({total})"
    );

    let started = std::time::Instant::now();
    let payload = run(&sim, ORDERS).await;
    let id = payload["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(payload["bulkOperation"]["status"], "CREATED");
    let current = gql(
        &sim,
        SHOP,
        "{ currentBulkOperation { id status } }",
        Value::Null,
    )
    .await;
    assert_eq!(current["data"]["currentBulkOperation"]["id"], id.as_str());

    tokio::time::sleep(Duration::from_millis(20)).await;
    let early = poll(&sim, &id).await;
    // At 20 objects a second the export lasts total / 20 s; only a poll answered well
    // inside that span must find it running (a loaded machine may answer later).
    if started.elapsed().as_secs_f64() < total as f64 / 20.0 / 2.0 {
        assert_eq!(early["status"], "RUNNING", "{early}");
        assert!(count(&early["objectCount"]) < total);
        assert!(early["url"].is_null());
    }
    let done = finish(&sim, &id).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(count(&done["objectCount"]), total);
    assert_eq!(count(&done["rootObjectCount"]), model.orders.len() as u64);
    assert!(done["completedAt"].is_string());

    let url = done["url"].as_str().expect("a URL once completed");
    let body = reqwest::get(url)
        .await
        .expect("file")
        .text()
        .await
        .expect("text");
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len() as u64, total);
    let orders: BTreeSet<&str> = lines
        .iter()
        .filter(|l| l.get("__parentId").is_none())
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert_eq!(orders.len(), model.orders.len());
    let mut per_order: BTreeMap<&str, usize> = BTreeMap::new();
    for l in lines.iter().filter_map(|l| l.get("__parentId")) {
        let parent = l.as_str().expect("parent id");
        assert!(orders.contains(parent), "a child of an unknown order");
        *per_order.entry(parent).or_default() += 1;
    }
    for o in &model.orders {
        let gid = format!("gid://shopify/Order/{}", o.id);
        assert_eq!(
            per_order.get(gid.as_str()).copied().unwrap_or(0),
            o.lines.len()
        );
    }
    // Children are not promised to follow their parent: here the orders come first.
    assert!(lines[1].get("__parentId").is_none());
    // The order lines keep their plain lists (refunds) and lose their connections.
    let first = lines
        .iter()
        .find(|l| l.get("__parentId").is_none())
        .expect("an order");
    assert!(first["refunds"].is_array());
    assert!(first.get("lineItems").is_none());
}

#[tokio::test]
async fn nothing_matched_completes_without_a_url() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let q = "{ orders(query: \"updated_at:>='2099-01-01T00:00:00Z'\") { edges { node { id } } } }";
    let id = run(&sim, q).await["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let done = finish(&sim, &id).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["objectCount"], "0");
    assert!(done["url"].is_null());
}

async fn ends_with(faults: BulkFaults) -> Value {
    let sim = examples_sim(2_000.0, faults).await;
    let id = run(&sim, ORDERS).await["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    finish(&sim, &id).await
}

#[tokio::test]
async fn failures_and_cancellations_by_others_end_the_operation() {
    for code in ["ACCESS_DENIED", "INTERNAL_SERVER_ERROR", "TIMEOUT"] {
        let op = ends_with(BulkFaults {
            fail: Some(code.into()),
            ..BulkFaults::default()
        })
        .await;
        assert_eq!(op["status"], "FAILED");
        assert_eq!(op["errorCode"], code);
        assert!(op["url"].is_null());
        assert!(count(&op["objectCount"]) > 0, "it failed half way");
    }
    let op = ends_with(BulkFaults {
        canceled_by_other: true,
        ..BulkFaults::default()
    })
    .await;
    assert_eq!(op["status"], "CANCELED");
    assert!(op["url"].is_null());
}

#[tokio::test]
async fn missing_scope_fails_with_access_denied() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    sim.update_faults(SHOP, |f| f.missing_scopes = vec!["read_orders".into()])
        .expect("shop");
    let id = run(&sim, ORDERS).await["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let op = finish(&sim, &id).await;
    assert_eq!(op["status"], "FAILED");
    assert_eq!(op["errorCode"], "ACCESS_DENIED");
}

#[tokio::test]
async fn expired_and_broken_files() {
    let expired = examples_sim(
        1e6,
        BulkFaults {
            url_expired: true,
            ..BulkFaults::default()
        },
    )
    .await;
    let id = run(&expired, ORDERS).await["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let op = finish(&expired, &id).await;
    let r = reqwest::get(op["url"].as_str().expect("url"))
        .await
        .expect("answers");
    assert_eq!(r.status(), 403);

    let cut = examples_sim(
        1e6,
        BulkFaults {
            cut_after_lines: Some(3),
            ..BulkFaults::default()
        },
    )
    .await;
    let id = run(&cut, ORDERS).await["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let op = finish(&cut, &id).await;
    let url = op["url"].as_str().expect("url");
    // The connection breaks before or after the headers, depending on when the server
    // flushes them; either way the file cannot be read whole.
    let broken = match reqwest::get(url).await {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(broken, "the body breaks off");
    // A wrong token reads nothing.
    let wrong = url.replace("token=", "token=x");
    assert_eq!(reqwest::get(wrong).await.expect("answers").status(), 403);
}

#[tokio::test]
async fn at_most_five_running_and_cancel() {
    let sim = examples_sim(1.0, BulkFaults::default()).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let p = run(&sim, ORDERS).await;
        assert!(p["userErrors"][0].is_null(), "{p}");
        ids.push(p["bulkOperation"]["id"].as_str().expect("id").to_string());
    }
    let sixth = run(&sim, ORDERS).await;
    assert!(sixth["bulkOperation"].is_null());
    assert_eq!(sixth["userErrors"][0]["code"], "LIMIT_REACHED");

    let cancel = "mutation C($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } } }";
    let c = gql(&sim, SHOP, cancel, json!({ "id": ids[0] })).await;
    assert_eq!(
        c["data"]["bulkOperationCancel"]["bulkOperation"]["status"], "CANCELING",
        "{c}"
    );
    assert_eq!(finish(&sim, &ids[0]).await["status"], "CANCELED");
    // A place is free again; cancelling an ended operation is a user error.
    assert!(run(&sim, ORDERS).await["userErrors"][0].is_null());
    let again = gql(&sim, SHOP, cancel, json!({ "id": ids[0] })).await;
    assert!(
        again["data"]["bulkOperationCancel"]["userErrors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("canceled"))
    );

    let limited = examples_sim(
        1e6,
        BulkFaults {
            limit_reached: true,
            ..BulkFaults::default()
        },
    )
    .await;
    assert_eq!(
        run(&limited, ORDERS).await["userErrors"][0]["code"],
        "LIMIT_REACHED"
    );
}

#[tokio::test]
async fn the_mutation_is_priced_as_a_mutation() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let v = gql(&sim, SHOP, RUN, json!({ "q": ORDERS })).await;
    assert_eq!(v["extensions"]["cost"]["requestedQueryCost"], 10.0);
}

/// The client's bulk query runs on the simulator, and its file reassembled and mapped gives
/// the same domain orders as the paged query (refund lines aside: those come by follow-up).
#[tokio::test]
async fn bulk_orders_map_to_the_same_domain_orders_as_paged_ones() {
    use reassembler::Reassembler;
    use tmas::shopify::bulk::export::orders_query;
    use tmas::shopify::queries::ORDERS;
    use tmas::shopify::types::orders_page_from_data;

    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let q = orders_query(
        "updated_at:>='2000-01-01T00:00:00Z'",
        tmas::shopify::bulk::export::ExportShape::Plain,
    );
    let payload = run(&sim, &q).await;
    assert!(payload["userErrors"][0].is_null(), "{payload}");
    let id = payload["bulkOperation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let op = finish(&sim, &id).await;
    let body = reqwest::get(op["url"].as_str().expect("url"))
        .await
        .expect("file")
        .text()
        .await
        .expect("text");
    let mut r = Reassembler::default();
    for line in body.lines() {
        r.push_line(line).expect("a good line");
    }
    let bulk = orders_page_from_data(r.finish().expect("whole"), None).expect("maps");

    let mut paged_orders = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = gql(
            &sim,
            SHOP,
            ORDERS.as_str(),
            json!({ "first": tmas::shopify::queries::orders_per_page(), "after": after,
                    "query": "updated_at:>='2000-01-01T00:00:00Z'" }),
        )
        .await;
        assert!(page.get("errors").is_none(), "{page}");
        let page = orders_page_from_data(page["data"].clone(), None).expect("maps");
        assert!(page.unreadable.is_empty());
        paged_orders.extend(page.orders);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let paged = paged_orders;
    assert!(bulk.unreadable.is_empty());
    assert_eq!(bulk.orders.len(), paged.len());
    let mut with_refunds = 0;
    for p in &paged {
        let b = bulk
            .orders
            .iter()
            .find(|b| b.id == p.id)
            .expect("the same order in bulk");
        if p.refunds.is_empty() {
            // The file carries every order's ledger, a page only the ledgers of orders
            // changed after their sale: the rest of each order is the same, and so is what
            // it counts.
            assert_eq!(order_facts(b), order_facts(p), "{}", p.id);
            assert_eq!(without_ledger(b), without_ledger(p));
        } else {
            with_refunds += 1;
            assert_eq!(b.line_items, p.line_items);
            assert_eq!(b.refunds.len(), p.refunds.len());
        }
    }
    assert!(
        with_refunds > 0,
        "the examples shop has refunds to follow up"
    );
    assert!(with_refunds < paged.len(), "and orders compared whole");
}

/// An order without its ledger and without its refunds' lines: a bulk read takes what each
/// refund returned from the ledger in the file and reads only where it was processed.
fn without_ledger(o: &tmas::shopify::Order) -> tmas::shopify::Order {
    let mut o = tmas::shopify::Order {
        ledger: None,
        ..o.clone()
    };
    for r in &mut o.refunds {
        r.refund_line_items.clear();
    }
    o
}

async fn client_bulk_read(
    sim: &SimHandle,
) -> Result<Vec<tmas::shopify::Order>, tmas::shopify::ShopifyError> {
    let c = common::client(sim, SHOP);
    let id = c
        .start_bulk_orders(
            &common::everything(),
            tmas::shopify::bulk::export::ExportShape::Plain,
        )
        .await
        .expect("answers")
        .expect("started");
    let op = loop {
        let op = c.bulk_operation(&id).await.expect("polls");
        if !matches!(op.status.as_str(), "CREATED" | "RUNNING") {
            break op;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(op.status, "COMPLETED");
    let mut reader = c.open_bulk_orders(op.url.as_deref().expect("url")).await?;
    let mut orders = Vec::new();
    while let Some(batch) = reader.next_batch(250).await? {
        assert!(batch.unreadable.is_empty());
        orders.extend(batch.orders);
    }
    Ok(orders)
}

/// The client's whole bulk read (export, file, refund follow-ups) gives exactly the orders
/// the paged read gives, refunds included; an expired or broken file is an error, never a
/// part of the orders.
#[tokio::test]
async fn the_client_reads_in_bulk_exactly_what_it_reads_page_by_page() {
    let sim = examples_sim(1e6, BulkFaults::default()).await;
    let mut bulk = client_bulk_read(&sim).await.expect("reads");
    let c = common::client(&sim, SHOP);
    let mut paged = c
        .fetch_all_orders(common::everything())
        .await
        .expect("pages");
    bulk.sort_by(|a, b| a.id.cmp(&b.id));
    paged.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(paged.iter().any(|o| !o.refunds.is_empty()));
    let counted =
        |orders: &[tmas::shopify::Order]| orders.iter().map(order_facts).collect::<Vec<_>>();
    assert_eq!(counted(&bulk), counted(&paged));
    assert_eq!(
        bulk.iter().map(without_ledger).collect::<Vec<_>>(),
        paged.iter().map(without_ledger).collect::<Vec<_>>()
    );

    for faults in [
        BulkFaults {
            url_expired: true,
            ..BulkFaults::default()
        },
        BulkFaults {
            cut_after_lines: Some(5),
            ..BulkFaults::default()
        },
    ] {
        let broken = examples_sim(1e6, faults).await;
        assert!(client_bulk_read(&broken).await.is_err());
    }
    let busy = examples_sim(
        1e6,
        BulkFaults {
            limit_reached: true,
            ..BulkFaults::default()
        },
    )
    .await;
    let refused = common::client(&busy, SHOP)
        .start_bulk_orders(
            &common::everything(),
            tmas::shopify::bulk::export::ExportShape::Plain,
        )
        .await
        .expect("answers");
    assert!(matches!(refused, Err(tmas::shopify::BulkRefused::Busy(_))));
}

/// Orders put back together in memory from a whole bulk file (the client reads files
/// through its on-disk stage instead): what the simulator's file holds, read the simplest
/// way, to compare with the client's reading.
mod reassembler {
    use std::collections::BTreeMap;

    use serde_json::{Map, Value, json};
    use tmas::shopify::bulk::assemble::{Child, assemble};

    /// Orders put back together from the lines of a bulk file, in any order of lines.
    #[derive(Debug, Default)]
    pub struct Reassembler {
        orders: BTreeMap<String, Map<String, Value>>,
        /// Line items and agreements by their order's id, and sales by their agreement's id,
        /// put in place when the file has ended.
        items: BTreeMap<String, Vec<Value>>,
        agreements: BTreeMap<String, Vec<Value>>,
        sales: BTreeMap<String, Vec<Value>>,
    }

    impl Reassembler {
        /// Takes one line of the file. A line that is not a JSON object is an error (the file
        /// broke or is not what was asked for).
        pub fn push_line(&mut self, line: &str) -> Result<(), String> {
            if line.trim().is_empty() {
                return Ok(());
            }
            let Value::Object(mut object) = serde_json::from_str(line)
                .map_err(|e| format!("bulk file line is not JSON: {e}"))?
            else {
                return Err("bulk file line is not a JSON object".into());
            };
            match object.remove("__parentId") {
                Some(Value::String(parent)) => {
                    let kind = Child::of_object(&object);
                    let by_parent = match kind {
                        Child::LineItem => &mut self.items,
                        Child::Agreement => &mut self.agreements,
                        Child::Sale => &mut self.sales,
                        // The plain export carries no refund's transactions.
                        Child::Transaction => return Err("a transaction in a plain export".into()),
                    };
                    by_parent
                        .entry(parent)
                        .or_default()
                        .push(Value::Object(object));
                    Ok(())
                }
                Some(_) => Err("bulk file line has a __parentId that is not an id".into()),
                None => {
                    let id = object
                        .get("id")
                        .and_then(Value::as_str)
                        .ok_or("bulk file order line has no id")?
                        .to_string();
                    if let Some(Value::Array(refunds)) = object.get_mut("refunds") {
                        for r in refunds.iter_mut().filter_map(Value::as_object_mut) {
                            // Read by the paged follow-up; finished and empty until then.
                            for c in ["refundLineItems", "transactions"] {
                                r.insert(
                                    c.into(),
                                    json!({ "nodes": [], "pageInfo": { "hasNextPage": false, "endCursor": null } }),
                                );
                            }
                        }
                    }
                    self.orders.insert(id, object);
                    Ok(())
                }
            }
        }

        /// The orders, as the `data` of a paged orders query (`{ orders: { nodes, pageInfo } }`),
        /// or an error when a line item's order never came.
        pub fn finish(mut self) -> Result<Value, String> {
            let mut nodes = Vec::with_capacity(self.orders.len());
            for (id, mut order) in std::mem::take(&mut self.orders) {
                let items = self.items.remove(&id).unwrap_or_default();
                let agreements = self.agreements.remove(&id).unwrap_or_default();
                assemble(
                    &mut order,
                    items,
                    agreements,
                    &mut self.sales,
                    &mut std::collections::BTreeMap::new(),
                );
                nodes.push(Value::Object(order));
            }
            if let Some(parent) = self
                .items
                .keys()
                .chain(self.agreements.keys())
                .chain(self.sales.keys())
                .next()
            {
                return Err(format!(
                    "bulk file has lines of an order it lacks: {parent}"
                ));
            }
            Ok(json!({ "orders": { "nodes": nodes,
                "pageInfo": { "hasNextPage": false, "endCursor": null } } }))
        }

        pub fn order_count(&self) -> usize {
            self.orders.len()
        }
    }

    #[test]
    fn children_before_or_after_their_parent_land_in_it() {
        let mut r = Reassembler::default();
        r.push_line(r#"{"id":"L1","quantity":1,"__parentId":"gid://shopify/Order/1"}"#)
            .expect("line");
        r.push_line(r#"{"id":"gid://shopify/Order/1","refunds":[{"id":"R1"}]}"#)
            .expect("order");
        r.push_line(r#"{"id":"gid://shopify/Order/2","refunds":[]}"#)
            .expect("order");
        r.push_line(r#"{"id":"L2","quantity":2,"__parentId":"gid://shopify/Order/1"}"#)
            .expect("line");
        assert_eq!(r.order_count(), 2);
        let data = r.finish().expect("whole");
        let o1 = &data["orders"]["nodes"][0];
        assert_eq!(o1["lineItems"]["nodes"].as_array().map(Vec::len), Some(2));
        assert_eq!(o1["refunds"][0]["transactions"]["nodes"], json!([]));
        assert_eq!(data["orders"]["nodes"][1]["lineItems"]["nodes"], json!([]));
    }

    #[test]
    fn refuses_broken_lines_and_lost_parents() {
        let mut r = Reassembler::default();
        assert!(r.push_line("{\"id\":\"gid://shopify/Order/1\"").is_err());
        assert!(r.push_line("[1]").is_err());
        assert!(r.push_line("{\"name\":\"no id\"}").is_err());
        r.push_line(r#"{"id":"L1","__parentId":"gid://shopify/Order/9"}"#)
            .expect("line");
        assert!(r.finish().is_err());
    }
}
