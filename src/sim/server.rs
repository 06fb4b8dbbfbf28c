//! The HTTP face of the simulator: Shopify's Admin API paths under `/{shop}/…`, and the
//! control paths under `/_sim/…`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngExt;
use serde_json::{Value, json};

use super::RETURNS_SCOPE;
use super::bulk::{self, BulkSettings};
use super::control::{self, EditSpec, ExchangeSpec, OrderSpec, RefundSpec, SimError};
use super::expected::{expected_totals, visible_expected_totals};
use super::faults::Faults;
use super::graphql;
use super::model::SimOrder;
use super::render;
use super::search::{financial_statuses, ids_filter, return_statuses, updated_window};
use super::state::{MAX_QUERY_COST, Pricing, ShopState, SimState};
use super::validate;
use crate::shopify::{cost, schema};

pub type Shared = Arc<Mutex<SimState>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/{shop}/admin/api/{version}/graphql.json", post(graphql))
        .route("/{shop}/admin/oauth/access_scopes.json", get(access_scopes))
        .route("/{shop}/admin/oauth/access_token", post(access_token))
        .route("/_sim/shops", get(list_shops))
        .route("/_sim/{shop}/expected", get(expected))
        .route("/_sim/{shop}/stats", get(stats))
        .route("/_sim/{shop}/faults", get(get_faults).post(set_faults))
        .route("/_sim/{shop}/pricing", get(get_pricing).post(set_pricing))
        .route(
            "/_sim/{shop}/api_version",
            get(get_answer_version).post(set_answer_version),
        )
        .route("/_sim/{shop}/scopes", get(get_scopes).post(set_scopes))
        .route("/_sim/{shop}/expire_tokens", post(expire_tokens))
        .route("/_sim/{shop}/bulk", get(get_bulk).post(set_bulk))
        .route("/_sim_files/{shop}/bulk/{file}", get(bulk_file))
        .route("/_sim/{shop}/orders", post(add_order))
        .route("/_sim/{shop}/orders/{id}/refunds", post(add_refund))
        .route("/_sim/{shop}/orders/{id}/cancel", post(cancel_order))
        .route("/_sim/{shop}/orders/{id}/exchanges", post(add_exchange))
        .route("/_sim/{shop}/orders/{id}/edits", post(add_edit))
        .with_state(state)
}

fn errors(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errors": message }))).into_response()
}

fn not_found() -> Response {
    errors(StatusCode::NOT_FOUND, "Not Found")
}

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, SimState> {
    // A panic while holding the lock leaves the model as it was between two requests;
    // carrying on is better than failing every later request of a test.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn token_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
}

/// How an answer must be damaged on its way out.
enum Damage {
    None,
    Cut,
    Malformed,
}

/// Checks shop status, credentials and random faults; `Err` is the answer to give instead.
fn gate(st: &mut ShopState, headers: &HeaderMap, now: Instant) -> Result<Damage, Box<Response>> {
    if st.faults.frozen {
        return Err(Box::new(errors(
            StatusCode::PAYMENT_REQUIRED,
            "Unavailable Shop",
        )));
    }
    if st.faults.locked {
        return Err(Box::new(errors(StatusCode::LOCKED, "Locked")));
    }
    if !st.authorized(token_of(headers), now) {
        st.stats.unauthorized += 1;
        return Err(Box::new(errors(
            StatusCode::UNAUTHORIZED,
            "[API] Invalid API key or access token (unrecognized login or wrong password)",
        )));
    }
    if let Some(scope) = &st.faults.forbidden_scope {
        return Err(Box::new(errors(
            StatusCode::FORBIDDEN,
            &format!("[API] This action requires merchant approval for {scope} scope."),
        )));
    }
    if st.faults.too_many_requests_next > 0 {
        st.faults.too_many_requests_next -= 1;
        st.stats.too_many_requests += 1;
        let mut r = errors(
            StatusCode::TOO_MANY_REQUESTS,
            "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
        );
        if let Ok(v) = format!("{:.3}", st.faults.retry_after_secs).parse() {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Err(Box::new(r));
    }
    if st.faults.server_error_rate > 0.0 && st.rng.random_bool(st.faults.server_error_rate.min(1.0))
    {
        st.stats.server_errors += 1;
        let status = if st.rng.random_bool(0.5) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::BAD_GATEWAY
        };
        return Err(Box::new(errors(status, "Internal Server Error")));
    }
    if st.faults.cut_rate > 0.0 && st.rng.random_bool(st.faults.cut_rate.min(1.0)) {
        st.stats.cut += 1;
        return Ok(Damage::Cut);
    }
    if st.faults.malformed_rate > 0.0 && st.rng.random_bool(st.faults.malformed_rate.min(1.0)) {
        st.stats.malformed += 1;
        return Ok(Damage::Malformed);
    }
    Ok(Damage::None)
}

