//! A small WebDriver client (the W3C protocol over HTTP, with reqwest and serde_json) driving
//! headless Chromium through chromedriver, for tests that use the app like a person.
//! Included with `#[path = "common/webdriver.rs"] mod webdriver;`.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether the browser and its driver are installed. Without them a browser test prints that
/// it was skipped, unless `TMAS_REQUIRE_BROWSER=1` makes it fail.
pub fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("TMAS_REQUIRE_BROWSER").ok().as_deref() != Some("1"),
            "TMAS_REQUIRE_BROWSER=1 but chromium/chromedriver is not installed"
        );
        println!("skipped: chromium/chromedriver not installed");
    }
    present
}

/// A chromedriver process and one browser session in it.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // `quit` ends the browser; this only makes sure the driver never outlives the test.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium with a fresh profile.
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http
                .get(format!("{base}/status"))
                .send()
                .await
                .ok()
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                        format!("--user-data-dir={}", profile.path().display()),
                    ]
                }
            }}
        });
        let mut browser = Browser {
            driver,
            http,
            base,
            session: String::new(),
            _profile: profile,
        };
        let answer = browser.call("POST", "/session", capabilities).await;
        browser.session = answer["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.base, path);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body),
        };
        let response = request.send().await.expect("webdriver request");
        let status = response.status();
        let value: Value = response.json().await.expect("webdriver answer");
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    async fn session_call(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{}", self.session, path);
        let mut answer = self.call(method, &path, body).await;
        answer["value"].take()
    }

    pub async fn goto(&self, url: &str) {
        self.session_call("POST", "/url", json!({ "url": url }))
            .await;
    }

    pub async fn url(&self) -> String {
        self.session_call("GET", "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.session_call("GET", "/source", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> String {
        let found = self
            .session_call(
                "POST",
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.session_call("POST", &format!("/element/{element}/clear"), json!({}))
            .await;
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.session_call("POST", &format!("/element/{element}/click"), json!({}))
            .await;
    }

    /// Waits until the address satisfies `done` (a click that submits a form navigates).
    pub async fn wait_for_url(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let url = self.url().await;
            if done(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "still at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's source satisfies `done` (a form answered on the same address).
    pub async fn wait_for_page(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = self.source().await;
            if done(&page) {
                return page;
            }
            assert!(Instant::now() < deadline, "the page never matched: {page}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Signs in on the app's sign-in page at `login_url` and waits until it leads elsewhere.
    pub async fn sign_in(&self, login_url: &str, email: &str, password: &str) {
        self.goto(login_url).await;
        self.type_into("input[name=email]", email).await;
        self.type_into("input[name=password]", password).await;
        self.click("form button[type=submit]").await;
        self.wait_for_url(|u| !u.ends_with("/login")).await;
    }

    /// Switches the interface language (`en`, `es`) with the switcher at the foot of the
    /// page, and waits for the page in that language.
    pub async fn choose_language(&self, lang: &str) {
        self.click(&format!(
            "form.language select[name=lang] option[value={lang}]"
        ))
        .await;
        self.click("form.language button[type=submit]").await;
        let marker = format!("lang=\"{lang}\"");
        self.wait_for_page(|p| p.contains(&marker)).await;
    }

    /// The page's width and the window's (a page wider than its window scrolls sideways).
    pub async fn widths(&self) -> (i64, i64) {
        let answer = self
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        (
            answer[0].as_i64().expect("scrollWidth"),
            answer[1].as_i64().expect("innerWidth"),
        )
    }

    /// Runs a script in the page and returns what it returns (`return …;`).
    pub async fn execute(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Runs a script that finishes by calling its last argument, and returns what it passed.
    pub async fn execute_async(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// The axe-core accessibility violations of the page (WCAG 2 A and AA rules), one line
    /// each: rule, count and the first elements. axe-core is vendored under `tests/assets`.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        const AXE: &str = include_str!("../assets/axe.min.js");
        let script = format!(
            "var done = arguments[arguments.length - 1];\n{AXE}\n\
             axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'best-practice'] }} }})\
               .then(function (r) {{ done(r.violations.map(function (v) {{\
                 return v.id + ' (' + v.nodes.length + '): ' + v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }}).join(' | ');\
               }})); }}, function (e) {{ done(['axe failed: ' + e]); }});"
        );
        let answer = self.execute_async(&script).await;
        answer
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn set_window(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// A PNG of the viewport, saved under `TMAS_SCREENSHOTS` when set (for looking at pages).
    pub async fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("TMAS_SCREENSHOTS") else {
            return;
        };
        use base64::Engine;
        let data = self.session_call("GET", "/screenshot", Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), bytes).expect("write");
    }

    /// Ends the browser session.
    pub async fn quit(mut self) {
        let path = format!("/session/{}", self.session);
        let _ = self
            .http
            .delete(format!("{}{}", self.base, path))
            .send()
            .await;
        self.session.clear();
    }
}
