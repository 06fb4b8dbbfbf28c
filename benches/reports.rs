//! Reports benchmark (a documented command, not a test):
//!
//! ```sh
//! cargo bench --bench reports                       # SQLite in a temporary folder
//! REPORTS_BENCH_DATABASE_URL=postgres://… cargo bench --bench reports   # an empty PostgreSQL database
//! ```
//!
//! Fills 100 locations × 365 days × 24 hours of `hourly_totals` (876,000 rows) for one tenant,
//! serves the app in this process, signs in, then prints the server time of the totalization
//! report (the year, all locations, by day, week and month; its detail's first and last page),
//! of a full-year CSV export (hourly and
//! daily) and of the XLSX export (daily), and the dashboard's requests per second at 64
//! concurrent connections measured by `wrk -t2 -c64 -d10s` beside `/healthz` (one trivial SQL
//! query) on the same app.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Duration as Days;
use tmas::config::Settings;
use tmas::db::TenantId;
use tmas::domain::account::{Plan, Role};

const LOCATIONS: i64 = 100;
const DAYS: i64 = 365;
const PASSWORD: &str = "bench-password-123456";

fn main() {
    // `RUST_LOG=sqlx::query=debug` prints every statement with its time.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}

async fn fill(db: &tmas::db::Db, tenant: TenantId, today: chrono::NaiveDate) {
    let mut ids = Vec::new();
    for i in 0..LOCATIONS {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO locations (tenant_id, location_id, name, time_zone, status, created_at)
             VALUES ($1, $2, $3, 'America/Toronto', 'active', 0) RETURNING id",
        )
        .bind(tenant.0)
        .bind(format!("S-{i:03}"))
        .bind(format!("Store {i}"))
        .fetch_one(&db.pool)
        .await
        .expect("location");
        ids.push(id);
    }
    let first = today - Days::days(DAYS - 1);
    let per_statement = 400;
    let mut rows: Vec<(i64, String, i64)> = Vec::with_capacity(per_statement);
    let mut seed: u64 = 42;
    let started = Instant::now();
    let mut tx = db.pool.begin().await.expect("transaction");
    for (n, id) in ids.iter().enumerate() {
        for d in 0..DAYS {
            let date = (first + Days::days(d)).to_string();
            for hour in 0..24 {
                rows.push((*id, date.clone(), hour));
                if rows.len() == per_statement {
                    insert(&mut tx, tenant, &rows, &mut seed).await;
                    rows.clear();
                }
            }
        }
        if n % 10 == 9 {
            tx.commit().await.expect("commit");
            tx = db.pool.begin().await.expect("transaction");
        }
    }
    if !rows.is_empty() {
        insert(&mut tx, tenant, &rows, &mut seed).await;
    }
    tx.commit().await.expect("commit");
    println!(
        "filled {} hourly rows in {:.1} s",
        LOCATIONS * DAYS * 24,
        started.elapsed().as_secs_f64()
    );
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: TenantId,
    rows: &[(i64, String, i64)],
    seed: &mut u64,
) {
    let mut sql = String::from(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts, returns, net, transactions, items, edited) VALUES ",
    );
    // Every row binds its own tenant: SQLite numbers a repeated `$1` as a new parameter.
    for i in 0..rows.len() {
        let b = i * 10;
        if i > 0 {
            sql.push(',');
        }
        let placeholders: Vec<String> = (1..=10).map(|k| format!("${}", b + k)).collect();
        sql.push_str(&format!("({}, 0)", placeholders.join(", ")));
    }
    let mut query = sqlx::query(&sql);
    for (location, date, hour) in rows {
        // A small linear congruential generator: repeatable numbers without a dependency.
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = (*seed >> 33) as i64;
        let gross = 1000 + r % 50_000;
        let discounts = gross / 20;
        let returns = if r % 7 == 0 { 1500 } else { 0 };
        query = query
            .bind(tenant.0)
            .bind(*location)
            .bind(date.clone())
            .bind(*hour)
            .bind(gross)
            .bind(discounts)
            .bind(returns)
            .bind(gross - discounts - returns)
            .bind(1 + r % 9)
            .bind(1 + r % 20);
    }
    query.execute(&mut **tx).await.expect("insert hours");
}

