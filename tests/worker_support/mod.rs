//! Helpers for the worker tests: a tenant connected to a simulated shop the way the setup
//! wizard leaves it (an active integration with sealed credentials and matched locations),
//! the app state a worker runs with, and the comparison of stored totals with the
//! simulator's expected totals.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use tmas::crypto::StoredCredentials;
use tmas::db::imports::Outcome;
use tmas::db::{self, Db, TenantId};
use tmas::domain::account::Plan;
use tmas::domain::facts::HourlyTotals;
use tmas::domain::location::LocationInput;
use tmas::shopify::RetryPolicy;
use tmas::sim::{SimConfig, SimHandle};
use tmas::web::AppState;
use tmas::worker::{self, RunReport, WorkerConfig};

use crate::common::TestApp;

/// A tenant whose integration imports one simulated shop.
pub struct Connected {
    pub tenant: TenantId,
    pub integration: i64,
    pub shop: String,
    /// Numeric Shopify location id → TMAS location row id.
    pub locations: BTreeMap<i64, i64>,
}

/// The state a worker of this app runs with, pointed at the simulator.
pub fn worker_state(app: &TestApp, sim: &SimHandle) -> AppState {
    let mut settings = app.settings.clone();
    settings.shopify_url = sim.base_url();
    let key = tmas::crypto::load_or_create_key(&settings.secret_key_path())
        .expect("the app created its key");
    let mail = tmas::mail::Mail::from_settings(&settings).expect("the mail settings");
    AppState {
        db: app.db.clone(),
        shopify: tmas::startup::shopify_client_config(&settings),
        settings: Arc::new(settings),
        secret_key: Arc::new(key),
        totals_cache: Arc::default(),
        mail,
    }
}

/// Queues a run at once, as "Import now" does.
pub async fn queue_now(db: &Db, c: &Connected) {
    queue(db, c, tmas::domain::integration::RunRequest::Manual, None).await;
}

/// Queues a re-import of the history since `from`, as the imports page does.
pub async fn queue_history(db: &Db, c: &Connected, from: NaiveDate) {
    queue(
        db,
        c,
        tmas::domain::integration::RunRequest::Backfill,
        Some(from),
    )
    .await;
}

async fn queue(
    db: &Db,
    c: &Connected,
    request: tmas::domain::integration::RunRequest,
    from: Option<NaiveDate>,
) {
    db::imports::queue_run(db, c.tenant, c.integration, request, from)
        .await
        .expect("queue")
        .expect("queued");
}

/// Fast retries and short leases, so fault tests take seconds.
pub fn fast_worker() -> WorkerConfig {
    WorkerConfig {
        retry: RetryPolicy::fast(),
        request_timeout: std::time::Duration::from_secs(10),
        ..WorkerConfig::default()
    }
}

/// A [`fast_worker`] that reads everything page by page (no bulk export).
pub fn paging_worker() -> WorkerConfig {
    WorkerConfig {
        bulk: tmas::worker::BulkPolicy::off(),
        ..fast_worker()
    }
}

/// One generated shop of `days` days ending on 2026-11-20, Toronto, rate limit off.
pub async fn simulator(shop: &str, days: u32, orders_per_day: u32, seed: u64) -> SimHandle {
    let mut config: SimConfig = crate::common::one_shop(shop, days, orders_per_day, seed);
    config.examples = false;
    let sim = tmas::sim::spawn(config).await;
    sim.update_faults(shop, |f| f.unlimited = true)
        .expect("shop exists");
    sim
}

/// Creates a tenant (retail plan, Toronto) connected to `shop` with every Shopify location
/// matched to a new active TMAS location, first import queued as the wizard does.
pub async fn connect(
    app: &TestApp,
    sim: &SimHandle,
    tenant_name: &str,
    shop: &str,
    key: &[u8; 32],
) -> Connected {
    let tenant = app.create_tenant(tenant_name, Plan::Retail).await;
    connect_tenant(&app.db, sim, tenant, shop, key, "2026-08-01").await
}

