//! Issue 16, items 1–3: backfills read through a Shopify bulk export. A first import in bulk
//! stores exactly what the simulator expects and what a paged import stores, and the hourly
//! run after it pages; reading again and a run interrupted half way change no number; every
//! failure of the export ends in a clear outcome (EN and ES), falling back to paging where
//! that can work; an administrator cancels from the imports page, deactivation cancels the
//! export, and another tenant's admin cannot cancel.
mod common;
#[path = "common/webdriver.rs"]
mod webdriver;
mod worker_support;

use std::time::Duration;

use common::TestApp;
use reqwest::StatusCode;
use tmas::db::imports::{self, Outcome};
use tmas::domain::account::{Plan, Role};
use tmas::i18n::{Lang, translate};
use tmas::sim::{BulkFaults, BulkSettings, SimHandle};
use tmas::web::AppState;
use tmas::worker::bulk::{
    NOTE_BROKE_OFF, NOTE_BUSY, NOTE_CANCELED_OUTSIDE, NOTE_EXPIRED, NOTE_FAILED, NOTE_MONEY_SETS,
    NOTE_REFUSED, NOTE_TIMEOUT,
};
use tmas::worker::{self, BulkPolicy, Trigger, WorkerConfig};
use worker_support::*;

#[derive(Debug, sqlx::FromRow)]
struct BulkRun {
    trigger: String,
    outcome: String,
    error: String,
    note: String,
    read_mode: String,
    bulk_phase: String,
}

async fn bulk_runs(app: &TestApp, c: &Connected) -> Vec<BulkRun> {
    sqlx::query_as::<_, BulkRun>(
        "SELECT trigger, outcome, error, note, read_mode, bulk_phase FROM import_runs
         WHERE tenant_id = $1 AND integration_id = $2 ORDER BY id",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .fetch_all(&app.db.pool)
    .await
    .expect("runs")
}

async fn sales(app: &TestApp, c: &Connected) -> i64 {
    count(
        &app.db,
        "SELECT COUNT(*) FROM sales WHERE tenant_id = $1",
        c.tenant,
    )
    .await
}

fn set_bulk(sim: &SimHandle, shop: &str, pace: f64, faults: BulkFaults) {
    sim.set_bulk(
        shop,
        BulkSettings {
            objects_per_sec: pace,
            faults,
            ..BulkSettings::default()
        },
    )
    .expect("shop");
}

async fn queue_backfill(app: &TestApp, c: &Connected) {
    queue_history(
        &app.db,
        c,
        chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(),
    )
    .await;
}

fn statuses(sim: &SimHandle, shop: &str) -> Vec<String> {
    sim.bulk_operations(shop)
        .expect("shop")
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

async fn first_import_in_bulk_equals_paged_and_hourly_runs_page(app: TestApp) {
    let sim = simulator("bulky", 40, 30, 21).await;
    let state = worker_state(&app, &sim);
    let a = connect(&app, &sim, "Bulky", "bulky", &state.secret_key).await;
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].trigger, Trigger::Initial);
    assert_succeeded(&reports[0]);
    assert_exact(&app.db, &sim, &a, "after a first import in bulk").await;
    let runs = bulk_runs(&app, &a).await;
    assert_eq!(runs[0].read_mode, "bulk");
    assert_eq!(runs[0].bulk_phase, "", "the phase is cleared at the end");
    assert_eq!(runs[0].note, "");
    assert_eq!(statuses(&sim, "bulky"), ["COMPLETED"]);

    // The same shop imported page by page by another tenant: the same numbers.
    let b = connect(&app, &sim, "Paged", "bulky", &state.secret_key).await;
    let reports = worker::drain_with(&state, &paging_worker())
        .await
        .expect("drain");
    assert_eq!(reports[0].outcome, Outcome::Succeeded);
    assert_eq!(bulk_runs(&app, &b).await[0].read_mode, "paged");
    assert_eq!(
        stored_totals(&app.db, &a).await,
        stored_totals(&app.db, &b).await,
        "bulk and paged store the same totals"
    );
    assert_eq!(
        statuses(&sim, "bulky").len(),
        1,
        "the paged import ran no export"
    );

    // The hourly run after it pages.
    sqlx::query("UPDATE integrations SET next_run_at = $2 WHERE tenant_id = $1")
        .bind(a.tenant.0)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .expect("due");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports[0].trigger, Trigger::Schedule);
    assert_eq!(reports[0].outcome, Outcome::Succeeded);
    let runs = bulk_runs(&app, &a).await;
    assert_eq!(runs[1].trigger, "schedule");
    assert_eq!(runs[1].read_mode, "paged");
    assert_eq!(
        statuses(&sim, "bulky").len(),
        1,
        "the hourly run ran no export"
    );
    assert_exact(&app.db, &sim, &a, "after the hourly run").await;
}