async fn deliver(delay: Duration, damage: Damage, response: Response) -> Response {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match damage {
        Damage::None => response,
        Damage::Malformed => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"data\":{\"orders\":{\"nodes\":[{\"id\":\"gid://shopify/Order/1\",",
        )
            .into_response(),
        Damage::Cut => {
            // Half of a chunked body, then the connection drops.
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"data\":{\"orders\":{\"nodes\":[")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "cut",
                )),
            ];
            let mut r = Response::new(Body::from_stream(futures::stream::iter(chunks)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            r
        }
    }
}

fn valid_version(v: &str) -> bool {
    v == "unstable"
        || (v.len() == 7
            && v.as_bytes()[4] == b'-'
            && v.bytes()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit()))
}

async fn graphql(
    State(state): State<Shared>,
    Path((shop, version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !valid_version(&version) {
        return not_found();
    }
    let now = Instant::now();
    let (delay, damage, response) = {
        let mut s = lock(&state);
        let Some(st) = s.shops.get_mut(&shop) else {
            return not_found();
        };
        let delay = Duration::from_millis(st.faults.delay_ms);
        let (delay, damage, mut response) = match gate(st, &headers, now) {
            Ok(damage) => {
                st.stats.graphql_requests += 1;
                let response = if st.faults.inactive {
                    shop_inactive()
                } else {
                    let base = format!(
                        "http://{}",
                        headers
                            .get(header::HOST)
                            .and_then(|h| h.to_str().ok())
                            .unwrap_or("127.0.0.1")
                    );
                    answer(
                        st,
                        &body,
                        now,
                        &Where {
                            base: &base,
                            shop: &shop,
                        },
                    )
                };
                (delay, damage, response)
            }
            Err(r) => (delay, Damage::None, *r),
        };
        // Shopify says which version answered: the one asked, or another once it is retired.
        let answered = st.answer_version.clone().unwrap_or(version);
        if let Ok(v) = header::HeaderValue::from_str(&answered) {
            response
                .headers_mut()
                .insert(crate::shopify::client::API_VERSION_HEADER, v);
        }
        (delay, damage, response)
    };
    deliver(delay, damage, response).await
}

/// Shopify's answer to a GraphQL call on an inactive shop: HTTP 200, no data, one error.
fn shop_inactive() -> Response {
    refusal("Shop is inactive", "SHOP_INACTIVE")
}

/// A GraphQL answer (HTTP 200) with one error and no data.
fn refusal(message: &str, code: &str) -> Response {
    Json(json!({ "errors": [graphql_error(message, code)] })).into_response()
}

fn graphql_error(message: &str, code: &str) -> Value {
    json!({ "message": message, "extensions": { "code": code } })
}

fn cost_json(requested: f64, actual: Option<f64>, st: &ShopState) -> Value {
    json!({ "cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": st.bucket.maximum,
            "currentlyAvailable": st.bucket.available.floor(),
            "restoreRate": st.bucket.restore_rate,
        },
    }})
}

/// The root fields the simulator answers, and the scope each needs.
fn root_scope(name: &str) -> Option<Option<&'static str>> {
    match name {
        "shop" => Some(None),
        "locations" => Some(Some("read_locations")),
        "orders" | "order" | "refund" => Some(Some("read_orders")),
        "shopifyqlQuery" => Some(Some(crate::shopify::shopifyql::REPORTS_SCOPE)),
        // Bulk operations need no scope of their own: the exported query's is checked when
        // the operation runs, and it fails with ACCESS_DENIED without it.
        "bulkOperationRunQuery"
        | "bulkOperationCancel"
        | "bulkOperation"
        | "currentBulkOperation" => Some(None),
        _ => None,
    }
}

/// A field below the root that needs a scope of its own (an order's `returns` needs
/// `read_returns`), when it is asked for and not granted: the field and the scope.
fn nested_scope_missing<'a>(
    selection: &'a [graphql::Field],
    granted: &[String],
) -> Option<(&'a str, &'static str)> {
    for f in selection {
        let needs = match f.name.as_str() {
            "returns" => Some(RETURNS_SCOPE),
            _ => None,
        };
        if let Some(scope) = needs
            && !granted.iter().any(|g| g == scope)
        {
            return Some((f.name.as_str(), scope));
        }
        if let Some(found) = nested_scope_missing(&f.selection, granted) {
            return Some(found);
        }
    }
    None
}

fn parse_failed(message: &str) -> Response {
    refusal(message, "GRAPHQL_PARSE_FAILED")
}

/// Answers a GraphQL request the way Shopify does: parse and validate, price it statically
/// and refuse it over 1,000 points, check scopes, take the requested cost from the bucket
/// (or answer THROTTLED), run it, answer only the selected fields, and give back the
/// difference between the requested and the actual cost.
fn answer(st: &mut ShopState, body: &[u8], now: Instant, at: &Where<'_>) -> Response {
    answer_checked(st, body, now, at).unwrap_or_else(|refused| *refused)
}

