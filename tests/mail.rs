//! Mail through a real SMTP server (the sink of tests/common/mail.rs): "Forgot your
//! password?" end to end, the outbox against a server that refuses or hangs, mail off, and
//! `tmas admin send-test-mail`. Each test reads the mail back and checks its recipient,
//! language, links and parts.

mod common;
mod report_fixtures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::mail::{MailSink, sink};
use common::{Backend, Browser, PASSWORD, TestApp, hidden_inputs, location_of, tmas_binary};
use report_fixtures::location;
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};
use tmas::mail::outbox::{self, OutboxConfig, Outcome};
use tmas::state::AppState;

/// Where users reach TMAS in these tests: links in mail must be made from it, never from the
/// address the request came to.
const PUBLIC_URL: &str = "https://tmas.example.com";
const NEW_PASSWORD: &str = "lantern-orchard-velvet-42";

/// Generates one test per back end for each `async fn(TestApp, MailSink)`, with the app's mail
/// settings pointing at the sink; skipped (with the reason) when there is no sink.
macro_rules! mail_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite_with_sink {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(sink) = $crate::common::mail::sink() else { return };
                    let app = $crate::spawn_with_mail($crate::common::Backend::Sqlite, &sink).await;
                    super::$name(app, sink).await;
                }
            )*
        }
        mod postgres_with_sink {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if !$crate::common::postgres_configured() {
                        eprintln!("skipped: set TMAS_TEST_POSTGRES_URL to run on PostgreSQL");
                        return;
                    }
                    let Some(sink) = $crate::common::mail::sink() else { return };
                    let app = $crate::spawn_with_mail($crate::common::Backend::Postgres, &sink).await;
                    super::$name(app, sink).await;
                }
            )*
        }
    };
}

mail_tests!(
    a_forgotten_password_is_reset_through_a_single_use_link,
    the_answer_is_the_same_for_unknown_addresses_and_requests_are_throttled,
    an_expired_or_replaced_link_does_nothing,
    a_refusing_or_hanging_server_delays_nothing_and_loses_nothing,
    integration_alerts_are_mailed_once_per_cause_and_on_recovery,
    digests_wait_for_complete_numbers_are_sent_once_and_unsubscribe_in_one_click,
    the_worker_sends_the_outbox_and_takes_over_a_crashed_workers_mail,
);

backend_tests!(without_mail_settings_the_pages_say_mail_is_off);

async fn spawn_with_mail(backend: Backend, sink: &MailSink) -> TestApp {
    let smtp_url = sink.smtp_url.clone();
    TestApp::spawn_with(backend, move |settings| {
        settings.smtp_url = Some(smtp_url);
        settings.mail_from = Some("TMAS <tmas@tmas.example.com>".into());
        settings.public_url = Some(format!("{PUBLIC_URL}/"));
    })
    .await
}

/// The state a worker of this app runs with: its database, key and mail settings, with a
/// short time limit on each conversation with the mail server.
fn worker_state(app: &TestApp, smtp_timeout: Duration) -> AppState {
    let key = tmas::crypto::load_or_create_key(&app.settings.secret_key_path())
        .expect("the app created its key");
    let mail = match app.settings.mail_settings().expect("mail settings") {
        Some(parsed) => {
            let mut config = tmas::mail::MailConfig::load(parsed).expect("mail config");
            config.timeout = smtp_timeout;
            tmas::mail::Mail::on(config)
        }
        None => tmas::mail::Mail::off(),
    };
    AppState {
        db: app.db.clone(),
        settings: Arc::new(app.settings.clone()),
        secret_key: Arc::new(key),
        totals_cache: Arc::default(),
        shopify: tmas::startup::shopify_client_config(&app.settings),
        mail,
    }
}

/// Retries at once: the tests count attempts, not minutes.
fn eager_outbox() -> OutboxConfig {
    OutboxConfig {
        first_retry: Duration::ZERO,
        poll_interval: Duration::from_millis(50),
        ..OutboxConfig::default()
    }
}