async fn reading_again_or_after_an_interruption_changes_no_number(app: TestApp) {
    let sim = simulator("again", 40, 30, 22).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Again", "again", &state.secret_key).await;
    let interrupted = WorkerConfig {
        bulk: BulkPolicy {
            stop_after_batches: Some(2),
            ..BulkPolicy::default()
        },
        ..fast_worker()
    };
    // One run only: a stopped run is due again at once, and drain would run it again.
    let claimed = worker::claim(&app.db, &interrupted)
        .await
        .expect("claim")
        .expect("due");
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let report = worker::run::run_claimed(&state, &interrupted, claimed, stop)
        .await
        .expect("run");
    assert_eq!(report.outcome, Outcome::Failed);
    let half = sales(&app, &c).await;
    assert!(half > 0, "two batches were written");
    // Run again: the request is kept, the whole window is read again.
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports[0].trigger, Trigger::Initial);
    assert_succeeded(&reports[0]);
    assert_exact(&app.db, &sim, &c, "after an interrupted run ran again").await;
    let before = stored_totals(&app.db, &c).await;
    let rows = sales(&app, &c).await;
    assert!(rows > half);

    // The same history exported and read again, twice.
    for _ in 0..2 {
        queue_backfill(&app, &c).await;
        let reports = worker::drain_with(&state, &fast_worker())
            .await
            .expect("drain");
        assert_eq!(reports[0].trigger, Trigger::Backfill);
        assert_eq!(reports[0].outcome, Outcome::Succeeded);
    }
    assert_eq!(bulk_runs(&app, &c).await[3].read_mode, "bulk");
    assert_eq!(stored_totals(&app.db, &c).await, before);
    assert_eq!(sales(&app, &c).await, rows, "nothing stored twice");
}

