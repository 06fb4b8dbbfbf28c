//! Migration 0019 fills the history: hours imported before it get their sales transactions
//! from the stored facts (returns left out), edited hours keep what was typed less their
//! returns, and the day rows follow — on both back ends.

mod common;

use std::borrow::Cow;

use common::Backend;
use sqlx::migrate::Migrator;
use tmas::db::Db;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_history_gets_its_sales_transactions() {
    history_gets_its_sales_transactions(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_history_gets_its_sales_transactions() {
    if !common::postgres_configured() {
        eprintln!("skipped: set TMAS_TEST_POSTGRES_URL to run on PostgreSQL");
        return;
    }
    history_gets_its_sales_transactions(Backend::Postgres).await;
}

async fn history_gets_its_sales_transactions(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = common::fresh_database_url(backend, dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    let all = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    let before_traffic = Migrator {
        migrations: Cow::Owned(
            all.migrations
                .iter()
                .filter(|m| m.version < 19)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    before_traffic
        .run(&db.pool)
        .await
        .expect("migrations before 0019");

    // An imported hour (a sale, another sale, a return) and an edited one (3 typed, 1 return).
    for (id, hour) in [("o1", 10), ("o2", 10), ("o3", 11)] {
        sqlx::query(
            "INSERT INTO sales (tenant_id, shopify_order_id, integration_id, location_id,
                 occurred_at, local_date, local_hour, gross, discounts, items, is_transaction)
             VALUES (1, $1, 1, 1, 0, '2026-03-02', $2, 1000, 0, 1, 1)",
        )
        .bind(id)
        .bind(hour)
        .execute(&db.pool)
        .await
        .expect("sale");
    }
    for (id, hour) in [("r1", 10), ("r2", 11)] {
        sqlx::query(
            "INSERT INTO returns (tenant_id, shopify_return_id, shopify_order_id, integration_id,
                 location_id, occurred_at, local_date, local_hour, returns, items, is_transaction)
             VALUES (1, $1, 'o0', 1, 1, 0, '2026-03-02', $2, 500, 1, 1)",
        )
        .bind(id)
        .bind(hour)
        .execute(&db.pool)
        .await
        .expect("return");
    }
    for (hour, transactions, edited) in [(10, 3, 0), (11, 3, 1)] {
        sqlx::query(
            "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
                 discounts, returns, net, transactions, items, edited)
             VALUES (1, 1, '2026-03-02', $1, 2000, 0, 500, 1500, $2, 1, $3)",
        )
        .bind(hour)
        .bind(transactions)
        .bind(edited)
        .execute(&db.pool)
        .await
        .expect("hour");
    }

    all.run(&db.pool).await.expect("migration 0019");
    let hours: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT hour, sales_transactions FROM hourly_totals WHERE tenant_id = 1 ORDER BY hour",
    )
    .fetch_all(&db.pool)
    .await
    .expect("hours");
    assert_eq!(hours, vec![(10, 2), (11, 2)]);
    let day: i64 = sqlx::query_scalar(
        "SELECT sales_transactions FROM daily_totals WHERE tenant_id = 1 AND location_id = 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("day");
    assert_eq!(day, 4);
}