/// Waits until the outbox holds `count` messages for `recipient` (the link is queued beside
/// the answer, not before it).
async fn queued(app: &TestApp, recipient: &str, count: usize) -> Vec<tmas::db::mail::OutboxRow> {
    let start = Instant::now();
    loop {
        let rows = tmas::db::mail::to_recipient(&app.db, recipient)
            .await
            .expect("read the outbox");
        if rows.len() >= count || start.elapsed() > Duration::from_secs(10) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asks for a link like a browser does: the form's POST, then the page it redirects to, whose
/// address is the same whatever address was asked about.
async fn ask_for_link(browser: &Browser, email: &str) -> (StatusCode, String) {
    let response = browser
        .post_form("/password/forgot", &[("email", email)])
        .await;
    let status = response.status();
    if status != StatusCode::SEE_OTHER {
        return (status, response.text().await.expect("body"));
    }
    assert_eq!(location_of(&response), "/password/forgot?sent=1");
    browser.text("/password/forgot?sent=1").await
}

/// The page without its hidden inputs (their CSRF token differs from answer to answer).
fn without_hidden_inputs(page: &str) -> String {
    page.lines()
        .filter(|line| !line.contains("type=\"hidden\""))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn a_forgotten_password_is_reset_through_a_single_use_link(app: TestApp, sink: MailSink) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    let email = format!("ana.{}@acme.example", uuid::Uuid::new_v4().simple());
    let user = app.create_user(&email, Role::Manager, Some(tenant)).await;
    tmas::db::users::set_language(&app.db, user, "es")
        .await
        .unwrap();
    // A session on another device, which the new password must end.
    let other_device = app.other_browser();
    other_device.login(&email, PASSWORD).await;
    assert_eq!(other_device.get("/").await.status(), StatusCode::OK);

    let (_, login) = app.browser().text("/login").await;
    assert!(login.contains("href=\"/password/forgot\""), "{login}");
    let (_, form) = app.browser().text("/password/forgot").await;
    assert!(
        form.contains("name=\"email\"") && form.contains("name=\"csrf\""),
        "{form}"
    );

    let started = Instant::now();
    let (status, page) = ask_for_link(&app.browser(), &email.to_uppercase()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("If an account uses this address"), "{page}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the page does not wait for mail"
    );

    // Queued, sealed: whoever reads the database does not read the link.
    let rows = queued(&app, &email, 1).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, "password_reset");
    assert_eq!(rows[0].tenant_id, Some(tenant.0));
    let sealed: String = sqlx::query_scalar("SELECT sealed_content FROM mail_outbox WHERE id = $1")
        .bind(rows[0].id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !sealed.contains("token") && !sealed.contains("password"),
        "{sealed}"
    );

    let state = worker_state(&app, Duration::from_secs(10));
    let sent = outbox::send_due(&state, &eager_outbox()).await.unwrap();
    assert!(
        sent.iter()
            .any(|d| d.recipient == email && d.outcome == Outcome::Sent),
        "{sent:?}"
    );
    let mails = sink.wait_for(&email, 1, Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 1, "one mail");
    let mail = &mails[0];
    assert_eq!(mail.to, vec![email.clone()]);
    assert_eq!(mail.from, "tmas@tmas.example.com");
    // The account's language (Spanish), the tenant's name, both parts.
    assert_eq!(mail.subject, "Acme · Elija una nueva contraseña de TMAS");
    assert_eq!(mail.headers["content-language"], "es");
    assert!(mail.raw.contains("multipart/alternative"), "{}", mail.raw);
    assert!(mail.text().contains("30 minutos"), "{}", mail.text());
    assert!(mail.html().contains("lang=\"es\""), "{}", mail.html());
    let link = mail
        .link(&format!("{PUBLIC_URL}/password/reset?token="))
        .expect("a link on the public address");
    assert!(
        mail.html().contains(&link),
        "the HTML part has the same link"
    );
    assert!(
        !mail.raw.contains(&app.address.to_string()),
        "never the request's host"
    );
    // Once sent, the outbox keeps no content.
    let row = &queued(&app, &email, 1).await[0];
    assert!(row.sent_at.is_some() && row.attempts == 1, "{row:?}");

    // Opening the link changes nothing; its form has the fields scripts rely on.
    let path = link.strip_prefix(PUBLIC_URL).unwrap();
    let browser = app.other_browser();
    for _ in 0..2 {
        let (status, page) = browser.text(path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("name=\"password\"") && page.contains("name=\"password_confirm\""));
    }
    let token = hidden_inputs(&browser.text(path).await.1)["token"].clone();
    let post = |password: &str, confirm: &str| {
        let (browser, token) = (browser.clone(), token.clone());
        let (password, confirm) = (password.to_string(), confirm.to_string());
        async move {
            let response = browser
                .post_form(
                    "/password/reset",
                    &[
                        ("token", token.as_str()),
                        ("password", password.as_str()),
                        ("password_confirm", confirm.as_str()),
                    ],
                )
                .await;
            let status = response.status();
            let location = location_of(&response);
            (status, location, response.text().await.unwrap())
        }
    };
    let (status, _, page) = post(NEW_PASSWORD, "something-else-entirely-7").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The two new passwords differ."), "{page}");
    let (status, _, page) = post("password123", "password123").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("field-error"), "{page}");
    // Nothing changed yet: the old password and the other device still work.
    assert_eq!(other_device.get("/").await.status(), StatusCode::OK);

    let (status, location, _) = post(NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login?reset=1")
    );
    let (_, login) = browser.text("/login?reset=1").await;
    assert!(login.contains("Your new password is set"), "{login}");
    // Every other session ended; the new password signs in, the old one does not.
    assert_ne!(other_device.get("/").await.status(), StatusCode::OK);
    let response = app
        .other_browser()
        .post_form(
            "/login",
            &[("email", email.as_str()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.other_browser().login(&email, NEW_PASSWORD).await;

    // Single use.
    let (status, page) = browser.text(path).await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    let (status, _, _) = post("another-fine-passphrase-9", "another-fine-passphrase-9").await;
    assert_eq!(status, StatusCode::GONE);
    app.other_browser().login(&email, NEW_PASSWORD).await;

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND action LIKE 'user.password_reset%' ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "user.password_reset_requested",
            "user.password_reset_by_link"
        ]
    );
}

async fn the_answer_is_the_same_for_unknown_addresses_and_requests_are_throttled(
    app: TestApp,
    sink: MailSink,
) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    let known = format!("bo.{}@acme.example", uuid::Uuid::new_v4().simple());
    app.create_user(&known, Role::Admin, Some(tenant)).await;
    let unknown = format!("nobody.{}@acme.example", uuid::Uuid::new_v4().simple());

    let client = app.browser_from("127.0.0.2");
    let (known_status, known_page) = ask_for_link(&client, &known).await;
    let (unknown_status, unknown_page) = ask_for_link(&client, &unknown).await;
    assert_eq!(known_status, StatusCode::OK);
    assert_eq!(unknown_status, known_status);
    assert_eq!(
        without_hidden_inputs(&unknown_page),
        without_hidden_inputs(&known_page)
    );
    // A bad address is a message, nothing stored.
    let (status, page) = ask_for_link(&client, "not-an-address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("is not an email address"), "{page}");

    // Per address: three links an hour, then a wait, whoever asks.
    ask_for_link(&app.browser_from("127.0.0.3"), &known).await;
    ask_for_link(&app.browser_from("127.0.0.4"), &known).await;
    let (status, page) = ask_for_link(&app.browser_from("127.0.0.5"), &known).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(
        page.contains("Too many requests for a new password. Try again in 60 minutes."),
        "{page}"
    );

    // Per client: ten requests an hour over all addresses (two made above).
    for n in 0..8 {
        let (status, _) = ask_for_link(&client, &format!("someone{n}@elsewhere.example")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = ask_for_link(&client, "one.more@elsewhere.example").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    let state = worker_state(&app, Duration::from_secs(10));
    // The links are queued beside the answers: wait for the three.
    assert_eq!(queued(&app, &known, 3).await.len(), 3);
    outbox::send_due(&state, &eager_outbox()).await.unwrap();
    let mails = sink.wait_for(&known, 3, Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 3, "three links, no more");
    assert_eq!(mails[0].headers["content-language"], "en");
    assert!(
        tmas::db::mail::to_recipient(&app.db, &unknown)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(sink.messages_to(&unknown).await.is_empty());
    // Only the newest link works.
    let browser = app.other_browser();
    let mut working = 0;
    for mail in &mails {
        let link = mail
            .link(&format!("{PUBLIC_URL}/password/reset?token="))
            .unwrap();
        let status = browser
            .get(link.strip_prefix(PUBLIC_URL).unwrap())
            .await
            .status();
        assert!(
            [StatusCode::OK, StatusCode::GONE].contains(&status),
            "{status}"
        );
        working += usize::from(status == StatusCode::OK);
    }
    assert_eq!(working, 1, "one link works: the one made last");
}

async fn an_expired_or_replaced_link_does_nothing(app: TestApp, sink: MailSink) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    let email = format!("cy.{}@acme.example", uuid::Uuid::new_v4().simple());
    app.create_user(&email, Role::Manager, Some(tenant)).await;
    ask_for_link(&app.browser(), &email).await;
    queued(&app, &email, 1).await;
    outbox::send_due(
        &worker_state(&app, Duration::from_secs(10)),
        &eager_outbox(),
    )
    .await
    .unwrap();
    let mail = sink
        .wait_for(&email, 1, Duration::from_secs(5))
        .await
        .remove(0);
    let link = mail
        .link(&format!("{PUBLIC_URL}/password/reset?token="))
        .unwrap();
    let path = link.strip_prefix(PUBLIC_URL).unwrap();
    let token = path.split("token=").nth(1).unwrap().to_string();

    // 31 minutes later.
    sqlx::query("UPDATE password_resets SET expires_at = expires_at - 31 * 60")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let browser = app.other_browser();
    let (status, page) = browser.text(path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("href=\"/password/forgot\""), "{page}");
    let response = browser
        .post_form(
            "/password/reset",
            &[
                ("token", token.as_str()),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    // The password is as it was.
    app.other_browser().login(&email, PASSWORD).await;
    // A made-up token is no better.
    let (status, _) = browser.text("/password/reset?token=made-up").await;
    assert_eq!(status, StatusCode::GONE);
}

async fn a_refusing_or_hanging_server_delays_nothing_and_loses_nothing(
    app: TestApp,
    sink: MailSink,
) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let hanging = format!("hang.{suffix}@acme.example");
    let refused = format!("refused.{suffix}@acme.example");
    let plain = format!("plain.{suffix}@acme.example");
    for email in [&hanging, &refused, &plain] {
        app.create_user(email, Role::Manager, Some(tenant)).await;
    }
    // The server stops answering for the first delivery to one address and says "later"
    // twice to another.
    sink.hang(&hanging, 1, 20.0).await;
    sink.refuse(&refused, 2).await;

    let state = worker_state(&app, Duration::from_secs(1));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let sender = tokio::spawn(tmas::mail::sender::run(state, eager_outbox(), async move {
        let _ = stopped.await;
    }));
    for email in [&hanging, &refused, &plain] {
        let started = Instant::now();
        let (status, _) = ask_for_link(&app.browser(), email).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "a page never waits for the mail server ({:?})",
            started.elapsed()
        );
        queued(&app, email, 1).await;
    }
    // The message behind the hanging one is not held up by it.
    let plain_mail = sink.wait_for(&plain, 1, Duration::from_secs(3)).await;
    assert_eq!(plain_mail.len(), 1, "sent while another delivery hangs");
    // Nothing lost: each arrives once its server answers again.
    for email in [&hanging, &refused] {
        let mails = sink.wait_for(email, 1, Duration::from_secs(15)).await;
        assert_eq!(mails.len(), 1, "{email} got its mail");
    }
    let _ = stop.send(());
    sender.await.unwrap();
    let attempts = |rows: Vec<tmas::db::mail::OutboxRow>| {
        assert_eq!(rows.len(), 1);
        assert!(rows[0].sent_at.is_some(), "{rows:?}");
        rows[0].attempts
    };
    assert_eq!(
        attempts(queued(&app, &hanging, 1).await),
        2,
        "timed out once"
    );
    assert_eq!(
        attempts(queued(&app, &refused, 1).await),
        3,
        "refused twice"
    );
    assert_eq!(attempts(queued(&app, &plain, 1).await), 1);
}

async fn without_mail_settings_the_pages_say_mail_is_off(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    let email = "dee@acme.example";
    app.create_user(email, Role::Manager, Some(tenant)).await;
    let (_, login) = app.browser().text("/login").await;
    assert!(login.contains("Forgot your password?"), "{login}");
    let (status, page) = app.browser().text("/password/forgot").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Mail is off on this TMAS"), "{page}");
    assert!(!page.contains("name=\"email\""), "no form that cannot work");
    let (status, page) = ask_for_link(&app.browser(), email).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("Mail is off on this TMAS"), "{page}");
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM mail_outbox) + (SELECT COUNT(*) FROM password_resets)",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0, "nothing stored");
    // In Spanish too.
    let spanish = app
        .browser()
        .client
        .get(app.url("/password/forgot"))
        .header("accept-language", "es")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(spanish.contains("El correo está desactivado"), "{spanish}");
}

fn tmas(dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(tmas_binary());
    command
        .env_remove("DATABASE_URL")
        .env_remove("TMAS_SMTP_URL")
        .env_remove("TMAS_SMTP_USER")
        .env_remove("TMAS_SMTP_PASSWORD_FILE")
        .env_remove("TMAS_MAIL_FROM")
        .env_remove("TMAS_PUBLIC_URL")
        .env("TMAS_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null());
    command
}

#[tokio::test]
async fn send_test_mail_says_whether_the_server_took_it() {
    let Some(sink) = sink() else { return };
    let dir = tempfile::tempdir().unwrap();
    let with_mail = |command: &mut std::process::Command| {
        command
            .env("TMAS_SMTP_URL", &sink.smtp_url)
            .env("TMAS_MAIL_FROM", "TMAS <tmas@tmas.example.com>")
            .env("TMAS_PUBLIC_URL", PUBLIC_URL);
    };
    let to = format!("ops.{}@example.com", uuid::Uuid::new_v4().simple());
    let mut command = tmas(dir.path());
    with_mail(&mut command);
    let out = command
        .args(["admin", "send-test-mail", "--to", &to, "--language", "es"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("took the test message for {to}")),
        "{stdout}"
    );
    let mails = sink.messages_to(&to).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Mensaje de prueba de TMAS");
    assert!(mails[0].html().contains("TMAS") && mails[0].text().contains("TMAS"));

    // Refused: said so, with the server's answer, and a failing exit.
    sink.refuse(&to, 1).await;
    let mut command = tmas(dir.path());
    with_mail(&mut command);
    let out = command
        .args(["admin", "send-test-mail", "--to", &to])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("was not sent") && stderr.contains("451"),
        "{stderr}"
    );

    // STARTTLS required, and the sink does not offer it: refused, nothing sent in plain text.
    let mut command = tmas(dir.path());
    with_mail(&mut command);
    let strict = sink.smtp_url.replace("tls=none", "tls=starttls");
    let out = command
        .env("TMAS_SMTP_URL", &strict)
        .args(["admin", "send-test-mail", "--to", &to])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("was not sent"), "{stderr}");
    assert_eq!(
        sink.messages_to(&to).await.len(),
        1,
        "still only the first message"
    );

    // Mail off.
    let out = tmas(dir.path())
        .args(["admin", "send-test-mail", "--to", &to])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("mail is off"), "{stderr}");
}