/// [`answer`]'s steps in Shopify's order; `Err` is the refusal that ends the request early.
fn answer_checked(
    st: &mut ShopState,
    body: &[u8],
    now: Instant,
    at: &Where<'_>,
) -> Result<Response, Box<Response>> {
    let request = read_request(body)?;
    let query = request.get("query").and_then(Value::as_str).unwrap_or("");
    let vars = request.get("variables").cloned().unwrap_or(Value::Null);
    let operation = request.get("operationName").and_then(Value::as_str);
    // Shopify's schema decides what is a valid query, with Shopify's errors.
    let document = validate::check_admin(query)
        .map_err(|errors| Box::new(Json(json!({ "errors": errors })).into_response()))?;
    let selection = parsed_selection(st, query, &vars)?;
    check_simulated(&selection)?;
    if let Err(message) = check_page_sizes(&selection) {
        return Err(Box::new(refusal(&message, "ARGUMENT_OUT_OF_RANGE")));
    }
    let requested = requested_cost(st, &document, operation, &vars)?;
    check_access(st, &selection, requested)?;
    take_requested_cost(st, requested, now)?;
    let data = run(st, &selection, now, at)
        .map_err(|(message, code)| Box::new(refusal(&message, code)))?;
    let actual = charge_actual_cost(st, &selection, &data, requested);
    Ok(
        Json(json!({ "data": data, "extensions": cost_json(requested, Some(actual), st) }))
            .into_response(),
    )
}

/// The request's JSON body, or Shopify's 400 when it is not JSON.
fn read_request(body: &[u8]) -> Result<Value, Box<Response>> {
    serde_json::from_slice::<Value>(body).map_err(|_| {
        Box::new(
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "errors": { "query": "Required parameter missing or invalid" } })),
            )
                .into_response(),
        )
    })
}

/// The query's root fields, refused when it has none, does not parse, or reads a money
/// field the answering API version no longer has.
fn parsed_selection(
    st: &ShopState,
    query: &str,
    vars: &Value,
) -> Result<Vec<graphql::Field>, Box<Response>> {
    let selection = match graphql::parse(query, vars) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => {
            return Err(Box::new(parse_failed(
                "syntax error, an operation needs at least one field",
            )));
        }
        Err(message) => return Err(Box::new(parse_failed(&message))),
    };
    if st.faults.no_deprecated_money
        && let Some((field, on)) = deprecated_money(&selection, None)
    {
        return Err(Box::new(
            Json(json!({ "errors": [{
                "message": format!("Field '{field}' doesn't exist on type '{on}'"),
                "extensions": { "code": "undefinedField", "typeName": on, "fieldName": field },
            }]}))
            .into_response(),
        ));
    }
    Ok(selection)
}

/// Refuses the first root field the simulator does not serve.
fn check_simulated(selection: &[graphql::Field]) -> Result<(), Box<Response>> {
    match selection
        .iter()
        .find(|root| root_scope(&root.name).is_none())
    {
        // Valid on Shopify, but not something the simulator serves: say so plainly
        // rather than answer with made-up data.
        Some(root) => Err(Box::new(refusal(
            &format!(
                "The Shopify simulator does not serve the `{}` field",
                root.name
            ),
            "NOT_SIMULATED",
        ))),
        None => Ok(()),
    }
}

