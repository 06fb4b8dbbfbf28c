//! Scale benchmark (a documented command, not a test; it prints figures and asserts no time):
//!
//! ```sh
//! TMAS_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench scale
//! ```
//!
//! Many tenants on one PostgreSQL database, each with one integration of 5–50 locations on an
//! hourly schedule, against an embedded simulator whose shops each had a realistic hour of
//! new POS orders and refunds. All integrations fall due at the same minute (the worst case:
//! every tenant picked the same one); then 1, 2 and 4 `tmas worker` processes run that
//! hourly round, one count after the other on the same data. For each it prints the time for
//! the whole round, the longest wait of an integration past its due minute, the database
//! connections used (the most seen at once in `pg_stat_activity`), and whether the stored
//! hourly totals of a sample of tenants equal the simulator's to the cent.
//!
//! Knobs: `SCALE_TENANTS` (default 5,000), `SCALE_WORKERS` (default `1,2,4`),
//! `SCALE_ORDERS_PER_LOCATION_HOUR` (average new orders per location in the hour, default 8;
//! about one order in 16 also gets a refund), `SCALE_SAMPLE` (tenants checked, default 25),
//! `SCALE_THROTTLED=1` (Shopify's standard plan rate limit instead of none),
//! `SCALE_DELAY_MS` (the simulated Shopify's response time: every request of every shop is
//! answered that many milliseconds late, default 0), `SCALE_CONCURRENT_IMPORTS` (imports each
//! worker process runs at once, its `--concurrent-imports`, default 4). The shops' rate limits
//! and response times are off by default so the figures are TMAS's own; with a response time
//! the workers mostly wait, as they do against the real Shopify. The database is created
//! fresh (`tmas_scale_…`) on the server of `TMAS_BENCH_POSTGRES_URL` and dropped at the end.

mod support;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::{Connection, PgConnection, PgPool};
use support::env_number;
use tmas::config::Settings;
use tmas::crypto::StoredCredentials;
use tmas::sim::{OrderSpec, RefundSpec, ShopSpec, SimConfig, SimHandle};

/// SplitMix64: repeatable numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

const ZONES: [Tz; 5] = [
    chrono_tz::America::Toronto,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Europe::Madrid,
    chrono_tz::America::Mexico_City,
    chrono_tz::Asia::Tokyo,
];

/// One tenant of the benchmark and its simulated shop.
struct Tenant {
    shop: String,
    time_zone: Tz,
    /// Shopify location ids of the shop, the TMAS locations they are matched to.
    locations: Vec<i64>,
    tenant_id: i64,
    integration_id: i64,
}