#[test]
fn bad_mail_settings_stop_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("smtp-password");
    std::fs::write(&empty, "\n").unwrap();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("TMAS_SMTP_URL", "http://mail.example.com")],
            "must start with smtp:// or smtps://",
        ),
        (
            &[("TMAS_SMTP_URL", "smtp://mail.example.com:25?tls=maybe")],
            "tls= must be none or starttls",
        ),
        (
            &[
                ("TMAS_SMTP_URL", "smtp://mail.example.com"),
                ("TMAS_PUBLIC_URL", PUBLIC_URL),
            ],
            "--mail-from / TMAS_MAIL_FROM is required",
        ),
        (
            &[("TMAS_MAIL_FROM", "tmas@example.com")],
            "is set but --smtp-url",
        ),
        (
            &[
                ("TMAS_SMTP_URL", "smtp://mail.example.com"),
                ("TMAS_MAIL_FROM", "tmas@example.com"),
                ("TMAS_PUBLIC_URL", PUBLIC_URL),
                ("TMAS_SMTP_USER", "tmas"),
                ("TMAS_SMTP_PASSWORD_FILE", empty.to_str().unwrap()),
            ],
            "is empty",
        ),
    ];
    for (env, says) in cases {
        let mut command = tmas(dir.path());
        command.envs(env.iter().copied()).arg("migrate");
        // `migrate` checks the settings too, but reads no password: use `admin` for the file.
        if says == "is empty" {
            command = tmas(dir.path());
            command.envs(env.iter().copied()).args([
                "admin",
                "send-test-mail",
                "--to",
                "x@example.com",
            ]);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?}");
        assert!(stderr.contains(says), "{env:?}: {stderr}");
    }
}

