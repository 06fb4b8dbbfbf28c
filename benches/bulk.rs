//! The bulk backfill benchmark (a documented command that prints figures, not a test):
//!
//! ```sh
//! cargo bench --bench bulk
//! BENCH_BULK_ORDERS=100000 BENCH_BULK_SMALL_ORDERS=20000 BENCH_BULK_MEMORY_ORDERS=1000000 \
//!   BENCH_BULK_PACE=1000 cargo bench --bench bulk
//! ```
//!
//! Every run reads a store served by the simulator in its own process (`shopify-sim`, the
//! standard plan: 2,000-point bucket, 100 points/s, Shopify's query costs with `pageInfo`
//! priced), and reads it in a child process of this benchmark, so that the peak memory
//! printed (VmHWM) is the reader's alone. Each read turns its orders into facts and hourly
//! totals with the worker's own code (`domain::facts`) and checks them against the
//! simulator's expected totals: "exact" means equal to the cent in every bucket.
//!
//! `BENCH_BULK_REFUND_RATE` (per cent, default 4.5: the issue's store has about 900 refunds
//! in 20,000 orders) sets the share of orders with a refund; `BENCH_BULK_COMPARE=0` skips
//! the comparison runs (the default refund rate, the bulk read without the overlap).
//!
//! 1. **First import, paged vs bulk**: `BENCH_BULK_ORDERS` POS orders (default 100,000)
//!    over 60 days, at the set refund rate and at the simulator's default (about one order
//!    in ten). Paged reading of that many orders at 100 points/s takes hours, so every read
//!    runs with the rate limit off and its time at the standard plan is worked out from what
//!    it spent: `max(measured, (points − 2,000) / 100)`, the fastest any client can spend
//!    those points (in paged's favour: it is never slower than that). The bulk export runs
//!    at `BENCH_BULK_PACE` objects a second (default 1,000), and its time at that pace is
//!    `objectCount / pace` (the simulator's export is linear in objects). Bulk is read twice:
//!    refunds all followed up after the file, and refunds read during the export
//!    (`shopify::bulk::refund_pre_read`), given only the points the plan yields during an export at
//!    that pace (the bucket and 100 a second); what follows the export starts from the
//!    bucket that left.
//! 2. **A 20,000-order store for real** (`BENCH_BULK_SMALL_ORDERS`): bulk, with the
//!    standard plan's rate limit on and the export at `BENCH_BULK_PACE`, wall time measured,
//!    beside the 90 s target; with the overlap, then without.
//! 3. **Peak memory of a 1,000,000-order bulk read** (`BENCH_BULK_MEMORY_ORDERS`, 0 skips it):
//!    the rate limit off and a fast export (only memory is the figure); the refunds read
//!    during the export are those an export at `BENCH_BULK_PACE` would allow (up to the
//!    20,000 kept).

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::{Value, json};
use support::{env_number, vm_hwm_mib};
use tmas::domain::facts::{HourlyTotals, bucket_facts, order_facts};
use tmas::shopify::bulk::export::ExportShape;
use tmas::shopify::bulk::pre_read::ExportPreRead;
use tmas::shopify::{ClientConfig, Credentials, Order, ShopifyClient, TimeWindow};

/// The standard plan (Shopify's "Basic"/standard: 2,000-point bucket, 100 points/s).
const BUCKET: f64 = 2_000.0;
const RESTORE: f64 = 100.0;
/// POS share of the simulator's generated orders (one in ten is online).
const POS_SHARE: f64 = 0.9;
const DAYS: u64 = 60;

// ---------- the reading child ----------

type Buckets = BTreeMap<(i64, NaiveDate, u32), HourlyTotals>;

struct Tally {
    tz: chrono_tz::Tz,
    totals: Buckets,
    orders: u64,
    pos: u64,
    refunds: u64,
}

impl Tally {
    fn add(&mut self, orders: &[Order]) {
        let facts: Vec<_> = orders.iter().map(order_facts).collect();
        for (key, b) in bucket_facts(&facts, self.tz) {
            let t = self.totals.entry(key).or_default();
            t.gross += b.gross;
            t.discounts += b.discounts;
            t.returns += b.returns;
            t.net += b.net;
            t.transactions += b.transactions;
            t.items += b.items;
        }
        self.orders += orders.len() as u64;
        self.pos += orders
            .iter()
            .filter(|o| o.source_name.as_deref() == Some("pos"))
            .count() as u64;
        self.refunds += orders.iter().map(|o| o.refunds.len() as u64).sum::<u64>();
    }