/// The query's static cost in points, scaled by the shop's pricing; refused when it cannot
/// be priced or exceeds the single query maximum.
fn requested_cost(
    st: &ShopState,
    document: &apollo_compiler::ExecutableDocument,
    operation: Option<&str>,
    vars: &Value,
) -> Result<f64, Box<Response>> {
    let requested = match cost::requested_cost(
        schema::admin(),
        document,
        operation,
        vars,
        st.pricing.page_info(),
    ) {
        // Shopify prices a mutation at 10 points at least.
        Ok(points) if is_mutation(document, operation) => {
            (points.max(MUTATION_COST) as f64 * st.pricing.cost_factor).ceil()
        }
        Ok(points) => (points as f64 * st.pricing.cost_factor).ceil(),
        Err(message) => {
            return Err(Box::new(refusal(&message, "BAD_REQUEST")));
        }
    };
    if requested > MAX_QUERY_COST {
        return Err(Box::new(Json(json!({
            "errors": [{
                "message": format!("Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"),
                "extensions": { "code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST },
            }],
            "extensions": cost_json(requested, None, st),
        }))
        .into_response()));
    }
    Ok(requested)
}

/// Shopify's ACCESS_DENIED for the first field, at the root or below, whose scope the app
/// was not granted.
fn check_access(
    st: &ShopState,
    selection: &[graphql::Field],
    requested: f64,
) -> Result<(), Box<Response>> {
    let granted = st.granted_scopes();
    let Some((root, scope)) = selection
        .iter()
        .find_map(|root| {
            root_scope(&root.name)
                .flatten()
                .filter(|s| !granted.iter().any(|g| g == s))
                .map(|s| (root.name.as_str(), s))
        })
        .or_else(|| nested_scope_missing(selection, &granted))
    else {
        return Ok(());
    };
    Err(Box::new(Json(json!({
        "data": null,
        "errors": [{
            "message": format!("Access denied for {root} field. Required access: `{scope}` access scope."),
            "locations": [{ "line": 2, "column": 3 }],
            "path": [root],
            "extensions": {
                "code": "ACCESS_DENIED",
                "documentation": "https://shopify.dev/api/usage/access-scopes",
                "requiredAccess": format!("`{scope}` access scope."),
            },
        }],
        "extensions": cost_json(requested, Some(requested), st),
    }))
    .into_response()))
}

/// Refills the bucket and checks it holds the requested cost (a throttle storm empties it
/// first); `Err` is Shopify's THROTTLED answer.
fn take_requested_cost(
    st: &mut ShopState,
    requested: f64,
    now: Instant,
) -> Result<(), Box<Response>> {
    st.bucket.refill(now);
    let storm = st.faults.throttled_next > 0;
    if storm {
        st.faults.throttled_next -= 1;
        // Report the bucket short by exactly the wait the storm asks for.
        let missing = st.bucket.restore_rate * st.faults.retry_after_secs;
        st.bucket.available = st.bucket.available.min((requested - missing).max(0.0));
    }
    if storm || (!st.faults.unlimited && requested > st.bucket.available) {
        st.stats.throttled += 1;
        return Err(Box::new(Json(json!({
            "errors": [{
                "message": "Throttled",
                "extensions": { "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits" },
            }],
            "extensions": cost_json(requested, None, st),
        }))
        .into_response()));
    }
    Ok(())
}

/// The actual cost of the answer, never above the requested one, taken from the bucket.
fn charge_actual_cost(
    st: &mut ShopState,
    selection: &[graphql::Field],
    data: &Value,
    requested: f64,
) -> f64 {
    let actual = ((graphql::actual_cost(selection, data, st.pricing.page_info()) as f64)
        * st.pricing.cost_factor)
        .ceil()
        .min(requested);
    if !st.faults.unlimited {
        // The requested cost left the bucket; the unused part comes back at once.
        st.bucket.available -= actual;
    }
    st.stats.points_spent += actual;
    actual
}

/// The first deprecated money scalar the selection reads, with its type: what an API
/// version without them refuses (`Faults::no_deprecated_money`). `on` is the type of the
/// objects `fields` are selected on, when it is a refund line or a transaction.
fn deprecated_money(
    fields: &[graphql::Field],
    on: Option<&'static str>,
) -> Option<(String, &'static str)> {
    fields.iter().find_map(|f| {
        let deprecated = match on {
            Some("RefundLineItem") => ["subtotal", "totalTax", "price"].contains(&f.name.as_str()),
            Some("OrderTransaction") => f.name == "amount",
            _ => false,
        };
        if deprecated && f.selection.is_empty() {
            return on.map(|on| (f.name.clone(), on));
        }
        let inner = match f.name.as_str() {
            "refundLineItems" => Some("RefundLineItem"),
            "transactions" => Some("OrderTransaction"),
            // A connection's nodes are of its type.
            "nodes" | "edges" | "node" => on,
            _ => None,
        };
        deprecated_money(&f.selection, inner)
    })
}

/// Runs each root field and keeps only the selected fields of the answer; an error comes
/// with its GraphQL error code.
fn run(
    st: &mut ShopState,
    selection: &[graphql::Field],
    now: Instant,
    at: &Where<'_>,
) -> Result<Value, (String, &'static str)> {
    let mut answered = serde_json::Map::new();
    for root in selection {
        let id = || {
            root.arg("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let value = match root.name.as_str() {
            "bulkOperationRunQuery" => Ok(bulk_run_query(st, root, now)),
            "bulkOperationCancel" => Ok(bulk::cancel(&mut st.bulk, &id(), now, at.base, at.shop)),
            "bulkOperation" => Ok(bulk::find(&mut st.bulk, &id(), now, at.base, at.shop)),
            "currentBulkOperation" => Ok(bulk::current(&mut st.bulk, now, at.base, at.shop)),
            "shop" => Ok(json!(render::shop(&st.shop))),
            "locations" => Ok(locations(st, root)),
            "orders" => orders(st, root),
            "order" => one_order(st, root),
            "shopifyqlQuery" => Ok(super::shopifyql::answer(
                st,
                root.arg("query")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )),
            _ => one_refund(st, root),
        }
        .map_err(|message| (message, "BAD_REQUEST"))?;
        // Each root field is cut down on its own and answered under its alias, so that
        // `r0: refund(id: …) r1: refund(id: …)` answers each refund.
        // The schema has accepted every field by now: one missing here is one the simulator
        // does not render, which it says rather than answer with made-up data.
        let projected = graphql::project(
            std::slice::from_ref(root),
            &json!({ root.name.as_str(): value }),
            "QueryRoot",
        )
        .map_err(|message| {
            (
                format!("The Shopify simulator does not serve this field: {message}"),
                "NOT_SIMULATED",
            )
        })?;
        let served = refund_details(&projected);
        if root.name == "refund" {
            st.stats.refunds_served_by_id += served;
        } else {
            st.stats.refunds_served_in_orders += served;
        }
        if let Value::Object(fields) = projected {
            answered.extend(fields);
        }
    }
    Ok(Value::Object(answered))
}

/// How many refunds an answer gives with their lines or transactions.
fn refund_details(v: &Value) -> u64 {
    match v {
        Value::Object(m) => {
            u64::from(m.contains_key("refundLineItems") || m.contains_key("transactions"))
                + m.values().map(refund_details).sum::<u64>()
        }
        Value::Array(items) => items.iter().map(refund_details).sum(),
        _ => 0,
    }
}

/// Where a request came in: the simulator's own address (for result URLs) and the shop.
pub struct Where<'a> {
    pub base: &'a str,
    pub shop: &'a str,
}

/// What Shopify charges for a mutation at least.
const MUTATION_COST: u64 = 10;

fn is_mutation(document: &apollo_compiler::ExecutableDocument, operation: Option<&str>) -> bool {
    document
        .operations
        .get(operation)
        .is_ok_and(|op| op.operation_type == apollo_compiler::ast::OperationType::Mutation)
}

/// `bulkOperationRunQuery(query:)`: the query is validated against the schema as any
/// document, then against the bulk rules, and exported from the shop's orders as they are now.
fn bulk_run_query(st: &mut ShopState, root: &graphql::Field, now: Instant) -> Value {
    let query = root
        .arg("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let checked = validate::check(schema::admin(), &query);
    let document = checked.as_ref().map_err(|errors| {
        errors
            .iter()
            .filter_map(|e| e.get("message").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("; ")
    });
    let document = document.map(|d| &**d);
    let cutoff = st.orders_cutoff(Utc::now());
    let can_read = st.granted_scopes().iter().any(|s| s == "read_orders");
    bulk::run_query(
        &mut st.bulk,
        &st.shop,
        |o| cutoff.is_none_or(|c| o.created_at >= c),
        can_read,
        &query,
        document,
        now,
    )
}

/// Shopify's page-size rule, for every connection and sized list of the query: `first`
/// and `last` between 1 and 250.
fn check_page_sizes(selection: &[graphql::Field]) -> Result<(), String> {
    for f in selection {
        for arg in ["first", "last"] {
            if let Some(v) = f.arg(arg)
                && !v.as_i64().is_some_and(|n| (1..=250).contains(&n))
            {
                return Err(format!(
                    "The '{arg}' argument of {} must be between 1 and 250",
                    f.name
                ));
            }
        }
        check_page_sizes(&f.selection)?;
    }
    Ok(())
}

fn encode_cursor(updated_ms: i64, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{{\"last_id\":{id},\"last_value\":{updated_ms}}}"))
}

fn decode_cursor(cursor: &str) -> Option<(i64, i64)> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    Some((v.get("last_value")?.as_i64()?, v.get("last_id")?.as_i64()?))
}

fn size_of(f: &graphql::Field) -> usize {
    f.arg("first")
        .and_then(Value::as_u64)
        .map_or(0, |n| n as usize)
}

fn locations(st: &ShopState, field: &graphql::Field) -> Value {
    let include_inactive = field.arg("includeInactive").and_then(Value::as_bool) == Some(true);
    let skip = field
        .arg("after")
        .and_then(Value::as_str)
        .and_then(render::cursor_offset)
        .unwrap_or(0);
    let all: Vec<_> = st
        .shop
        .locations
        .iter()
        .filter(|l| include_inactive || l.active)
        .collect();
    let page: Vec<_> = all.iter().skip(skip).take(size_of(field)).collect();
    let end = skip + page.len();
    json!({
        "nodes": page.iter().map(|l| render::location(l)).collect::<Vec<_>>(),
        "pageInfo": {
            "hasNextPage": end < all.len(),
            "hasPreviousPage": skip > 0,
            "endCursor": (!page.is_empty()).then(|| render::offset_cursor(end)),
        },
    })
}

/// The window a nested connection field asks for (`first:` and `after:`).
fn window(field: Option<&graphql::Field>) -> Result<render::Window, String> {
    let Some(f) = field else {
        return Ok(render::Window::default());
    };
    let offset = match f.arg("after").and_then(Value::as_str) {
        Some(c) => render::cursor_offset(c)
            .ok_or_else(|| format!("Invalid cursor for the `{}` connection.", f.name))?,
        None => 0,
    };
    Ok(render::Window {
        first: f.arg("first").and_then(Value::as_u64).map(|n| n as usize),
        offset,
    })
}

/// The nested arguments of an order's selection.
fn nested_args(order: &[graphql::Field]) -> Result<render::NestedArgs, String> {
    let find = |name: &str| order.iter().find(|f| f.name == name);
    let node_child = |f: Option<&graphql::Field>, name: &str| {
        f.and_then(graphql::Field::node_selection)
            .and_then(|s| s.iter().find(|c| c.name == name))
            .cloned()
    };
    let refunds = find("refunds");
    let agreements = find("agreements");
    let returns = find("returns");
    let rfos = node_child(returns, "reverseFulfillmentOrders");
    Ok(render::NestedArgs {
        line_items: window(find("lineItems"))?,
        refunds: refunds
            .and_then(|r| r.arg("first"))
            .and_then(Value::as_u64)
            .map(|n| n as usize),
        refund_line_items: window(refunds.and_then(|r| r.child("refundLineItems")))?,
        refund_transactions: window(refunds.and_then(|r| r.child("transactions")))?,
        agreements: agreements.map(|a| window(Some(a))).transpose()?,
        sales: window(node_child(agreements, "sales").as_ref())?,
        returns: returns.map(|r| window(Some(r))).transpose()?,
        return_refunds: window(node_child(returns, "refunds").as_ref())?,
        reverse_fulfillment_orders: window(rfos.as_ref())?,
        reverse_line_items: window(node_child(rfos.as_ref(), "lineItems").as_ref())?,
    })
}

/// Whether the app may read this order now (without read_all_orders, only orders created in
/// the last 60 days exist for it).
fn readable(st: &ShopState, o: &SimOrder) -> bool {
    st.orders_cutoff(Utc::now())
        .is_none_or(|cutoff| o.created_at >= cutoff)
}

/// The number of a `gid://shopify/{kind}/{n}` argument.
fn gid_arg(field: &graphql::Field, kind: &str) -> Result<i64, String> {
    let id = field
        .arg("id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("Field '{}' is missing required arguments: id", field.name))?;
    id.strip_prefix(&format!("gid://shopify/{kind}/"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("Invalid global id '{id}'"))
}

fn orders(st: &ShopState, field: &graphql::Field) -> Result<Value, String> {
    let args = nested_args(field.node_selection().unwrap_or(&[]))?;
    let first = size_of(field);
    let filter = field.arg("query").and_then(Value::as_str).unwrap_or("");
    let ids = ids_filter(filter);
    let (lo, hi) = match ids {
        Some(_) => (i64::MIN, i64::MAX),
        None => updated_window(filter)?,
    };
    let statuses = financial_statuses(filter);
    let return_statuses = return_statuses(filter);
    let after = match field.arg("after").and_then(Value::as_str) {
        Some(c) => Some(decode_cursor(c).ok_or("Invalid cursor for current pagination sort.")?),
        None => None,
    };
    let orders = &st.shop.orders;
    // Orders are kept sorted by (updatedAt, id): start right after the cursor.
    let start = orders.partition_point(|o| {
        let k = o.key();
        k.0 < lo || after.is_some_and(|a| k <= a)
    });
    let mut page = Vec::new();
    let mut more = false;
    for o in &orders[start..] {
        if o.key().0 > hi {
            break;
        }
        if !readable(st, o)
            || ids.as_ref().is_some_and(|ids| !ids.contains(&o.id))
            || !(statuses.is_empty() || statuses.contains(&o.financial_status()))
            || !(return_statuses.is_empty() || return_statuses.contains(&o.return_status()))
        {
            continue;
        }
        if page.len() == first {
            more = true;
            break;
        }
        page.push(o);
    }
    let end_cursor = page.last().map(|o| encode_cursor(o.key().0, o.id));
    let nodes: Vec<Value> = page
        .iter()
        .map(|o| render::order_with(&st.shop, o, &args))
        .collect();
    Ok(json!({
        "nodes": nodes,
        "pageInfo": { "hasNextPage": more, "hasPreviousPage": after.is_some(), "endCursor": end_cursor },
    }))
}

/// `order(id:)`: the order, or null when there is none the app may read.
fn one_order(st: &ShopState, field: &graphql::Field) -> Result<Value, String> {
    let id = gid_arg(field, "Order")?;
    let args = nested_args(&field.selection)?;
    Ok(st
        .shop
        .orders
        .iter()
        .find(|o| o.id == id && readable(st, o))
        .map_or(Value::Null, |o| render::order_with(&st.shop, o, &args)))
}

/// `refund(id:)`: the refund, or null.
fn one_refund(st: &mut ShopState, field: &graphql::Field) -> Result<Value, String> {
    let id = gid_arg(field, "Refund")?;
    let lines = window(field.child("refundLineItems"))?;
    let transactions = window(field.child("transactions"))?;
    let at = |st: &ShopState| {
        st.refund_index.get(&id).copied().filter(|&(o, r)| {
            st.shop
                .orders
                .get(o)
                .and_then(|o| o.refunds.get(r))
                .is_some_and(|r| r.id == id)
        })
    };
    let found = match at(st) {
        Some(place) => Some(place),
        None => {
            // New refunds, or the orders were sorted again: index them all once more.
            st.refund_index = st
                .shop
                .orders
                .iter()
                .enumerate()
                .flat_map(|(o, order)| {
                    order
                        .refunds
                        .iter()
                        .enumerate()
                        .map(move |(r, refund)| (refund.id, (o, r)))
                })
                .collect();
            at(st)
        }
    };
    Ok(found
        .map(|(o, r)| (&st.shop.orders[o], &st.shop.orders[o].refunds[r]))
        .filter(|(o, _)| readable(st, o))
        .map(|(o, r)| render::refund(&st.shop, o, r, lines, transactions))
        .unwrap_or(Value::Null))
}

async fn access_scopes(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = Instant::now();
    let (delay, damage, response) = {
        let mut s = lock(&state);
        let Some(st) = s.shops.get_mut(&shop) else {
            return not_found();
        };
        let delay = Duration::from_millis(st.faults.delay_ms);
        match gate(st, &headers, now) {
            Ok(damage) => {
                let scopes: Vec<Value> = st
                    .granted_scopes()
                    .iter()
                    .map(|h| json!({ "handle": h }))
                    .collect();
                (
                    delay,
                    damage,
                    Json(json!({ "access_scopes": scopes })).into_response(),
                )
            }
            Err(r) => (delay, Damage::None, *r),
        }
    };
    deliver(delay, damage, response).await
}

#[derive(serde::Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn access_token(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed: Option<TokenRequest> = if is_json {
        serde_json::from_slice(&body).ok()
    } else {
        serde_urlencoded::from_bytes(&body).ok()
    };
    let mut s = lock(&state);
    let Some(st) = s.shops.get_mut(&shop) else {
        return not_found();
    };
    let Some(req) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_request" })),
        )
            .into_response();
    };
    if req.grant_type.as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    if st.faults.revoked
        || req.client_id.as_deref() != Some(st.client_id.as_str())
        || req.client_secret.as_deref() != Some(st.client_secret.as_str())
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_client", "error_description": "Client authentication failed." })),
        )
            .into_response();
    }
    let token = format!("shpat_{:032x}", st.rng.random::<u128>());
    st.issued
        .push((token.clone(), Instant::now() + st.token_lifetime));
    st.stats.tokens_issued += 1;
    Json(json!({
        "access_token": token,
        "scope": st.granted_scopes().join(","),
        "expires_in": st.token_lifetime.as_secs(),
    }))
    .into_response()
}

