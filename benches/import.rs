//! The import benchmark (a documented command, not a test):
//!
//! ```sh
//! cargo bench --bench import                          # every phase, 1,000,000 orders for memory
//! BENCH_IMPORT_ORDERS=200000 cargo bench --bench import
//! TMAS_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench import
//! ```
//!
//! 1. **Throughput**: orders/s imported end to end (HTTP from the simulator, parsing, facts,
//!    upserts and hourly recompute, committed page by page) with the rate limit off, on SQLite
//!    and, when `TMAS_BENCH_POSTGRES_URL` is set, on PostgreSQL. `BENCH_THROUGHPUT_ORDERS`
//!    (default 50,000) sizes the shop. Every run is checked against the simulator's expected
//!    totals.
//! 2. **Throttled**: the worker imports a shop on Shopify's standard plan (2,000-point bucket,
//!    100 points/s) for `BENCH_THROTTLED_SECS` (default 30); prints the share of the allowed
//!    rate it used.
//! 3. **Memory**: peak resident memory (VmHWM) of this process while importing
//!    `BENCH_IMPORT_ORDERS` orders (default 1,000,000; also the first CLI argument) on SQLite,
//!    from a simulator run as its own process (`shopify-sim`), so that only the importer's
//!    memory is measured.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use support::{env_number, vm_hwm_mib};
use tmas::config::Settings;
use tmas::crypto::StoredCredentials;
use tmas::db::{self, TenantId};
use tmas::domain::account::Plan;
use tmas::domain::facts::HourlyTotals;
use tmas::domain::location::LocationInput;
use tmas::shopify::RetryPolicy;
use tmas::sim::{ShopSpec, SimConfig};
use tmas::web::AppState;
use tmas::worker::{BulkPolicy, WorkerConfig};

struct Database {
    url: String,
    label: &'static str,
    /// Writes with the portable statements even on PostgreSQL (no batched path).
    portable: bool,
}

async fn fresh_postgres(admin_url: &str) -> String {
    let name = format!("tmas_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create the bench database");
    admin.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn state_for(database_url: String, dir: &std::path::Path, shopify_url: String) -> AppState {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.to_path_buf(),
        database_url: Some(database_url),
        secret_key_file: Some(dir.join("secret.key")),
        shopify_url,
        shopify_api_version: tmas::config::DEFAULT_SHOPIFY_API_VERSION.into(),
        secure_cookies: false,
        reset_secret_key: false,
        header_read_timeout: 10,
        body_read_timeout: tmas::config::DEFAULT_BODY_READ_TIMEOUT,
        max_connections: tmas::config::DEFAULT_MAX_CONNECTIONS,
        smtp_url: None,
        smtp_user: None,
        smtp_password_file: None,
        mail_from: None,
        public_url: None,
    };
    tmas::startup::prepare(&settings)
        .await
        .expect("prepare the app")
}

