//! The demo's door counters over stored hours: every imported day counted, conversion a
//! believable 15–35 % a day, the counter-down day missing, and a second fill changing nothing.

mod common;
mod report_fixtures;

use chrono::NaiveDate;
use common::TestApp;
use tmas::db;
use tmas::domain::account::Plan;

backend_tests!(the_demo_counts_every_imported_day_but_the_broken_counters);

async fn the_demo_counts_every_imported_day_but_the_broken_counters(app: TestApp) {
    let tenant = app.create_tenant("Demo", Plan::Retail).await;
    let one = report_fixtures::location(&app, tenant, "STORE-01", "One").await;
    let two = report_fixtures::location(&app, tenant, "STORE-02", "Two").await;
    let first = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    for day in 0..7 {
        let date = (first + chrono::Duration::days(day)).to_string();
        for store in [one, two] {
            for (hour, sales) in [(10, 2), (11, 1), (12, 3), (14, 2), (16, 1), (18, 2)] {
                sqlx::query(
                    "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross,
                         discounts, returns, net, transactions, items, edited, sales_transactions)
                     VALUES ($1, $2, $3, $4, 1000, 0, 0, 1000, $5, 1, 0, $5)",
                )
                .bind(tenant.0)
                .bind(store)
                .bind(&date)
                .bind(hour)
                .bind(sales)
                .execute(&app.db.pool)
                .await
                .expect("hour");
            }
        }
    }
    let down = first + chrono::Duration::days(3);
    let written = tmas::demo_traffic::fill(&app.db, tenant, Some((two, down)))
        .await
        .expect("fill");
    assert_eq!(written, 13 * 12, "12 open hours a day, for 13 store-days");
    let days = db::traffic::day_sums(&app.db, tenant, first, first + chrono::Duration::days(6))
        .await
        .expect("sums");
    for day in &days {
        if day.location_id == two && day.local_date == down.to_string() {
            assert_eq!(day.sums.counted_hours, 0);
            assert_eq!(day.sums.missing_hours, 6, "the counter was down");
            continue;
        }
        let conversion = day.sums.conversion_tenths_percent().expect("counted");
        assert!((150..=350).contains(&conversion), "{day:?}");
    }
    // Nothing new imported: nothing new counted.
    let again = tmas::demo_traffic::fill(&app.db, tenant, Some((two, down)))
        .await
        .expect("fill");
    assert_eq!(again, 0);
}
