//! Bulk query operations as Shopify runs them: `bulkOperationRunQuery` checks the query
//! against Shopify's bulk rules and starts an export, `bulkOperation(id:)` and
//! `currentBulkOperation` report its progress (`objectCount`, `rootObjectCount`) and status
//! (CREATED → RUNNING → COMPLETED / FAILED / CANCELED), `bulkOperationCancel` stops it, and
//! the result is a JSONL file at a URL that expires.
//!
//! The export runs at a configurable pace (objects a second, [`BulkSettings`]) measured from
//! the moment the operation was created, so tests and benchmarks can state it. The file is
//! written as Shopify writes it with `groupObjects: false`: one line per object, the nodes of
//! a connection on their own lines with `__parentId`, and no promise that a child follows its
//! parent: the children of each block of [`BLOCK`] orders come after the block's orders.
//!
//! Only `orders` is exported; other roots are refused with a user error saying so.

use std::time::{Duration, Instant};

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::{Selection, SelectionSet};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::graphql::{self, Field};
use super::model::{SimOrder, SimShop};
use super::render;

/// Orders per block of the JSONL file; a child line can be this many orders away from its
/// parent's line.
pub const BLOCK: usize = 64;
/// Operations of one shop that may run at once (Shopify: five since 2026-01).
pub const MAX_RUNNING: usize = 5;

/// How fast the simulated Shopify exports and how long its files stay readable. Set with
/// `SimHandle::set_bulk` or `POST /_sim/{shop}/bulk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkSettings {
    /// Objects (orders and connection nodes) exported a second.
    pub objects_per_sec: f64,
    /// Seconds the result URL works after the operation completes (Shopify: seven days).
    pub url_lifetime_secs: u64,
    pub faults: BulkFaults,
}

impl Default for BulkSettings {
    fn default() -> Self {
        BulkSettings {
            objects_per_sec: 20_000.0,
            url_lifetime_secs: 7 * 24 * 3600,
            faults: BulkFaults::default(),
        }
    }
}

/// Failures of bulk operations, applied to operations created while they are set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkFaults {
    /// Half way through, the operation FAILS with this `errorCode` (`ACCESS_DENIED`,
    /// `INTERNAL_SERVER_ERROR`, `TIMEOUT`).
    pub fail: Option<String>,
    /// Half way through, someone else cancels the operation.
    pub canceled_by_other: bool,
    /// The result URL has expired when it is read.
    pub url_expired: bool,
    /// The file breaks off (connection reset) after this many lines.
    pub cut_after_lines: Option<u64>,
    /// `bulkOperationRunQuery` is answered with the LIMIT_REACHED user error, as when five
    /// operations already run for the shop (through other apps' doing, say).
    pub limit_reached: bool,
    /// `bulkOperationRunQuery` refuses the query with an INVALID user error, as Shopify
    /// does with a query it no longer accepts.
    pub refuse_query: bool,
    /// `bulkOperationRunQuery` refuses a query with a connection inside an object field of
    /// a node (a refund agreement's `refund { transactions }`), as a Shopify whose bulk
    /// rules do not take one would; other queries run.
    pub refuse_connection_in_object: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Running,
    Completed,
    Failed,
    Canceling,
    Canceled,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Created => "CREATED",
            Status::Running => "RUNNING",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
            Status::Canceling => "CANCELING",
            Status::Canceled => "CANCELED",
        }
    }

    fn running(self) -> bool {
        matches!(self, Status::Created | Status::Running | Status::Canceling)
    }
}

/// One bulk query operation of a shop.
#[derive(Debug, Clone)]
pub struct BulkOp {
    pub id: u64,
    pub query: String,
    created_at: DateTime<Utc>,
    started: Instant,
    /// The `orders` field of the query (its node selection decides each line).
    root: Field,
    /// Keys (updatedAt ms, id) of the orders matched when the operation was created.
    pub keys: Vec<(i64, i64)>,
    total_objects: u64,
    pace: f64,
    faults: BulkFaults,
    /// Secret part of the result URL.
    pub token: String,
    status: Status,
    error_code: Option<String>,
    /// Objects done when the operation ended, and when it ended.
    ended: Option<(u64, Instant, DateTime<Utc>)>,
    url_lifetime: Duration,
}

