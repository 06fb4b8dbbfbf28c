//! The sign-in memory benchmark (a documented command, not a test):
//!
//! ```sh
//! cargo bench --bench sign_in_memory
//! BENCH_SIGN_INS=3500 BENCH_ADDRESSES=300 cargo bench --bench sign_in_memory
//! ```
//!
//! Starts `tmas serve --no-worker` as its own process with 20 accounts, then sends
//! `BENCH_SIGN_INS` (default 3,500) wrong sign-ins from `BENCH_ADDRESSES` (default 300) client
//! addresses (127.0.1.1, 127.0.1.2, … on the loopback), 32 at a time: wrong passwords for the
//! real accounts and unknown emails, each checked with argon2id (an unknown email against the
//! dummy hash). Prints the server's resident memory when idle, its peak (VmHWM) and after the
//! burst, and fails when the peak exceeds idle + 100 MiB.

mod support;

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::env_number;

const ACCOUNTS: usize = 20;
const PASSWORD: &str = "correct-horse-battery-9";
const CONCURRENCY: usize = 32;
const ALLOWANCE_MIB: f64 = 100.0;

/// A field of `/proc/<pid>/status` in MiB (VmRSS, VmHWM).
fn memory_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn tmas(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tmas"));
    command
        .env_remove("DATABASE_URL")
        .env("TMAS_DATA_DIR", dir)
        .env("RUST_LOG", "warn");
    command
}

/// The CSRF field of the sign-in page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\"").expect("a csrf field");
    let tag_start = page[..at].rfind('<').unwrap_or(0);
    let tag = &page[tag_start..];
    let value = tag.split("value=\"").nth(1).expect("a value");
    value[..value.find('"').expect("a closing quote")].to_string()
}

fn main() {
    let sign_ins = env_number("BENCH_SIGN_INS", 3_500) as usize;
    let addresses = env_number("BENCH_ADDRESSES", 300).clamp(1, 60_000) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let out = tmas(dir.path())
            .args(args)
            .env("TMAS_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .expect("tmas runs");
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    run(&[
        "admin",
        "create-tenant",
        "--name",
        "Acme",
        "--plan",
        "retail",
    ]);
    for n in 0..ACCOUNTS {
        let email = format!("user{n}@acme.example");
        run(&[
            "admin",
            "create-user",
            "--email",
            &email,
            "--role",
            "manager",
            "--tenant",
            "Acme",
        ]);
    }
    let mut server = tmas(dir.path())
        .args(["serve", "--no-worker", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("tmas serve");
    let pid = server.id();
    let address = BufReader::new(server.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("TMAS is listening on ").map(str::to_string))
        .expect("the server prints its address");
    let port: u16 = address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (idle, peak, after, elapsed, answered) = runtime.block_on(async move {
        // Warm: a page and one sign-in, so that idle memory includes a hash's first run.
        let warm = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let page = warm
            .get(format!("http://127.0.0.1:{port}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let _ = warm
            .post(format!("http://127.0.0.1:{port}/login"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("email", "user0@acme.example"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle = memory_mib(pid, "VmRSS:");

        let next = Arc::new(AtomicU64::new(0));
        let answered = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..CONCURRENCY {
            let next = next.clone();
            let answered = answered.clone();
            workers.push(tokio::spawn(async move {
                let mut clients: std::collections::HashMap<usize, (reqwest::Client, String)> =
                    std::collections::HashMap::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if n >= sign_ins {
                        break;
                    }
                    let from = n % addresses;
                    let ip = IpAddr::V4(Ipv4Addr::new(
                        127,
                        0,
                        1 + (from / 250) as u8,
                        1 + (from % 250) as u8,
                    ));
                    if let std::collections::hash_map::Entry::Vacant(slot) = clients.entry(from) {
                        let client = reqwest::Client::builder()
                            .cookie_store(true)
                            .local_address(ip)
                            .build()
                            .unwrap();
                        let page = client
                            .get(format!("http://127.0.0.1:{port}/login"))
                            .send()
                            .await
                            .unwrap()
                            .text()
                            .await
                            .unwrap();
                        slot.insert((client, csrf_of(&page)));
                    }
                    let (client, csrf) = &clients[&from];
                    // Every fourth try a real account with a wrong password, else unknown.
                    let email = if n.is_multiple_of(4) {
                        format!("user{}@acme.example", (n / 4) % ACCOUNTS)
                    } else {
                        format!("nobody{n}@acme.example")
                    };
                    let response = client
                        .post(format!("http://127.0.0.1:{port}/login"))
                        .form(&[
                            ("csrf", csrf.as_str()),
                            ("email", email.as_str()),
                            ("password", "wrong-guess-123"),
                        ])
                        .send()
                        .await
                        .unwrap();
                    assert!(response.status().is_client_error(), "{}", response.status());
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
        let elapsed = started.elapsed();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let peak = memory_mib(pid, "VmHWM:");
        let after = memory_mib(pid, "VmRSS:");
        (idle, peak, after, elapsed, answered.load(Ordering::Relaxed))
    });
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "sign-in memory: {answered} wrong sign-ins from {addresses} addresses in {:.1} s; server resident memory idle {idle:.0} MiB, peak {peak:.0} MiB (+{:.0}), after {after:.0} MiB",
        elapsed.as_secs_f64(),
        peak - idle
    );
    assert!(
        peak - idle <= ALLOWANCE_MIB,
        "the peak exceeds idle + {ALLOWANCE_MIB} MiB"
    );
}