async fn each_failure_ends_clearly_and_falls_back_where_paging_works(app: TestApp) {
    let sim = simulator("faulty", 30, 30, 23).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Faulty", "faulty", &state.secret_key).await;
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_exact(&app.db, &sim, &c, "first import").await;
    let rows = sales(&app, &c).await;
    let cases: Vec<(BulkFaults, &str)> = vec![
        (
            BulkFaults {
                fail: Some("INTERNAL_SERVER_ERROR".into()),
                ..BulkFaults::default()
            },
            NOTE_FAILED,
        ),
        (
            BulkFaults {
                fail: Some("TIMEOUT".into()),
                ..BulkFaults::default()
            },
            NOTE_TIMEOUT,
        ),
        (
            BulkFaults {
                canceled_by_other: true,
                ..BulkFaults::default()
            },
            NOTE_CANCELED_OUTSIDE,
        ),
        (
            BulkFaults {
                url_expired: true,
                ..BulkFaults::default()
            },
            NOTE_EXPIRED,
        ),
        (
            BulkFaults {
                cut_after_lines: Some(300),
                ..BulkFaults::default()
            },
            NOTE_BROKE_OFF,
        ),
        (
            BulkFaults {
                limit_reached: true,
                ..BulkFaults::default()
            },
            NOTE_BUSY,
        ),
        (
            BulkFaults {
                refuse_query: true,
                ..BulkFaults::default()
            },
            NOTE_REFUSED,
        ),
    ];
    for (faults, note) in cases {
        set_bulk(&sim, "faulty", 20_000.0, faults.clone());
        queue_backfill(&app, &c).await;
        let reports = worker::drain_with(&state, &fast_worker())
            .await
            .expect("drain");
        assert_eq!(reports[0].trigger, Trigger::Backfill, "{faults:?}");
        assert_eq!(
            reports[0].outcome,
            Outcome::Succeeded,
            "{faults:?}: {}",
            reports[0].error
        );
        let run = bulk_runs(&app, &c).await.pop().expect("run");
        assert_eq!(run.read_mode, "paged", "{faults:?} fell back to paging");
        assert_eq!(run.note, note, "{faults:?}");
        assert_ne!(translate(Lang::Es, note), note, "{note} has a Spanish text");
        assert!(!note.contains('_'), "no internal code shown: {note}");
        assert_exact(&app.db, &sim, &c, &format!("after {faults:?}")).await;
        assert_eq!(sales(&app, &c).await, rows, "{faults:?}: nothing doubled");
    }

    // Shopify denies access: the administrator must act; nothing is touched.
    set_bulk(
        &sim,
        "faulty",
        20_000.0,
        BulkFaults {
            fail: Some("ACCESS_DENIED".into()),
            ..BulkFaults::default()
        },
    );
    let before = stored_totals(&app.db, &c).await;
    queue_backfill(&app, &c).await;
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports[0].outcome, Outcome::NeedsAttention);
    let run = bulk_runs(&app, &c).await.pop().expect("run");
    assert!(
        run.error
            .starts_with("Shopify denied the bulk export access")
            && run.error.contains("read_orders")
            && run.error.contains("credentials again"),
        "{}",
        run.error
    );
    assert!(!run.error.contains("ACCESS_DENIED"));
    assert!(translate(Lang::Es, &run.error).starts_with("Shopify denegó"));
    let status: String =
        sqlx::query_scalar("SELECT status FROM integrations WHERE tenant_id = $1 AND id = $2")
            .bind(c.tenant.0)
            .bind(c.integration)
            .fetch_one(&app.db.pool)
            .await
            .expect("status");
    assert_eq!(status, "attention");
    assert_eq!(stored_totals(&app.db, &c).await, before);
}

