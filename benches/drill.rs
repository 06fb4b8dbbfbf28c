//! The load and fault drill (a documented command, not a test):
//!
//! ```sh
//! cargo bench --bench drill                 # 10,000 requests per route, 64 connections
//! DRILL_REQUESTS=2000 cargo bench --bench drill
//! ```
//!
//! Starts `tmas demo` (release build) as its own process — SQLite, the embedded simulator and
//! the worker importing 90 days of history — signs in as the demo manager, and while the
//! worker imports (the demo admin launches a 90-day backfill again every two seconds, so the
//! worker is re-importing the whole history for the entire drill) sends the dashboard, the
//! totalization report and the CSV export each
//! `DRILL_REQUESTS` requests over 64 concurrent connections. Prints requests/s, p50/p99
//! latency, errors (must be 0) and the service's peak memory, then its idle memory once the
//! import has settled.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 64;

struct Demo {
    child: Child,
    base: String,
    logins: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo() -> Demo {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tmas"))
        .args(["demo", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tmas demo");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let mut base = String::new();
    let mut logins = Vec::new();
    for line in lines.by_ref() {
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://"))
            && base.is_empty()
        {
            base = url.trim_end_matches('/').to_string();
        }
        if let Some(rest) = line.trim().strip_prefix("email: ") {
            let mut words = rest.split_whitespace();
            if let (Some(email), Some("password:"), Some(password)) =
                (words.next(), words.next(), words.next())
            {
                logins.push((email.to_string(), password.to_string()));
            }
        }
        if !base.is_empty() && logins.len() >= 2 {
            break;
        }
    }
    // Keep draining the demo's output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    assert!(
        !base.is_empty() && !logins.is_empty(),
        "the demo prints its URL and logins"
    );
    Demo {
        child,
        base,
        logins,
        _dir: dir,
    }
}

fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf field")
        .to_string()
}

/// Keeps the worker busy: launches a backfill of the whole history every two seconds until
/// `stop` (a launch while one runs starts nothing new). Returns how many were accepted.
async fn keep_importing(
    admin: reqwest::Client,
    base: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> usize {
    let from = chrono::Utc::now().date_naive() - chrono::Duration::days(89);
    let mut launched = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Ok(page) = admin
            .get(format!("{base}/admin/integrations/1/imports"))
            .send()
            .await
        {
            let csrf = csrf_of(&page.text().await.unwrap_or_default());
            let response = admin
                .post(format!("{base}/admin/integrations/1/imports/backfill"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("backfill_from", from.to_string().as_str()),
                ])
                .send()
                .await;
            if response.is_ok_and(|r| r.status().is_redirection() || r.status().is_success()) {
                launched += 1;
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    launched
}

async fn sign_in(base: &str, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = csrf_of(&page);
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 303, "sign-in of {email}");
    client
}

struct Outcome {
    rps: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

async fn hammer(client: &reqwest::Client, url: String, requests: usize) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, next, errors) =
            (client.clone(), url.clone(), next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t = Instant::now();
                let ok = match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                latencies.push(t.elapsed());
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for task in tasks {
        all.extend(task.await.expect("load task"));
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Outcome {
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

#[tokio::main]
async fn main() {
    let requests: usize = std::env::var("DRILL_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let started = Instant::now();
    let demo = start_demo();
    let pid = demo.child.id();
    let (email, password) = demo
        .logins
        .iter()
        .find(|(e, _)| e.starts_with("manager"))
        .unwrap_or(&demo.logins[0])
        .clone();
    let client = sign_in(&demo.base, &email, &password).await;
    let (admin_email, admin_password) = demo
        .logins
        .iter()
        .find(|(e, _)| e.starts_with("admin"))
        .expect("a demo admin")
        .clone();
    let admin = sign_in(&demo.base, &admin_email, &admin_password).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let importer = tokio::spawn(keep_importing(admin, demo.base.clone(), stop.clone()));
    println!(
        "tmas demo up in {:.1}s (pid {pid}); {requests} requests per route, {CONNECTIONS} connections, worker importing",
        started.elapsed().as_secs_f64()
    );
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(29);
    let routes = [
        ("dashboard", "/".to_string()),
        (
            "totals report (30 days, by day)",
            format!("/reports/totals?from={from}&to={today}&granularity=day"),
        ),
        (
            "CSV export (30 days, hourly)",
            format!("/reports/export.csv?from={from}&to={today}&granularity=hour"),
        ),
    ];
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>7}",
        "route", "req/s", "p50 ms", "p99 ms", "errors"
    );
    let mut total_errors = 0;
    for (name, path) in routes {
        let outcome = hammer(&client, format!("{}{}", demo.base, path), requests).await;
        total_errors += outcome.errors;
        println!(
            "{:<34} {:>9.0} {:>9.2} {:>9.2} {:>7}",
            name,
            outcome.rps,
            outcome.p50.as_secs_f64() * 1000.0,
            outcome.p99.as_secs_f64() * 1000.0,
            outcome.errors
        );
    }
    stop.store(true, Ordering::Relaxed);
    let launched = importer.await.unwrap_or(0);
    println!(
        "backfills of the whole history launched during the drill: {launched} (the worker was importing throughout)"
    );
    println!(
        "peak memory of the service under load: {:.1} MiB (VmHWM)",
        memory_kib(pid, "VmHWM:") as f64 / 1024.0
    );
    tokio::time::sleep(Duration::from_secs(20)).await;
    println!(
        "idle memory of the service after the drill: {:.1} MiB (VmRSS)",
        memory_kib(pid, "VmRSS:") as f64 / 1024.0
    );
    println!("errors: {total_errors} (must be 0)");
    if total_errors > 0 {
        std::process::exit(1);
    }
}
