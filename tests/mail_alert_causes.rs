//! Issue 28, item 2, end to end: the worker meets each fault Shopify can throw at an
//! integration (a refused token, a missing scope, a frozen shop, a shop that is gone, an API
//! version Shopify no longer answers), the alert check mails the tenant's admins once per
//! cause saying what happened and what to do, and once more when it recovers. Each mail is
//! read back from a real SMTP server.

mod common;
mod worker_support;

use std::time::Duration;

use common::mail::sink;
use common::{Backend, TestApp};
use tmas::domain::account::Role;
use tmas::mail::outbox::{self, OutboxConfig};
use tmas::sim::Faults;
use tmas::web::AppState;
use worker_support::{Connected, connect, fast_worker, simulator, worker_state};

const SHOP: &str = "causes";
const PUBLIC_URL: &str = "https://tmas.example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_each_cause_is_mailed_once_and_its_recovery_too() {
    each_cause_is_mailed_once_and_its_recovery_too(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_each_cause_is_mailed_once_and_its_recovery_too() {
    if !common::postgres_configured() {
        eprintln!("skipped: set TMAS_TEST_POSTGRES_URL to run on PostgreSQL");
        return;
    }
    each_cause_is_mailed_once_and_its_recovery_too(Backend::Postgres).await;
}

/// What the worker meets, and the words the alert must carry for it.
struct Cause {
    name: &'static str,
    fault: fn(&mut Faults),
    /// Shopify answers with this API version instead of the one asked.
    answers_version: Option<&'static str>,
    says: &'static [&'static str],
}

const CAUSES: &[Cause] = &[
    Cause {
        name: "refused token",
        fault: |f| f.revoked = true,
        answers_version: None,
        says: &["Shopify rejected the app's credentials", "new credentials"],
    },
    Cause {
        name: "missing scope",
        fault: |f| f.missing_scopes = vec!["read_orders".into()],
        answers_version: None,
        says: &[
            "missing the `read_orders` access scope",
            "approve the new scope",
        ],
    },
    Cause {
        name: "frozen shop",
        fault: |f| f.frozen = true,
        answers_version: None,
        says: &["The Shopify store is unavailable", "billing"],
    },
    Cause {
        name: "shop gone",
        fault: |f| f.inactive = true,
        answers_version: None,
        says: &["The Shopify store is unavailable", "closed store"],
    },
    Cause {
        name: "retired API version",
        fault: |_| {},
        answers_version: Some("2027-04"),
        says: &[
            "Shopify no longer answers the API version TMAS asks for",
            "it answered with 2027-04",
            "Nothing to change in Shopify",
        ],
    },
];

