//! Import storage: claiming due integrations with a lease, the history of import runs, the
//! sale and return facts keyed by Shopify's ids, and the hourly totals recomputed from them.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, FromRow, Transaction};

use super::decode::{self, column};
use super::import_page::Bucket;
pub use super::import_page::{PageCounts, PageFacts, ReturnRow, RunLease, SaleRow};
use super::{Backend, Db, TenantId, now};
pub use crate::domain::import_run::Outcome;
use crate::domain::import_run::{BulkPhase, ReadMode, RunState, Trigger};
use crate::domain::integration::{IntegrationStatus, RunRequest};
use crate::domain::schedule::Schedule;
use crate::domain::store_name::StoreName;

/// An integration claimed by one worker, with what a run needs, read into typed values.
#[derive(Debug, Clone)]
pub struct ClaimedIntegration {
    pub id: i64,
    pub tenant_id: i64,
    pub store_name: StoreName,
    pub credentials_enc: String,
    pub taxes_included: i64,
    pub schedule: Schedule,
    /// The wizard's first day to import.
    pub backfill_from: Option<NaiveDate>,
    /// The first day of a re-import of history asked for from the imports page.
    pub backfill_requested_from: Option<NaiveDate>,
    pub watermark: Option<i64>,
    pub run_requested: Option<RunRequest>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
}

/// The columns of a claimed integration as stored.
#[derive(FromRow)]
struct ClaimedColumns {
    id: i64,
    tenant_id: i64,
    store_name: String,
    credentials_enc: String,
    taxes_included: i64,
    schedule_frequency: String,
    schedule_minute: i64,
    schedule_hour: i64,
    backfill_from: String,
    backfill_requested_from: Option<String>,
    watermark: Option<i64>,
    run_requested: Option<String>,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
}

impl<'r> FromRow<'r, AnyRow> for ClaimedIntegration {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Self> {
        let c = ClaimedColumns::from_row(row)?;
        Ok(ClaimedIntegration {
            id: c.id,
            tenant_id: c.tenant_id,
            store_name: column("store_name", StoreName::parse(&c.store_name))?,
            credentials_enc: c.credentials_enc,
            taxes_included: c.taxes_included,
            schedule: decode::schedule(&c.schedule_frequency, c.schedule_minute, c.schedule_hour)?,
            backfill_from: decode::optional_date("backfill_from", Some(&c.backfill_from))?,
            backfill_requested_from: decode::optional_date(
                "backfill_requested_from",
                c.backfill_requested_from.as_deref(),
            )?,
            watermark: c.watermark,
            run_requested: decode::run_request(c.run_requested.as_deref())?,
            lease_owner: c.lease_owner,
            lease_until: c.lease_until,
        })
    }
}

impl ClaimedIntegration {
    pub fn tenant(&self) -> TenantId {
        TenantId(self.tenant_id)
    }
}

const CLAIM_COLUMNS: &str = "id, tenant_id, store_name, credentials_enc, taxes_included, \
     schedule_frequency, schedule_minute, schedule_hour, backfill_from, backfill_requested_from, \
     watermark, run_requested, lease_owner, lease_until";

/// Claims the integration that has waited longest for its due run, if any, for `owner` until
/// `lease_until`. Atomic: two workers never claim the same integration while a lease holds.
pub async fn claim_due(
    db: &Db,
    owner: &str,
    lease_until: i64,
    at: i64,
) -> sqlx::Result<Option<ClaimedIntegration>> {
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE integrations SET lease_owner = $1, lease_until = $2
         WHERE id = (SELECT id FROM integrations
                     WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at <= $3
                       AND (lease_until IS NULL OR lease_until < $3)
                     ORDER BY next_run_at, id LIMIT 1 {lock})
           AND status = 'active' AND (lease_until IS NULL OR lease_until < $3)
         RETURNING {CLAIM_COLUMNS}"
    );
    sqlx::query_as::<_, ClaimedIntegration>(&sql)
        .bind(owner)
        .bind(lease_until)
        .bind(at)
        .fetch_optional(&db.pool)
        .await
}