    async fn exact(&self, base: &str, shop: &str) -> bool {
        let rows: Vec<Value> = reqwest::get(format!("{base}/_sim/{shop}/expected"))
            .await
            .expect("expected totals")
            .json()
            .await
            .expect("JSON");
        let expected: Buckets = rows
            .iter()
            .map(|r| {
                let n = |k: &str| r[k].as_i64().expect("number");
                (
                    (
                        n("location_id"),
                        r["date"].as_str().expect("date").parse().expect("date"),
                        n("hour") as u32,
                    ),
                    HourlyTotals {
                        gross: n("gross"),
                        discounts: n("discounts"),
                        returns: n("returns"),
                        net: n("net"),
                        transactions: n("transactions"),
                        items: n("items"),
                    },
                )
            })
            .collect();
        // A bucket of zeros is no bucket.
        let read: Buckets = self
            .totals
            .iter()
            .filter(|(_, t)| **t != HourlyTotals::default())
            .map(|(k, t)| (*k, *t))
            .collect();
        let expected: Buckets = expected
            .into_iter()
            .filter(|(_, t)| *t != HourlyTotals::default())
            .collect();
        read == expected
    }
}

fn everything() -> TimeWindow {
    TimeWindow {
        from: chrono::Utc::now() - chrono::Duration::days(3650),
        to: chrono::Utc::now() + chrono::Duration::days(1),
    }
}