fn sim_error(e: SimError) -> Response {
    let status = match e {
        SimError::UnknownShop(_) | SimError::UnknownOrder(_) => StatusCode::NOT_FOUND,
        SimError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Json(json!({ "error": e.to_string() }))).into_response()
}

fn with_shop<T>(
    state: &Shared,
    shop: &str,
    f: impl FnOnce(&mut ShopState) -> Result<T, SimError>,
) -> Result<T, SimError> {
    let mut s = lock(state);
    let st = s
        .shops
        .get_mut(shop)
        .ok_or_else(|| SimError::UnknownShop(shop.to_string()))?;
    f(st)
}

fn reply<T: serde::Serialize>(r: Result<T, SimError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => sim_error(e),
    }
}

async fn list_shops(State(state): State<Shared>) -> Response {
    let s = lock(&state);
    let shops: Vec<Value> = s
        .shops
        .values()
        .map(|st| {
            json!({
                "name": st.shop.name,
                "plan": st.shop.plan.display_name(),
                "ianaTimezone": st.shop.time_zone.name(),
                "currencyCode": st.shop.currency,
                "taxesIncluded": st.shop.taxes_included,
                "orders": st.shop.orders.len(),
                "locations": st.shop.locations.iter().map(render::location).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(shops).into_response()
}

#[derive(serde::Deserialize)]
struct ExpectedQuery {
    /// `visible`: only the orders the app can read now (the 60-day rule).
    view: Option<String>,
}

async fn expected(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Query(q): Query<ExpectedQuery>,
) -> Response {
    reply(with_shop(&state, &shop, |st| match q.view.as_deref() {
        None | Some("all") => Ok(expected_totals(&st.shop).rows()),
        Some("visible") => Ok(visible_expected_totals(
            &st.shop,
            st.orders_cutoff(Utc::now()),
            st.granted_scopes().iter().any(|s| s == RETURNS_SCOPE),
        )
        .rows()),
        Some(other) => Err(SimError::Invalid(format!(
            "view must be `all` or `visible`, not `{other}`"
        ))),
    }))
}

/// The scopes granted to the app on a shop, as the control paths read and write them.
#[derive(serde::Serialize, serde::Deserialize)]
struct ScopesBody {
    scopes: Vec<String>,
}

async fn get_scopes(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| {
        Ok(ScopesBody {
            scopes: st.scopes.clone(),
        })
    }))
}

async fn set_scopes(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Json(body): Json<ScopesBody>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        st.scopes = body.scopes;
        Ok(ScopesBody {
            scopes: st.scopes.clone(),
        })
    }))
}