/// An integration of `tenant`, set up and importing (no Shopify behind it: the alert check
/// reads only its status and its runs).
async fn active_integration(app: &TestApp, tenant: tmas::db::TenantId, label: &str) -> i64 {
    let now = tmas::db::now();
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO integrations
             (tenant_id, label, store_name, credential_kind, credentials_enc, credentials_hint,
              status, wizard_step, shop_name, shop_currency, shop_time_zone, taxes_included,
              scopes, schedule_frequency, schedule_minute, schedule_hour, backfill_from,
              next_run_at, run_requested, created_at, updated_at)
         VALUES ($1, $2, 'acme-shop', 'access_token', '', '', 'active', 'done', 'acme-shop',
                 'CAD', 'America/Toronto', 0, 'read_orders,read_locations', 'hourly', 2, 0,
                 '2026-08-01', NULL, NULL, $3, $3)
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(label)
    .bind(now)
    .fetch_one(&app.db.pool)
    .await
    .expect("an integration")
}

async fn run_ended(
    app: &TestApp,
    tenant: tmas::db::TenantId,
    integration: i64,
    outcome: &str,
    ago: i64,
) {
    let at = tmas::db::now() - ago;
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
                                  started_at, finished_at, outcome, error)
         VALUES ($1, $2, 'schedule', $3, $3, $3, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(at)
    .bind(outcome)
    .bind(if outcome == "failed" {
        "Shopify answered 503 three times."
    } else {
        ""
    })
    .execute(&app.db.pool)
    .await
    .expect("a run");
}