/// Waits (bounded) until the integration's latest run is running in `phase`.
async fn until_phase(app: &TestApp, c: &Connected, phase: &str) -> BulkRun {
    for _ in 0..600 {
        if let Some(run) = bulk_runs(app, c).await.pop()
            && run.bulk_phase == phase
            && run.outcome == "running"
        {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the run never reached {phase}");
}

async fn until_ended(app: &TestApp, c: &Connected) -> BulkRun {
    for _ in 0..1500 {
        if let Some(run) = bulk_runs(app, c).await.pop()
            && run.outcome != "running"
        {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the run never ended");
}

fn run_worker(state: AppState) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = WorkerConfig {
        poll_interval: Duration::from_millis(50),
        ..fast_worker()
    };
    tokio::spawn(worker::run_with(state, config, async move {
        let _ = stopped.await;
    }));
    stop
}

async fn cancel_deactivate_and_another_tenant(app: TestApp) {
    let sim = simulator("slow", 20, 30, 24).await;
    // Slow enough to act while Shopify exports.
    set_bulk(&sim, "slow", 200.0, BulkFaults::default());
    let state = worker_state(&app, &sim);
    let tenant = app.signed_in("Slow", Plan::Retail, Role::Admin).await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "slow",
        &state.secret_key,
        "2026-08-01",
    )
    .await;
    let other = app.other_browser();
    let b = app.create_tenant("Other", Plan::Retail).await;
    app.create_user("admin@other.example", Role::Admin, Some(b))
        .await;
    other.login("admin@other.example", common::PASSWORD).await;

    let stop = run_worker(state.clone());
    let running = until_phase(&app, &c, "exporting").await;
    assert_eq!(running.outcome, "running");
    let run: i64 = sqlx::query_scalar(
        "SELECT id FROM import_runs WHERE tenant_id = $1 AND outcome = 'running'",
    )
    .bind(c.tenant.0)
    .fetch_one(&app.db.pool)
    .await
    .expect("run");
    let imports_page = format!("/admin/integrations/{}/imports", c.integration);
    let (code, page) = app.browser().text(&imports_page).await;
    assert_eq!(code, StatusCode::OK);
    assert!(page.contains("Shopify is exporting the orders:"), "{page}");
    assert!(page.contains("Cancel this import"));

    // Another tenant's admin cannot cancel it (the tenant comes from the session).
    let cancel = format!("{imports_page}/{run}/cancel");
    let refused = other.post_form(&cancel, &[]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    // Without the CSRF token, nothing happens either.
    let forged = app.browser().post_raw(&cancel, &[]).await;
    assert_ne!(forged.status(), StatusCode::SEE_OTHER);
    let requested: i64 =
        sqlx::query_scalar("SELECT cancel_requested FROM import_runs WHERE id = $1")
            .bind(run)
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert_eq!(requested, 0);

    let response = app.browser().post_form(&cancel, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(common::location_of(&response).ends_with("notice=cancel_requested"));
    let ended = until_ended(&app, &c).await;
    assert_eq!(ended.outcome, "failed");
    assert!(
        ended
            .error
            .starts_with("An administrator canceled this import.")
    );
    assert_ne!(translate(Lang::Es, &ended.error), ended.error);
    for _ in 0..100 {
        if statuses(&sim, "slow") == ["CANCELED"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        statuses(&sim, "slow"),
        ["CANCELED"],
        "the export was canceled"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1 AND action = 'import.cancel'",
    )
    .bind(c.tenant.0)
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);

    // Deactivating the integration stops the next bulk import and cancels its export.
    queue_backfill(&app, &c).await;
    let running = until_phase(&app, &c, "exporting").await;
    assert_eq!(running.outcome, "running");
    let response = app
        .browser()
        .post_form(
            &format!("/admin/integrations/{}/deactivate", c.integration),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let ended = until_ended(&app, &c).await;
    assert_eq!(ended.outcome, "failed");
    assert!(
        ended
            .error
            .starts_with("The integration was deactivated or deleted"),
        "{}",
        ended.error
    );
    for _ in 0..100 {
        if statuses(&sim, "slow") == ["CANCELED", "CANCELED"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(statuses(&sim, "slow"), ["CANCELED", "CANCELED"]);

    // Reactivated, it catches up in bulk (its window is months long); deleting the
    // integration then stops that run and cancels its export too.
    assert!(
        tmas::db::integrations::reactivate(&app.db, c.tenant, c.integration, tmas::db::now())
            .await
            .expect("reactivate")
    );
    let running = until_phase(&app, &c, "exporting").await;
    assert_eq!(running.trigger, "catch_up");
    let response = app
        .browser()
        .post_form(
            &format!("/admin/integrations/{}/delete", c.integration),
            &[("data", "keep")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE tenant_id = $1 AND action = 'integration.delete'",
    )
    .bind(c.tenant.0)
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert!(
        details.contains("Bulk export being canceled")
            && details.contains("gid://shopify/BulkOperation/"),
        "{details}"
    );
    for _ in 0..250 {
        if statuses(&sim, "slow").len() == 3 && statuses(&sim, "slow")[2] == "CANCELED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(statuses(&sim, "slow"), ["CANCELED", "CANCELED", "CANCELED"]);
    let _ = stop.send(());
}

/// The imports page while a bulk import runs (Shopify exporting, then TMAS writing), with a
/// history holding a bulk run and a run that fell back to paging, at 1366 and 390 px in
/// English and Spanish: it fits, passes axe-core, and is saved as `imports-bulk-*.png` when
/// `TMAS_SCREENSHOTS` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_imports_page_shows_a_bulk_import_in_both_languages() {
    if !webdriver::browser_available() {
        return;
    }
    let app = TestApp::spawn(common::Backend::Sqlite).await;
    let sim = simulator("shown", 3, 5, 25).await;
    let state = worker_state(&app, &sim);
    let tenant = app.create_tenant("Shown", Plan::Retail).await;
    app.create_user("admin@shown.example", Role::Admin, Some(tenant))
        .await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "shown",
        &state.secret_key,
        "2026-08-01",
    )
    .await;
    let now = tmas::db::now();
    let day = 86_400;
    for (trigger, note, mode) in [("initial", "", "bulk"), ("backfill", NOTE_EXPIRED, "paged")] {
        sqlx::query(
            "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
                 started_at, finished_at, pages, orders_read, orders_stored, outcome, note,
                 read_mode)
             VALUES ($1, $2, $3, $4, $5, $5, $5 + 300, 412, 48213, 40118, 'succeeded', $6, $7)",
        )
        .bind(c.tenant.0)
        .bind(c.integration)
        .bind(trigger)
        .bind(now - 400 * day)
        .bind(now - 2 * day)
        .bind(note)
        .bind(mode)
        .execute(&app.db.pool)
        .await
        .expect("history");
    }
    let run = imports::start_run(
        &app.db,
        c.tenant,
        c.integration,
        Trigger::Backfill,
        (now - 400 * day, now),
        "worker-1",
    )
    .await
    .expect("run");
    tmas::db::bulk_runs::started(&app.db, c.tenant, run, "gid://shopify/BulkOperation/7")
        .await
        .expect("bulk");
    sqlx::query(
        "UPDATE integrations SET lease_owner = 'worker-1', lease_until = $2, run_requested = NULL,
                next_run_at = $2 WHERE id = $1",
    )
    .bind(c.integration)
    .bind(now + 3600)
    .execute(&app.db.pool)
    .await
    .expect("running");

    let browser = webdriver::Browser::start().await;
    browser
        .sign_in(&app.url("/login"), "admin@shown.example", common::PASSWORD)
        .await;
    let path = app.url(&format!("/admin/integrations/{}/imports", c.integration));
    for lang in ["en", "es"] {
        if lang == "es" {
            browser.choose_language(lang).await;
        }
        for (phase, done) in [("exporting", 0), ("writing", 21_480)] {
            if phase == "exporting" {
                tmas::db::bulk_runs::started(
                    &app.db,
                    c.tenant,
                    run,
                    "gid://shopify/BulkOperation/7",
                )
                .await
                .expect("bulk");
                tmas::db::bulk_runs::exporting(&app.db, c.tenant, run, 96_412)
                    .await
                    .expect("progress");
            } else {
                tmas::db::bulk_runs::writing(&app.db, c.tenant, run, done, 48_213)
                    .await
                    .expect("progress");
            }
            for (width, height) in [(1366, 1400), (390, 2600)] {
                browser.set_window(width, height).await;
                browser.goto(&path).await;
                let page = browser.source().await;
                let expected = match (lang, phase) {
                    ("en", "exporting") => "Shopify is exporting the orders: 96,412 objects so far",
                    ("en", _) => "TMAS is writing the orders: 21,480 of 48,213 done",
                    (_, "exporting") => {
                        "Shopify está exportando los pedidos: 96.412 objetos hasta ahora"
                    }
                    _ => "TMAS está guardando los pedidos: 21.480 de 48.213 hechos",
                };
                assert!(page.contains(expected), "{lang} {phase}: {expected}");
                let (scroll, inner) = browser.widths().await;
                assert!(
                    scroll <= inner,
                    "{lang} {phase} {width} px: {scroll} px wide in {inner}"
                );
                browser
                    .screenshot(&format!("imports-bulk-{phase}-{lang}-{width}"))
                    .await;
                if width == 1366 {
                    let violations = browser.accessibility_violations().await;
                    assert!(violations.is_empty(), "{lang} {phase}: {violations:#?}");
                }
            }
        }
    }
    browser.quit().await;
}

/// Refunds placed by the export itself (the default), read while Shopify exports (a Shopify
/// that refuses the refunds' places in bulk) or all after the file: the same stored totals,
/// exact, and fewer refunds asked after the file with the file's places or the overlap. A
/// Shopify without the cheap money scalars is read through the money sets, with a note that
/// says so.
async fn refunds_read_during_the_export_are_read_once_and_change_no_number(app: TestApp) {
    let sim = simulator("overlap", 40, 30, 23).await;
    set_bulk(&sim, "overlap", 1_000.0, BulkFaults::default());
    let state = worker_state(&app, &sim);
    let in_file = connect(&app, &sim, "In file", "overlap", &state.secret_key).await;
    sim.reset_stats("overlap").expect("shop");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_succeeded(&reports[0]);
    assert_exact(&app.db, &sim, &in_file, "refunds' places in the file").await;
    let from_file = sim.stats("overlap").expect("shop");
    assert_eq!(bulk_runs(&app, &in_file).await[0].note, "");

    // A Shopify that refuses the refunds' places in bulk: the plain export, and an export
    // of a few seconds during which the refunds are read.
    set_bulk(
        &sim,
        "overlap",
        1_000.0,
        BulkFaults {
            refuse_connection_in_object: true,
            ..BulkFaults::default()
        },
    );
    let a = connect(&app, &sim, "Overlap", "overlap", &state.secret_key).await;
    sim.reset_stats("overlap").expect("shop");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_succeeded(&reports[0]);
    assert_exact(&app.db, &sim, &a, "refunds read during the export").await;
    let overlapped = sim.stats("overlap").expect("shop");
    assert!(
        overlapped.refunds_served_in_orders > 0,
        "refunds were read during the export: {overlapped:?}"
    );
    assert_eq!(bulk_runs(&app, &a).await[0].note, "");
    assert!(
        from_file.refunds_served_by_id < overlapped.refunds_served_by_id,
        "the file's places spare the follow-ups: {from_file:?} {overlapped:?}"
    );
    assert_eq!(
        stored_totals(&app.db, &in_file).await,
        stored_totals(&app.db, &a).await,
        "the same totals either way"
    );

    let b = connect(&app, &sim, "After", "overlap", &state.secret_key).await;
    sim.reset_stats("overlap").expect("shop");
    let after_the_file = WorkerConfig {
        bulk: BulkPolicy {
            read_while_exporting: false,
            ..BulkPolicy::default()
        },
        ..fast_worker()
    };
    let reports = worker::drain_with(&state, &after_the_file)
        .await
        .expect("drain");
    assert_eq!(reports[0].outcome, Outcome::Succeeded);
    let plain = sim.stats("overlap").expect("shop");
    assert_eq!(plain.refunds_served_in_orders, 0);
    assert!(plain.refunds_served_by_id > 0);
    // A refund placed during the export is not asked again after the file (those whose
    // transactions name no place are read whole after it, either way).
    assert!(
        overlapped.refunds_served_by_id < plain.refunds_served_by_id,
        "the refunds placed during the export are not read again: {overlapped:?} {plain:?}"
    );
    assert_eq!(
        stored_totals(&app.db, &a).await,
        stored_totals(&app.db, &b).await,
        "the same totals either way"
    );

    // Shopify without the money scalars: the same totals, and the run says why it was slower.
    sim.update_faults("overlap", |f| f.no_deprecated_money = true)
        .expect("shop");
    let c = connect(&app, &sim, "Sets", "overlap", &state.secret_key).await;
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_succeeded(&reports[0]);
    assert_eq!(
        stored_totals(&app.db, &c).await,
        stored_totals(&app.db, &a).await
    );
    let runs = bulk_runs(&app, &c).await;
    assert_eq!(runs[0].read_mode, "bulk");
    assert!(runs[0].note.contains(NOTE_MONEY_SETS), "{}", runs[0].note);
    assert_ne!(translate(Lang::Es, NOTE_MONEY_SETS), NOTE_MONEY_SETS);
    // The other tenants' runs carry no such note.
    assert_eq!(bulk_runs(&app, &a).await[0].note, "");
    assert_eq!(bulk_runs(&app, &b).await[0].note, "");
}

backend_tests!(
    refunds_read_during_the_export_are_read_once_and_change_no_number,
    first_import_in_bulk_equals_paged_and_hourly_runs_page,
    reading_again_or_after_an_interruption_changes_no_number,
    each_failure_ends_clearly_and_falls_back_where_paging_works,
    cancel_deactivate_and_another_tenant,
);