async fn stats(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| Ok(st.stats.clone())))
}

async fn get_faults(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| Ok(st.faults.clone())))
}

async fn set_faults(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Json(faults): Json<Faults>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        st.faults = faults;
        Ok(st.faults.clone())
    }))
}

async fn get_pricing(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| Ok(st.pricing)))
}

async fn set_pricing(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Json(pricing): Json<Pricing>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        pricing.check().map_err(SimError::Invalid)?;
        st.pricing = pricing;
        Ok(st.pricing)
    }))
}

/// The API version a shop's answers say they are (`null`: the version asked).
#[derive(serde::Serialize, serde::Deserialize)]
struct AnswerVersion {
    answer: Option<String>,
}

async fn get_answer_version(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| {
        Ok(AnswerVersion {
            answer: st.answer_version.clone(),
        })
    }))
}

async fn set_answer_version(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Json(body): Json<AnswerVersion>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        if let Some(v) = &body.answer
            && !valid_version(v)
        {
            return Err(SimError::Invalid(format!(
                "`{v}` is not an API version (YYYY-MM or unstable)"
            )));
        }
        st.answer_version = body.answer;
        Ok(AnswerVersion {
            answer: st.answer_version.clone(),
        })
    }))
}

async fn get_bulk(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| Ok(st.bulk.settings.clone())))
}