impl BulkOp {
    fn exported(&self, now: Instant) -> u64 {
        let secs = now.saturating_duration_since(self.started).as_secs_f64();
        ((secs * self.pace) as u64).min(self.total_objects)
    }

    /// Moves the operation on to where it is at `now`.
    pub fn advance(&mut self, now: Instant) {
        if !self.status.running() {
            return;
        }
        let done = self.exported(now);
        let half = self.total_objects / 2;
        let end = |op: &mut BulkOp, status, done| {
            op.status = status;
            op.ended = Some((done, now, Utc::now()));
        };
        if self.status == Status::Canceling {
            end(self, Status::Canceled, done);
        } else if let Some(code) = self.faults.fail.clone().filter(|_| done >= half) {
            self.error_code = Some(code);
            end(self, Status::Failed, half);
        } else if self.faults.canceled_by_other && done >= half {
            end(self, Status::Canceled, half);
        } else if done >= self.total_objects {
            end(self, Status::Completed, done);
        } else {
            self.status = Status::Running;
        }
    }

    /// `CREATED`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELING` or `CANCELED`.
    pub fn status_name(&self) -> &'static str {
        self.status.name()
    }

    pub fn gid(&self) -> String {
        format!("gid://shopify/BulkOperation/{}", self.id)
    }

    /// Whether the file may be read at `now`.
    pub fn file_readable(&self, now: Instant) -> bool {
        self.status == Status::Completed
            && !self.faults.url_expired
            && self
                .ended
                .is_some_and(|(_, at, _)| now.saturating_duration_since(at) < self.url_lifetime)
    }

    pub fn cut_after_lines(&self) -> Option<u64> {
        self.faults.cut_after_lines
    }

    pub fn root(&self) -> &Field {
        &self.root
    }

    /// The operation as a `BulkOperation` object (every field the simulator serves).
    pub fn render(&self, now: Instant, base_url: &str, shop: &str) -> Value {
        let done = self.ended.map_or_else(|| self.exported(now), |(d, _, _)| d);
        let roots = (self.keys.len() as u64)
            .saturating_mul(done)
            .checked_div(self.total_objects)
            .unwrap_or(0);
        let url = (self.status == Status::Completed && self.total_objects > 0).then(|| {
            format!(
                "{base_url}/_sim_files/{shop}/bulk/{}.jsonl?token={}",
                self.id, self.token
            )
        });
        json!({
            "id": self.gid(),
            "status": self.status.name(),
            "errorCode": self.error_code,
            "createdAt": self.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "completedAt": self.ended
                .filter(|_| self.status == Status::Completed)
                .map(|(_, _, at)| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "objectCount": done.to_string(),
            "rootObjectCount": roots.to_string(),
            "fileSize": Value::Null,
            "url": url,
            "partialDataUrl": Value::Null,
            "query": self.query,
            "type": "QUERY",
        })
    }
}

/// The bulk operations of one shop.
#[derive(Debug, Clone, Default)]
pub struct BulkState {
    pub settings: BulkSettings,
    pub ops: Vec<BulkOp>,
    next_id: u64,
}

/// A user error of a bulk mutation (`BulkOperationUserError`).
fn user_error(code: &str, message: &str) -> Value {
    json!({ "field": ["query"], "message": message, "code": code })
}

/// Shopify's rules for a bulk query, checked on the validated document: at least one
/// connection and at most five, connections nested at most two levels deep inside the
/// top-level one (orders → agreements → sales, as Airbyte's source-shopify exports the
/// sales ledger, is within the rules; a fourth level is not), no connection inside a list,
/// `edges { node }` and not `nodes`.
pub fn check_rules(document: &ExecutableDocument) -> Result<(), String> {
    let op = document
        .operations
        .get(None)
        .map_err(|_| "Bulk queries must contain exactly one operation.".to_string())?;
    let mut connections = 0;
    walk(&op.selection_set, 0, false, &mut connections)?;
    if connections == 0 {
        return Err("Bulk queries must contain at least one connection.".into());
    }
    if connections > 5 {
        return Err("Bulk queries cannot contain more than 5 connections.".into());
    }
    Ok(())
}