async fn child(role: &str, base: &str, shop: &str, pace: f64) {
    let client = ShopifyClient::new(
        &ClientConfig {
            base_url: format!("{base}/{{shop}}"),
            // Starting an export of a million orders takes the simulator a while.
            request_timeout: Duration::from_secs(600),
            ..ClientConfig::default()
        },
        &tmas::domain::store_name::StoreName::parse(shop).expect("a store name"),
        Credentials::AccessToken(format!("shpat_sim_{shop}")),
    )
    .expect("client");
    let tz = client
        .shop()
        .await
        .expect("shop")
        .iana_timezone
        .parse()
        .expect("zone");
    let mut tally = Tally {
        tz,
        totals: BTreeMap::new(),
        orders: 0,
        pos: 0,
        refunds: 0,
    };
    let started = Instant::now();
    let mut result = json!({});
    if role == "paged" {
        let mut cursor: Option<String> = None;
        loop {
            let page = client
                .fetch_orders_page(&everything(), cursor.as_deref())
                .await
                .expect("page");
            assert!(page.unreadable.is_empty());
            tally.add(&page.orders);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    } else {
        // Refunds read while the export runs (`BENCH_BULK_OVERLAP=0`: not).
        let overlap = std::env::var("BENCH_BULK_OVERLAP").as_deref() != Ok("0");
        // With the rate limit off the export is instant, so the pre-read is given what the
        // standard plan would let it spend during an export at `pace`: the bucket, and
        // 100 points a second of the export.
        let modelled = std::env::var("BENCH_BULK_PLAN_MODEL").as_deref() == Ok("1");
        // As the worker does: the export with the refunds' places (`BENCH_BULK_SHAPE=plain`:
        // without them, the refunds read during the export and after the file).
        let (id, shape) = if std::env::var("BENCH_BULK_SHAPE").as_deref() == Ok("plain") {
            let id = client
                .start_bulk_orders(&everything(), ExportShape::Plain)
                .await
                .expect("answers")
                .expect("started");
            (id, ExportShape::Plain)
        } else {
            client
                .start_orders_export(&everything())
                .await
                .expect("answers")
                .expect("started")
        };
        let mut pre = overlap.then(|| ExportPreRead::new(&everything(), shape));
        let op = loop {
            let op = client.bulk_operation(&id).await.expect("polls");
            if !matches!(op.status.as_str(), "CREATED" | "RUNNING") {
                break op;
            }
            // As the worker does: read refunds between polls, else wait.
            let until = tokio::time::Instant::now() + Duration::from_millis(200);
            if let Some(p) = pre.as_mut().filter(|_| !modelled) {
                while !p.is_done() && tokio::time::Instant::now() < until {
                    client.pre_read_page(p).await.expect("pre-read");
                }
            }
            tokio::time::sleep_until(until).await;
        };
        assert_eq!(op.status, "COMPLETED", "{op:?}");
        let exported = started.elapsed().as_secs_f64();
        let objects: f64 = op
            .object_count
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0.0);
        if let Some(p) = pre.as_mut().filter(|_| modelled) {
            let budget = BUCKET + RESTORE * objects / pace;
            // A page uses at most the budget of one query.
            while !p.is_done() && p.actual_points() + 900.0 <= budget {
                client.pre_read_page(p).await.expect("pre-read");
            }
        }
        let reading = started.elapsed().as_secs_f64();
        let mut reader = client
            .open_bulk_orders(op.url.as_deref().expect("url"))
            .await
            .expect("opens");
        reader.exported_as(shape);
        if let Some(p) = pre {
            reader.use_pre_read(p);
        }
        let staged = started.elapsed().as_secs_f64() - reading;
        while let Some(batch) = reader.next_batch(250).await.expect("batch") {
            assert!(batch.unreadable.is_empty());
            tally.add(&batch.orders);
        }
        let f = reader.refund_follow_ups();
        let p = reader.pre_read_record().unwrap_or_default();
        let r = reader.returns_record();
        result = json!({
            "export_shape": format!("{shape:?}"),
            "export_secs": exported,
            "objects": objects,
            "export_at_pace_secs": objects / pace,
            "stage_secs": staged,
            "read_secs": started.elapsed().as_secs_f64() - reading,
            "follow_up_refunds": f.refunds,
            "follow_up_requests": f.requests,
            "follow_up_requested": f.requested_points,
            "follow_up_actual": f.actual_points,
            "follow_up_completed": f.completed,
            "money_sets": f.set_shape,
            "pre_requests": p.requests,
            "pre_requested": p.requested_points,
            "pre_actual": p.actual_points,
            "pre_kept": p.kept,
            "pre_used": p.used,
            "returns_requests": r.requests,
            "returns_actual": r.actual_points,
            "returns_kept": r.kept,
            "returns_used": r.used,
            "returns_read_after": r.read_after,
            "returns_after_requests": r.after_requests,
            "returns_after_points": r.after_points,
        });
    }
    let secs = started.elapsed().as_secs_f64();
    let exact = tally.exact(base, shop).await;
    result["secs"] = json!(secs);
    result["orders"] = json!(tally.orders);
    result["pos"] = json!(tally.pos);
    result["refunds"] = json!(tally.refunds);
    result["exact"] = json!(exact);
    result["peak_mib"] = json!(vm_hwm_mib());
    println!("RESULT {result}");
}

// ---------- the orchestrating parent ----------

