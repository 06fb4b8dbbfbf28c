//! The import's write path on PostgreSQL: one batch of orders in one transaction of a fixed
//! handful of statements whatever its size, each table's rows sent as arrays and expanded
//! with `UNNEST`. The SQL text never changes, so each statement is prepared once per
//! connection, where the portable path's multi-row `VALUES` is a new statement for every
//! batch size and costs a round trip per table and step. The rules are those of
//! [`super::imports::store_page`]: replace the facts of the batch's orders, recompute every
//! hour they touch before and after, count the pages in the run, advance the watermark, all
//! only while this worker holds the lease.

use sqlx::{PgPool, Postgres, Transaction};

use super::TenantId;
use super::import_page::{Bucket, PageCounts, PageFacts, RunLease};

/// [`super::imports::store_page`] on PostgreSQL. Returns false (and stores nothing) if this
/// worker lost the lease.
pub(super) async fn store_page(
    pool: &PgPool,
    tenant: TenantId,
    run: &RunLease<'_>,
    facts: &PageFacts,
    counts: &PageCounts,
    lease_until: i64,
) -> sqlx::Result<bool> {
    // The pool's connections commit without waiting for the WAL flush (see
    // `super::Db::connect`): no SET statement per batch.
    let mut tx = pool.begin().await?;
    if !hold_lease_and_count(&mut tx, tenant, run, counts, lease_until).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let mut buckets = delete_facts(&mut tx, tenant, &facts.order_ids, &facts.locations).await?;
    facts.add_new_buckets(&mut buckets);
    insert_sales(&mut tx, tenant, run.integration, facts).await?;
    insert_returns(&mut tx, tenant, run.integration, facts).await?;
    recompute(&mut tx, tenant, &buckets).await?;
    tx.commit().await?;
    Ok(true)
}

/// Renews the lease, advances the watermark and adds the counters to the run, in one
/// statement; false when the lease is no longer this worker's (then nothing changed).
async fn hold_lease_and_count(
    tx: &mut Transaction<'_, Postgres>,
    tenant: TenantId,
    run: &RunLease<'_>,
    counts: &PageCounts,
    lease_until: i64,
) -> sqlx::Result<bool> {
    let held: i64 = sqlx::query_scalar(
        "WITH lease AS (
             UPDATE integrations SET lease_until = $4,
                    watermark = CASE WHEN $5::BIGINT IS NULL THEN watermark
                                     WHEN watermark IS NULL OR watermark < $5 THEN $5
                                     ELSE watermark END
             WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3
             RETURNING id),
         counted AS (
             UPDATE import_runs SET pages = pages + $7, orders_read = orders_read + $8,
                    refunds_read = refunds_read + $9, orders_stored = orders_stored + $10,
                    refunds_stored = refunds_stored + $11,
                    progress_until = COALESCE($5::BIGINT, progress_until)
             WHERE tenant_id = $1 AND id = $6 AND EXISTS (SELECT 1 FROM lease)
             RETURNING id)
         SELECT COUNT(*) FROM lease",
    )
    .bind(tenant.0)
    .bind(run.integration)
    .bind(run.owner)
    .bind(lease_until)
    .bind(counts.updated_until)
    .bind(run.run)
    .bind(counts.pages)
    .bind(counts.orders_read)
    .bind(counts.refunds_read)
    .bind(counts.orders_stored)
    .bind(counts.refunds_stored)
    .fetch_one(&mut **tx)
    .await?;
    Ok(held == 1)
}

#[derive(sqlx::FromRow)]
struct BucketRow {
    location_id: i64,
    local_date: String,
    local_hour: i64,
}

