//! The import worker against the Shopify simulator: exact hourly totals after a backfill and
//! after later refunds, cancellations, re-reads, throttling storms, server errors and revoked
//! credentials; the imports page with "Import now" and "launch back".
mod common;
mod worker_support;

use chrono::{Duration, Utc};
use common::{TestApp, has_iso_date, visible_text};
use reqwest::StatusCode;
use tmas::db::imports::Outcome;
use tmas::domain::account::{Plan, Role};
use tmas::i18n::Lang;
use tmas::sim::{LineSpec, OrderSpec, RefundLineSpec, RefundSpec};
use tmas::worker::{self, Trigger};
use worker_support::*;

/// 90 days across four locations, then the changes a shop sees later: a new sale, a refund
/// days later at another store, a cancellation, and the whole window read again.
async fn ninety_days_exact_then_later_changes(app: TestApp) {
    let sim = simulator("north", 90, 30, 11).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "North", "north", &state.secret_key).await;
    let config = fast_worker();

    let reports = worker::drain_with(&state, &config).await.expect("drain");
    assert_eq!(reports.len(), 1, "one due integration, one run");
    assert_eq!(reports[0].trigger, Trigger::Initial);
    assert_succeeded(&reports[0]);
    // A first import reads through a bulk export (tests/worker_bulk.rs): orders, no pages.
    assert!(
        reports[0].orders_read > 1000,
        "read {} orders",
        reports[0].orders_read
    );
    assert_exact(&app.db, &sim, &c, "after the 90-day backfill").await;
    assert!(
        worker::drain_with(&state, &config)
            .await
            .expect("drain")
            .is_empty(),
        "nothing is due until the next scheduled hour"
    );

    // A sale five days ago at the first store, refunded now at the second store.
    let stores: Vec<i64> = c.locations.keys().copied().collect();
    let five_days_ago = Utc::now() - Duration::days(5);
    let order = sim
        .add_order(
            "north",
            &OrderSpec {
                taxes_included: None,
                location_id: Some(stores[0]),
                channel: tmas::sim::Channel::Pos,
                test: false,
                processed_at: five_days_ago,
                lines: vec![
                    LineSpec {
                        quantity: 2,
                        unit_price: 2000,
                        gift_card: false,
                        discount: 400,
                    },
                    LineSpec {
                        quantity: 1,
                        unit_price: 1200,
                        gift_card: false,
                        discount: 0,
                    },
                ],
            },
        )
        .expect("add order");
    queue_now(&app.db, &c).await;
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(&app.db, &sim, &c, "after a new sale").await;

    sim.add_refund(
        "north",
        order,
        &RefundSpec {
            till_location_id: None,
            created_at_null: false,
            at: Utc::now() - Duration::minutes(3),
            location_id: Some(stores[1]),
            lines: vec![RefundLineSpec {
                line_index: 0,
                quantity: 1,
            }],
        },
    )
    .expect("refund");
    queue_now(&app.db, &c).await;
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(
        &app.db,
        &sim,
        &c,
        "after a refund days later at another store",
    )
    .await;

    // The same order cancelled later: what the refund did not return comes back then.
    sim.cancel_order("north", order, Utc::now() - Duration::minutes(1))
        .expect("cancel");
    queue_now(&app.db, &c).await;
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(&app.db, &sim, &c, "after a cancellation").await;
    let order_gid = format!("gid://shopify/Order/{order}");
    let (net, items): (i64, i64) = sqlx::query_as(
        "SELECT CAST((SELECT gross - discounts FROM sales WHERE tenant_id = $1 AND shopify_order_id = $2)
                - (SELECT COALESCE(SUM(returns), 0) FROM returns WHERE tenant_id = $1 AND shopify_order_id = $2) AS BIGINT),
                CAST((SELECT items FROM sales WHERE tenant_id = $1 AND shopify_order_id = $2)
                - (SELECT COALESCE(SUM(items), 0) FROM returns WHERE tenant_id = $1 AND shopify_order_id = $2) AS BIGINT)",
    )
    .bind(c.tenant.0)
    .bind(&order_gid)
    .fetch_one(&app.db.pool)
    .await
    .expect("order facts");
    assert_eq!((net, items), (0, 0), "a cancelled order nets to zero");

    // The same window imported twice: numbers unchanged, nothing stored twice.
    let sales_before = count(
        &app.db,
        "SELECT COUNT(*) FROM sales WHERE tenant_id = $1",
        c.tenant,
    )
    .await;
    for _ in 0..2 {
        sqlx::query(
            "UPDATE integrations SET run_requested = 'backfill', backfill_requested_from = '2026-08-01',
                    next_run_at = $2 WHERE tenant_id = $1",
        )
        .bind(c.tenant.0)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .expect("queue backfill");
        let reports = worker::drain_with(&state, &config).await.expect("drain");
        assert_eq!(reports[0].trigger, Trigger::Backfill);
        assert_eq!(reports[0].outcome, Outcome::Succeeded);
    }
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM sales WHERE tenant_id = $1",
            c.tenant
        )
        .await,
        sales_before
    );
    assert_exact(
        &app.db,
        &sim,
        &c,
        "after reading the whole window twice more",
    )
    .await;
}