/// A tenant with every Shopify location matched, its first import due now.
async fn connect(
    state: &AppState,
    shop: &str,
    token: &str,
    locations: &[i64],
    backfill_from: &str,
) -> (TenantId, i64) {
    let db = &state.db;
    let tenant = db::tenants::create(
        db,
        &format!("Bench {shop}"),
        Plan::Retail,
        "America/Toronto",
    )
    .await
    .expect("tenant")
    .tenant_id();
    let credentials = StoredCredentials::AccessToken {
        access_token: token.to_string(),
    };
    let now = db::now();
    let integration = sqlx::query_scalar::<_, i64>(
        "INSERT INTO integrations
             (tenant_id, label, store_name, credential_kind, credentials_enc, status, wizard_step,
              shop_time_zone, scopes, schedule_frequency, schedule_minute, backfill_from,
              next_run_at, run_requested, created_at, updated_at)
         VALUES ($1, 'Bench', $2, 'access_token', $3, 'active', 'done', 'America/Toronto',
                 'read_orders,read_all_orders', 'hourly', 2, $4, $5, 'initial', $5, $5)
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(shop)
    .bind(credentials.seal(&state.secret_key).expect("seal"))
    .bind(backfill_from)
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .expect("integration");
    for (n, shopify_id) in locations.iter().enumerate() {
        let input = LocationInput::parse(
            &format!("Store {n}"),
            &format!("STORE-{:02}", n + 1),
            "America/Toronto",
            "active",
        )
        .expect("location");
        let location = db::locations::create(db, tenant, &input)
            .await
            .expect("location");
        sqlx::query(
            "INSERT INTO integration_locations
                 (tenant_id, integration_id, location_id, shopify_location_id, enabled)
             VALUES ($1, $2, $3, $4, 1)",
        )
        .bind(tenant.0)
        .bind(integration)
        .bind(location.id)
        .bind(shopify_id.to_string())
        .execute(&db.pool)
        .await
        .expect("match");
    }
    (tenant, integration)
}

#[derive(sqlx::FromRow)]
struct Row {
    shopify_location_id: String,
    local_date: String,
    hour: i64,
    gross: i64,
    discounts: i64,
    returns: i64,
    net: i64,
    transactions: i64,
    items: i64,
}

async fn stored(
    state: &AppState,
    tenant: TenantId,
) -> BTreeMap<(i64, NaiveDate, u32), HourlyTotals> {
    sqlx::query_as::<_, Row>(
        "SELECT il.shopify_location_id, h.local_date, h.hour, h.gross, h.discounts, h.returns,
                h.net, h.transactions, h.items
         FROM hourly_totals h JOIN integration_locations il
           ON il.tenant_id = h.tenant_id AND il.location_id = h.location_id
         WHERE h.tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_all(&state.db.pool)
    .await
    .expect("totals")
    .into_iter()
    .map(|r| {
        (
            (
                r.shopify_location_id.parse().expect("id"),
                NaiveDate::parse_from_str(&r.local_date, "%Y-%m-%d").expect("date"),
                r.hour as u32,
            ),
            HourlyTotals {
                gross: r.gross,
                discounts: r.discounts,
                returns: r.returns,
                net: r.net,
                transactions: r.transactions,
                items: r.items,
            },
        )
    })
    .collect()
}

/// Page by page: this benchmark measures the paged read and the write path (the bulk
/// backfill has its own, `benches/bulk.rs`).
fn fast() -> WorkerConfig {
    WorkerConfig {
        retry: RetryPolicy::fast(),
        bulk: BulkPolicy::off(),
        ..WorkerConfig::default()
    }
}

fn shop_spec(name: &str, orders: u64, days: u32) -> ShopSpec {
    // Two days back, so that no generated change lies in the future of any time zone.
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(2);
    let mut spec = ShopSpec::new(name, chrono_tz::America::Toronto, "CAD", end);
    spec.days = days;
    spec.orders_per_day = (orders / u64::from(days)).max(1) as u32;
    spec
}

async fn throughput(database: &Database, orders: u64) {
    let days = 90;
    let sim = tmas::sim::spawn(
        SimConfig {
            shops: vec![shop_spec("bench", orders, days)],
            examples: false,
            ..SimConfig::with_defaults(42, days, chrono::Utc::now().date_naive())
        }
        // The whole history is read and checked: older than 60 days needs read_all_orders.
        .grant_everywhere(tmas::sim::ALL_ORDERS_SCOPE),
    )
    .await;
    sim.update_faults("bench", |f| f.unlimited = true)
        .expect("shop");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut state = state_for(database.url.clone(), dir.path(), sim.base_url()).await;
    if database.portable {
        // The portable multi-row statements SQLite uses, which PostgreSQL used before its
        // batched path: the same code and machine, for comparison.
        state.db.pg_writes = None;
    }
    let locations: Vec<i64> = sim
        .locations("bench")
        .expect("shop")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let from = (chrono::Utc::now().date_naive() - chrono::Duration::days(i64::from(days) + 5))
        .format("%Y-%m-%d")
        .to_string();
    let (tenant, _) = connect(
        &state,
        "bench",
        &sim.token("bench").expect("shop"),
        &locations,
        &from,
    )
    .await;
    let started = Instant::now();
    let reports = tmas::worker::drain_with(&state, &fast())
        .await
        .expect("drain");
    let secs = started.elapsed().as_secs_f64();
    let report = &reports[0];
    let exact = stored(&state, tenant).await == sim.expected_totals("bench").expect("shop").buckets;
    println!(
        "{}: {} orders ({} stored) in {} pages, {secs:.2} s = {:.0} orders/s end to end; totals exact: {exact}",
        database.label,
        report.orders_read,
        report.orders_stored,
        report.pages,
        report.orders_read as f64 / secs
    );
    sim.shutdown();
}

async fn throttled(secs: u64) {
    let days = 60;
    let sim = tmas::sim::spawn(SimConfig {
        shops: vec![shop_spec("paced", 30_000, days)],
        examples: false,
        ..SimConfig::with_defaults(43, days, chrono::Utc::now().date_naive())
    })
    .await;
    let (maximum, restore) = tmas::sim::Plan::Basic.limits();
    sim.set_rate_limit("paced", maximum, restore).expect("shop");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/tmas.db", dir.path().display());
    let state = state_for(url, dir.path(), sim.base_url()).await;
    let locations: Vec<i64> = sim
        .locations("paced")
        .expect("shop")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    connect(
        &state,
        "paced",
        &sim.token("paced").expect("shop"),
        &locations,
        "2020-01-01",
    )
    .await;
    sim.reset_stats("paced").expect("shop");
    let started = Instant::now();
    tmas::worker::run_with(
        state.clone(),
        WorkerConfig {
            retry: RetryPolicy::default(),
            bulk: BulkPolicy::off(),
            ..WorkerConfig::default()
        },
        tokio::time::sleep(Duration::from_secs(secs)),
    )
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = sim.stats("paced").expect("shop");
    let left = sim.bucket_available("paced").expect("shop");
    let allowed = maximum + restore * elapsed;
    // Shopify runs a query only when the bucket holds its whole requested cost, so a paced
    // client always keeps up to one query's cost (978 points) unspent: the share of the
    // restore rate counts what was spent beyond the part of the first bucketful used.
    let beyond_bucket = (stats.points_spent - (maximum - left)).max(0.0) / (restore * elapsed);
    let orders: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(orders_read), 0) FROM import_runs")
        .fetch_one(&state.db.pool)
        .await
        .expect("runs");
    println!(
        "throttled (standard plan: {maximum} point bucket, {restore} points/s) for {elapsed:.1} s: {orders} orders, {:.0} points spent of {allowed:.0} allowed = {:.1}% of the allowed rate ({:.1}% of the restore rate beyond the {:.0} points of the first bucketful spent); THROTTLED answers: {}, 429s: {}",
        stats.points_spent,
        stats.points_spent / allowed * 100.0,
        beyond_bucket * 100.0,
        maximum - left,
        stats.throttled,
        stats.too_many_requests
    );
    sim.shutdown();
}

struct SimProcess(Child);

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn memory(orders: u64) {
    let days: u64 = 100;
    let per_day = orders.div_ceil(days);
    let generated = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--shops",
            "million",
            "--plan",
            "plus",
            "--scopes",
            "read_orders,read_locations,read_all_orders",
        ])
        .args([
            "--days",
            &days.to_string(),
            "--orders-per-day",
            &per_day.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start shopify-sim");
    let stdout = child.stdout.take().expect("stdout");
    let sim = SimProcess(child);
    let mut base = String::new();
    let mut count = String::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("shop million: ") {
            count = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
        if let Some(url) = line.strip_prefix("shopify-sim listening on ") {
            base = url.trim().to_string();
            break;
        }
    }
    assert!(!base.is_empty(), "shopify-sim did not start");
    println!(
        "memory phase: shopify-sim generated {count} orders in {:.1} s (its own process)",
        generated.elapsed().as_secs_f64()
    );
    let http = reqwest::Client::new();
    http.post(format!("{base}/_sim/million/faults"))
        .json(&serde_json::json!({ "unlimited": true }))
        .send()
        .await
        .expect("faults");
    let client = tmas::shopify::ShopifyClient::new(
        &tmas::shopify::ClientConfig {
            base_url: format!("{base}/{{shop}}"),
            ..tmas::shopify::ClientConfig::default()
        },
        &tmas::domain::store_name::StoreName::parse("million").expect("a store name"),
        tmas::shopify::Credentials::AccessToken("shpat_sim_million".into()),
    )
    .expect("client");
    let locations: Vec<i64> = client
        .locations()
        .await
        .expect("locations")
        .into_iter()
        .map(|l| l.legacy_id)
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/tmas.db", dir.path().display());
    let state = state_for(url, dir.path(), format!("{base}/{{shop}}")).await;
    connect(
        &state,
        "million",
        "shpat_sim_million",
        &locations,
        "2020-01-01",
    )
    .await;
    let before = vm_hwm_mib();
    let started = Instant::now();
    let reports = tmas::worker::drain_with(&state, &fast())
        .await
        .expect("drain");
    let secs = started.elapsed().as_secs_f64();
    let report = &reports[0];
    println!(
        "memory: imported {} orders ({} stored, {} pages) on SQLite in {secs:.1} s = {:.0} orders/s; outcome {}; peak memory (VmHWM) {:.1} MiB (before the import: {before:.1} MiB)",
        report.orders_read,
        report.orders_stored,
        report.pages,
        report.orders_read as f64 / secs,
        report.outcome.as_str(),
        vm_hwm_mib()
    );
    drop(sim);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let memory_orders = args
        .first()
        .and_then(|a| a.replace(['_', ','], "").parse().ok())
        .unwrap_or_else(|| env_number("BENCH_IMPORT_ORDERS", 1_000_000));
    let throughput_orders = env_number("BENCH_THROUGHPUT_ORDERS", 50_000);
    let throttled_secs = env_number("BENCH_THROTTLED_SECS", 30);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut databases = vec![Database {
            url: format!("sqlite://{}/tmas.db", dir.path().display()),
            label: "SQLite",
            portable: true,
        }];
        if let Ok(admin) = std::env::var("TMAS_BENCH_POSTGRES_URL")
            && !admin.is_empty()
        {
            databases.push(Database {
                url: fresh_postgres(&admin).await,
                label: "PostgreSQL, portable multi-row statements",
                portable: true,
            });
            databases.push(Database {
                url: fresh_postgres(&admin).await,
                label: "PostgreSQL, batched (UNNEST)",
                portable: false,
            });
        }
        for database in &databases {
            throughput(database, throughput_orders).await;
        }
        if throttled_secs > 0 {
            throttled(throttled_secs).await;
        }
        if memory_orders > 0 {
            memory(memory_orders).await;
        }
    });
}
