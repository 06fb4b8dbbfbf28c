//! Orders an import could not read: which, why, and the local hours they would have
//! counted in, until a later run reads them.

use sqlx::FromRow;

use super::{Db, TenantId, now};

/// An unreadable order as a run records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRecord {
    pub shopify_order_id: String,
    pub order_name: String,
    /// Which field, and what was wrong with it.
    pub problem: String,
    /// (TMAS location, local date `YYYY-MM-DD`, hour) it would have counted in.
    pub hours: Vec<(i64, String, i64)>,
}

/// Records (or records again) orders a run could not read.
pub async fn record(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
    orders: &[UnreadableRecord],
) -> sqlx::Result<()> {
    if orders.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut tx = db.pool.begin().await?;
    for o in orders {
        sqlx::query(
            "INSERT INTO unreadable_orders (tenant_id, integration_id, shopify_order_id,
                 order_name, problem, run_id, first_seen_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (tenant_id, integration_id, shopify_order_id) DO UPDATE SET
                 order_name = excluded.order_name, problem = excluded.problem,
                 run_id = excluded.run_id, last_seen_at = excluded.last_seen_at",
        )
        .bind(tenant.0)
        .bind(integration)
        .bind(&o.shopify_order_id)
        .bind(&o.order_name)
        .bind(&o.problem)
        .bind(run)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM unreadable_order_hours
             WHERE tenant_id = $1 AND integration_id = $2 AND shopify_order_id = $3",
        )
        .bind(tenant.0)
        .bind(integration)
        .bind(&o.shopify_order_id)
        .execute(&mut *tx)
        .await?;
        for (location, date, hour) in &o.hours {
            sqlx::query(
                "INSERT INTO unreadable_order_hours (tenant_id, integration_id,
                     shopify_order_id, location_id, local_date, local_hour)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(tenant.0)
            .bind(integration)
            .bind(&o.shopify_order_id)
            .bind(*location)
            .bind(date)
            .bind(*hour)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

/// Forgets the orders of `order_ids` that were unreadable: a run has now read them.
pub async fn clear(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    order_ids: &[String],
) -> sqlx::Result<()> {
    for ids in order_ids.chunks(10_000) {
        let list = super::placeholder_list(ids.len(), 3);
        for table in ["unreadable_order_hours", "unreadable_orders"] {
            let sql = format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND integration_id = $2
                   AND shopify_order_id IN ({list})"
            );
            let mut query = sqlx::query(&sql).bind(tenant.0).bind(integration);
            for id in ids {
                query = query.bind(id);
            }
            query.execute(&db.pool).await?;
        }
    }
    Ok(())
}

/// An order listed for the admin on the imports page (one TMAS could not read, or one to
/// check with support): which order, what is wrong, and since when.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct ListedOrder {
    pub shopify_order_id: String,
    pub order_name: String,
    pub problem: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// An unreadable order as the imports page shows it.
pub type UnreadableOrder = ListedOrder;

/// The integration's orders that could not be read yet, oldest first.
pub async fn for_integration(
    db: &Db,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Vec<UnreadableOrder>> {
    listed_orders(db, ListedTable::Unreadable, tenant, integration).await
}

/// The tables whose orders the imports page lists, with the same columns.
#[derive(Debug, Clone, Copy)]
pub(super) enum ListedTable {
    Unreadable,
    ToCheck,
}

/// The integration's orders listed in `table`, oldest first.
pub(super) async fn listed_orders(
    db: &Db,
    table: ListedTable,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Vec<ListedOrder>> {
    let sql = match table {
        ListedTable::Unreadable => {
            "SELECT shopify_order_id, order_name, problem, first_seen_at, last_seen_at
             FROM unreadable_orders WHERE tenant_id = $1 AND integration_id = $2
             ORDER BY first_seen_at, shopify_order_id"
        }
        ListedTable::ToCheck => {
            "SELECT shopify_order_id, order_name, problem, first_seen_at, last_seen_at
             FROM order_checks WHERE tenant_id = $1 AND integration_id = $2
             ORDER BY first_seen_at, shopify_order_id"
        }
    };
    sqlx::query_as::<_, ListedOrder>(sql)
        .bind(tenant.0)
        .bind(integration)
        .fetch_all(&db.pool)
        .await
}

/// A local hour that holds something not counted.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct UnreadableHour {
    pub location_id: i64,
    pub local_date: String,
    pub local_hour: i64,
    /// How many unreadable orders would have counted in it.
    pub orders: i64,
}

/// The hours from `from` to `to` (local dates, inclusive) that unreadable orders would have
/// touched, by location, date and hour.
pub async fn hours(
    db: &Db,
    tenant: TenantId,
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<UnreadableHour>> {
    sqlx::query_as::<_, UnreadableHour>(
        "SELECT location_id, local_date, local_hour,
                COUNT(DISTINCT shopify_order_id) AS orders
         FROM unreadable_order_hours
         WHERE tenant_id = $1 AND local_date >= $2 AND local_date <= $3
         GROUP BY location_id, local_date, local_hour
         ORDER BY location_id, local_date, local_hour",
    )
    .bind(tenant.0)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}