/// A throttling storm (THROTTLED and 429) and one request in five failing with a 5xx.
async fn storms_and_server_errors_change_nothing(app: TestApp) {
    let sim = simulator("storm", 30, 30, 5).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Storm", "storm", &state.secret_key).await;
    sim.update_faults("storm", |f| {
        f.throttled_next = 6;
        f.too_many_requests_next = 6;
        f.retry_after_secs = 0.05;
        f.server_error_rate = 0.2;
    })
    .expect("faults");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_succeeded(&reports[0]);
    let stats = sim.stats("storm").expect("stats");
    assert!(
        stats.throttled >= 6 && stats.too_many_requests >= 6,
        "the storm happened: {stats:?}"
    );
    assert_exact(
        &app.db,
        &sim,
        &c,
        "through a 429/THROTTLED storm and 20% 5xx",
    )
    .await;
}

/// Persistent server errors end the run as failed; the next run catches up.
async fn persistent_errors_fail_the_run_and_the_next_catches_up(app: TestApp) {
    let sim = simulator("flaky", 20, 20, 6).await;
    let state = worker_state(&app, &sim);
    let tenant = app.signed_in("Flaky", Plan::Retail, Role::Admin).await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "flaky",
        &state.secret_key,
        "2026-08-01",
    )
    .await;
    sim.update_faults("flaky", |f| f.server_error_rate = 1.0)
        .expect("faults");
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].outcome, Outcome::Failed);
    assert!(reports[0].error.contains("retried"), "{}", reports[0].error);
    // The admin reads the failure in their language; the technical detail (English, an HTTP
    // status) is kept apart for support, in both places the run's error is shown.
    let browser = app.browser();
    browser.post_form("/language", &[("lang", "es")]).await;
    for path in [
        format!("/admin/integrations/{}/imports", c.integration),
        format!("/admin/integrations/{}", c.integration),
    ] {
        let (code, page) = browser.text(&path).await;
        assert_eq!(code, StatusCode::OK, "{path}");
        let page = common::html_unescape(&page);
        assert!(
            page.contains("No se pudo contactar con Shopify de forma fiable tras ")
                && page.contains(" intentos. No tiene que hacer nada"),
            "{path}: {page}"
        );
        let support = page
            .split("<summary>Detalles para el soporte</summary><code>")
            .nth(1)
            .unwrap_or_else(|| panic!("{path}: support details\n{page}"));
        assert!(support.starts_with("HTTP 5"), "{path}: {support}");
        let outside: String = page
            .split("<details")
            .map(|part| part.split("</details>").last().unwrap_or(""))
            .collect();
        assert!(
            !outside.contains("HTTP 5"),
            "{path}: the status outside the details"
        );
    }
    let (status, next): (String, Option<i64>) =
        sqlx::query_as("SELECT status, next_run_at FROM integrations WHERE id = $1")
            .bind(c.integration)
            .fetch_one(&app.db.pool)
            .await
            .expect("row");
    assert_eq!(status, "active", "a transient failure needs nobody");
    assert!(
        next.is_some_and(|n| n > tmas::db::now()),
        "next scheduled run"
    );

    sim.update_faults("flaky", |f| f.server_error_rate = 0.0)
        .expect("faults");
    make_due(&app, &c).await;
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(
        reports[0].trigger,
        Trigger::Initial,
        "the first import is tried again"
    );
    assert_eq!(reports[0].outcome, Outcome::Succeeded);
    assert_exact(&app.db, &sim, &c, "after the failed run was caught up").await;
}

