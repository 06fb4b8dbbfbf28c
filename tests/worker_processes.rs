//! `tmas worker` as real processes against the simulator: one killed with SIGKILL half way
//! through a run and started again, and two started together on one database.
mod common;
mod worker_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestApp, wait_for};
use tmas::sim::{ShopSpec, SimConfig};
use worker_support::*;

/// A `tmas worker` process on the test's database, key and simulator.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(app: &TestApp, sim: &tmas::sim::SimHandle) -> Self {
        let child = Command::new(common::tmas_binary())
            .arg("worker")
            .env("DATABASE_URL", app.settings.database_url())
            .env("TMAS_DATA_DIR", &app.settings.data_dir)
            .env("TMAS_SECRET_KEY_FILE", app.settings.secret_key_path())
            .env("TMAS_SHOPIFY_URL", sim.base_url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tmas worker");
        WorkerProcess(child)
    }

    /// SIGKILL: no chance to finish the page, record the run or release the lease.
    fn kill_9(&mut self) {
        self.0.kill().expect("kill the worker");
        self.0.wait().expect("reap the worker");
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("query")
}

/// A worker killed with SIGKILL half way through the first import, then started again once
/// its lease has expired: the run is taken over, resumes from what was committed, and every
/// hour is exact.
async fn killed_worker_is_taken_over(app: TestApp) {
    let sim = simulator("killed", 60, 40, 21).await;
    sim.update_faults("killed", |f| f.delay_ms = 250)
        .expect("faults");
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Killed", "killed", &state.secret_key).await;
    // Due without the first-import request: the run reads the history page by page, the
    // path whose committed pages a taken-over run resumes from (a first import reads through
    // a bulk export and, taken over, reads its whole window again: tests/worker_bulk.rs).
    sqlx::query("UPDATE integrations SET run_requested = NULL WHERE id = $1")
        .bind(c.integration)
        .execute(&app.db.pool)
        .await
        .expect("unrequest");

    let mut first = WorkerProcess::start(&app, &sim);
    wait_for(
        "three committed pages",
        Duration::from_secs(60),
        async || {
            scalar(
                &app,
                "SELECT COALESCE(MAX(pages), 0) FROM import_runs WHERE integration_id = $1",
                c.integration,
            )
            .await
                >= 3
        },
    )
    .await;
    first.kill_9();
    let dead_runs = runs(&app.db, &c).await;
    assert_eq!(dead_runs.len(), 1);
    assert_eq!(
        dead_runs[0].outcome, "running",
        "the killed run never finished"
    );
    let total_orders = sim.order_count("killed").expect("shop") as i64;
    assert!(dead_runs[0].orders_read < total_orders, "killed half way");

    // Its lease still holds: nobody may take the integration yet.
    sim.update_faults("killed", |f| f.delay_ms = 0)
        .expect("faults");
    assert!(
        tmas::worker::drain_with(&state, &fast_worker())
            .await
            .expect("drain")
            .is_empty(),
        "a held lease is respected"
    );
    // Time passes: the lease expires (instead of waiting out the minute).
    sqlx::query("UPDATE integrations SET lease_until = $2 WHERE id = $1")
        .bind(c.integration)
        .bind(tmas::db::now() - 1)
        .execute(&app.db.pool)
        .await
        .expect("expire lease");

    let _second = WorkerProcess::start(&app, &sim);
    wait_for(
        "the import to be taken over",
        Duration::from_secs(60),
        async || {
            scalar(
            &app,
            "SELECT COUNT(*) FROM import_runs WHERE integration_id = $1 AND outcome = 'succeeded'",
            c.integration,
        )
        .await
            == 1
        },
    )
    .await;
    let all = runs(&app.db, &c).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].outcome, "failed");
    assert!(
        all[0].error.contains("stopped before it finished"),
        "{}",
        all[0].error
    );
    assert_ne!(all[0].worker, all[1].worker, "another worker took over");
    assert!(
        all[1].orders_read < total_orders,
        "resumed from the committed pages: read {} of {total_orders}",
        all[1].orders_read
    );
    assert_exact(&app.db, &sim, &c, "after a killed run was taken over").await;
}

/// Two worker processes started together on one database, four integrations queued again
/// and again while they run: no two runs of one integration ever overlap and nothing is
/// counted twice.
async fn two_workers_never_overlap(app: TestApp) {
    let end = common::end_date();
    let names = ["duo-a", "duo-b", "duo-c", "duo-d"];
    let mut config = SimConfig::examples_only();
    config.examples = false;
    config.seed = 31;
    config.shops = names
        .iter()
        .map(|name| {
            let mut spec = ShopSpec::new(name, chrono_tz::America::Toronto, "CAD", end);
            spec.days = 15;
            spec.orders_per_day = 30;
            spec
        })
        .collect();
    let sim = tmas::sim::spawn(config).await;
    let state = worker_state(&app, &sim);
    let mut connected = Vec::new();
    for name in names {
        sim.update_faults(name, |f| {
            f.unlimited = true;
            f.delay_ms = 15;
        })
        .expect("faults");
        let tenant = app
            .create_tenant(
                &format!("Tenant {name}"),
                tmas::domain::account::Plan::Retail,
            )
            .await;
        connected.push(
            connect_tenant(&app.db, &sim, tenant, name, &state.secret_key, "2026-11-01").await,
        );
    }

    let workers = [
        WorkerProcess::start(&app, &sim),
        WorkerProcess::start(&app, &sim),
    ];
    // Keep asking for imports while the workers run, until each integration has run again
    // after its first import (which reads through a bulk export, longer than a page).
    let until = Instant::now() + Duration::from_secs(60);
    let mut again = false;
    while Instant::now() < until && !again {
        again = true;
        for c in &connected {
            again &= runs(&app.db, c).await.len() >= 3;
        }
        for c in &connected {
            let _ = tmas::db::imports::queue_run(
                &app.db,
                c.tenant,
                c.integration,
                tmas::domain::integration::RunRequest::Manual,
                None,
            )
            .await
            .expect("queue");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    wait_for(
        "every queued import to finish",
        Duration::from_secs(60),
        async || {
            sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM integrations WHERE lease_owner IS NOT NULL OR next_run_at <= $1",
        )
        .bind(tmas::db::now())
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
            == 0
        },
    )
    .await;
    drop(workers);

    let mut by_worker = std::collections::BTreeSet::new();
    for c in &connected {
        let all = runs(&app.db, c).await;
        assert!(all.len() >= 2, "{}: several runs ({})", c.shop, all.len());
        for pair in all.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let a_end = a.finished_at.expect("every run finished");
            assert!(
                b.started_at >= a_end,
                "{}: run {} started at {} before run {} finished at {a_end}",
                c.shop,
                b.id,
                b.started_at,
                a.id
            );
        }
        for r in &all {
            assert_eq!(
                r.outcome, "succeeded",
                "{}: run {} {}",
                c.shop, r.id, r.error
            );
            by_worker.insert(r.worker.clone());
        }
        assert_exact(&app.db, &sim, c, &format!("{} with two workers", c.shop)).await;
        let duplicates = count(
            &app.db,
            "SELECT COUNT(*) FROM (SELECT shopify_order_id FROM sales WHERE tenant_id = $1
               GROUP BY shopify_order_id HAVING COUNT(*) > 1) d",
            c.tenant,
        )
        .await;
        assert_eq!(duplicates, 0);
    }
    assert_eq!(by_worker.len(), 2, "both workers took part: {by_worker:?}");
}

backend_tests!(killed_worker_is_taken_over, two_workers_never_overlap);
