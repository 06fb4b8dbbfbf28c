//! Two `tmas serve --no-worker` processes and two `tmas worker` processes on one database
//! behave as one service: a session opened on one web process is known to the other (and
//! closed on both by one sign-out), a CSRF token issued by one is accepted by the other (and a
//! wrong one refused by both), imports asked for on either are run once by one of the workers
//! and counted exactly, and what each web process keeps in memory follows every committed
//! import and manual edit on the next request, whichever process made the change.
mod common;
mod report_fixtures;
mod worker_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Browser, PASSWORD, TestApp, new_client, shown, wait_for};
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};
use tmas::sim::{OrderSpec, SimHandle};
use worker_support::*;

backend_tests!(two_web_processes_and_two_workers_act_as_one);

/// A `tmas` process on the test's database, key and simulator, killed when dropped.
struct Process(Child);

impl Process {
    fn command(app: &TestApp, sim: &SimHandle) -> Command {
        let mut command = Command::new(common::tmas_binary());
        command
            .env("DATABASE_URL", app.settings.database_url())
            .env("TMAS_DATA_DIR", &app.settings.data_dir)
            .env("TMAS_SECRET_KEY_FILE", app.settings.secret_key_path())
            .env("TMAS_SHOPIFY_URL", sim.base_url())
            .env("RUST_LOG", "warn")
            .stderr(Stdio::inherit());
        command
    }

    fn worker(app: &TestApp, sim: &SimHandle) -> Process {
        let child = Self::command(app, sim)
            .arg("worker")
            .stdout(Stdio::null())
            .spawn()
            .expect("start tmas worker");
        Process(child)
    }

    /// A web process without a worker, on a free port; returns it and its base URL.
    fn web(app: &TestApp, sim: &SimHandle) -> (Process, String) {
        let mut child = Self::command(app, sim)
            .args(["serve", "--no-worker", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start tmas serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("TMAS is listening on ")
                    .map(str::to_string)
            })
            .expect("the server prints its address");
        // Keep reading, so that the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        (Process(child), base)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn succeeded_runs(app: &TestApp, integration: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM import_runs WHERE integration_id = $1 AND outcome = 'succeeded'",
    )
    .bind(integration)
    .fetch_one(&app.db.pool)
    .await
    .expect("count runs")
}

/// Waits until the integration has `runs` succeeded runs and no run holds it.
async fn wait_for_runs(app: &TestApp, integration: i64, runs: i64) {
    wait_for(
        &format!("{runs} finished imports"),
        Duration::from_secs(90),
        async || {
            let idle = sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM integrations WHERE id = $1 AND lease_owner IS NULL",
            )
            .bind(integration)
            .fetch_one(&app.db.pool)
            .await
            .expect("lease");
            idle == 1 && succeeded_runs(app, integration).await >= runs
        },
    )
    .await;
}

const REPORT: &str = "/reports/totals?from=2026-11-01&to=2026-11-30&granularity=month";

/// The grand total row of the November report as served by `browser`'s process.
async fn grand_total_row(browser: &Browser) -> String {
    let (status, page) = browser.text(REPORT).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    report_fixtures::between(&page, "id=\"grand-total\"", "</tr>").to_string()
}

/// Asserts that both web processes show `net` as the report's grand total.
async fn both_show(a: &Browser, b: &Browser, net: i64, context: &str) {
    for (name, browser) in [("web A", a), ("web B", b)] {
        let row = grand_total_row(browser).await;
        assert!(
            // The amount may carry the shop currency's sign ($) once an import has told it.
            row.contains(&format!(">{}<", shown(net)))
                || row.contains(&format!(">${}<", shown(net))),
            "{context}: {name} should show net {} in {row}",
            shown(net)
        );
    }
}

fn expected_net(sim: &SimHandle, shop: &str) -> i64 {
    sim.expected_totals(shop)
        .expect("shop")
        .buckets
        .iter()
        .filter(|((_, date, _), _)| date.format("%Y-%m").to_string() == "2026-11")
        .map(|(_, t)| t.net)
        .sum()
}