async fn set_bulk(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Json(settings): Json<BulkSettings>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        st.bulk.settings = settings;
        Ok(st.bulk.settings.clone())
    }))
}

#[derive(serde::Deserialize)]
struct FileQuery {
    token: Option<String>,
}

/// A bulk operation's JSONL file, written block by block while it is read (the lock is
/// held for one block at a time), as a storage service serves it: 403 once expired.
async fn bulk_file(
    State(state): State<Shared>,
    Path((shop, file)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
) -> Response {
    let now = Instant::now();
    let found = {
        let mut s = lock(&state);
        s.shops.get_mut(&shop).and_then(|st| {
            let id: u64 = file.strip_suffix(".jsonl")?.parse().ok()?;
            let op = st.bulk.ops.iter_mut().find(|o| o.id == id)?;
            op.advance(now);
            Some((
                op.file_readable(now) && q.token.as_deref() == Some(op.token.as_str()),
                op.keys.clone(),
                op.root().clone(),
                op.cut_after_lines(),
            ))
        })
    };
    let Some((readable, keys, root, cut)) = found else {
        return not_found();
    };
    if !readable {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/xml")],
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>",
        )
            .into_response();
    }
    let blocks: Vec<Vec<(i64, i64)>> = keys.chunks(bulk::BLOCK).map(<[_]>::to_vec).collect();
    let stream = futures::stream::unfold(
        (blocks.into_iter(), 0u64, false),
        move |(mut blocks, mut sent, done)| {
            let state = state.clone();
            let shop = shop.clone();
            let root = root.clone();
            async move {
                if done {
                    return None;
                }
                let block = blocks.next()?;
                let lines = {
                    let s = lock(&state);
                    let st = s.shops.get(&shop)?;
                    bulk::block_lines(&st.shop, &block, &root)
                };
                let mut body = String::new();
                for line in lines {
                    if cut.is_some_and(|c| sent >= c) {
                        let cut_off: Result<Bytes, std::io::Error> = Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "cut",
                        ));
                        // Send what was written, then break the connection.
                        return Some((
                            futures::stream::iter(vec![Ok(Bytes::from(body)), cut_off]),
                            (blocks, sent, true),
                        ));
                    }
                    body.push_str(&line);
                    body.push('\n');
                    sent += 1;
                }
                Some((
                    futures::stream::iter(vec![Ok(Bytes::from(body))]),
                    (blocks, sent, false),
                ))
            }
        },
    );
    use futures::StreamExt;
    let mut r = Response::new(Body::from_stream(stream.flatten()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/jsonl"),
    );
    r
}