fn walk(set: &SelectionSet, depth: usize, in_list: bool, count: &mut usize) -> Result<(), String> {
    for selection in &set.selections {
        let f = match selection {
            Selection::Field(f) => f,
            Selection::InlineFragment(i) => {
                walk(&i.selection_set, depth, in_list, count)?;
                continue;
            }
            Selection::FragmentSpread(_) => continue,
        };
        let ty = &f.definition.ty;
        if ty.inner_named_type().as_str().ends_with("Connection") {
            if in_list {
                return Err(format!(
                    "Queries that contain a connection field within a list field are not currently supported (`{}`).",
                    f.name
                ));
            }
            *count += 1;
            // `depth` counts the connections around this one: the top-level connection is
            // not a nested one.
            if depth > 2 {
                return Err(format!(
                    "Bulk queries cannot contain connections with a nesting depth greater than 2 (`{}`).",
                    f.name
                ));
            }
            for part in &f.selection_set.selections {
                let Selection::Field(part) = part else {
                    continue;
                };
                match part.name.as_str() {
                    "nodes" => {
                        return Err(format!(
                            "The `nodes` field is not supported in bulk queries: use `edges {{ node }}` in the `{}` connection.",
                            f.name
                        ));
                    }
                    // The edges list belongs to the connection itself: it is not a list
                    // field the rule about lists means.
                    "edges" => walk(&part.selection_set, depth + 1, in_list, count)?,
                    _ => walk(&part.selection_set, depth + 1, in_list, count)?,
                }
            }
        } else {
            walk(&f.selection_set, depth, in_list || ty.is_list(), count)?;
        }
    }
    Ok(())
}

/// Whether a connection sits inside an object field of a node (`inside_object`: `fields`
/// are such an object's).
fn connection_in_object(fields: &[Field], inside_object: bool) -> bool {
    fields.iter().any(|f| match f.node_selection() {
        Some(node) => inside_object || connection_in_object(node, false),
        None => !f.selection.is_empty() && connection_in_object(&f.selection, true),
    })
}

/// What `bulkOperationRunQuery` answers (its payload), creating the operation when the query
/// passes. `document` is the validated `query` argument; `granted` the app's scopes.
pub fn run_query(
    bulk: &mut BulkState,
    shop: &SimShop,
    readable: impl Fn(&SimOrder) -> bool,
    can_read_orders: bool,
    query: &str,
    document: Result<&ExecutableDocument, String>,
    now: Instant,
) -> Value {
    let refused = |e: Value| json!({ "bulkOperation": null, "userErrors": [e] });
    let root = match exported_root(bulk, query, document) {
        Ok(root) => root,
        Err(e) => return refused(e),
    };
    for op in &mut bulk.ops {
        op.advance(now);
    }
    if bulk.settings.faults.limit_reached
        || bulk.ops.iter().filter(|o| o.status.running()).count() >= MAX_RUNNING
    {
        return refused(user_error(
            "LIMIT_REACHED",
            "Bulk operations limit reached. Please try again later.",
        ));
    }
    let filter = root.arg("query").and_then(Value::as_str).unwrap_or("");
    let (lo, hi) = match super::search::updated_window(filter) {
        Ok(w) => w,
        Err(message) => return refused(user_error("INVALID", &message)),
    };
    let (keys, total_objects) = exported_orders(shop, &readable, (lo, hi), &root);
    let mut op = new_op(bulk, query, root, keys, total_objects, now);
    if !can_read_orders {
        // Shopify accepts the operation and fails it: the query needs a scope the app lacks.
        op.status = Status::Failed;
        op.error_code = Some("ACCESS_DENIED".into());
        op.ended = Some((0, now, Utc::now()));
    }
    let shown = created_payload(&op);
    bulk.ops.push(op);
    json!({ "bulkOperation": shown, "userErrors": [] })
}