async fn fresh_database(admin_url: &str) -> (String, String) {
    let name = format!("tmas_scale_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(admin_url)
        .await
        .expect("connect to the PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create the benchmark database");
    let _ = admin.close().await;
    let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let server = &base[..base.rfind('/').expect("a database name in the URL")];
    let url = if query.is_empty() {
        format!("{server}/{name}")
    } else {
        format!("{server}/{name}?{query}")
    };
    (url, name)
}

/// The simulator with one shop per tenant: 5–50 active locations, no history.
async fn simulator(
    tenants: u64,
    throttled: bool,
    delay_ms: u64,
    rng: &mut Rng,
) -> (SimHandle, Vec<Tenant>) {
    let today = Utc::now().date_naive();
    let mut config = SimConfig::examples_only();
    config.examples = false;
    let mut planned = Vec::new();
    for n in 0..tenants {
        let shop = format!("scale-{n:05}");
        let time_zone = ZONES[(n % ZONES.len() as u64) as usize];
        let mut spec = ShopSpec::new(&shop, time_zone, "CAD", today);
        spec.days = 1;
        spec.orders_per_day = 0;
        config.shops.push(spec);
        planned.push((shop, time_zone, rng.between(5, 50) as usize));
    }
    let sim = tmas::sim::spawn(config).await;
    let mut out = Vec::new();
    for (shop, time_zone, count) in planned {
        sim.update_faults(&shop, |f| {
            f.unlimited = !throttled;
            f.delay_ms = delay_ms;
        })
        .expect("shop");
        let mut locations: Vec<i64> = sim
            .locations(&shop)
            .expect("shop")
            .into_iter()
            .filter(|(_, active)| *active)
            .map(|(id, _)| id)
            .collect();
        while locations.len() < count {
            let name = format!("Store {}", locations.len() + 1);
            locations.push(sim.add_location(&shop, &name).expect("add location"));
        }
        locations.truncate(count);
        out.push(Tenant {
            shop,
            time_zone,
            locations,
            tenant_id: 0,
            integration_id: 0,
        });
    }
    (sim, out)
}

/// A realistic hour at every location: `per_hour` orders on average, 1–3 lines, one in 16
/// refunded in part minutes later. Returns the orders and refunds added.
fn the_hour(
    sim: &SimHandle,
    tenants: &[Tenant],
    per_hour: u64,
    end: DateTime<Utc>,
    rng: &mut Rng,
) -> (u64, u64) {
    let (mut orders, mut refunds) = (0, 0);
    for t in tenants {
        for &location in &t.locations {
            for _ in 0..rng.between(per_hour / 2, per_hour + per_hour / 2) {
                let at = end - chrono::Duration::seconds(rng.between(120, 3600) as i64);
                let lines: Vec<serde_json::Value> = (0..rng.between(1, 3))
                    .map(|_| {
                        serde_json::json!({
                            "quantity": rng.between(1, 3),
                            "unit_price": rng.between(3, 130) * 100 - 1,
                            "discount": if rng.between(0, 9) == 0 { 100 } else { 0 },
                        })
                    })
                    .collect();
                let spec: OrderSpec = serde_json::from_value(serde_json::json!({
                    "location_id": location,
                    "processed_at": at,
                    "lines": lines,
                }))
                .expect("order spec");
                let id = sim.add_order(&t.shop, &spec).expect("add order");
                orders += 1;
                if rng.between(0, 15) == 0 {
                    let refund: RefundSpec = serde_json::from_value(serde_json::json!({
                        "at": at + chrono::Duration::seconds(60),
                        "location_id": location,
                        "lines": [{ "line_index": 0, "quantity": 1 }],
                    }))
                    .expect("refund spec");
                    sim.add_refund(&t.shop, id, &refund).expect("add refund");
                    refunds += 1;
                }
            }
        }
    }
    (orders, refunds)
}

/// Tenants, locations, integrations and matches, in a few statements of arrays.
async fn set_up_tenants(pool: &PgPool, sim: &SimHandle, key: &[u8; 32], tenants: &mut [Tenant]) {
    let now = tmas::db::now();
    let names: Vec<String> = tenants
        .iter()
        .map(|t| format!("Tenant {}", t.shop))
        .collect();
    let zones: Vec<String> = tenants.iter().map(|t| t.time_zone.name().into()).collect();
    let ids: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO tenants (name, plan, time_zone, created_at)
         SELECT n, 'retail', z, $3 FROM UNNEST($1::TEXT[], $2::TEXT[]) AS u (n, z)
         RETURNING id, name",
    )
    .bind(&names)
    .bind(&zones)
    .bind(now)
    .fetch_all(pool)
    .await
    .expect("tenants");
    let by_name: BTreeMap<String, i64> = ids.into_iter().map(|(id, n)| (n, id)).collect();
    for (t, name) in tenants.iter_mut().zip(&names) {
        t.tenant_id = by_name[name];
    }

    let sealed: Vec<String> = tenants
        .iter()
        .map(|t| {
            StoredCredentials::AccessToken {
                access_token: sim.token(&t.shop).expect("shop"),
            }
            .seal(key)
            .expect("seal")
        })
        .collect();
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "INSERT INTO integrations
             (tenant_id, label, store_name, credential_kind, credentials_enc, credentials_hint,
              status, wizard_step, shop_name, shop_currency, shop_time_zone, taxes_included,
              scopes, schedule_frequency, schedule_minute, schedule_hour, backfill_from,
              created_at, updated_at)
         SELECT t, s || ' POS', s, 'access_token', c, '…sim', 'active', 'done', s, 'CAD', z, 0,
                'read_orders,read_locations', 'hourly', 0, 0, '2000-01-01', $5, $5
         FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[]) AS u (t, s, c, z)
         RETURNING tenant_id, id",
    )
    .bind(tenants.iter().map(|t| t.tenant_id).collect::<Vec<_>>())
    .bind(tenants.iter().map(|t| t.shop.clone()).collect::<Vec<_>>())
    .bind(&sealed)
    .bind(&zones)
    .bind(now)
    .fetch_all(pool)
    .await
    .expect("integrations");
    let by_tenant: BTreeMap<i64, i64> = rows.into_iter().collect();
    for t in tenants.iter_mut() {
        t.integration_id = by_tenant[&t.tenant_id];
    }

    let (mut tenant_ids, mut integration_ids, mut codes, mut names, mut zones, mut shopify) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for t in tenants.iter() {
        for (n, id) in t.locations.iter().enumerate() {
            tenant_ids.push(t.tenant_id);
            integration_ids.push(t.integration_id);
            codes.push(format!("S-{:02}", n + 1));
            names.push(format!("Store {}", n + 1));
            zones.push(t.time_zone.name().to_string());
            shopify.push(id.to_string());
        }
    }
    for start in (0..tenant_ids.len()).step_by(20_000) {
        let end = (start + 20_000).min(tenant_ids.len());
        sqlx::query(
            "WITH l AS (
                 INSERT INTO locations (tenant_id, location_id, name, time_zone, status, created_at)
                 SELECT t, c, n, z, 'active', $7
                 FROM UNNEST($1::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[]) AS u (t, c, n, z)
                 RETURNING tenant_id, id, location_id)
             INSERT INTO integration_locations
                 (tenant_id, integration_id, location_id, shopify_location_id, enabled)
             SELECT l.tenant_id, m.i, l.id, m.s, 1
             FROM l JOIN UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $6::TEXT[])
                     AS m (t, i, c, s) ON m.t = l.tenant_id AND m.c = l.location_id",
        )
        .bind(&tenant_ids[start..end])
        .bind(&integration_ids[start..end])
        .bind(&codes[start..end])
        .bind(&names[start..end])
        .bind(&zones[start..end])
        .bind(&shopify[start..end])
        .bind(now)
        .execute(pool)
        .await
        .expect("locations and matches");
    }
}

