//! Stored hours for the traffic pages' tests: an hour's sales and an hour's counted visitors,
//! written straight into the tables the pages read, and how many counted hours are stored.

use tmas::db::{self, TenantId};

use super::TestApp;

/// An hour of sales: `net` in cents with no discount or return, and `sales` sales
/// transactions (each of one item).
pub async fn sales(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    date: &str,
    hour: i64,
    net: i64,
    sales: i64,
) {
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
             returns, net, transactions, items, edited, sales_transactions)
         VALUES ($1, $2, $3, $4, $5, 0, 0, $5, $6, $6, 0, $6)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(hour)
    .bind(net)
    .bind(sales)
    .execute(&app.db.pool)
    .await
    .expect("insert hour");
}

/// A counted hour from a file: visitors and, optionally, staff hours in hundredths.
pub async fn counted(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    date: &str,
    hour: i64,
    traffic: i64,
    staff_centihours: Option<i64>,
) {
    sqlx::query(
        "INSERT INTO traffic_hours (tenant_id, location_id, local_date, hour, traffic,
             staff_centihours, source, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'file', 0)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(hour)
    .bind(traffic)
    .bind(staff_centihours)
    .execute(&app.db.pool)
    .await
    .expect("insert traffic");
}

/// How many counted hours the tenant has stored.
pub async fn stored(app: &TestApp, tenant: TenantId) -> i64 {
    db::traffic::count(&app.db, tenant).await.expect("count")
}