/// Deletes the stored facts of `order_ids` at the importing `locations` (their refunds too: a
/// re-read order's refunds may have changed or gone) and returns the hours they were in.
/// Facts at a location since disabled are kept, as DOMAIN.md asks.
async fn delete_facts(
    tx: &mut Transaction<'_, Postgres>,
    tenant: TenantId,
    order_ids: &[String],
    locations: &[i64],
) -> sqlx::Result<Vec<Bucket>> {
    if order_ids.is_empty() || locations.is_empty() {
        return Ok(Vec::new());
    }
    // Each order is found through its key (tenant, order id), one index probe per order, and
    // its row deleted by position: `shopify_order_id = ANY(…) AND location_id = ANY(…)` let
    // the planner prefer the hour index on (tenant, location), which reads every fact of
    // the tenant's locations, a cost that grows with the table on every batch.
    let rows = sqlx::query_as::<_, BucketRow>(
        "WITH gone_returns AS (
             DELETE FROM returns WHERE ctid = ANY(ARRAY(
                 SELECT r.ctid FROM UNNEST($2::TEXT[]) AS o (id)
                 CROSS JOIN LATERAL (SELECT ctid, location_id FROM returns
                                     WHERE tenant_id = $1 AND shopify_order_id = o.id
                                     OFFSET 0) r
                 WHERE r.location_id = ANY($3)))
             RETURNING location_id, local_date, local_hour),
         gone_sales AS (
             DELETE FROM sales WHERE ctid = ANY(ARRAY(
                 SELECT s.ctid FROM UNNEST($2::TEXT[]) AS o (id)
                 CROSS JOIN LATERAL (SELECT ctid, location_id FROM sales
                                     WHERE tenant_id = $1 AND shopify_order_id = o.id
                                     OFFSET 0) s
                 WHERE s.location_id = ANY($3)))
             RETURNING location_id, local_date, local_hour)
         SELECT location_id, local_date, local_hour FROM gone_returns
         UNION
         SELECT location_id, local_date, local_hour FROM gone_sales",
    )
    .bind(tenant.0)
    .bind(order_ids)
    .bind(locations)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|b| (b.location_id, b.local_date, b.local_hour))
        .collect())
}