/// Back to the start of the round: no facts, no runs, every integration due at `due` with
/// the previous round's watermark an hour before. Each is scheduled at `due`'s minute (every
/// zone of the benchmark is a whole number of hours from UTC), so its next run is an hour
/// later, as in production: scheduled at minute 0, a round started a few minutes before the
/// hour was due again at the hour, and its runs mixed with the next round's.
async fn reset(conn: &mut PgConnection, due: i64, watermark: i64) {
    sqlx::query(
        "TRUNCATE sales, returns, hourly_totals, daily_totals, import_runs, tenant_data_versions",
    )
    .execute(&mut *conn)
    .await
    .expect("truncate");
    sqlx::query(
        "UPDATE integrations SET next_run_at = $1, watermark = $2, lease_owner = NULL,
                lease_until = NULL, run_requested = NULL, backfill_requested_from = NULL,
                schedule_minute = $3",
    )
    .bind(due)
    .bind(watermark)
    .bind((due / 60) % 60)
    .execute(&mut *conn)
    .await
    .expect("reset integrations");
    sqlx::query("VACUUM ANALYZE")
        .execute(&mut *conn)
        .await
        .expect("vacuum");
}

/// CPU seconds (user + system) a process has used, from `/proc/PID/stat`; 0 when gone.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name may hold spaces: the fields counted start after its closing ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are the 14th and 15th fields (11 and 12 after the name), in clock
    // ticks of 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// The whole machine's busy and total CPU seconds so far (every core, every process,
/// other people's too), from `/proc/stat`.
fn machine_cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: f64 = values.iter().sum();
    // idle and iowait are the 4th and 5th values.
    let idle = values.get(3).copied().unwrap_or(0.0) + values.get(4).copied().unwrap_or(0.0);
    ((total - idle) / 100.0, total / 100.0)
}

/// CPU seconds used by the PostgreSQL server processes serving this database's other
/// connections (the workers'), read while they are still connected.
async fn database_backends_cpu(conn: &mut PgConnection) -> f64 {
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    pids.iter().map(|p| cpu_seconds(&p.to_string())).sum()
}

struct Worker(Child);