struct Sim {
    child: Child,
    base: String,
    shop: String,
    orders: u64,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Share of all orders with a refund at the simulator's default refund rate (measured:
/// 11,154 refunds in 114,144 orders), and the part of it that does not scale with the rate
/// (the refunds of cancellations).
const DEFAULT_REFUNDED: f64 = 0.0977;

/// The simulator's `--refund-rate` that gives about `share` of all orders a refund.
fn sim_refund_rate(share: f64) -> f64 {
    let fixed = tmas::sim::generator::CANCELLED_REFUND_SHARE;
    tmas::sim::generator::DEFAULT_REFUND_RATE
        * ((share - fixed) / (DEFAULT_REFUNDED - fixed)).max(0.0)
}

/// A store of about `orders` orders (all channels) over [`DAYS`] days, about `refunded` of
/// them with a refund (`None`: the simulator's default, about one in ten).
fn start_sim(shop: &str, orders: u64, seed: u64, refunded: Option<f64>) -> Sim {
    let per_day = orders.div_ceil(DAYS);
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_shopify-sim"));
    if let Some(share) = refunded {
        command.args(["--refund-rate", &sim_refund_rate(share).to_string()]);
    }
    let mut child = command
        .args(["--bind", "127.0.0.1:0", "--shops", shop, "--plan", "basic"])
        .args([
            "--scopes",
            "read_orders,read_locations,read_all_orders,read_returns",
        ])
        // POS exchanges, edits and returns with a restocking fee, each with its ledger.
        .arg("--ledger-events")
        .args(["--days", &DAYS.to_string()])
        .args(["--orders-per-day", &per_day.to_string()])
        .args(["--seed", &seed.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start shopify-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut sim = Sim {
        child,
        base: String::new(),
        shop: shop.to_string(),
        orders: 0,
    };
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix(&format!("shop {shop}: ")) {
            sim.orders = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
        if let Some(url) = line.strip_prefix("shopify-sim listening on ") {
            sim.base = url.trim().to_string();
            break;
        }
    }
    assert!(!sim.base.is_empty(), "shopify-sim did not start");
    println!(
        "shopify-sim: store `{shop}`, {} orders over {DAYS} days (about {:.0} % POS), generated in {:.1} s in its own process",
        sim.orders,
        POS_SHARE * 100.0,
        started.elapsed().as_secs_f64()
    );
    sim
}

impl Sim {
    async fn post(&self, what: &str, body: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/_sim/{}/{what}", self.base, self.shop))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert!(r.status().is_success(), "{what}: {}", r.status());
    }

    async fn stats(&self) -> (f64, f64) {
        let s: Value = reqwest::get(format!("{}/_sim/{}/stats", self.base, self.shop))
            .await
            .expect("stats")
            .json()
            .await
            .expect("JSON");
        (
            s["graphql_requests"].as_f64().unwrap_or(0.0),
            s["points_spent"].as_f64().unwrap_or(0.0),
        )
    }

    async fn limits(&self, unlimited: bool, pace: f64) {
        self.post("faults", json!({ "unlimited": unlimited })).await;
        self.post("bulk", json!({ "objects_per_sec": pace })).await;
    }

    /// Reads the store in a child process; its result, with the requests and points the
    /// simulator counted for it.
    async fn read(&self, role: &str, pace: f64, overlap: bool, modelled: bool) -> Value {
        let (requests_before, points_before) = self.stats().await;
        let out = Command::new(std::env::current_exe().expect("this benchmark"))
            .env("BENCH_BULK_ROLE", role)
            .env("BENCH_BULK_OVERLAP", if overlap { "1" } else { "0" })
            .env("BENCH_BULK_PLAN_MODEL", if modelled { "1" } else { "0" })
            .env("BENCH_BULK_BASE", &self.base)
            .env("BENCH_BULK_SHOP", &self.shop)
            .env("BENCH_BULK_PACE", pace.to_string())
            .env("RUST_LOG", "warn")
            .stderr(Stdio::inherit())
            .output()
            .expect("run the reader");
        assert!(out.status.success(), "the {role} reader failed");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .expect("a result");
        let mut result: Value = serde_json::from_str(line).expect("JSON");
        let (requests, points) = self.stats().await;
        result["requests"] = json!(requests - requests_before);
        result["points"] = json!(points - points_before);
        result
    }
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

/// The fastest a client can spend `points` at the standard plan (the bucket's 2,000 first).
fn at_plan(points: f64, measured: f64) -> f64 {
    measured.max((points - BUCKET).max(0.0) / RESTORE)
}

fn follow_ups(r: &Value) -> String {
    let refunds = f(r, "follow_up_refunds");
    let mut line = format!(
        "{refunds:.0} refunds followed up after the file in {:.0} requests ({:.1} refunds a request), {:.0} points requested / {:.0} used = {:.1} / {:.1} points a refund; {:.0} completed by the paged follow-up",
        f(r, "follow_up_requests"),
        refunds / f(r, "follow_up_requests"),
        f(r, "follow_up_requested"),
        f(r, "follow_up_actual"),
        f(r, "follow_up_requested") / refunds,
        f(r, "follow_up_actual") / refunds,
        f(r, "follow_up_completed"),
    );
    if f(r, "pre_requests") > 0.0 {
        line += &format!(
            "\n  read during the export: {:.0} requests, {:.0} points requested / {:.0} used, {:.0} refunds kept, {:.0} of them used by the file ({:.1} points a used refund)",
            f(r, "pre_requests"),
            f(r, "pre_requested"),
            f(r, "pre_actual"),
            f(r, "pre_kept"),
            f(r, "pre_used"),
            f(r, "pre_actual") / f(r, "pre_used"),
        );
    }
    if f(r, "returns_requests") + f(r, "returns_after_requests") > 0.0 {
        line += &format!(
            "\n  returns' places: during the export {:.0} requests, {:.0} points used, {:.0} orders kept, {:.0} used by the file; after it {:.0} orders in {:.0} requests, {:.0} points used",
            f(r, "returns_requests"),
            f(r, "returns_actual"),
            f(r, "returns_kept"),
            f(r, "returns_used"),
            f(r, "returns_read_after"),
            f(r, "returns_after_requests"),
            f(r, "returns_after_points"),
        );
    }
    if r["money_sets"] == json!(true) {
        line += "\n  Shopify refused the money scalars: the follow-ups read the money sets";
    }
    line
}

/// A bulk read's time at the standard plan, from a read with the rate limit off: the export
/// at its pace; what was read during it fits in what the plan gives meanwhile (the bench
/// gave it no more); after it, the bucket left and 100 points a second.
fn bulk_at_plan(bulk: &Value) -> f64 {
    let export = f(bulk, "export_at_pace_secs");
    let during = (f(bulk, "pre_actual") + f(bulk, "returns_actual").max(0.0)).max(0.0);
    let left = BUCKET.min(BUCKET + RESTORE * export - during).max(0.0);
    let after = f(bulk, "points") - during;
    export + f(bulk, "read_secs").max((after - left).max(0.0) / RESTORE)
}

fn share_label(refunded: Option<f64>) -> String {
    match refunded {
        Some(s) => format!("refund rate set to {:.1} % of orders", s * 100.0),
        None => "the simulator's default refund rate (about one order in ten)".into(),
    }
}

async fn paged_vs_bulk(pos_orders: u64, pace: f64, refunded: Option<f64>) {
    let sim = start_sim(
        "bulkbench",
        (pos_orders as f64 / POS_SHARE).round() as u64,
        11,
        refunded,
    );
    // Every read with the rate limit off; their standard-plan time is worked out below.
    sim.limits(true, 1e9).await;
    let paged = sim.read("paged", pace, false, true).await;
    let plain = sim.read("bulk", pace, false, true).await;
    let bulk = sim.read("bulk", pace, true, true).await;
    let paged_plan = at_plan(f(&paged, "points"), f(&paged, "secs"));
    println!(
        "\n== First import, {} orders ({} POS, {} refunds; {}), standard plan (2,000-point bucket, 100 points/s); bulk export pace {pace:.0} objects/s ==",
        paged["orders"],
        paged["pos"],
        paged["refunds"],
        share_label(refunded)
    );
    println!(
        "paged: {:.0} requests, {:.0} points spent; measured {:.1} s with the rate limit off; at the standard plan >= {:.0} s ({:.2} h); peak memory {:.1} MiB; totals exact: {}",
        f(&paged, "requests"),
        f(&paged, "points"),
        f(&paged, "secs"),
        paged_plan,
        paged_plan / 3600.0,
        f(&paged, "peak_mib"),
        paged["exact"]
    );
    for (name, r) in [
        ("bulk, refunds after the file", &plain),
        ("bulk, refunds read during the export", &bulk),
    ] {
        let plan = bulk_at_plan(r);
        println!(
            "{name}: {:.0} requests, {:.0} points spent; export of {:.0} objects = {:.0} s at {pace:.0} objects/s; file staged in {:.1} s, read with follow-ups in {:.1} s (rate limit off); at the standard plan {:.0} s ({:.1} min); peak memory {:.1} MiB; totals exact: {}",
            f(r, "requests"),
            f(r, "points"),
            f(r, "objects"),
            f(r, "export_at_pace_secs"),
            f(r, "stage_secs"),
            f(r, "read_secs"),
            plan,
            plan / 60.0,
            f(r, "peak_mib"),
            r["exact"]
        );
        println!("  refunds: {}", follow_ups(r));
        println!(
            "  {:.1}x faster than paged at the standard plan (target: 20x)",
            paged_plan / plan
        );
    }
}

async fn small_store_for_real(orders: u64, pace: f64, refunded: Option<f64>, compare: bool) {
    let sim = start_sim("smallstore", orders, 12, refunded);
    sim.limits(false, pace).await;
    let mut runs = vec![(true, sim.read("bulk", pace, true, false).await)];
    if compare {
        // The bucket refills (2,000 points at 100 a second) before the second read.
        tokio::time::sleep(Duration::from_secs(21)).await;
        runs.push((false, sim.read("bulk", pace, false, false).await));
    }
    for (overlap, bulk) in runs {
        println!(
            "\n== First import in bulk of {} orders ({} POS, {} refunds; {}), standard plan rate limit on, export at {pace:.0} objects/s, refunds {} ==",
            bulk["orders"],
            bulk["pos"],
            bulk["refunds"],
            share_label(refunded),
            if overlap {
                "read during the export"
            } else {
                "read after the file"
            }
        );
        println!(
            "after the export: {:.1} s (target: at most 10 s)",
            f(&bulk, "secs") - f(&bulk, "export_secs")
        );
        println!(
            "wall time {:.1} s (target: under 90 s): export {:.1} s, file staged {:.1} s, orders and refund follow-ups {:.1} s; {:.0} requests, {:.0} points; peak memory {:.1} MiB; totals exact: {}",
            f(&bulk, "secs"),
            f(&bulk, "export_secs"),
            f(&bulk, "stage_secs"),
            f(&bulk, "read_secs") - f(&bulk, "stage_secs"),
            f(&bulk, "requests"),
            f(&bulk, "points"),
            f(&bulk, "peak_mib"),
            bulk["exact"]
        );
        println!("refunds: {}", follow_ups(&bulk));
    }
}

async fn million(orders: u64, pace: f64) {
    let sim = start_sim("millionbulk", orders, 13, None);
    sim.limits(true, 1e9).await;
    // The export runs at full speed; the pre-read still gets what an export at `pace`
    // would give it, so the refunds it keeps count in the memory.
    let bulk = sim.read("bulk", pace, true, true).await;
    println!(
        "\n== Bulk read of {} orders ({} refunds), rate limit off, fast export ==",
        bulk["orders"], bulk["refunds"]
    );
    println!(
        "peak memory {:.1} MiB (target: at most 100 MB); file of {:.0} objects staged in {:.1} s, read with follow-ups in {:.1} s; totals exact: {}",
        f(&bulk, "peak_mib"),
        f(&bulk, "objects"),
        f(&bulk, "stage_secs"),
        f(&bulk, "read_secs"),
        bulk["exact"]
    );
    println!("refunds: {}", follow_ups(&bulk));
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pace = env_number("BENCH_BULK_PACE", 1_000) as f64;
    if let Ok(role) = std::env::var("BENCH_BULK_ROLE") {
        let base = std::env::var("BENCH_BULK_BASE").expect("base");
        let shop = std::env::var("BENCH_BULK_SHOP").expect("shop");
        runtime.block_on(child(&role, &base, &shop, pace));
        return;
    }
    let orders = env_number("BENCH_BULK_ORDERS", 100_000);
    let small = env_number("BENCH_BULK_SMALL_ORDERS", 20_000);
    let memory = env_number("BENCH_BULK_MEMORY_ORDERS", 1_000_000);
    // Share of orders with a refund, in per cent (the issue's store: about 900 in 20,000).
    let refunded = std::env::var("BENCH_BULK_REFUND_RATE")
        .ok()
        .and_then(|v| v.trim_end_matches('%').parse::<f64>().ok())
        .unwrap_or(4.5)
        / 100.0;
    let compare = std::env::var("BENCH_BULK_COMPARE").as_deref() != Ok("0");
    runtime.block_on(async {
        if orders > 0 {
            paged_vs_bulk(orders, pace, Some(refunded)).await;
            if compare {
                paged_vs_bulk(orders, pace, None).await;
            }
        }
        if small > 0 {
            small_store_for_real(small, pace, Some(refunded), compare).await;
        }
        if memory > 0 {
            million(memory, pace).await;
        }
    });
}