/// The `orders` root field the query exports, or the user error refusing the query (invalid,
/// against the bulk rules, a simulated refusal, or another root).
fn exported_root(
    bulk: &BulkState,
    query: &str,
    document: Result<&ExecutableDocument, String>,
) -> Result<Field, Value> {
    let document = document.map_err(|message| user_error("INVALID", &message))?;
    if bulk.settings.faults.refuse_query {
        return Err(user_error(
            "INVALID",
            "Queries that contain this field are not supported (simulated refusal).",
        ));
    }
    check_rules(document).map_err(|message| user_error("INVALID", &message))?;
    let roots =
        graphql::parse(query, &Value::Null).map_err(|message| user_error("INVALID", &message))?;
    if bulk.settings.faults.refuse_connection_in_object && connection_in_object(&roots, false) {
        return Err(user_error(
            "INVALID",
            "Queries that contain a connection field within an object field are not supported (simulated refusal).",
        ));
    }
    roots
        .iter()
        .find(|f| f.name == "orders")
        .cloned()
        .ok_or_else(|| {
            user_error(
                "INVALID",
                "The Shopify simulator exports only `orders` in bulk.",
            )
        })
}

/// The keys of the readable orders updated from `lo` to `hi` (both included), and how many
/// objects (orders and connection nodes) their export holds.
fn exported_orders(
    shop: &SimShop,
    readable: impl Fn(&SimOrder) -> bool,
    (lo, hi): (i64, i64),
    root: &Field,
) -> (Vec<(i64, i64)>, u64) {
    let keys: Vec<(i64, i64)> = shop
        .orders
        .iter()
        .filter(|o| (lo..=hi).contains(&o.key().0) && readable(o))
        .map(SimOrder::key)
        .collect();
    let node = node_selection(root);
    let total_objects = shop
        .orders
        .iter()
        .filter(|o| (lo..=hi).contains(&o.key().0) && readable(o))
        .map(|o| lines_of(shop, o, node).len() as u64)
        .sum();
    (keys, total_objects)
}

/// A new operation, just created, with the shop's next id and its current settings.
fn new_op(
    bulk: &mut BulkState,
    query: &str,
    root: Field,
    keys: Vec<(i64, i64)>,
    total_objects: u64,
    now: Instant,
) -> BulkOp {
    bulk.next_id += 1;
    let id = bulk.next_id;
    BulkOp {
        id,
        query: query.to_string(),
        created_at: Utc::now(),
        started: now,
        root,
        keys,
        total_objects,
        pace: bulk.settings.objects_per_sec.max(1.0),
        faults: bulk.settings.faults.clone(),
        token: format!("{:016x}", id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed),
        status: Status::Created,
        error_code: None,
        ended: None,
        url_lifetime: Duration::from_secs(bulk.settings.url_lifetime_secs),
    }
}

/// The operation as `bulkOperationRunQuery` shows it when it is created: nothing exported.
fn created_payload(op: &BulkOp) -> Value {
    json!({
        "id": op.gid(), "status": op.status.name(), "errorCode": op.error_code,
        "createdAt": op.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "completedAt": null, "objectCount": "0", "rootObjectCount": "0", "fileSize": null,
        "url": null, "partialDataUrl": null, "query": op.query, "type": "QUERY",
    })
}

/// `bulkOperationCancel(id:)`'s payload.
pub fn cancel(bulk: &mut BulkState, id: &str, now: Instant, base_url: &str, shop: &str) -> Value {
    let Some(op) = bulk.ops.iter_mut().find(|o| o.gid() == id) else {
        return json!({ "bulkOperation": null, "userErrors": [
            { "field": ["id"], "message": "Bulk operation does not exist" }] });
    };
    op.advance(now);
    if !op.status.running() {
        let message = format!(
            "A bulk operation cannot be canceled when it is {}",
            op.status.name().to_lowercase()
        );
        return json!({ "bulkOperation": op.render(now, base_url, shop),
            "userErrors": [{ "field": ["id"], "message": message }] });
    }
    op.status = Status::Canceling;
    json!({ "bulkOperation": op.render(now, base_url, shop), "userErrors": [] })
}

