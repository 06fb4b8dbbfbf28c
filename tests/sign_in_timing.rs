//! Unknown and deactivated emails take as long to refuse as a wrong password for a real
//! account, so the answer's timing does not tell who has an account. Its own test binary:
//! timings taken while dozens of other tests hash passwords in the same process are noise.

mod common;

use std::time::{Duration, Instant};

use common::{Browser, TestApp};
use tmas::db;
use tmas::domain::account::{Plan, Role};

backend_tests!(unknown_emails_take_as_long_as_known_ones);

async fn unknown_emails_take_as_long_as_known_ones(app: TestApp) {
    let tenant = app.create_tenant("Acme", Plan::Retail).await;
    app.create_user("ana@acme.example", Role::Admin, Some(tenant))
        .await;
    let inactive = app
        .create_user("old@acme.example", Role::Manager, Some(tenant))
        .await;
    db::users::update_in_tenant(&app.db, tenant, inactive, Role::Manager, false, false)
        .await
        .unwrap();
    async fn timed(browser: &Browser, email: &str) -> Duration {
        let csrf = browser.csrf().await;
        let start = Instant::now();
        let response = browser
            .post_raw(
                "/login",
                &[
                    ("csrf", csrf.as_str()),
                    ("email", email),
                    ("password", "not-it-at-all"),
                ],
            )
            .await;
        let elapsed = start.elapsed();
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Wrong email or password.")
        );
        elapsed
    }
    // The fastest of several tries: other tests share the machine and the hashing permits,
    // which only ever add time.
    let fastest = |d: Vec<Duration>| d.into_iter().min().expect("tries");
    let (mut known, mut unknown, mut deactivated) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..5 {
        // Fresh addresses, so no throttle answers early.
        known.push(
            timed(
                &app.browser_from(&format!("127.0.1.{n}")),
                "ana@acme.example",
            )
            .await,
        );
        unknown.push(
            timed(
                &app.browser_from(&format!("127.0.2.{n}")),
                "nobody@acme.example",
            )
            .await,
        );
        deactivated.push(
            timed(
                &app.browser_from(&format!("127.0.3.{n}")),
                "old@acme.example",
            )
            .await,
        );
    }
    let (known, unknown, deactivated) = (fastest(known), fastest(unknown), fastest(deactivated));
    println!("wrong password: known {known:?}, unknown {unknown:?}, deactivated {deactivated:?}");
    assert!(
        unknown.as_secs_f64() > known.as_secs_f64() * 0.5
            && deactivated.as_secs_f64() > known.as_secs_f64() * 0.5,
        "known {known:?}, unknown {unknown:?}, deactivated {deactivated:?}"
    );
}
