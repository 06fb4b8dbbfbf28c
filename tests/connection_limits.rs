//! Slow clients cannot hold the server: a request body must arrive within the body time limit
//! (408, then the connection closes), and connections beyond the cap wait for a place while
//! those already open are served.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A sign-in whose body promises 100 bytes and sends 7, then stalls.
async fn stalled_body(app: &TestApp) -> TcpStream {
    stalled_body_in(app, "en").await
}

async fn stalled_body_in(app: &TestApp, language: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: tmas\r\nAccept-Language: {language}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100\r\n\r\nemail=a"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// Everything the server sends until it closes the connection (or `limit` passes).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) => return (String::from_utf8_lossy(&answer).into_owned(), true),
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Ok(Err(_)) => return (String::from_utf8_lossy(&answer).into_owned(), true),
            Err(_) => return (String::from_utf8_lossy(&answer).into_owned(), false),
        }
    }
}

async fn healthz(client: &reqwest::Client, app: &TestApp) -> reqwest::StatusCode {
    client
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_are_cut_with_408_while_others_are_served() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.body_read_timeout = 2;
        s.max_connections = 16;
    })
    .await;
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..10 {
        stalled.push(stalled_body(&app).await);
    }
    let mut spanish = stalled_body_in(&app, "es-ES,es;q=0.9").await;
    // Others are served at once while the ten bodies stall.
    let client = common::new_client();
    for _ in 0..5 {
        assert_eq!(healthz(&client, &app).await, 200);
    }
    let (_, page) = app.browser().text("/login").await;
    assert!(page.contains("password"));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "served while bodies stall: {:?}",
        started.elapsed()
    );
    // Each stalled body is answered 408 when its time is up, and its connection closed.
    for stream in &mut stalled {
        let (answer, closed) = read_until_closed(stream, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        assert!(closed, "the connection is closed after the 408");
    }
    let (answer, closed) = read_until_closed(&mut spanish, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("El cuerpo de la petición no llegó en 2 segundos"),
        "{answer}"
    );
    assert!(closed);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1900) && waited < Duration::from_secs(8),
        "cut after the 2 s limit: {waited:?}"
    );
    // A body that arrives in time is read as usual.
    let response = app
        .browser()
        .post_form(
            "/login",
            &[
                ("email", "nobody@acme.example"),
                ("password", "wrong-password"),
            ],
        )
        .await;
    assert_eq!(response.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_without_harming_those_served() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        // Long enough that the stalled bodies surely hold their places while the rest of
        // the test runs, however loaded the machine (no timing is asserted).
        s.body_read_timeout = 10;
        s.max_connections = 3;
    })
    .await;
    // One client holds a kept-alive connection.
    let kept = common::new_client();
    assert_eq!(healthz(&kept, &app).await, 200);
    // Two stalled bodies take the other places.
    let mut stalled = vec![stalled_body(&app).await, stalled_body(&app).await];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    // A new connection waits for a place...
    let newcomer = {
        let app_url = app.url("/healthz");
        tokio::spawn(async move {
            let client = common::new_client();
            let status = client
                .get(app_url)
                .timeout(Duration::from_secs(20))
                .send()
                .await
                .unwrap()
                .status();
            (status, Instant::now())
        })
    };
    // ...while the kept-alive connection is served at once.
    for _ in 0..3 {
        assert_eq!(healthz(&kept, &app).await, 200);
    }
    assert!(
        !newcomer.is_finished(),
        "the newcomer waits for a place while the open connection is served"
    );
    for stream in &mut stalled {
        let (answer, closed) = read_until_closed(stream, Duration::from_secs(30)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(closed);
    }
    let (status, served_at) = newcomer.await.unwrap();
    assert_eq!(status, 200, "served once a stalled connection was cut");
    assert!(served_at > started);
}

#[test]
fn limits_are_settings_with_defaults() {
    use clap::Parser;
    let defaults = tmas::config::Cli::try_parse_from(["tmas"])
        .unwrap()
        .settings;
    assert_eq!(
        (defaults.body_read_timeout, defaults.max_connections),
        (30, 512)
    );
    let set = tmas::config::Cli::try_parse_from([
        "tmas",
        "serve",
        "--body-read-timeout",
        "5",
        "--max-connections",
        "7",
    ])
    .unwrap()
    .settings;
    assert_eq!((set.body_read_timeout, set.max_connections), (5, 7));
    let settings = common::settings_for(std::path::Path::new("."), "sqlite://x.db".into());
    assert!(settings.validate().is_ok());
    let mut bad = settings.clone();
    bad.body_read_timeout = 0;
    assert!(bad.validate().unwrap_err().contains("--body-read-timeout"));
    let mut bad = settings;
    bad.max_connections = 0;
    assert!(bad.validate().unwrap_err().contains("--max-connections"));
}