/// Extends a lease this worker holds; false when it was lost (expired and taken over).
pub async fn renew_lease(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    owner: &str,
    lease_until: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE integrations SET lease_until = $4
         WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(owner)
    .bind(lease_until)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant's IANA time zone (schedules and backfill dates are in it).
pub async fn tenant_time_zone(db: &Db, tenant: TenantId) -> sqlx::Result<String> {
    sqlx::query_scalar::<_, String>("SELECT time_zone FROM tenants WHERE id = $1")
        .bind(tenant.0)
        .fetch_one(&db.pool)
        .await
}

/// A TMAS location matched to a Shopify location in one integration.
#[derive(Debug, Clone, FromRow)]
pub struct MatchedLocation {
    pub location_id: i64,
    pub shopify_location_id: String,
    pub time_zone: String,
    /// Enabled in the integration and active in TMAS: imports go on.
    pub importing: i64,
}

pub async fn matched_locations(
    db: &Db,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Vec<MatchedLocation>> {
    sqlx::query_as::<_, MatchedLocation>(
        "SELECT il.location_id, il.shopify_location_id, l.time_zone,
                CASE WHEN il.enabled = 1 AND l.status = 'active' THEN 1 ELSE 0 END AS importing
         FROM integration_locations il
         JOIN locations l ON l.tenant_id = il.tenant_id AND l.id = il.location_id
         WHERE il.tenant_id = $1 AND il.integration_id = $2",
    )
    .bind(tenant.0)
    .bind(integration)
    .fetch_all(&db.pool)
    .await
}

/// Marks runs left `running` by a worker that died (its lease expired) as failed.
pub async fn close_abandoned_runs(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    at: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE import_runs SET outcome = 'failed', finished_at = $3, error = $4
         WHERE tenant_id = $1 AND integration_id = $2 AND outcome = 'running'",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(at)
    .bind(
        "The worker running this import stopped before it finished; another worker took \
         the import over once its lease expired.",
    )
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// The outcome of the integration's latest finished run, if any.
pub async fn last_outcome(
    db: &Db,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Option<Outcome>> {
    sqlx::query_scalar::<_, String>(
        "SELECT outcome FROM import_runs WHERE tenant_id = $1 AND integration_id = $2
           AND outcome <> 'running' ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant.0)
    .bind(integration)
    .fetch_optional(&db.pool)
    .await?
    .map(|word| column("outcome", Outcome::parse(&word)))
    .transpose()
}

/// Records the start of a run; returns its id.
pub async fn start_run(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    trigger: Trigger,
    window: (i64, i64),
    worker: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO import_runs
             (tenant_id, integration_id, trigger, window_from, window_to, started_at, outcome,
              worker, progress_until)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $4) RETURNING id",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(trigger.as_str())
    .bind(window.0)
    .bind(window.1)
    .bind(now())
    .bind(worker)
    .fetch_one(&db.pool)
    .await
}

/// What finishing a run does to its integration.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub outcome: Outcome,
    pub error: &'a str,
    /// The watermark after a successful run (the window's end).
    pub watermark: Option<i64>,
    /// The next scheduled run (None stops the schedule: needs attention).
    pub next_run_at: Option<i64>,
    /// Keep the request (a failed backfill is tried again at the next run).
    pub keep_request: bool,
}

/// Ends a run and releases the lease, scheduling the next run, in one transaction. Does
/// nothing to the integration if this worker no longer holds its lease.
pub async fn finish_run(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
    owner: &str,
    finish: &Finish<'_>,
) -> sqlx::Result<bool> {
    let at = now();
    let mut tx = db.pool.begin().await?;
    let held = match finish.outcome {
        Outcome::NeedsAttention => {
            sqlx::query(
                "UPDATE integrations SET status = 'attention', status_reason = $4,
                        next_run_at = NULL, lease_owner = NULL, lease_until = NULL, updated_at = $5,
                        run_requested = CASE WHEN $6 = 1 THEN run_requested ELSE NULL END
                 WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3",
            )
            .bind(tenant.0)
            .bind(integration)
            .bind(owner)
            .bind(finish.error)
            .bind(at)
            .bind(i64::from(finish.keep_request))
            .execute(&mut *tx)
            .await?
        }
        Outcome::Succeeded | Outcome::Failed => {
            sqlx::query(
                "UPDATE integrations SET
                    watermark = CASE WHEN $4 IS NULL THEN watermark
                                     WHEN watermark IS NULL OR watermark < $4 THEN $4
                                     ELSE watermark END,
                    next_run_at = CASE WHEN status = 'active' THEN $5 ELSE next_run_at END,
                    run_requested = CASE WHEN $6 = 1 THEN run_requested ELSE NULL END,
                    backfill_requested_from = CASE WHEN $6 = 1 THEN backfill_requested_from
                                                   ELSE NULL END,
                    lease_owner = NULL, lease_until = NULL
                 WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3",
            )
            .bind(tenant.0)
            .bind(integration)
            .bind(owner)
            .bind(finish.watermark)
            .bind(finish.next_run_at)
            .bind(i64::from(finish.keep_request))
            .execute(&mut *tx)
            .await?
        }
    }
    .rows_affected()
        == 1;
    sqlx::query(
        "UPDATE import_runs SET outcome = $3, error = $4, finished_at = $5
         WHERE tenant_id = $1 AND id = $2 AND outcome = 'running'",
    )
    .bind(tenant.0)
    .bind(run)
    .bind(finish.outcome.as_str())
    .bind(finish.error)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(held)
}

/// Binds per statement, under SQLite's (32,766) and PostgreSQL's (65,535) limits.
const MAX_BINDS: usize = 30_000;

/// Stores one page in one transaction: replaces the facts of its orders, recomputes every
/// hour they touch (before and after), counts the page in its run and advances the
/// watermark. Returns false (and stores nothing) if this worker lost the lease. PostgreSQL
/// takes its own batched path ([`super::imports_pg`]); this one is SQLite's.
pub async fn store_page(
    db: &Db,
    tenant: TenantId,
    run: &RunLease<'_>,
    facts: &PageFacts,
    counts: &PageCounts,
    lease_until: i64,
) -> sqlx::Result<bool> {
    if let Some(pg) = &db.pg_writes {
        return super::imports_pg::store_page(pg, tenant, run, facts, counts, lease_until).await;
    }
    let (integration, owner) = (run.integration, run.owner);
    let run = run.run;
    let mut tx = db.pool.begin().await?;
    // A write first, so that SQLite takes its write lock at once (no lock upgrade later).
    let held = sqlx::query(
        "UPDATE integrations SET lease_until = $4,
                watermark = CASE WHEN $5 IS NULL THEN watermark
                                 WHEN watermark IS NULL OR watermark < $5 THEN $5
                                 ELSE watermark END
         WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(owner)
    .bind(lease_until)
    .bind(counts.updated_until)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !held {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "UPDATE import_runs SET pages = pages + $8, orders_read = orders_read + $3,
                refunds_read = refunds_read + $4, orders_stored = orders_stored + $5,
                refunds_stored = refunds_stored + $6,
                progress_until = CASE WHEN $7 IS NULL THEN progress_until ELSE $7 END
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(run)
    .bind(counts.orders_read)
    .bind(counts.refunds_read)
    .bind(counts.orders_stored)
    .bind(counts.refunds_stored)
    .bind(counts.updated_until)
    .bind(counts.pages)
    .execute(&mut *tx)
    .await?;

    let mut buckets: Vec<Bucket> = Vec::new();
    for ids in facts
        .order_ids
        .chunks(MAX_BINDS.saturating_sub(facts.locations.len()).max(1))
    {
        buckets.extend(old_buckets(&mut tx, tenant, ids, &facts.locations).await?);
        delete_facts(&mut tx, tenant, ids, &facts.locations).await?;
    }
    facts.add_new_buckets(&mut buckets);

    // Every fact of these orders at an importing location was deleted above, so a
    // conflict left is a fact kept at a location since disabled: it stays where it is.
    for chunk in facts.sales.chunks(MAX_BINDS / 11) {
        upsert_sales(&mut tx, tenant, integration, chunk).await?;
    }
    for chunk in facts.returns.chunks(MAX_BINDS / 13) {
        upsert_returns(&mut tx, tenant, integration, chunk).await?;
    }
    for chunk in buckets.chunks(MAX_BINDS / 3) {
        recompute(&mut tx, tenant, chunk).await?;
    }
    tx.commit().await?;
    Ok(true)
}

fn placeholders(rows: usize, columns: usize, first: usize) -> String {
    let mut out = String::new();
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", first + r * columns + c));
        }
        out.push(')');
    }
    out
}

#[derive(FromRow)]
struct BucketRow {
    location_id: i64,
    local_date: String,
    local_hour: i64,
}

async fn old_buckets(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    order_ids: &[String],
    locations: &[i64],
) -> sqlx::Result<Vec<Bucket>> {
    if locations.is_empty() {
        return Ok(Vec::new());
    }
    let ids = super::placeholder_list(order_ids.len(), 2);
    let locs = super::placeholder_list(locations.len(), 2 + order_ids.len());
    let sql = format!(
        "SELECT location_id, local_date, local_hour FROM sales
           WHERE tenant_id = $1 AND shopify_order_id IN ({ids}) AND location_id IN ({locs})
         UNION
         SELECT location_id, local_date, local_hour FROM returns
           WHERE tenant_id = $1 AND shopify_order_id IN ({ids}) AND location_id IN ({locs})"
    );
    let mut query = sqlx::query_as::<_, BucketRow>(&sql).bind(tenant.0);
    for id in order_ids {
        query = query.bind(id);
    }
    for l in locations {
        query = query.bind(*l);
    }
    Ok(query
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|b| (b.location_id, b.local_date, b.local_hour))
        .collect())
}

async fn delete_facts(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    order_ids: &[String],
    locations: &[i64],
) -> sqlx::Result<()> {
    if locations.is_empty() {
        return Ok(());
    }
    let ids = super::placeholder_list(order_ids.len(), 2);
    let locs = super::placeholder_list(locations.len(), 2 + order_ids.len());
    // Returns first: a re-read order's refunds may have changed or gone (an edit, a
    // cancellation), so they are replaced as a whole, at the importing locations only.
    for table in ["returns", "sales"] {
        let sql = format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND shopify_order_id IN ({ids})
               AND location_id IN ({locs})"
        );
        let mut query = sqlx::query(&sql).bind(tenant.0);
        for id in order_ids {
            query = query.bind(id);
        }
        for l in locations {
            query = query.bind(*l);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn upsert_sales(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    integration: i64,
    rows: &[SaleRow],
) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO sales (tenant_id, shopify_order_id, integration_id, location_id, occurred_at,
                            local_date, local_hour, gross, discounts, items, is_transaction)
         VALUES {}
         ON CONFLICT (tenant_id, shopify_order_id) DO NOTHING",
        placeholders(rows.len(), 11, 1)
    );
    let mut query = sqlx::query(&sql);
    for s in rows {
        query = query
            .bind(tenant.0)
            .bind(&s.shopify_order_id)
            .bind(integration)
            .bind(s.location_id)
            .bind(s.occurred_at)
            .bind(&s.local_date)
            .bind(s.local_hour)
            .bind(s.gross)
            .bind(s.discounts)
            .bind(s.items)
            .bind(i64::from(s.is_transaction));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

async fn upsert_returns(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    integration: i64,
    rows: &[ReturnRow],
) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO returns (tenant_id, shopify_return_id, shopify_order_id, integration_id,
                              location_id, occurred_at, local_date, local_hour, gross, discounts,
                              returns, items, is_transaction)
         VALUES {}
         ON CONFLICT (tenant_id, shopify_return_id) DO NOTHING",
        placeholders(rows.len(), 13, 1)
    );
    let mut query = sqlx::query(&sql);
    for r in rows {
        query = query
            .bind(tenant.0)
            .bind(&r.shopify_return_id)
            .bind(&r.shopify_order_id)
            .bind(integration)
            .bind(r.location_id)
            .bind(r.occurred_at)
            .bind(&r.local_date)
            .bind(r.local_hour)
            .bind(r.gross)
            .bind(r.discounts)
            .bind(r.returns)
            .bind(r.items)
            .bind(i64::from(r.is_transaction));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Recomputes the hourly totals of `buckets` from the stored facts: hourly totals are the
/// sum of their sales and returns; a bucket left without facts is deleted. Hours edited by
/// hand keep their edit. `touched CROSS JOIN facts` makes SQLite loop over the few touched
/// buckets and seek each in the covering bucket index (its planner otherwise may scan every
/// fact of the tenant); PostgreSQL plans it as the same join.
async fn recompute(
    tx: &mut Transaction<'_, Any>,
    tenant: TenantId,
    buckets: &[Bucket],
) -> sqlx::Result<()> {
    if buckets.is_empty() {
        return Ok(());
    }
    let touched = placeholders(buckets.len(), 3, 2);
    let upsert = format!(
        "WITH touched (location_id, local_date, hour) AS (VALUES {touched}),
         facts AS (
             SELECT s.location_id, s.local_date, s.local_hour AS hour, s.gross, s.discounts,
                    0 AS returns, s.items, s.is_transaction, s.is_transaction AS sale
             FROM touched t CROSS JOIN sales s
             WHERE s.tenant_id = $1 AND s.location_id = t.location_id
               AND s.local_date = t.local_date AND s.local_hour = t.hour
             UNION ALL
             SELECT r.location_id, r.local_date, r.local_hour, r.gross, r.discounts, r.returns,
                    -r.items,
                    r.is_transaction, 0
             FROM touched t CROSS JOIN returns r
             WHERE r.tenant_id = $1 AND r.location_id = t.location_id
               AND r.local_date = t.local_date AND r.local_hour = t.hour
         )
         INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
                                    returns, net, transactions, items, edited,
                                    sales_transactions)
         SELECT $1, location_id, local_date, hour, SUM(gross), SUM(discounts), SUM(returns),
                SUM(gross) - SUM(discounts) - SUM(returns), SUM(is_transaction), SUM(items), 0,
                SUM(sale)
         FROM facts WHERE true GROUP BY location_id, local_date, hour
         ON CONFLICT (tenant_id, location_id, local_date, hour) DO UPDATE SET
             gross = excluded.gross, discounts = excluded.discounts, returns = excluded.returns,
             net = excluded.net, transactions = excluded.transactions, items = excluded.items,
             sales_transactions = excluded.sales_transactions
         WHERE hourly_totals.edited = 0"
    );
    let mut query = sqlx::query(&upsert).bind(tenant.0);
    for (location, date, hour) in buckets {
        query = query.bind(*location).bind(date).bind(*hour);
    }
    query.execute(&mut **tx).await?;

    let empty = format!(
        "DELETE FROM hourly_totals
         WHERE tenant_id = $1 AND edited = 0
           AND (location_id, local_date, hour) IN (VALUES {touched})
           AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.tenant_id = $1
                         AND s.location_id = hourly_totals.location_id
                         AND s.local_date = hourly_totals.local_date
                         AND s.local_hour = hourly_totals.hour)
           AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.tenant_id = $1
                         AND r.location_id = hourly_totals.location_id
                         AND r.local_date = hourly_totals.local_date
                         AND r.local_hour = hourly_totals.hour)"
    );
    let mut query = sqlx::query(&empty).bind(tenant.0);
    for (location, date, hour) in buckets {
        query = query.bind(*location).bind(date).bind(*hour);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

// ---- What the imports page shows and asks for ----

/// The integration as the imports page shows it, read into typed values.
#[derive(Debug, Clone)]
pub struct ImportsIntegration {
    pub id: i64,
    pub label: String,
    pub store_name: String,
    pub status: IntegrationStatus,
    pub status_reason: String,
    pub scopes: String,
    pub schedule: Schedule,
    pub backfill_from: Option<NaiveDate>,
    pub watermark: Option<i64>,
    pub next_run_at: Option<i64>,
    pub run_requested: Option<RunRequest>,
    pub lease_until: Option<i64>,
}

/// The columns the imports page reads, as stored.
#[derive(FromRow)]
struct ImportsColumns {
    id: i64,
    label: String,
    store_name: String,
    status: String,
    status_reason: String,
    scopes: String,
    schedule_frequency: String,
    schedule_minute: i64,
    schedule_hour: i64,
    backfill_from: String,
    watermark: Option<i64>,
    next_run_at: Option<i64>,
    run_requested: Option<String>,
    lease_until: Option<i64>,
}

impl<'r> FromRow<'r, AnyRow> for ImportsIntegration {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Self> {
        let c = ImportsColumns::from_row(row)?;
        Ok(ImportsIntegration {
            id: c.id,
            label: c.label,
            store_name: c.store_name,
            status: column("status", IntegrationStatus::parse(&c.status))?,
            status_reason: c.status_reason,
            scopes: c.scopes,
            schedule: decode::schedule(&c.schedule_frequency, c.schedule_minute, c.schedule_hour)?,
            backfill_from: decode::optional_date("backfill_from", Some(&c.backfill_from))?,
            watermark: c.watermark,
            next_run_at: c.next_run_at,
            run_requested: decode::run_request(c.run_requested.as_deref())?,
            lease_until: c.lease_until,
        })
    }
}

impl ImportsIntegration {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.split([',', ' ']).any(|s| s.trim() == scope)
    }
}

pub async fn integration(
    db: &Db,
    tenant: TenantId,
    id: i64,
) -> sqlx::Result<Option<ImportsIntegration>> {
    sqlx::query_as::<_, ImportsIntegration>(
        "SELECT id, label, store_name, status, status_reason, scopes, schedule_frequency,
                schedule_minute, schedule_hour, backfill_from, watermark, next_run_at,
                run_requested, lease_until
         FROM integrations WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// One import run, as the history shows it.
#[derive(Debug, Clone, FromRow)]
pub struct ImportRun {
    pub id: i64,
    pub integration_id: i64,
    #[sqlx(try_from = "String")]
    pub trigger: Trigger,
    pub window_from: i64,
    pub window_to: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub pages: i64,
    pub orders_read: i64,
    pub refunds_read: i64,
    pub orders_stored: i64,
    pub refunds_stored: i64,
    #[sqlx(try_from = "String")]
    pub outcome: RunState,
    pub error: String,
    pub worker: String,
    pub progress_until: Option<i64>,
    /// What the run had to adapt to (Shopify priced its pages higher than TMAS did…), one
    /// line each.
    pub note: String,
    /// How the run read Shopify.
    #[sqlx(try_from = "String")]
    pub read_mode: ReadMode,
    /// While a bulk read runs: Shopify exporting or TMAS writing; idle otherwise.
    #[sqlx(try_from = "String")]
    pub bulk_phase: BulkPhase,
    pub bulk_objects: i64,
    pub bulk_orders_done: i64,
    pub bulk_orders_total: i64,
    pub cancel_requested: i64,
}

impl ImportRun {
    /// How far through its window the run has read, 0–100.
    pub fn percent(&self) -> i64 {
        let span = (self.window_to - self.window_from).max(1);
        let done = self.progress_until.unwrap_or(self.window_from) - self.window_from;
        if self.outcome == RunState::Ended(Outcome::Succeeded) {
            100
        } else {
            (done.clamp(0, span) * 100 / span).clamp(0, 100)
        }
    }
}

const RUN_COLUMNS: &str = "id, integration_id, trigger, window_from, window_to, started_at, \
     finished_at, pages, orders_read, refunds_read, orders_stored, refunds_stored, outcome, \
     error, worker, progress_until, note, read_mode, bulk_phase, bulk_objects, bulk_orders_done, \
     bulk_orders_total, cancel_requested";

/// The latest runs of an integration, newest first.
pub async fn runs(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    limit: i64,
) -> sqlx::Result<Vec<ImportRun>> {
    sqlx::query_as::<_, ImportRun>(&format!(
        "SELECT {RUN_COLUMNS} FROM import_runs WHERE tenant_id = $1 AND integration_id = $2
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(tenant.0)
    .bind(integration)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Adds a line to a run's note (kept whatever the run's outcome). Lines are kept apart by a
/// newline so that each is translated on its own.
pub async fn add_run_note(db: &Db, tenant: TenantId, run: i64, line: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_runs SET note = CASE WHEN note = '' THEN $3 ELSE note || $4 || $3 END
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(run)
    .bind(line)
    .bind("\n")
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Remembers the Admin API version Shopify last answered with for an integration.
pub async fn record_api_version(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    answered: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE integrations SET api_version_answered = $3 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(answered)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The Admin API version Shopify last answered with for an integration, if any yet.
pub async fn api_version_answered(
    db: &Db,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT api_version_answered FROM integrations WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(integration)
    .fetch_optional(&db.pool)
    .await?
    .flatten())
}

/// Why a run could not be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueRefusal {
    NotFound,
    /// A run is in progress: nothing new is started.
    Running,
    /// A run is already waiting to start.
    AlreadyQueued,
    /// The integration is not active (draft, deactivated, needs attention).
    NotActive {
        status: IntegrationStatus,
        reason: String,
    },
}

/// Queues a run now (`Manual`, or `Backfill` from `backfill_from`) unless one is running or
/// already due. Atomic, so two clicks queue one run. "Import now" keeps a pending request
/// (a backfill that failed is retried now rather than dropped).
pub async fn queue_run(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    request: RunRequest,
    backfill_from: Option<NaiveDate>,
) -> sqlx::Result<Result<(), QueueRefusal>> {
    let at = now();
    let done = sqlx::query(
        "UPDATE integrations SET
                run_requested = CASE WHEN $3 = 'manual' AND run_requested IS NOT NULL
                                     THEN run_requested ELSE $3 END,
                backfill_requested_from = CASE WHEN $3 = 'backfill' THEN $4
                                               ELSE backfill_requested_from END,
                next_run_at = $5, updated_at = $5
         WHERE tenant_id = $1 AND id = $2 AND status = 'active'
           AND (lease_until IS NULL OR lease_until < $5)
           AND (next_run_at IS NULL OR next_run_at > $5)",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(request.as_str())
    .bind(backfill_from.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(at)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let Some(current) = self::integration(db, tenant, integration).await? else {
        return Ok(Err(QueueRefusal::NotFound));
    };
    Ok(Err(if current.status != IntegrationStatus::Active {
        QueueRefusal::NotActive {
            status: current.status,
            reason: current.status_reason,
        }
    } else if current.lease_until.is_some_and(|l| l >= at) {
        QueueRefusal::Running
    } else {
        QueueRefusal::AlreadyQueued
    }))
}