/// Signs in with plain HTTP and returns the session cookie (`name=value`).
async fn sign_in(base: &str, email: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    // A visitor gets no stored session, only the pre-session cookie its form's token is
    // bound to: send back every cookie the page set.
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    assert!(!cookie.is_empty(), "the sign-in page sets a cookie");
    let html = page.text().await.expect("body");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf field")
        .to_string();
    let response = client
        .post(format!("{base}/login"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 303, "sign-in failed");
    session_cookie(&response).expect("a session cookie after signing in")
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tmas_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// The median time of `runs` requests of `path`, the first one's time, and the body size.
async fn time(base: &str, cookie: &str, path: &str, runs: usize) -> (Duration, Duration, usize) {
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let response = client
            .get(format!("{base}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        size = response.bytes().await.expect("body").len();
        times.push(started.elapsed());
    }
    let first = times[0];
    times.sort();
    (times[times.len() / 2], first, size)
}

fn wrk(url: &str, cookie: &str) -> (f64, String) {
    let output = Command::new("wrk")
        .args(["-t2", "-c64", "-d10s", "--latency", "-H"])
        .arg(format!("Cookie: {cookie}"))
        .arg(url)
        .output()
        .expect("wrk is installed");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .unwrap_or("")
        .trim()
        .to_string();
    let p99 = text
        .lines()
        .find(|l| l.trim_start().starts_with("99%"))
        .unwrap_or("")
        .trim()
        .to_string();
    (rps, format!("p99 {p99} {non_2xx}"))
}

async fn run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("REPORTS_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/tmas.db", dir.path().display()));
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(url.clone()),
        secret_key_file: Some(dir.path().join("secret.key")),
        shopify_url: tmas::config::DEFAULT_SHOPIFY_URL.into(),
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
    let db = state.db.clone();
    println!("back end: {:?}", db.backend);
    let tenant = tmas::db::tenants::create(&db, "Bench", Plan::Enterprise, "America/Toronto")
        .await
        .expect("tenant")
        .tenant_id();
    let hash = tmas::password::hash(PASSWORD.into()).await.expect("hash");
    tmas::db::users::create(
        &db,
        "manager@bench.example",
        &hash,
        Role::Manager,
        Some(tenant),
        false,
    )
    .await
    .expect("user");
    let today = tmas::web::reports::today_in("America/Toronto");
    fill(&db, tenant, today).await;
    // As autovacuum would have by the time anyone reads a year: without statistics the
    // planner takes the freshly filled tables for empty ones.
    if db.backend == tmas::db::Backend::Postgres {
        for table in ["hourly_totals", "daily_totals"] {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(&db.pool)
                .await
                .ok();
        }
    }

    // The same app twice on one database: as it is, and with a cache that keeps nothing
    // (every request reads the totals, as before the cache existed). Sessions live in the
    // database, so one sign-in serves both.
    let mut uncached_state = state.clone();
    uncached_state.totals_cache = std::sync::Arc::new(tmas::totals_cache::TotalsCache::new(0));
    let mut bases = Vec::new();
    for state in [uncached_state, state] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        bases.push(format!(
            "http://{}",
            listener.local_addr().expect("address")
        ));
        tokio::spawn(async move {
            let _ = tmas::startup::serve(state, listener, false, std::future::pending()).await;
        });
    }
    let (uncached, base) = (bases[0].clone(), bases[1].clone());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cookie = sign_in(&base, "manager@bench.example").await;

    let from = today - Days::days(DAYS - 1);
    let year = format!("from={from}&to={today}");
    println!(
        "\nserver time (median of the runs, one request at a time): without the cache / with it \
         (its first request, which fills the cache)"
    );
    for (name, path, runs) in [
        (
            "totalization report, year, 100 locations, by day",
            format!("/reports/totals?{year}&granularity=day"),
            5,
        ),
        (
            "totalization report, year, 100 locations, by day, last page of the detail",
            format!("/reports/totals?{year}&granularity=day&page=20"),
            5,
        ),
        (
            "totalization report, year, 100 locations, by week",
            format!("/reports/totals?{year}&granularity=week"),
            5,
        ),
        (
            "totalization report, year, 100 locations, by month",
            format!("/reports/totals?{year}&granularity=month"),
            5,
        ),
        (
            "CSV export, year, 100 locations, hourly (876,000 rows)",
            format!("/reports/export.csv?{year}&granularity=hour"),
            3,
        ),
        (
            "CSV export, year, 100 locations, daily (36,500 rows)",
            format!("/reports/export.csv?{year}&granularity=day"),
            5,
        ),
        (
            "XLSX export, year, 100 locations, daily (36,500 rows)",
            format!("/reports/export.xlsx?{year}&granularity=day"),
            3,
        ),
        ("dashboard", "/".to_string(), 5),
    ] {
        let (before, _, size) = time(&uncached, &cookie, &path, runs).await;
        let (took, first, _) = time(&base, &cookie, &path, runs).await;
        println!(
            "  {name}: {:.1} ms / {:.1} ms ({:.1} ms) ({:.1} MB)",
            before.as_secs_f64() * 1000.0,
            took.as_secs_f64() * 1000.0,
            first.as_secs_f64() * 1000.0,
            size as f64 / 1e6
        );
    }

    println!("\nwrk -t2 -c64 -d10s (same process, same machine):");
    let url_dashboard = format!("{base}/");
    let url_uncached = format!("{uncached}/");
    let url_health = format!("{base}/healthz");
    let (health, h_note) = tokio::task::spawn_blocking({
        let c = cookie.clone();
        move || wrk(&url_health, &c)
    })
    .await
    .expect("wrk");
    let (dash, d_note) = tokio::task::spawn_blocking({
        let c = cookie.clone();
        move || wrk(&url_dashboard, &c)
    })
    .await
    .expect("wrk");
    let (before, b_note) = tokio::task::spawn_blocking({
        let c = cookie.clone();
        move || wrk(&url_uncached, &c)
    })
    .await
    .expect("wrk");
    println!("  /healthz:  {health:.0} requests/s ({h_note})");
    println!("  dashboard: {dash:.0} requests/s ({d_note})");
    println!("  dashboard without the cache: {before:.0} requests/s ({b_note})");
    println!(
        "  ratio dashboard / healthz: {:.3} (without the cache: {:.3})",
        dash / health.max(1.0),
        before / health.max(1.0)
    );
}
