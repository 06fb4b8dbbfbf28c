//! Imported orders that support should look at (DOMAIN.md's ledger self-check): a ledger
//! type TMAS does not know, or a line whose ledger quantities do not add up to its current
//! quantity. Unlike an unreadable order, such an order is counted; it is listed so that
//! nobody "corrects" it silently.

use super::{Db, TenantId, now};

/// An order to check, as a run finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCheck {
    pub shopify_order_id: String,
    pub order_name: String,
    /// What does not add up, in support's words (ids and numbers, not translated).
    pub problem: String,
}

/// Replaces what is listed for the orders a run read (`read`): those in `checks` are
/// listed (again), the others are forgotten.
pub async fn replace(
    db: &Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
    read: &[String],
    checks: &[OrderCheck],
) -> sqlx::Result<()> {
    let at = now();
    let mut tx = db.pool.begin().await?;
    let kept: Vec<&String> = read
        .iter()
        .filter(|id| !checks.iter().any(|c| &c.shopify_order_id == *id))
        .collect();
    for ids in kept.chunks(10_000) {
        let list = super::placeholder_list(ids.len(), 3);
        let sql = format!(
            "DELETE FROM order_checks WHERE tenant_id = $1 AND integration_id = $2
               AND shopify_order_id IN ({list})"
        );
        let mut query = sqlx::query(&sql).bind(tenant.0).bind(integration);
        for id in ids {
            query = query.bind(*id);
        }
        query.execute(&mut *tx).await?;
    }
    for c in checks {
        sqlx::query(
            "INSERT INTO order_checks (tenant_id, integration_id, shopify_order_id, order_name,
                 problem, run_id, first_seen_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (tenant_id, integration_id, shopify_order_id) DO UPDATE SET
                 order_name = excluded.order_name, problem = excluded.problem,
                 run_id = excluded.run_id, last_seen_at = excluded.last_seen_at",
        )
        .bind(tenant.0)
        .bind(integration)
        .bind(&c.shopify_order_id)
        .bind(&c.order_name)
        .bind(&c.problem)
        .bind(run)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// An order to check as the imports page shows it.
pub type ListedCheck = super::unreadable::ListedOrder;

/// The integration's orders to check, oldest first.
pub async fn for_integration(
    db: &Db,
    tenant: TenantId,
    integration: i64,
) -> sqlx::Result<Vec<ListedCheck>> {
    use super::unreadable::{ListedTable, listed_orders};
    listed_orders(db, ListedTable::ToCheck, tenant, integration).await
}