async fn make_due(app: &TestApp, c: &Connected) {
    sqlx::query("UPDATE integrations SET next_run_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(c.tenant.0)
        .bind(c.integration)
        .bind(tmas::db::now())
        .execute(&app.db.pool)
        .await
        .expect("make due");
}

/// A revoked token: the run ends "needs attention" with Shopify's reason on the imports page
/// and the integration row, nothing runs until new credentials are saved, then a catch-up
/// run loses nothing.
async fn revoked_token_needs_attention_then_catch_up(app: TestApp) {
    let sim = simulator("revoke", 20, 20, 8).await;
    let state = worker_state(&app, &sim);
    let tenant = app.signed_in("Revoke", Plan::Retail, Role::Admin).await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "revoke",
        &state.secret_key,
        "2026-08-01",
    )
    .await;
    let config = fast_worker();
    worker::drain_with(&state, &config).await.expect("drain");
    assert_exact(&app.db, &sim, &c, "before the token was revoked").await;

    // Sales keep happening while the token is revoked.
    sim.update_faults("revoke", |f| f.revoked = true)
        .expect("faults");
    let stores: Vec<i64> = c.locations.keys().copied().collect();
    sim.add_order(
        "revoke",
        &OrderSpec {
            taxes_included: None,
            location_id: Some(stores[2]),
            channel: tmas::sim::Channel::Pos,
            test: false,
            processed_at: Utc::now() - Duration::hours(2),
            lines: vec![LineSpec {
                quantity: 3,
                unit_price: 1999,
                gift_card: false,
                discount: 0,
            }],
        },
    )
    .expect("order");
    let path = format!("/admin/integrations/{}/imports", c.integration);
    let response = app.post_form(&format!("{path}/now"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reports = worker::drain_with(&state, &config).await.expect("drain");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].outcome, Outcome::NeedsAttention);

    let (status, reason, next): (String, String, Option<i64>) = sqlx::query_as(
        "SELECT status, status_reason, next_run_at FROM integrations WHERE tenant_id = $1 AND id = $2",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .fetch_one(&app.db.pool)
    .await
    .expect("row");
    assert_eq!(status, "attention");
    assert!(
        reason.contains("rejected the app's credentials"),
        "{reason}"
    );
    assert_eq!(next, None, "the schedule stops");
    let (code, page) = app.browser().text(&path).await;
    assert_eq!(code, StatusCode::OK);
    assert!(page.contains("Needs attention"), "{page}");
    assert!(
        page.contains("Shopify rejected the app&#39;s credentials")
            || page.contains("Shopify rejected the app's credentials"),
        "the reason is on the page"
    );
    // People read the words, not the HTTP status Shopify answered with.
    assert!(!page.contains("(401)"), "{page}");
    let (_, integration_page) = app
        .browser()
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    assert!(
        integration_page.contains("rejected the app") && !integration_page.contains("(401)"),
        "{integration_page}"
    );

    // No further runs, even when asked, until new credentials are saved.
    let response = app.post_form(&format!("{path}/now"), &[]).await;
    let body = response.text().await.expect("body");
    assert!(body.contains("needs attention"), "{body}");
    assert!(
        body.contains("rejected the app") && !body.contains("(401)"),
        "{body}"
    );
    assert!(
        worker::drain_with(&state, &config)
            .await
            .expect("drain")
            .is_empty()
    );

    // The wizard's "replace credentials": a new token, active again, due now.
    sim.update_faults("revoke", |f| f.revoked = false)
        .expect("faults");
    let sealed = tmas::crypto::StoredCredentials::AccessToken {
        access_token: sim.token("revoke").expect("token"),
    }
    .seal(&state.secret_key)
    .expect("seal");
    sqlx::query(
        "UPDATE integrations SET credentials_enc = $3, status = 'active', status_reason = '',
                next_run_at = $4 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .bind(sealed)
    .bind(tmas::db::now())
    .execute(&app.db.pool)
    .await
    .expect("replace credentials");
    let reports = worker::drain_with(&state, &config).await.expect("drain");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].trigger, Trigger::CatchUp);
    assert_eq!(reports[0].outcome, Outcome::Succeeded);
    assert_exact(&app.db, &sim, &c, "after the catch-up run").await;
    let outcomes: Vec<String> = runs(&app.db, &c)
        .await
        .into_iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(outcomes, ["succeeded", "needs_attention", "succeeded"]);
}

