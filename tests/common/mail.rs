//! The mail sink for tests: a real SMTP server (tests/mail_sink/mail_sink.py, aiosmtpd) with
//! an HTTP API to read the mail back. `.ci/run` starts one and names it in
//! `TMAS_TEST_SMTP_URL` and `TMAS_TEST_MAIL_API`; without them the first test that needs it
//! starts one for the test process, when Python has aiosmtpd. Otherwise mail tests say they
//! were skipped, or fail when `TMAS_REQUIRE_MAIL=1`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct MailSink {
    /// For `--smtp-url`: `smtp://127.0.0.1:PORT?tls=none`.
    pub smtp_url: String,
    /// The sink's HTTP API, e.g. `http://127.0.0.1:PORT`.
    pub api: String,
}

/// One message as the sink received it.
#[derive(Debug, Clone, Deserialize)]
pub struct SunkMail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub headers: std::collections::HashMap<String, String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub raw: String,
}

impl SunkMail {
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or_default()
    }
    pub fn html(&self) -> &str {
        self.html.as_deref().unwrap_or_default()
    }
    /// The first link in the plain-text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text()
            .split_whitespace()
            .find(|word| word.starts_with(prefix))
            .map(str::to_string)
    }
}

/// The sink to use, or `None` (with the reason printed) when there is none here.
pub fn sink() -> Option<MailSink> {
    static SINK: OnceLock<Option<MailSink>> = OnceLock::new();
    let found = SINK.get_or_init(find_or_start).clone();
    if found.is_none() {
        assert!(
            std::env::var("TMAS_REQUIRE_MAIL").as_deref() != Ok("1"),
            "TMAS_REQUIRE_MAIL=1 but no mail sink: set TMAS_TEST_SMTP_URL and \
             TMAS_TEST_MAIL_API, or install aiosmtpd for python3"
        );
        eprintln!(
            "skipped: no mail sink (set TMAS_TEST_SMTP_URL and TMAS_TEST_MAIL_API, or `pip install aiosmtpd`)"
        );
    }
    found
}

fn find_or_start() -> Option<MailSink> {
    if let (Ok(smtp_url), Ok(api)) = (
        std::env::var("TMAS_TEST_SMTP_URL"),
        std::env::var("TMAS_TEST_MAIL_API"),
    ) && !smtp_url.is_empty()
        && !api.is_empty()
    {
        return Some(MailSink { smtp_url, api });
    }
    let has_aiosmtpd = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_aiosmtpd {
        return None;
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail_sink/mail_sink.py");
    // Stops when its standard input closes, i.e. when this test process ends.
    let mut child = Command::new("python3")
        .arg(script)
        .arg("--stop-on-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    // `SMTP 127.0.0.1:PORT API http://127.0.0.1:PORT`
    let words: Vec<&str> = line.split_whitespace().collect();
    let [_, smtp, _, api] = words[..] else {
        let _ = child.kill();
        return None;
    };
    let sink = MailSink {
        smtp_url: format!("smtp://{smtp}?tls=none"),
        api: api.to_string(),
    };
    static CHILD: Mutex<Option<Child>> = Mutex::new(None);
    *CHILD.lock().expect("sink process") = Some(child);
    Some(sink)
}

impl MailSink {
    /// Every message received for `address`, oldest first.
    pub async fn messages_to(&self, address: &str) -> Vec<SunkMail> {
        reqwest::Client::new()
            .get(format!("{}/messages", self.api))
            .query(&[("to", address)])
            .send()
            .await
            .expect("the mail sink answers")
            .json()
            .await
            .expect("the mail sink's JSON")
    }

    /// Waits up to `within` until `address` has `count` messages; returns them.
    pub async fn wait_for(&self, address: &str, count: usize, within: Duration) -> Vec<SunkMail> {
        let start = Instant::now();
        loop {
            let found = self.messages_to(address).await;
            if found.len() >= count || start.elapsed() > within {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The next `times` deliveries to `address` are refused with a temporary failure.
    pub async fn refuse(&self, address: &str, times: u32) {
        self.fault(serde_json::json!({"address": address, "refuse": times}))
            .await;
    }

    /// The next `times` deliveries to `address` get no answer for `seconds`, then a refusal.
    pub async fn hang(&self, address: &str, times: u32, seconds: f64) {
        self.fault(serde_json::json!({"address": address, "hang": times, "seconds": seconds}))
            .await;
    }

    async fn fault(&self, body: serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/faults", self.api))
            .json(&body)
            .send()
            .await
            .expect("the mail sink answers");
        assert!(response.status().is_success(), "the sink took the fault");
    }
}