/// `bulkOperation(id:)`: the operation, or null.
pub fn find(bulk: &mut BulkState, id: &str, now: Instant, base_url: &str, shop: &str) -> Value {
    bulk.ops
        .iter_mut()
        .find(|o| o.gid() == id)
        .map_or(Value::Null, |op| {
            op.advance(now);
            op.render(now, base_url, shop)
        })
}

/// `currentBulkOperation`: the newest query operation, or null.
pub fn current(bulk: &mut BulkState, now: Instant, base_url: &str, shop: &str) -> Value {
    bulk.ops.last_mut().map_or(Value::Null, |op| {
        op.advance(now);
        op.render(now, base_url, shop)
    })
}

fn node_selection(root: &Field) -> &[Field] {
    root.node_selection().unwrap_or(&[])
}

/// The JSONL lines of one order: the order without its connections, then each node of its
/// connections (and of theirs) with `__parentId`.
pub fn lines_of(shop: &SimShop, o: &SimOrder, node: &[Field]) -> Vec<String> {
    // Every list whole (a bulk export does not page); the ledger and returns only when the
    // query asks for them, since rendering them for a million orders is not free.
    let asked = |name: &str| node.iter().any(|f| f.name == name);
    let args = render::NestedArgs {
        agreements: asked("agreements").then(render::Window::default),
        returns: asked("returns").then(render::Window::default),
        ..render::NestedArgs::default()
    };
    let rendered = render::order_with(shop, o, &args);
    let mut out = Vec::new();
    match graphql::project(node, &rendered, "Order") {
        Ok(value) => flatten(node, value, None, &mut out),
        Err(message) => out.push(json!({ "__simulatorError": message }).to_string()),
    }
    out
}

fn flatten(selection: &[Field], value: Value, parent: Option<&str>, out: &mut Vec<String>) {
    let Value::Object(mut object) = value else {
        return;
    };
    let mut children: Vec<(&Field, Vec<Value>)> = Vec::new();
    take_connections(selection, &mut object, &mut children);
    if let Some(p) = parent {
        object.insert("__parentId".into(), Value::String(p.to_string()));
    }
    let id = object.get("id").and_then(Value::as_str).map(str::to_string);
    out.push(Value::Object(object).to_string());
    for (f, nodes) in children {
        let node = f
            .child("edges")
            .and_then(|e| e.child("node"))
            .map_or(&[][..], |n| n.selection.as_slice());
        for n in nodes {
            flatten(node, n, id.as_deref(), out);
        }
    }
}

/// Takes the connections out of an object: its own, and those inside its object fields (a
/// refund agreement's `refund { transactions }`), whose nodes are then children of the
/// object, the nearest node of a connection.
fn take_connections<'f>(
    selection: &'f [Field],
    object: &mut serde_json::Map<String, Value>,
    children: &mut Vec<(&'f Field, Vec<Value>)>,
) {
    for f in selection {
        if f.child("edges").is_some() {
            let nodes = object
                .remove(f.key())
                .and_then(|c| c.get("edges").cloned())
                .and_then(|e| match e {
                    Value::Array(edges) => Some(
                        edges
                            .into_iter()
                            .filter_map(|mut e| e.get_mut("node").map(Value::take))
                            .collect(),
                    ),
                    _ => None,
                })
                .unwrap_or_default();
            children.push((f, nodes));
        } else if !f.selection.is_empty()
            && let Some(Value::Object(inner)) = object.get_mut(f.key())
        {
            take_connections(&f.selection, inner, children);
        }
    }
}

/// The lines of one block of orders: every order's own line first, then their children, so
/// a child does not follow its parent directly.
pub fn block_lines(shop: &SimShop, keys: &[(i64, i64)], root: &Field) -> Vec<String> {
    let node = node_selection(root);
    let mut heads = Vec::new();
    let mut tails = Vec::new();
    for key in keys {
        let Ok(i) = shop.orders.binary_search_by_key(key, SimOrder::key) else {
            continue; // updated since the export started: Shopify's export is a snapshot too
        };
        let mut lines = lines_of(shop, &shop.orders[i], node).into_iter();
        heads.extend(lines.next());
        tails.extend(lines);
    }
    heads.extend(tails);
    heads
}