async fn two_web_processes_and_two_workers_act_as_one(app: TestApp) {
    let sim = simulator("duo", 12, 30, 51).await;
    let state = worker_state(&app, &sim);
    let tenant = app.create_tenant("Duo", Plan::Retail).await;
    let email = "admin@duo.example";
    app.create_user(email, Role::Admin, Some(tenant)).await;
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE email = $1")
        .bind(email)
        .execute(&app.db.pool)
        .await
        .expect("allow editing");
    // A store without a POS integration, whose hours are edited by hand: 46.80 net on the
    // 15th at 10:00.
    let manual = report_fixtures::location(&app, tenant, "M-01", "Market stall").await;
    report_fixtures::hour(&app, tenant, manual, "2026-11-15", 10, 5200, 520, 0, 1, 3).await;
    // Connected as the wizard leaves it: the first import is due now.
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "duo",
        &state.secret_key,
        "2026-08-01",
    )
    .await;

    let (_web_a, base_a) = Process::web(&app, &sim);
    let (_web_b, base_b) = Process::web(&app, &sim);
    let _workers = [Process::worker(&app, &sim), Process::worker(&app, &sim)];
    wait_for_runs(&app, c.integration, 1).await;

    // Sessions: signed in on A, the same cookie is a session on B.
    let a = Browser {
        base: base_a.clone(),
        client: new_client(),
    };
    let b = Browser {
        base: base_b.clone(),
        client: a.client.clone(),
    };
    let stranger = Browser {
        base: base_b.clone(),
        client: new_client(),
    };
    a.login(email, PASSWORD).await;
    assert_eq!(
        b.get("/").await.status(),
        StatusCode::OK,
        "B knows A's session"
    );
    assert_eq!(
        stranger.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "B still sends a stranger to sign in"
    );

    // Caches: both processes serve the report (and keep it) after the first import.
    let mut net = expected_net(&sim, "duo") + 4680;
    both_show(&a, &b, net, "after the first import").await;
    both_show(&a, &b, net, "asked again").await;

    // CSRF: a token read from a page of A is accepted by B; a wrong one is refused by both.
    let token = a.csrf().await;
    let import_now = format!("/admin/integrations/{}/imports/now", c.integration);
    for browser in [&a, &b] {
        let refused = browser
            .post_raw(&import_now, &[("csrf", "not-the-token")])
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{}", browser.base);
    }
    assert_eq!(
        succeeded_runs(&app, c.integration).await,
        1,
        "nothing queued"
    );

    // Imports: a sale arrives at Shopify; "Import now" is asked on B with A's token; one of
    // the workers imports it; A shows it on its next request, B too.
    let store = *c.locations.keys().next().expect("a matched location");
    let order: OrderSpec = serde_json::from_value(serde_json::json!({
        "location_id": store,
        "processed_at": "2026-11-18T20:00:00Z",
        "lines": [{ "quantity": 3, "unit_price": 2500 }],
    }))
    .expect("order spec");
    sim.add_order("duo", &order).expect("add order");
    let queued = b.post_raw(&import_now, &[("csrf", token.as_str())]).await;
    assert_eq!(
        queued.status(),
        StatusCode::SEE_OTHER,
        "B accepts A's token"
    );
    wait_for_runs(&app, c.integration, 2).await;
    let with_sale = expected_net(&sim, "duo") + 4680;
    assert_eq!(with_sale, net + 7500, "the simulator counts the new sale");
    net = with_sale;
    both_show(&a, &b, net, "after an import asked on B").await;

    // A refund, imported by a run asked on A.
    let refund: tmas::sim::RefundSpec = serde_json::from_value(serde_json::json!({
        "at": "2026-11-19T15:00:00Z",
        "lines": [{ "line_index": 0, "quantity": 1 }],
    }))
    .expect("refund spec");
    let order_id = sim.add_order("duo", &order).expect("add another order");
    sim.add_refund("duo", order_id, &refund)
        .expect("add refund");
    let queued = a.post_form(&import_now, &[]).await;
    assert_eq!(queued.status(), StatusCode::SEE_OTHER);
    wait_for_runs(&app, c.integration, 3).await;
    let with_refund = expected_net(&sim, "duo") + 4680;
    assert_eq!(
        with_refund,
        net + 7500 - 2500,
        "a sale of 75.00, 25.00 returned"
    );
    net = with_refund;
    both_show(&a, &b, net, "after an import asked on A").await;

    // A manual edit saved through B is on A's next page: 46.80 becomes 50.00.
    let saved = b
        .post_form(
            "/data/edit",
            &[
                ("location", "M-01"),
                ("week", "2026-11-09"),
                ("net_2026-11-15_10", "50.00"),
                ("transactions_2026-11-15_10", "1"),
                ("items_2026-11-15_10", "3"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "the edit is saved");
    net += 5000 - 4680;
    both_show(&a, &b, net, "after a manual edit on B").await;

    // Every import was run once, by one worker at a time, and counted exactly.
    let all = runs(&app.db, &c).await;
    assert_eq!(all.len(), 3, "{all:?}");
    for pair in all.windows(2) {
        let finished = pair[0].finished_at.expect("finished");
        assert!(
            pair[1].started_at >= finished,
            "runs never overlap: {all:?}"
        );
    }
    assert!(all.iter().all(|r| r.outcome == "succeeded"), "{all:?}");
    assert_exact(&app.db, &sim, &c, "two web processes and two workers").await;

    // Signing out on B ends the session on A too.
    assert_eq!(
        b.post_form("/logout", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        a.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "A no longer knows the session"
    );
}