async fn each_cause_is_mailed_once_and_its_recovery_too(backend: Backend) {
    let Some(sink) = sink() else { return };
    let sim = simulator(SHOP, 3, 6, 41).await;
    let smtp_url = sink.smtp_url.clone();
    let app = TestApp::spawn_with(backend, move |settings| {
        settings.smtp_url = Some(smtp_url);
        settings.mail_from = Some("TMAS <tmas@tmas.example.com>".into());
        settings.public_url = Some(format!("{PUBLIC_URL}/"));
    })
    .await;
    let state = worker_state(&app, &sim);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let tenant_name = format!("Causes {}", &suffix[..8]);
    let c = connect(&app, &sim, &tenant_name, SHOP, &state.secret_key).await;
    let admin = format!("admin.{suffix}@causes.example");
    app.create_user(&admin, Role::Admin, Some(c.tenant)).await;
    let manager = format!("manager.{suffix}@causes.example");
    app.create_user(&manager, Role::Manager, Some(c.tenant))
        .await;

    // A healthy first import: nothing to tell.
    run_now(&app, &state, &c).await;
    assert_eq!(status(&app, &c).await, "active");
    assert!(check(&state).await.changes.is_empty());

    let mut mails = 0;
    for cause in CAUSES {
        sim.update_faults(SHOP, cause.fault).expect("shop");
        if let Some(v) = cause.answers_version {
            sim.set_answer_version(SHOP, Some(v.to_string()))
                .expect("shop");
        }
        run_now(&app, &state, &c).await;
        let checked = check(&state).await;
        assert_eq!(checked.changes.len(), 1, "{}: {checked:?}", cause.name);
        assert_eq!(checked.mails_queued, 1, "{}: to the one admin", cause.name);
        // The same cause again tells nothing more.
        drain(&state).await;
        assert!(
            check(&state).await.changes.is_empty(),
            "{}: one alert per cause",
            cause.name
        );
        deliver(&state).await;
        mails += 1;
        let got = sink.wait_for(&admin, mails, Duration::from_secs(5)).await;
        assert_eq!(got.len(), mails, "{}", cause.name);
        let alert = &got[mails - 1];
        assert_eq!(
            alert.subject,
            format!("{tenant_name} · The Shopify integration {SHOP} POS needs attention"),
            "{}",
            cause.name
        );
        let text = alert.text();
        for words in cause.says {
            assert!(text.contains(words), "{}: {words:?} in {text}", cause.name);
        }
        assert!(text.contains("What happened:") && text.contains("What to do:"));
        let link = format!("{PUBLIC_URL}/admin/integrations/{}", c.integration);
        assert!(text.contains(&link) && alert.html().contains(&link));
        assert!(!text.contains("shpat_"), "no secret in a mail");

        // Fixed in Shopify, and the connection tested again: one recovery mail.
        sim.update_faults(SHOP, |f| {
            *f = Faults {
                unlimited: true,
                ..Faults::default()
            }
        })
        .expect("shop");
        sim.set_answer_version(SHOP, None).expect("shop");
        reactivate(&app, &c).await;
        run_now(&app, &state, &c).await;
        assert_eq!(status(&app, &c).await, "active", "{}", cause.name);
        let checked = check(&state).await;
        assert_eq!(
            checked.changes,
            vec![(c.integration, String::new())],
            "{}",
            cause.name
        );
        deliver(&state).await;
        mails += 1;
        let got = sink.wait_for(&admin, mails, Duration::from_secs(5)).await;
        assert!(
            got[mails - 1].subject.ends_with("imports again"),
            "{}: {}",
            cause.name,
            got[mails - 1].subject
        );
    }
    assert!(
        sink.messages_to(&manager).await.is_empty(),
        "alerts go to admins, not managers"
    );
}

async fn check(state: &AppState) -> tmas::mail::alerts::Checked {
    tmas::mail::alerts::check(state).await.expect("checks")
}

async fn deliver(state: &AppState) {
    let eager = OutboxConfig {
        first_retry: Duration::ZERO,
        poll_interval: Duration::from_millis(50),
        ..OutboxConfig::default()
    };
    outbox::send_due(state, &eager).await.expect("sends");
}

/// Makes the integration's next run due now and runs the worker until nothing is due.
async fn run_now(app: &TestApp, state: &AppState, c: &Connected) {
    sqlx::query("UPDATE integrations SET next_run_at = $2 WHERE tenant_id = $1 AND id = $3")
        .bind(c.tenant.0)
        .bind(tmas::db::now())
        .bind(c.integration)
        .execute(&app.db.pool)
        .await
        .expect("due now");
    drain(state).await;
}

/// Runs the worker until nothing is due (an integration needing attention is not).
async fn drain(state: &AppState) {
    tmas::worker::drain_with(state, &fast_worker())
        .await
        .expect("drain");
}

/// What "Test the connection" does once it passes: the integration is active again.
async fn reactivate(app: &TestApp, c: &Connected) {
    sqlx::query(
        "UPDATE integrations SET status = 'active', status_reason = '', next_run_at = $3
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .bind(tmas::db::now())
    .execute(&app.db.pool)
    .await
    .expect("active");
}

async fn status(app: &TestApp, c: &Connected) -> String {
    sqlx::query_scalar("SELECT status FROM integrations WHERE tenant_id = $1 AND id = $2")
        .bind(c.tenant.0)
        .bind(c.integration)
        .fetch_one(&app.db.pool)
        .await
        .expect("status")
}
