//! Known hourly totals for the report, dashboard and editing tests, inserted with SQL (the
//! import worker is tested on its own; here the sums over hours are under test).
#![allow(dead_code)]

use tmas::db::TenantId;

use crate::common::TestApp;

pub async fn location(app: &TestApp, tenant: TenantId, code: &str, name: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO locations (tenant_id, location_id, name, time_zone, status, created_at)
         VALUES ($1, $2, $3, 'America/Toronto', 'active', 0) RETURNING id",
    )
    .bind(tenant.0)
    .bind(code)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .expect("insert location")
}

/// One hour: gross, discounts, returns (net derived), transactions, items.
#[allow(clippy::too_many_arguments)]
pub async fn hour(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    date: &str,
    hour: i64,
    gross: i64,
    discounts: i64,
    returns: i64,
    transactions: i64,
    items: i64,
) {
    insert(
        app,
        tenant,
        location,
        date,
        hour,
        [gross, discounts, returns, transactions, items],
        false,
    )
    .await;
}

pub async fn insert(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    date: &str,
    hour: i64,
    [gross, discounts, returns, transactions, items]: [i64; 5],
    edited: bool,
) {
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
             returns, net, transactions, items, edited)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(hour)
    .bind(gross)
    .bind(discounts)
    .bind(returns)
    .bind(gross - discounts - returns)
    .bind(transactions)
    .bind(items)
    .bind(i64::from(edited))
    .execute(&app.db.pool)
    .await
    .expect("insert hour");
}

pub async fn integration(
    app: &TestApp,
    tenant: TenantId,
    label: &str,
    status: &str,
    reason: &str,
    currency: &str,
) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO integrations (tenant_id, label, store_name, status, status_reason,
             shop_currency, next_run_at, created_at, updated_at)
         VALUES ($1, $2, $7, $3, $4, $5, $6, 0, 0) RETURNING id",
    )
    .bind(tenant.0)
    .bind(label)
    .bind(status)
    .bind(reason)
    .bind(currency)
    .bind(tmas::db::now() + 3600)
    // One integration per shop in a tenant: each label gets its own store.
    .bind(
        label
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>(),
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("insert integration")
}

pub async fn match_location(
    app: &TestApp,
    tenant: TenantId,
    integration: i64,
    location: i64,
    shopify_id: &str,
) {
    sqlx::query(
        "INSERT INTO integration_locations (tenant_id, integration_id, location_id,
             shopify_location_id, enabled)
         VALUES ($1, $2, $3, $4, 1)",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(location)
    .bind(shopify_id)
    .execute(&app.db.pool)
    .await
    .expect("match location");
}

/// A run of the integration that ended well a few seconds ago, as the worker records one.
pub async fn succeeded_run(app: &TestApp, tenant: TenantId, integration: i64) {
    let now = tmas::db::now();
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, finished_at, outcome)
         VALUES ($1, $2, 'schedule', $3, $4, $4, $5, 'succeeded')",
    )
    .bind(tenant.0)
    .bind(integration)
    .bind(now - 3600)
    .bind(now - 60)
    .bind(now - 30)
    .execute(&app.db.pool)
    .await
    .expect("insert run");
}

/// The integration's history starts on `from` (`YYYY-MM-DD`) and is imported up to now.
pub async fn history_from(app: &TestApp, tenant: TenantId, integration: i64, from: &str) {
    sqlx::query(
        "UPDATE integrations SET backfill_from = $1, watermark = $2 WHERE tenant_id = $3 AND id = $4",
    )
    .bind(from)
    .bind(tmas::db::now())
    .bind(tenant.0)
    .bind(integration)
    .execute(&app.db.pool)
    .await
    .expect("set history");
}

/// An active Shopify integration in CAD importing these locations (Shopify locations 1001,
/// 1002, …), whose last run succeeded.
pub async fn imported(app: &TestApp, tenant: TenantId, locations: &[i64]) -> i64 {
    let id = integration(app, tenant, "Main store", "active", "", "CAD").await;
    for (i, location) in locations.iter().enumerate() {
        match_location(app, tenant, id, *location, &format!("{}", 1001 + i)).await;
    }
    succeeded_run(app, tenant, id).await;
    id
}

/// Tenant A ("Acme", admin signed in on the main browser) with three locations and the hours
/// below; tenant B ("Bravo") with its own S-01 and B-1 and much larger numbers.
pub struct Fixture {
    pub a: TenantId,
    pub b: TenantId,
    pub s01: i64,
    pub s02: i64,
    pub s03: i64,
    pub b_s01: i64,
    pub b1: i64,
}

pub async fn two_tenants(app: &TestApp, role: tmas::domain::account::Role) -> Fixture {
    use tmas::domain::account::Plan;
    let a = app.signed_in("Acme", Plan::Retail, role).await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let s01 = location(app, a, "S-01", "Downtown").await;
    let s02 = location(app, a, "S-02", "Mall, North").await;
    let s03 = location(app, a, "S-03", "Airport").await;
    let b_s01 = location(app, b, "S-01", "Bravo Central").await;
    let b1 = location(app, b, "B-1", "Harbour B").await;

    // S-01: example A, then averages that round half-even, a week and a month boundary.
    hour(app, a, s01, "2026-02-15", 10, 10000, 0, 0, 5, 5).await;
    hour(app, a, s01, "2026-03-02", 10, 5200, 520, 0, 1, 3).await;
    hour(app, a, s01, "2026-03-02", 11, 1000, 0, 0, 3, 3).await;
    hour(app, a, s01, "2026-03-03", 9, 5, 0, 0, 2, 0).await;
    hour(app, a, s01, "2026-03-03", 10, 15, 0, 0, 2, 0).await;
    hour(app, a, s01, "2026-03-08", 23, 2000, 0, 0, 1, 1).await;
    hour(app, a, s01, "2026-03-09", 0, 3000, 0, 0, 1, 2).await;
    hour(app, a, s01, "2026-04-01", 12, 700, 0, 0, 1, 1).await;
    // An hour set to nothing by hand: no activity, so no bucket.
    insert(app, a, s01, "2026-03-05", 14, [0, 0, 0, 0, 0], true).await;
    // S-02: example B (a return), and an edited hour without transactions.
    hour(app, a, s02, "2026-03-04", 16, 0, 0, 1800, 1, -1).await;
    insert(app, a, s02, "2026-03-04", 17, [250, 0, 0, 0, 0], true).await;

    hour(app, b, b_s01, "2026-03-02", 10, 999_999, 0, 0, 7, 77).await;
    hour(app, b, b1, "2026-03-03", 10, 888_888, 0, 0, 8, 88).await;
    Fixture {
        a,
        b,
        s01,
        s02,
        s03,
        b_s01,
        b1,
    }
}

/// The part of `html` from `start` to the next `end`.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in page:\n{html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The numbers of a table row in order (the text of each `<td>`).
pub fn cells(row: &str) -> Vec<String> {
    row.split("<td")
        .skip(1)
        .map(|c| {
            let start = c.find('>').map(|i| i + 1).unwrap_or(0);
            let end = c.find("</td>").unwrap_or(c.len());
            c[start..end].trim().to_string()
        })
        .collect()
}