impl Worker {
    fn start(url: &str, settings: &Settings, sim: &SimHandle, concurrent: u64) -> Worker {
        let child = Command::new(env!("CARGO_BIN_EXE_tmas"))
            .arg("worker")
            .env("TMAS_CONCURRENT_IMPORTS", concurrent.to_string())
            .env("DATABASE_URL", url)
            .env("TMAS_DATA_DIR", &settings.data_dir)
            .env("TMAS_SECRET_KEY_FILE", settings.secret_key_path())
            .env("TMAS_SHOPIFY_URL", sim.base_url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tmas worker");
        Worker(child)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(sqlx::FromRow)]
struct RoundFigures {
    runs: i64,
    failed: i64,
    integrations: i64,
    first_start: Option<i64>,
    longest_wait: Option<i64>,
    last_finish: Option<i64>,
    orders_read: Option<i64>,
    refunds_read: Option<i64>,
}

/// A stored hour: Shopify location, local date, hour, then gross, discounts, returns, net,
/// transactions, items.
type StoredHour = (String, String, i64, i64, i64, i64, i64, i64, i64);

/// Stored hourly totals of a sample of tenants against the simulator's, to the cent.
async fn sample_exact(
    conn: &mut PgConnection,
    sim: &SimHandle,
    sample: &[&Tenant],
) -> (usize, usize) {
    let mut exact = 0;
    for t in sample {
        let rows: Vec<StoredHour> = sqlx::query_as(
            "SELECT il.shopify_location_id, h.local_date, h.hour, h.gross, h.discounts,
                    h.returns, h.net, h.transactions, h.items
             FROM hourly_totals h
             JOIN integration_locations il
               ON il.tenant_id = h.tenant_id AND il.location_id = h.location_id
             WHERE h.tenant_id = $1",
        )
        .bind(t.tenant_id)
        .fetch_all(&mut *conn)
        .await
        .expect("stored totals");
        let stored: BTreeMap<(i64, NaiveDate, u32), [i64; 6]> = rows
            .into_iter()
            .map(|(loc, date, hour, g, d, r, n, tx, i)| {
                (
                    (
                        loc.parse().expect("numeric id"),
                        date.parse().expect("date"),
                        hour as u32,
                    ),
                    [g, d, r, n, tx, i],
                )
            })
            .collect();
        let expected: BTreeMap<(i64, NaiveDate, u32), [i64; 6]> = sim
            .expected_totals(&t.shop)
            .expect("shop")
            .buckets
            .into_iter()
            .map(|(k, h)| {
                (
                    k,
                    [
                        h.gross,
                        h.discounts,
                        h.returns,
                        h.net,
                        h.transactions,
                        h.items,
                    ],
                )
            })
            .collect();
        if stored == expected && !expected.is_empty() {
            exact += 1;
        } else {
            println!(
                "    {}: {} stored hours, {} expected: NOT exact",
                t.shop,
                stored.len(),
                expected.len()
            );
        }
    }
    (exact, sample.len())
}

#[allow(clippy::too_many_arguments)]
async fn round(
    workers: usize,
    concurrent: u64,
    url: &str,
    settings: &Settings,
    sim: &SimHandle,
    conn: &mut PgConnection,
    watermark: i64,
    tenants: &[Tenant],
    sample: &[&Tenant],
) {
    let due = tmas::db::now();
    reset(conn, due, watermark).await;
    let started = Instant::now();
    let bench_cpu_before = cpu_seconds("self");
    let (machine_busy_before, machine_total_before) = machine_cpu_seconds();
    let processes: Vec<Worker> = (0..workers)
        .map(|_| Worker::start(url, settings, sim, concurrent))
        .collect();
    let mut most_connections = 0_i64;
    loop {
        let connections: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("connections");
        most_connections = most_connections.max(connections);
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM integrations
             WHERE (next_run_at IS NOT NULL AND next_run_at <= $1) OR lease_owner IS NOT NULL",
        )
        .bind(due)
        .fetch_one(&mut *conn)
        .await
        .expect("waiting");
        if waiting == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(3 * 3600) {
            println!("  gave up after 3 hours: {waiting} integrations still due");
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let wall = started.elapsed();
    // Where the CPU went, read before the workers (and so their database connections) end.
    let workers_cpu: f64 = processes
        .iter()
        .map(|w| cpu_seconds(&w.0.id().to_string()))
        .sum();
    let database_cpu = database_backends_cpu(conn).await;
    let bench_cpu = cpu_seconds("self") - bench_cpu_before;
    let (machine_busy, machine_total) = machine_cpu_seconds();
    let machine_busy = machine_busy - machine_busy_before;
    let machine_total = machine_total - machine_total_before;
    drop(processes);
    let f: RoundFigures = sqlx::query_as(
        "SELECT COUNT(*) AS runs,
                COUNT(*) FILTER (WHERE outcome <> 'succeeded') AS failed,
                COUNT(DISTINCT integration_id) AS integrations,
                MIN(started_at) - $1 AS first_start,
                (SELECT MAX(s) FROM (SELECT MIN(started_at) AS s FROM import_runs
                                     GROUP BY integration_id) f) - $1 AS longest_wait,
                MAX(finished_at) - $1 AS last_finish,
                CAST(SUM(orders_read) AS BIGINT) AS orders_read,
                CAST(SUM(refunds_read) AS BIGINT) AS refunds_read
         FROM import_runs",
    )
    .bind(due)
    .fetch_one(&mut *conn)
    .await
    .expect("figures");
    let (exact, checked) = sample_exact(conn, sim, sample).await;
    let orders = f.orders_read.unwrap_or(0);
    println!(
        "{workers} worker process(es) × {concurrent} imports at once: round {:.1} s ({:.1} min) for {} of {} integrations, \
         {} runs ({} not succeeded); longest wait past the due minute {} s; \
         {} orders and {} refunds read ({:.0} orders/s); at most {} database connections; \
         totals exact for {exact} of {checked} sampled tenants",
        wall.as_secs_f64(),
        wall.as_secs_f64() / 60.0,
        f.integrations,
        tenants.len(),
        f.runs,
        f.failed,
        f.longest_wait.unwrap_or(-1),
        orders,
        f.refunds_read.unwrap_or(0),
        orders as f64 / wall.as_secs_f64().max(0.001),
        most_connections,
    );
    println!(
        "    CPU seconds in the round: tmas workers {workers_cpu:.0}, their PostgreSQL \
         connections {database_cpu:.0}, simulator and this benchmark {bench_cpu:.0}; the \
         whole machine was busy {machine_busy:.0} of {machine_total:.0} CPU seconds \
         ({:.0} %, everyone's work included)",
        machine_busy / machine_total.max(0.001) * 100.0
    );
    let _ = (f.first_start, f.last_finish);
}

async fn run() {
    let Ok(admin) = std::env::var("TMAS_BENCH_POSTGRES_URL") else {
        println!(
            "set TMAS_BENCH_POSTGRES_URL to a PostgreSQL server the benchmark may create a database on"
        );
        return;
    };
    let tenants_wanted = env_number("SCALE_TENANTS", 5_000);
    let per_hour = env_number("SCALE_ORDERS_PER_LOCATION_HOUR", 8).max(1);
    let sample_size = env_number("SCALE_SAMPLE", 25) as usize;
    let throttled = env_number("SCALE_THROTTLED", 0) == 1;
    let delay_ms = env_number("SCALE_DELAY_MS", 0);
    let concurrent = env_number(
        "SCALE_CONCURRENT_IMPORTS",
        tmas::config::DEFAULT_CONCURRENT_IMPORTS as u64,
    );
    let workers: Vec<usize> = std::env::var("SCALE_WORKERS")
        .unwrap_or_else(|_| "1,2,4".into())
        .split(',')
        .filter_map(|w| w.trim().parse().ok())
        .collect();
    let mut rng = Rng(20_261_129);

    let setup = Instant::now();
    let (url, name) = fresh_database(&admin).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (sim, mut tenants) = simulator(tenants_wanted, throttled, delay_ms, &mut rng).await;
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(url.clone()),
        secret_key_file: Some(dir.path().join("secret.key")),
        shopify_url: sim.base_url(),
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
    let state = tmas::startup::prepare(&settings).await.expect("prepare");
    let pool = PgPool::connect(&url).await.expect("connect");
    set_up_tenants(&pool, &sim, &state.secret_key, &mut tenants).await;
    pool.close().await;
    state.db.pool.close().await;
    let end = Utc::now();
    let (orders, refunds) = the_hour(&sim, &tenants, per_hour, end, &mut rng);
    let locations: usize = tenants.iter().map(|t| t.locations.len()).sum();
    println!(
        "{} tenants, {locations} locations ({:.1} a tenant), one integration each, hourly; the \
         hour: {orders} orders and {refunds} refunds; Shopify rate limit {}, response time \
         {delay_ms} ms; {concurrent} imports at once in each worker; set up in {:.1} s",
        tenants.len(),
        locations as f64 / tenants.len().max(1) as f64,
        if throttled { "standard plan" } else { "off" },
        setup.elapsed().as_secs_f64()
    );
    let step = (tenants.len() / sample_size.max(1)).max(1);
    let sample: Vec<&Tenant> = tenants.iter().step_by(step).take(sample_size).collect();
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    // The previous round ended an hour ago: its watermark is where this one reads from.
    let watermark = end.timestamp() - 3600;
    for w in workers {
        round(
            w, concurrent, &url, &settings, &sim, &mut conn, watermark, &tenants, &sample,
        )
        .await;
    }
    let _ = conn.close().await;
    let mut admin_conn = PgConnection::connect(&admin).await.expect("connect");
    let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin_conn)
        .await;
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