async fn insert_sales(
    tx: &mut Transaction<'_, Postgres>,
    tenant: TenantId,
    integration: i64,
    facts: &PageFacts,
) -> sqlx::Result<()> {
    let rows = &facts.sales;
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO sales (tenant_id, integration_id, shopify_order_id, location_id, occurred_at,
                            local_date, local_hour, gross, discounts, items, is_transaction)
         SELECT $1, $2, u.* FROM UNNEST($3::TEXT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[],
                                      $7::BIGINT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[],
                                      $11::BIGINT[])
              AS u (shopify_order_id, location_id, occurred_at, local_date, local_hour, gross,
                    discounts, items, is_transaction)
         ON CONFLICT (tenant_id, shopify_order_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(column(rows, |s| s.shopify_order_id.clone()))
    .bind(column(rows, |s| s.location_id))
    .bind(column(rows, |s| s.occurred_at))
    .bind(column(rows, |s| s.local_date.clone()))
    .bind(column(rows, |s| s.local_hour))
    .bind(column(rows, |s| s.gross))
    .bind(column(rows, |s| s.discounts))
    .bind(column(rows, |s| s.items))
    .bind(column(rows, |s| i64::from(s.is_transaction)))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_returns(
    tx: &mut Transaction<'_, Postgres>,
    tenant: TenantId,
    integration: i64,
    facts: &PageFacts,
) -> sqlx::Result<()> {
    let rows = &facts.returns;
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO returns (tenant_id, integration_id, shopify_return_id, shopify_order_id,
                              location_id, occurred_at, local_date, local_hour, gross, discounts,
                              returns, items, is_transaction)
         SELECT $1, $2, u.* FROM UNNEST($3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[],
                                      $7::TEXT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[],
                                      $11::BIGINT[], $12::BIGINT[], $13::BIGINT[])
              AS u (shopify_return_id, shopify_order_id, location_id, occurred_at, local_date,
                    local_hour, gross, discounts, returns, items, is_transaction)
         ON CONFLICT (tenant_id, shopify_return_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(column(rows, |r| r.shopify_return_id.clone()))
    .bind(column(rows, |r| r.shopify_order_id.clone()))
    .bind(column(rows, |r| r.location_id))
    .bind(column(rows, |r| r.occurred_at))
    .bind(column(rows, |r| r.local_date.clone()))
    .bind(column(rows, |r| r.local_hour))
    .bind(column(rows, |r| r.gross))
    .bind(column(rows, |r| r.discounts))
    .bind(column(rows, |r| r.returns))
    .bind(column(rows, |r| r.items))
    .bind(column(rows, |r| i64::from(r.is_transaction)))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One column of a batch as an array parameter.
fn column<R, T>(rows: &[R], field: impl Fn(&R) -> T) -> Vec<T> {
    rows.iter().map(field).collect()
}

/// Recomputes the hourly totals of `buckets` from the stored facts (the rule of
/// `super::imports::recompute`): an hour is the sum of its sales and returns, an hour left
/// without facts is deleted, an hour edited by hand keeps its edit. One statement: the
/// hours with facts are written, those without are deleted (two disjoint sets of rows).
///
/// Every touched hour reads its facts and its stored row through their keys (`LATERAL …
/// OFFSET 0` keeps each lookup a separate index probe): joined as sets, the planner may
/// read all of the tenant's facts for a few hours, whenever its statistics are missing or
/// the tenant is large, and that cost grows with every batch of an import.
async fn recompute(
    tx: &mut Transaction<'_, Postgres>,
    tenant: TenantId,
    buckets: &[Bucket],
) -> sqlx::Result<()> {
    if buckets.is_empty() {
        return Ok(());
    }
    let locations = column(buckets, |b| b.0);
    let dates = column(buckets, |b| b.1.clone());
    let hours = column(buckets, |b| b.2);
    sqlx::query(
        "WITH touched AS (
             SELECT * FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::BIGINT[])
                 AS t (location_id, local_date, hour)),
         sums AS (
             SELECT t.location_id, t.local_date, t.hour,
                    s.gross + r.gross AS gross, s.discounts + r.discounts AS discounts,
                    r.returns AS returns,
                    s.items - r.items AS items, s.transactions + r.transactions AS transactions,
                    s.transactions AS sales_transactions, s.facts + r.facts AS facts
             FROM touched t
             CROSS JOIN LATERAL (
                 SELECT COALESCE(SUM(gross), 0) AS gross, COALESCE(SUM(discounts), 0) AS discounts,
                        COALESCE(SUM(items), 0) AS items,
                        COALESCE(SUM(is_transaction), 0) AS transactions, COUNT(*) AS facts
                 FROM sales
                 WHERE tenant_id = $1 AND location_id = t.location_id
                   AND local_date = t.local_date AND local_hour = t.hour
                 OFFSET 0) s
             CROSS JOIN LATERAL (
                 SELECT COALESCE(SUM(gross), 0) AS gross,
                        COALESCE(SUM(discounts), 0) AS discounts,
                        COALESCE(SUM(returns), 0) AS returns,
                        COALESCE(SUM(items), 0) AS items,
                        COALESCE(SUM(is_transaction), 0) AS transactions, COUNT(*) AS facts
                 FROM returns
                 WHERE tenant_id = $1 AND location_id = t.location_id
                   AND local_date = t.local_date AND local_hour = t.hour
                 OFFSET 0) r),
         emptied AS (
             DELETE FROM hourly_totals WHERE ctid = ANY(ARRAY(
                 SELECT h.ctid FROM sums e
                 CROSS JOIN LATERAL (SELECT ctid FROM hourly_totals
                                     WHERE tenant_id = $1 AND location_id = e.location_id
                                       AND local_date = e.local_date AND hour = e.hour
                                       AND edited = 0
                                     OFFSET 0) h
                 WHERE e.facts = 0))
             RETURNING 1)
         INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
                                    returns, net, transactions, items, edited,
                                    sales_transactions)
         SELECT $1, location_id, local_date, hour, gross, discounts, returns,
                gross - discounts - returns, transactions, items, 0, sales_transactions
         FROM sums WHERE facts > 0
         ON CONFLICT (tenant_id, location_id, local_date, hour) DO UPDATE SET
             gross = excluded.gross, discounts = excluded.discounts, returns = excluded.returns,
             net = excluded.net, transactions = excluded.transactions, items = excluded.items,
             sales_transactions = excluded.sales_transactions
         WHERE hourly_totals.edited = 0",
    )
    .bind(tenant.0)
    .bind(&locations)
    .bind(&dates)
    .bind(&hours)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