async fn expire_tokens(State(state): State<Shared>, Path(shop): Path<String>) -> Response {
    reply(with_shop(&state, &shop, |st| {
        st.issued.clear();
        Ok(json!({ "expired": true }))
    }))
}

async fn add_order(
    State(state): State<Shared>,
    Path(shop): Path<String>,
    Json(spec): Json<OrderSpec>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        control::add_order(&mut st.shop, &spec)
            .map(|id| json!({ "id": id, "gid": render::gid("Order", id) }))
    }))
}

async fn add_refund(
    State(state): State<Shared>,
    Path((shop, id)): Path<(String, i64)>,
    Json(spec): Json<RefundSpec>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        control::add_refund(&mut st.shop, id, &spec)
            .map(|id| json!({ "id": id, "gid": render::gid("Refund", id) }))
    }))
}

async fn add_exchange(
    State(state): State<Shared>,
    Path((shop, id)): Path<(String, i64)>,
    Json(spec): Json<ExchangeSpec>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        control::exchange(&mut st.shop, id, &spec)
            .map(|id| json!({ "id": id, "gid": render::gid("Return", id) }))
    }))
}

async fn add_edit(
    State(state): State<Shared>,
    Path((shop, id)): Path<(String, i64)>,
    Json(spec): Json<EditSpec>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        control::edit_order(&mut st.shop, id, &spec).map(|id| json!({ "id": id }))
    }))
}

#[derive(serde::Deserialize)]
struct CancelSpec {
    at: DateTime<Utc>,
}

async fn cancel_order(
    State(state): State<Shared>,
    Path((shop, id)): Path<(String, i64)>,
    Json(spec): Json<CancelSpec>,
) -> Response {
    reply(with_shop(&state, &shop, |st| {
        control::cancel_order(&mut st.shop, id, spec.at).map(|()| json!({ "cancelled": true }))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = encode_cursor(1_700_000_000_000, 42);
        assert_eq!(decode_cursor(&c), Some((1_700_000_000_000, 42)));
        assert_eq!(decode_cursor("garbage!"), None);
    }
}