/// The imports page: history, "Import now" twice queues one run, the backfill form with its
/// messages (nothing queued on error), managers refused, another tenant's integration 404.
async fn imports_page_import_now_and_backfill(app: TestApp) {
    let sim = simulator("page", 10, 20, 9).await;
    let state = worker_state(&app, &sim);
    let tenant = app.signed_in("Paged", Plan::Retail, Role::Admin).await;
    let c = connect_tenant(
        &app.db,
        &sim,
        tenant,
        "page",
        &state.secret_key,
        "2026-11-01",
    )
    .await;
    let path = format!("/admin/integrations/{}/imports", c.integration);

    let (code, page) = app.browser().text(&path).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        page.contains("An import is queued"),
        "the first import is queued"
    );
    assert!(page.contains("No import has run yet."));
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    let (_, page) = app.browser().text(&path).await;
    assert!(
        page.contains("First import") && page.contains("Succeeded"),
        "{page}"
    );

    // Import now, twice: one run.
    let first = app.post_form(&format!("{path}/now"), &[]).await;
    assert_eq!(common::location_of(&first), format!("{path}?notice=queued"));
    // The integration page names the requested run in words, not by its stored code.
    let (_, integration_page) = app
        .browser()
        .text(&format!("/admin/integrations/{}", c.integration))
        .await;
    assert!(
        integration_page.contains("<span class=\"hint\">(Import now)</span>")
            && !integration_page.contains("(manual)"),
        "{integration_page}"
    );
    let second = app.post_form(&format!("{path}/now"), &[]).await;
    assert_eq!(
        common::location_of(&second),
        format!("{path}?notice=already_queued")
    );
    let (_, page) = app
        .browser()
        .text(&format!("{path}?notice=already_queued"))
        .await;
    assert!(page.contains("An import is already queued: nothing new was started."));
    // While a run holds the lease, a click starts nothing new and says so.
    sqlx::query("UPDATE integrations SET lease_owner = 'w', lease_until = $2, run_requested = NULL WHERE id = $1")
        .bind(c.integration)
        .bind(tmas::db::now() + 60)
        .execute(&app.db.pool)
        .await
        .expect("lease");
    let third = app.post_form(&format!("{path}/now"), &[]).await;
    assert_eq!(
        common::location_of(&third),
        format!("{path}?notice=running")
    );
    let (_, page) = app.browser().text(&format!("{path}?notice=running")).await;
    assert!(page.contains("An import is already running: nothing new was started."));
    sqlx::query("UPDATE integrations SET lease_owner = NULL, lease_until = NULL, next_run_at = $2 WHERE id = $1")
        .bind(c.integration)
        .bind(tmas::db::now() + 3600)
        .execute(&app.db.pool)
        .await
        .expect("release");

    // Backfill: bad inputs say what is wrong and queue nothing.
    for (input, message) in [
        ("last week", "Enter the date to import from as YYYY-MM-DD"),
        ("2099-01-01", "cannot be in the future"),
        (
            "2026-08-01",
            "Without the read_all_orders access scope Shopify returns only the last 60 days",
        ),
    ] {
        let response = app
            .post_form(&format!("{path}/backfill"), &[("backfill_from", input)])
            .await;
        // A form error answers 422 with the page and its message.
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{input}"
        );
        let body = response.text().await.expect("body");
        assert!(body.contains(message), "{input}: {body}");
        assert!(
            body.contains(&format!("value=\"{input}\"")),
            "the input is kept"
        );
        let requested: Option<String> =
            sqlx::query_scalar("SELECT run_requested FROM integrations WHERE id = $1")
                .bind(c.integration)
                .fetch_one(&app.db.pool)
                .await
                .expect("row");
        assert_eq!(requested, None, "{input}: nothing queued");
    }
    let (_, page) = app.browser().text(&path).await;
    assert!(
        page.contains("only the last 60 days of orders"),
        "the rule is explained"
    );

    let response = app
        .post_form(
            &format!("{path}/backfill"),
            &[("backfill_from", "2026-11-05")],
        )
        .await;
    assert_eq!(
        common::location_of(&response),
        format!("{path}?notice=backfill_queued")
    );
    let reports = worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    assert_eq!(reports[0].trigger, Trigger::Backfill);
    let (_, page) = app.browser().text(&path).await;
    assert!(page.contains("Re-import of history"), "{page}");
    // Counts grouped, read vs counted explained, and the user's words for a backfill.
    assert!(page.contains("Re-import history") && !page.contains("Launch back"));
    assert!(page.contains("Orders read / counted") && page.contains("Counted: those TMAS counts"));
    assert_exact(&app.db, &sim, &c, "after the backfill").await;
    // Times on the page are written as the language writes them, never as ISO stamps.
    let (_, page) = app.browser().text(&path).await;
    assert!(!has_iso_date(&visible_text(&page)), "{page}");

    // The audit log names the integration by its label and the re-imported range by date.
    let tz: chrono_tz::Tz = tmas::db::tenants::get(&app.db, tenant)
        .await
        .expect("tenant")
        .expect("tenant")
        .time_zone
        .parse()
        .expect("time zone");
    let today = Utc::now().with_timezone(&tz).date_naive();
    let (_, log) = app.browser().text("/admin/audit").await;
    assert!(
        log.contains("Started an import") && log.contains("“page POS”"),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "“page POS”</li><li>From: Thu, Nov 5, 2026</li><li>To: {}",
            tmas::i18n::format_weekday_date(Lang::En, today)
        )),
        "{log}"
    );
    assert!(
        !log.contains(&format!("integration {}", c.integration)),
        "no internal id: {log}"
    );

    // In Spanish: the page, its error messages and the log, with no English and no ISO dates.
    let browser = app.browser();
    browser.post_form("/language", &[("lang", "es")]).await;
    let (_, page) = browser.text(&path).await;
    let text = visible_text(&page);
    assert!(!has_iso_date(&text), "{text}");
    assert!(
        text.contains("Reimportación del historial") && text.contains("Correcta"),
        "{text}"
    );
    for english in [
        "Succeeded",
        "Re-import of history",
        "Started",
        "Run history",
        "First import",
    ] {
        assert!(!text.contains(english), "{english}: {text}");
    }
    let refused = browser
        .post_form(
            &format!("{path}/backfill"),
            &[("backfill_from", "2099-01-01")],
        )
        .await;
    let body = visible_text(&refused.text().await.expect("body"));
    assert!(
        body.contains(&format!(
            "no puede estar en el futuro (hoy es {})",
            tmas::i18n::format_date(Lang::Es, today)
        )),
        "{body}"
    );
    let (_, log) = browser.text("/admin/audit").await;
    assert!(log.contains("Inició una importación"), "{log}");
    assert!(
        log.contains(&format!(
            "“page POS”</li><li>Desde: jue 5 nov 2026</li><li>Hasta: {}",
            tmas::i18n::format_weekday_date(Lang::Es, today)
        )),
        "{log}"
    );
    assert!(!has_iso_date(&visible_text(&log)), "{log}");

    let (code, json) = app.browser().text(&format!("{path}/status.json")).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        json.contains("\"status\":\"active\"") && json.contains("\"running\":null"),
        "{json}"
    );

    // A manager may not; another tenant's admin gets 404 for this integration.
    let manager = app.other_browser();
    app.create_user("manager@paged.example", Role::Manager, Some(tenant))
        .await;
    manager
        .login("manager@paged.example", common::PASSWORD)
        .await;
    assert_eq!(manager.get(&path).await.status(), StatusCode::FORBIDDEN);
    let other = app.other_browser();
    let other_tenant = app.create_tenant("Other", Plan::Retail).await;
    app.create_user("admin@other.example", Role::Admin, Some(other_tenant))
        .await;
    other.login("admin@other.example", common::PASSWORD).await;
    assert_eq!(other.get(&path).await.status(), StatusCode::NOT_FOUND);
    // Nor does this tenant's log reach the other tenant.
    let (_, log) = other.text("/admin/audit").await;
    assert!(
        !log.contains("page POS") && !log.contains("Started an import"),
        "{log}"
    );
    assert_eq!(
        other.post_form(&format!("{path}/now"), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("{path}/status.json")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Disabling a location stops new imports for it and keeps what was imported; the other
/// locations go on.
async fn disabled_location_keeps_its_data(app: TestApp) {
    let sim = simulator("quiet", 10, 30, 12).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Quiet", "quiet", &state.secret_key).await;
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    let before = stored_totals(&app.db, &c).await;
    let stores: Vec<i64> = c.locations.keys().copied().collect();
    sqlx::query(
        "UPDATE integration_locations SET enabled = 0 WHERE tenant_id = $1 AND shopify_location_id = $2",
    )
    .bind(c.tenant.0)
    .bind(stores[0].to_string())
    .execute(&app.db.pool)
    .await
    .expect("disable");
    for store in [stores[0], stores[1]] {
        sim.add_order(
            "quiet",
            &OrderSpec {
                taxes_included: None,
                location_id: Some(store),
                channel: tmas::sim::Channel::Pos,
                test: false,
                processed_at: Utc::now() - Duration::hours(1),
                lines: vec![LineSpec {
                    quantity: 1,
                    unit_price: 5000,
                    gift_card: false,
                    discount: 0,
                }],
            },
        )
        .expect("order");
    }
    queue_now(&app.db, &c).await;
    worker::drain_with(&state, &fast_worker())
        .await
        .expect("drain");
    let after = stored_totals(&app.db, &c).await;
    let expected = sim.expected_totals("quiet").expect("shop").buckets;
    let of = |totals: &worker_support::Totals, store: i64| -> Vec<_> {
        totals
            .iter()
            .filter(|((l, _, _), _)| *l == store)
            .map(|(k, v)| (*k, *v))
            .collect()
    };
    assert_eq!(
        of(&after, stores[0]),
        of(&before, stores[0]),
        "kept, nothing new"
    );
    assert_ne!(
        of(&after, stores[0]),
        of(&expected, stores[0]),
        "the new sale is not imported"
    );
    assert_eq!(
        of(&after, stores[1]),
        of(&expected, stores[1]),
        "the others go on"
    );
}

backend_tests!(
    disabled_location_keeps_its_data,
    revoked_token_needs_attention_then_catch_up,
    imports_page_import_now_and_backfill,
    ninety_days_exact_then_later_changes,
    storms_and_server_errors_change_nothing,
    persistent_errors_fail_the_run_and_the_next_catches_up,
);
