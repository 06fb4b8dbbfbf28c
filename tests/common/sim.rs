//! Simulator helpers shared by the integration tests: a simulator on a free port and a client for it.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use tmas::shopify::{ClientConfig, Credentials, RetryPolicy, ShopifyClient, TimeWindow};
use tmas::sim::{ALL_ORDERS_SCOPE, Plan, ShopSpec, SimConfig, SimHandle};

pub fn end_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date")
}

/// One generated shop named `name`, plus the examples shop, with the `read_all_orders` scope
/// granted everywhere so that the whole history (older than 60 days too) can be read.
pub fn one_shop(name: &str, days: u32, orders_per_day: u32, seed: u64) -> SimConfig {
    let mut spec = ShopSpec::new(name, chrono_tz::America::Toronto, "CAD", end_date());
    spec.days = days;
    spec.orders_per_day = orders_per_day;
    spec.plan = Plan::Basic;
    let mut config = SimConfig::examples_only();
    config.seed = seed;
    config.shops = vec![spec];
    config.grant_everywhere(ALL_ORDERS_SCOPE)
}

pub fn client_config(sim: &SimHandle) -> ClientConfig {
    ClientConfig {
        base_url: sim.base_url(),
        retry: RetryPolicy::fast(),
        request_timeout: std::time::Duration::from_secs(10),
        ..ClientConfig::default()
    }
}

pub fn client(sim: &SimHandle, shop: &str) -> ShopifyClient {
    let token = sim.token(shop).expect("shop exists");
    ShopifyClient::new(
        &client_config(sim),
        &store(shop),
        Credentials::AccessToken(token),
    )
    .expect("valid client config")
}

/// A window that holds everything the simulator generated or will add during a test.
pub fn everything() -> TimeWindow {
    TimeWindow {
        from: Utc::now() - Duration::days(3650),
        to: Utc::now() + Duration::days(3650),
    }
}

/// Posts a GraphQL body to a Shopify-shaped address with an access token; the raw answer.
pub async fn post_graphql(url: &str, token: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .header("X-Shopify-Access-Token", token)
        .json(&body)
        .send()
        .await
        .expect("simulator answers")
}

/// Asks a simulated shop `{ shop { name } }` at API version 2026-01 with its own token.
pub async fn shop_query(base: &str, shop: &str) -> reqwest::Response {
    post_graphql(
        &format!("{base}/{shop}/admin/api/2026-01/graphql.json"),
        &format!("shpat_sim_{shop}"),
        json!({"query": "{ shop { name } }"}),
    )
    .await
}

/// Sets a simulated shop's faults through its HTTP control path; the answer's status.
pub async fn set_faults(base: &str, shop: &str, faults: Value) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/_sim/{shop}/faults"))
        .json(&faults)
        .send()
        .await
        .expect("answer")
        .status()
}

/// A GraphQL query with variables to a simulated shop at the pinned API version; its JSON.
pub async fn gql(sim: &SimHandle, shop: &str, query: &str, variables: Value) -> Value {
    post_graphql(
        &format!("http://{}/{shop}/admin/api/2026-10/graphql.json", sim.addr),
        &format!("shpat_sim_{shop}"),
        json!({ "query": query, "variables": variables }),
    )
    .await
    .json()
    .await
    .expect("JSON")
}

/// A simulated shop's name as the client takes it.
pub fn store(shop: &str) -> tmas::domain::store_name::StoreName {
    tmas::domain::store_name::StoreName::parse(shop).expect("a store name")
}

/// (gross, discounts, returns, net, transactions, items) of a bucket; an empty one is zeros.
pub fn six(t: Option<&tmas::domain::facts::HourlyTotals>) -> (i64, i64, i64, i64, i64, i64) {
    let t = t.copied().unwrap_or_default();
    (
        t.gross,
        t.discounts,
        t.returns,
        t.net,
        t.transactions,
        t.items,
    )
}