async fn integration_alerts_are_mailed_once_per_cause_and_on_recovery(
    app: TestApp,
    sink: MailSink,
) {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let acme = app.create_tenant("Acme", Plan::Retail).await;
    let beta = app.create_tenant("Beta", Plan::Retail).await;
    let admin_es = format!("admin.es.{suffix}@acme.example");
    let admin_en = format!("admin.en.{suffix}@acme.example");
    let manager = format!("manager.{suffix}@acme.example");
    let other_admin = format!("admin.{suffix}@beta.example");
    let staff_in = format!("staff.in.{suffix}@tmas.example");
    let staff_out = format!("staff.out.{suffix}@tmas.example");
    let es = app.create_user(&admin_es, Role::Admin, Some(acme)).await;
    tmas::db::users::set_language(&app.db, es, "es")
        .await
        .unwrap();
    app.create_user(&admin_en, Role::Admin, Some(acme)).await;
    app.create_user(&manager, Role::Manager, Some(acme)).await;
    app.create_user(&other_admin, Role::Admin, Some(beta)).await;
    app.create_user(&staff_in, Role::Staff, None).await;
    app.create_user(&staff_out, Role::Staff, None).await;
    // Staff subscribe on their account page.
    let staff = app.other_browser();
    staff.login(&staff_in, PASSWORD).await;
    let (_, account) = staff.text("/account/password").await;
    assert!(account.contains("name=\"mail_all_alerts\""), "{account}");
    let saved = staff
        .post_form("/account/alerts", &[("mail_all_alerts", "1")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, account) = staff.text("/account/password").await;
    assert!(account.contains("value=\"1\" checked"), "{account}");
    // A tenant's admin cannot subscribe to every tenant's alerts.
    let admin = app.other_browser();
    admin.login(&admin_en, PASSWORD).await;
    let refused = admin
        .post_form("/account/alerts", &[("mail_all_alerts", "1")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let integration = active_integration(&app, acme, "Acme POS").await;
    active_integration(&app, beta, "Beta POS").await;
    let state = worker_state(&app, Duration::from_secs(10));
    let check = || async { tmas::mail::alerts::check(&state).await.unwrap() };
    let deliver = || async { outbox::send_due(&state, &eager_outbox()).await.unwrap() };
    // Healthy at first sight: nothing to tell.
    assert!(check().await.changes.is_empty());

    // Shopify refuses the credentials: one alert to each of Acme's admins and the subscribed
    // staff member; checking again sends nothing more.
    sqlx::query(
        "UPDATE integrations SET status = 'attention', next_run_at = NULL, status_reason = $2
         WHERE id = $1",
    )
    .bind(integration)
    .bind("Shopify rejected the app's credentials (401): the app was uninstalled or its token revoked. Reinstall the app in Shopify and enter its new credentials in TMAS.")
    .execute(&app.db.pool)
    .await
    .unwrap();
    let checked = check().await;
    assert_eq!(checked.changes.len(), 1, "{checked:?}");
    assert_eq!(checked.mails_queued, 3);
    assert!(check().await.changes.is_empty(), "one alert per cause");
    deliver().await;
    let english = sink.wait_for(&admin_en, 1, Duration::from_secs(5)).await;
    assert_eq!(english.len(), 1);
    assert_eq!(
        english[0].subject,
        "Acme · The Shopify integration Acme POS needs attention"
    );
    let text = english[0].text();
    assert!(
        text.contains("What happened: Shopify rejected the app's credentials:"),
        "{text}"
    );
    assert!(!text.contains("(401)"), "people act on the words: {text}");
    assert!(text.contains("What to do: Imports are stopped."), "{text}");
    let link = format!("{PUBLIC_URL}/admin/integrations/{integration}");
    assert!(
        text.contains(&link) && english[0].html().contains(&link),
        "{text}"
    );
    let spanish = sink.wait_for(&admin_es, 1, Duration::from_secs(5)).await;
    assert_eq!(
        spanish[0].subject,
        "Acme · La integración de Shopify Acme POS necesita atención"
    );
    assert!(
        spanish[0].text().contains("Qué hacer"),
        "{}",
        spanish[0].text()
    );
    assert_eq!(
        sink.wait_for(&staff_in, 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );

    // Fixed ("Test the connection" made it active): one recovery mail each.
    sqlx::query("UPDATE integrations SET status = 'active', status_reason = '' WHERE id = $1")
        .bind(integration)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(check().await.mails_queued, 3);
    assert!(check().await.changes.is_empty());
    deliver().await;
    let mails = sink.wait_for(&admin_en, 2, Duration::from_secs(5)).await;
    assert_eq!(
        mails[1].subject,
        "Acme · The Shopify integration Acme POS imports again"
    );

    // Imports failing: not for 59 minutes, then one alert, then recovery on the next success.
    run_ended(&app, acme, integration, "failed", 59 * 60).await;
    assert!(check().await.changes.is_empty());
    run_ended(&app, acme, integration, "failed", 61 * 60).await;
    run_ended(&app, acme, integration, "failed", 10).await;
    assert_eq!(
        check().await.changes,
        vec![(integration, "failing".to_string())]
    );
    run_ended(&app, acme, integration, "failed", 5).await;
    assert!(
        check().await.changes.is_empty(),
        "a new failure is not a new cause"
    );
    run_ended(&app, acme, integration, "succeeded", 0).await;
    assert_eq!(check().await.changes, vec![(integration, String::new())]);
    deliver().await;
    let mails = sink.wait_for(&admin_en, 4, Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 4);
    assert!(
        mails[2].text().contains("Imports have failed for more than an hour. The last error: Shopify answered 503 three times."),
        "{}",
        mails[2].text()
    );
    assert!(mails[3].subject.ends_with("imports again"));
    assert_eq!(sink.messages_to(&admin_es).await.len(), 4);
    assert_eq!(sink.messages_to(&staff_in).await.len(), 4);
    // Never to managers, to staff who did not ask, or to another tenant's admins.
    for nobody in [&manager, &staff_out, &other_admin] {
        assert!(sink.messages_to(nobody).await.is_empty(), "{nobody}");
    }
}

async fn hour_sold(
    app: &TestApp,
    tenant: tmas::db::TenantId,
    location: i64,
    date: &str,
    net: i64,
    transactions: i64,
) {
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
                                    returns, net, transactions, sales_transactions, items, edited)
         VALUES ($1, $2, $3, 10, $4, 0, 0, $4, $5, $5, $5, 0)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(net)
    .bind(transactions)
    .execute(&app.db.pool)
    .await
    .expect("an hour");
}

async fn digests_wait_for_complete_numbers_are_sent_once_and_unsubscribe_in_one_click(
    app: TestApp,
    sink: MailSink,
) {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let acme = app.create_tenant("Acme", Plan::Retail).await;
    let manager = format!("manager.{suffix}@acme.example");
    let admin = format!("admin.{suffix}@acme.example");
    let id = app.create_user(&manager, Role::Manager, Some(acme)).await;
    tmas::db::users::set_language(&app.db, id, "es")
        .await
        .unwrap();
    app.create_user(&admin, Role::Admin, Some(acme)).await;
    // Each chooses on their account page (the checkboxes DESIGN.md names).
    for (email, field) in [(&manager, "digest_daily"), (&admin, "digest_weekly")] {
        let browser = app.other_browser();
        browser.login(email, PASSWORD).await;
        let (_, page) = browser.text("/account/password").await;
        assert!(page.contains("name=\"digest_daily\"") && page.contains("name=\"digest_weekly\""));
        let saved = browser.post_form("/account/digests", &[(field, "1")]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, page) = browser.text("/account/password").await;
        assert!(
            page.contains(&format!("name=\"{field}\" value=\"1\" checked")),
            "{page}"
        );
    }

    let toronto: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&toronto).date_naive();
    let day = |back: i64| {
        (today - chrono::Duration::days(back))
            .format("%Y-%m-%d")
            .to_string()
    };
    let downtown = location(&app, acme, "STORE-01", "Downtown").await;
    location(&app, acme, "STORE-02", "Airport").await;
    hour_sold(&app, acme, downtown, &day(1), 11_000, 2).await;
    hour_sold(&app, acme, downtown, &day(8), 10_000, 1).await;
    // Downtown's counter saw 8 visitors in yesterday's selling hour (and the Airport's none
    // was counted): the digest gains traffic and conversion, 2 sales of 8 visitors.
    let yesterday = today - chrono::Duration::days(1);
    tmas::db::traffic::store(
        &app.db,
        acme,
        &[tmas::domain::traffic_rows::TrafficRow {
            location: downtown,
            date: yesterday,
            hour: 10,
            counted: tmas::domain::traffic::CountedHour {
                traffic: 8,
                staff: None,
            },
        }],
        tmas::db::traffic::Source::File,
    )
    .await
    .expect("traffic stored");
    let integration = active_integration(&app, acme, "Acme POS").await;
    let state = worker_state(&app, Duration::from_secs(10));

    // Nothing imported yet: the digests wait.
    assert_eq!(tmas::mail::digest::check(&state).await.unwrap(), 0);
    // Imported up to now: yesterday is whole.
    sqlx::query("UPDATE integrations SET watermark = $2 WHERE id = $1")
        .bind(integration)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(tmas::mail::digest::check(&state).await.unwrap(), 2);
    assert_eq!(
        tmas::mail::digest::check(&state).await.unwrap(),
        0,
        "sent once"
    );
    outbox::send_due(&state, &eager_outbox()).await.unwrap();

    let daily = sink.wait_for(&manager, 1, Duration::from_secs(5)).await;
    assert_eq!(daily.len(), 1);
    let mail = &daily[0];
    assert!(
        mail.subject.starts_with("Acme · Las cifras de ayer: "),
        "{}",
        mail.subject
    );
    let text = mail.text();
    assert!(text.contains("STORE-01 · Downtown"), "{text}");
    assert!(text.contains("Ventas netas: 110,00"), "{text}");
    assert!(
        text.contains("(+10,0 %)"),
        "net sales against the same weekday a week before: {text}"
    );
    assert!(text.contains("Transacciones: 2 (+100,0 %)"), "{text}");
    assert!(text.contains("Venta media: 55,00"), "{text}");
    assert!(text.contains("Tráfico: 8"), "{text}");
    assert!(text.contains("Conversión: 25,0 %"), "{text}");
    assert!(mail.html().contains("Conversión"), "{}", mail.html());
    assert!(text.contains("STORE-02 · Airport"), "{text}");
    assert!(
        text.contains("Tráfico: –"),
        "a store without a counter shows no invented 0: {text}"
    );
    assert!(text.contains("Todas las tiendas"), "{text}");
    // The Airport has no data at all: dashes and "no data", never zeros.
    let airport = text
        .split("STORE-02 · Airport")
        .nth(1)
        .and_then(|rest| rest.split("Todas las tiendas").next())
        .expect("the Airport's lines");
    assert!(
        airport.contains("Ventas netas: – (sin datos)")
            && airport.contains("Transacciones: – (sin datos)")
            && airport.contains("Devoluciones: –"),
        "{airport}"
    );
    assert!(mail.html().contains("Downtown"));
    let weekly = sink.wait_for(&admin, 1, Duration::from_secs(5)).await;
    assert!(
        weekly[0]
            .subject
            .starts_with("Acme · Last week's numbers: "),
        "{}",
        weekly[0].subject
    );
    assert!(weekly[0].text().contains("Changes against the week before"));
    // The data starts 8 days ago: the week before last is covered, partly covered or not at
    // all depending on today's weekday, and the total's change says which.
    let week = tmas::mail::digest::last_closed(tmas::db::digests::DigestKind::Weekly, today);
    let first = today - chrono::Duration::days(8);
    let weekly_text = weekly[0].text();
    let all = weekly_text
        .split("All stores")
        .nth(1)
        .and_then(|rest| rest.split("Returns").next())
        .expect("the total's lines");
    if first > week.compare_last {
        assert!(all.contains("(no data)"), "{all}");
    } else if first > week.compare_first {
        assert!(all.contains(" · partly imported)"), "{all}");
    } else {
        assert!(!all.contains("no data") && !all.contains("partly"), "{all}");
    }

    // One click, no sign-in; a tampered link does nothing.
    let link = mail
        .link(&format!("{PUBLIC_URL}/digest/unsubscribe?"))
        .expect("an unsubscribe link");
    let path = link.strip_prefix(PUBLIC_URL).unwrap();
    let stranger = app.other_browser();
    let (status, _) = stranger
        .text(&path.replace("kind=daily", "kind=weekly"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        tmas::db::digests::choices(&app.db, id).await.unwrap(),
        (true, false)
    );
    let (status, page) = stranger.text(path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("You will no longer get the daily digest."),
        "{page}"
    );
    assert_eq!(
        tmas::db::digests::choices(&app.db, id).await.unwrap(),
        (false, false)
    );
}

async fn the_worker_sends_the_outbox_and_takes_over_a_crashed_workers_mail(
    app: TestApp,
    sink: MailSink,
) {
    let acme = app.create_tenant("Acme", Plan::Retail).await;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let first = format!("first.{suffix}@acme.example");
    let second = format!("second.{suffix}@acme.example");
    for email in [&first, &second] {
        app.create_user(email, Role::Manager, Some(acme)).await;
    }
    // A worker claimed the first message and died before sending it; its lease has run out.
    ask_for_link(&app.browser(), &first).await;
    queued(&app, &first, 1).await;
    let claimed = tmas::db::mail::claim_due(
        &app.db,
        "crashed-worker",
        tmas::db::now() - 1,
        tmas::db::now(),
    )
    .await
    .unwrap()
    .expect("the message is due");
    assert_eq!(claimed.recipient, first);

    // The import worker (as `tmas worker` and `tmas serve` run it) sends the outbox too.
    let state = worker_state(&app, Duration::from_secs(10));
    let config = tmas::worker::WorkerConfig {
        mail: eager_outbox(),
        ..tmas::worker::WorkerConfig::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(tmas::worker::run_with(state, config, async move {
        let _ = stopped.await;
    }));
    ask_for_link(&app.browser(), &second).await;
    assert_eq!(
        sink.wait_for(&second, 1, Duration::from_secs(10))
            .await
            .len(),
        1
    );
    assert_eq!(
        sink.wait_for(&first, 1, Duration::from_secs(10))
            .await
            .len(),
        1,
        "taken over"
    );
    let _ = stop.send(());
    worker.await.unwrap();
    let row = &queued(&app, &first, 1).await[0];
    assert_eq!((row.attempts, row.sent_at.is_some()), (2, true), "{row:?}");
}
