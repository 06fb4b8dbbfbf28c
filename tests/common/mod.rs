//! The test harness: the real app on a free port with a fresh database (SQLite file, or a new
//! PostgreSQL database when `TMAS_TEST_POSTGRES_URL` is set), driven over HTTP by a
//! cookie-keeping client like a browser.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use tmas::config::Settings;
use tmas::db::{self, Db, TenantId};
use tmas::domain::account::{Plan, Role};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct-horse-battery-9";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per back end for each named `async fn(TestApp)`; the PostgreSQL ones run
/// when `TMAS_TEST_POSTGRES_URL` is set and say that they were skipped otherwise.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await;
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if !$crate::common::postgres_configured() {
                        eprintln!("skipped: set TMAS_TEST_POSTGRES_URL to run on PostgreSQL");
                        return;
                    }
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await;
                    super::$name(app).await;
                }
            )*
        }
    };
}

pub fn postgres_configured() -> bool {
    std::env::var("TMAS_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/tmas.db", dir.display()),
        Backend::Postgres => {
            let admin_url = std::env::var("TMAS_TEST_POSTGRES_URL").expect("postgres url");
            let name = format!("tmas_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::PgPool::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create a test database");
            admin.close().await;
            replace_database_name(&admin_url, &name)
        }
    }
}

fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub struct TestApp {
    pub address: SocketAddr,
    pub db: Db,
    pub backend: Backend,
    pub settings: Settings,
    pub client: reqwest::Client,
    pub dir: Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn settings_for(dir: &std::path::Path, database_url: String) -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.to_path_buf(),
        database_url: Some(database_url),
        secret_key_file: Some(dir.join("secret.key")),
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
    }
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns with settings adjusted by `adjust` (e.g. a simulator URL).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database_url(backend, dir.path()).await;
        let mut settings = settings_for(dir.path(), url);
        adjust(&mut settings);
        let state = tmas::startup::prepare(&settings)
            .await
            .expect("prepare app");
        let db = state.db.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = tmas::startup::serve(state, listener, false, async move {
                let _ = stopped.await;
            })
            .await;
        });
        let app = TestApp {
            address,
            db,
            backend,
            settings,
            client: new_client(),
            dir: Arc::new(dir),
            stop: Some(stop),
        };
        // The server answers only once its start-up (e.g. the setup token) is done.
        let _ = app.client.get(app.url("/healthz")).send().await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// A second browser on the same app (its own cookies).
    pub fn other_browser(&self) -> Browser {
        Browser {
            base: format!("http://{}", self.address),
            client: new_client(),
        }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: format!("http://{}", self.address),
            client: self.client.clone(),
        }
    }

    /// A new browser whose connections come from `ip` (any 127.x.y.z address reaches the
    /// app), so the sign-in throttle sees another client.
    pub fn browser_from(&self, ip: &str) -> Browser {
        Browser {
            base: format!("http://{}", self.address),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .local_address(ip.parse::<std::net::IpAddr>().expect("ip"))
                .build()
                .expect("client"),
        }
    }

    pub async fn create_tenant(&self, name: &str, plan: Plan) -> TenantId {
        db::tenants::create(&self.db, name, plan, "America/Toronto")
            .await
            .expect("create tenant")
            .tenant_id()
    }

    pub async fn create_user(&self, email: &str, role: Role, tenant: Option<TenantId>) -> i64 {
        let hash = tmas::password::hash(PASSWORD.to_string())
            .await
            .expect("hash");
        db::users::create(&self.db, email, &hash, role, tenant, false)
            .await
            .expect("create user")
            .id
    }

    /// A tenant with one user of `role`, signed in on this app's main client.
    pub async fn signed_in(&self, tenant_name: &str, plan: Plan, role: Role) -> TenantId {
        let tenant = self.create_tenant(tenant_name, plan).await;
        let email = format!("{}@{}.example", role.as_str(), tenant_name.to_lowercase());
        self.create_user(&email, role, Some(tenant)).await;
        self.browser().login(&email, PASSWORD).await;
        tenant
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.browser().get(path).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.browser().post_form(path, fields).await
    }
}

/// A cookie-keeping client bound to the app.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("GET")
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// The session's CSRF token, read from a page like a browser would.
    pub async fn csrf(&self) -> String {
        let (_, body) = self.text("/login").await;
        hidden_inputs(&body)
            .remove("csrf")
            .expect("the page carries a csrf field")
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{}", self.base, path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, email: &str, password: &str) {
        let response = self
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed: {}",
            response.text().await.unwrap_or_default()
        );
    }
}

/// Hidden inputs of an HTML page (name → value), as a script copies them back.
pub fn hidden_inputs(html: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for tag in html.split('<').filter(|t| t.starts_with("input")) {
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
            found.entry(name).or_insert(value);
        }
    }
    found
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(html_unescape(&tag[start..end]))
}

pub fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The text a person reads: the page without its tags (attributes hold machine values, such
/// as a date field's `2026-03-02`, that nobody reads).
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `text` holds an ISO date (`2026-03-02`).
pub fn has_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(10).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
    })
}

pub fn location_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn tmas_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tmas"))
}

/// A calendar date the test knows to be valid.
pub fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Today in America/Toronto, the time zone of the tenants `create_tenant` makes.
pub fn toronto_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Toronto)
        .date_naive()
}

/// An amount as the English pages show it: `12,345.67`.
pub fn shown(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let units = (minor.abs() / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", minor.abs() % 100)
}

/// Polls `done` every 100 ms until it holds; fails naming `what` after `limit` (a bound on a
/// hang, not a measure of speed).
pub async fn wait_for(what: &str, limit: std::time::Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub mod sim;
#[allow(unused_imports)]
pub use sim::{client, client_config, end_date, everything, one_shop, store};
pub mod bulk;
pub mod mail;
pub mod traffic;