pub async fn connect_tenant(
    db: &Db,
    sim: &SimHandle,
    tenant: TenantId,
    shop: &str,
    key: &[u8; 32],
    backfill_from: &str,
) -> Connected {
    let tz = sim.time_zone(shop).expect("shop").name().to_string();
    let credentials = StoredCredentials::AccessToken {
        access_token: sim.token(shop).expect("shop"),
    };
    let now = db::now();
    let integration = sqlx::query_scalar::<_, i64>(
        "INSERT INTO integrations
             (tenant_id, label, store_name, credential_kind, credentials_enc, credentials_hint,
              status, wizard_step, shop_name, shop_currency, shop_time_zone, taxes_included,
              scopes, schedule_frequency, schedule_minute, schedule_hour, backfill_from,
              next_run_at, run_requested, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', 'done', $3, 'CAD', $7, 0,
                 'read_orders,read_locations', 'hourly', 2, 0, $8, $9, 'initial', $9, $9)
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(format!("{shop} POS"))
    .bind(shop)
    .bind(credentials.kind().as_str())
    .bind(credentials.seal(key).expect("seal"))
    .bind(credentials.hint())
    .bind(&tz)
    .bind(backfill_from)
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .expect("insert integration");

    let mut locations = BTreeMap::new();
    for (n, (shopify_id, _active)) in sim.locations(shop).expect("shop").into_iter().enumerate() {
        let input = LocationInput::parse(
            &format!("{shop} store {n}"),
            &format!("{}-{:02}", shop.to_uppercase(), n + 1),
            &tz,
            "active",
        )
        .expect("valid location");
        let location = db::locations::create(db, tenant, &input)
            .await
            .expect("create location");
        sqlx::query(
            "INSERT INTO integration_locations
                 (tenant_id, integration_id, location_id, shopify_location_id, enabled)
             VALUES ($1, $2, $3, $4, 1)",
        )
        .bind(tenant.0)
        .bind(integration)
        .bind(location.id)
        .bind(shopify_id.to_string())
        .execute(&db.pool)
        .await
        .expect("match location");
        locations.insert(shopify_id, location.id);
    }
    Connected {
        tenant,
        integration,
        shop: shop.to_string(),
        locations,
    }
}

/// The six sums of a stored hour or day.
#[derive(sqlx::FromRow)]
struct Sums {
    gross: i64,
    discounts: i64,
    returns: i64,
    net: i64,
    transactions: i64,
    items: i64,
}

impl From<Sums> for HourlyTotals {
    fn from(s: Sums) -> Self {
        HourlyTotals {
            gross: s.gross,
            discounts: s.discounts,
            returns: s.returns,
            net: s.net,
            transactions: s.transactions,
            items: s.items,
        }
    }
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    shopify_location_id: String,
    local_date: String,
    hour: i64,
    #[sqlx(flatten)]
    sums: Sums,
}

pub type Totals = BTreeMap<(i64, NaiveDate, u32), HourlyTotals>;

/// The hourly totals TMAS stores for an integration, keyed like the simulator's.
pub async fn stored_totals(db: &Db, c: &Connected) -> Totals {
    let rows = sqlx::query_as::<_, StoredRow>(
        "SELECT il.shopify_location_id, h.local_date, h.hour, h.gross, h.discounts, h.returns,
                h.net, h.transactions, h.items
         FROM hourly_totals h
         JOIN integration_locations il ON il.tenant_id = h.tenant_id AND il.location_id = h.location_id
         WHERE h.tenant_id = $1 AND il.integration_id = $2",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .fetch_all(&db.pool)
    .await
    .expect("read totals");
    rows.into_iter()
        .map(|r| {
            (
                (
                    r.shopify_location_id.parse().expect("numeric id"),
                    NaiveDate::parse_from_str(&r.local_date, "%Y-%m-%d").expect("date"),
                    r.hour as u32,
                ),
                r.sums.into(),
            )
        })
        .collect()
}

/// Asserts that every (location, local date, hour) TMAS stores equals the simulator's
/// expected totals, to the cent, and that no bucket is missing or extra.
pub async fn assert_exact(db: &Db, sim: &SimHandle, c: &Connected, context: &str) {
    let expected = sim.expected_totals(&c.shop).expect("shop").buckets;
    let stored = stored_totals(db, c).await;
    if stored != expected {
        let mut diffs = Vec::new();
        for key in expected.keys().chain(stored.keys()) {
            let (e, s) = (expected.get(key), stored.get(key));
            if e != s && diffs.len() < 10 {
                diffs.push(format!("{key:?}: expected {e:?}, stored {s:?}"));
            }
        }
        panic!(
            "{context}: {} expected buckets, {} stored; first differences:\n{}",
            expected.len(),
            stored.len(),
            diffs.join("\n")
        );
    }
    assert!(!expected.is_empty(), "{context}: the shop has data");
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub trigger: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub pages: i64,
    pub orders_read: i64,
    pub orders_stored: i64,
    pub outcome: String,
    pub error: String,
    pub worker: String,
}

pub async fn runs(db: &Db, c: &Connected) -> Vec<RunRow> {
    sqlx::query_as::<_, RunRow>(
        "SELECT id, trigger, started_at, finished_at, pages, orders_read, orders_stored, outcome,
                error, worker
         FROM import_runs WHERE tenant_id = $1 AND integration_id = $2 ORDER BY id",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .fetch_all(&db.pool)
    .await
    .expect("read runs")
}

/// Sales rows stored for the tenant (each Shopify order at most once).
pub async fn count(db: &Db, sql: &str, tenant: TenantId) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(tenant.0)
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

/// Asserts that a run succeeded, showing its error when it did not.
pub fn assert_succeeded(report: &RunReport) {
    assert_eq!(report.outcome, Outcome::Succeeded, "{}", report.error);
}

/// Drains the due work and asserts that every run succeeded without an error; their reports.
pub async fn drain_ok(state: &AppState, config: &WorkerConfig) -> Vec<RunReport> {
    let reports = worker::drain_with(state, config).await.expect("drain");
    assert!(
        reports
            .iter()
            .all(|r| r.outcome == Outcome::Succeeded && r.error.is_empty()),
        "{reports:?}"
    );
    reports
}

#[derive(sqlx::FromRow)]
struct DayRow {
    shopify_location_id: String,
    local_date: String,
    #[sqlx(flatten)]
    sums: Sums,
}

/// The daily rows TMAS stores for an integration, by Shopify location and local date.
pub async fn stored_days(db: &Db, c: &Connected) -> BTreeMap<(i64, NaiveDate), HourlyTotals> {
    sqlx::query_as::<_, DayRow>(
        "SELECT il.shopify_location_id, d.local_date, d.gross, d.discounts, d.returns, d.net,
                d.transactions, d.items
         FROM daily_totals d
         JOIN integration_locations il ON il.tenant_id = d.tenant_id AND il.location_id = d.location_id
         WHERE d.tenant_id = $1 AND il.integration_id = $2",
    )
    .bind(c.tenant.0)
    .bind(c.integration)
    .fetch_all(&db.pool)
    .await
    .expect("read daily totals")
    .into_iter()
    .map(|r| {
        (
            (
                r.shopify_location_id.parse().expect("numeric id"),
                NaiveDate::parse_from_str(&r.local_date, "%Y-%m-%d").expect("date"),
            ),
            r.sums.into(),
        )
    })
    .collect()
}

/// Every daily row equals the sum of the simulator's expected hours of that day.
pub async fn assert_days_exact(db: &Db, sim: &SimHandle, c: &Connected, context: &str) {
    let expected = sim.expected_totals(&c.shop).expect("shop");
    let days: BTreeMap<(i64, NaiveDate), HourlyTotals> = expected
        .buckets
        .keys()
        .map(|&(loc, date, _)| ((loc, date), expected.day(loc, date)))
        .filter(|(_, t)| *t != HourlyTotals::default())
        .collect();
    let stored = stored_days(db, c).await;
    let wrong: Vec<_> = days
        .keys()
        .chain(stored.keys())
        .filter(|k| days.get(k) != stored.get(k))
        .take(5)
        .map(|k| {
            format!(
                "{k:?}: expected {:?}, stored {:?}",
                days.get(k),
                stored.get(k)
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{context}: {}", wrong.join("\n"));
}
