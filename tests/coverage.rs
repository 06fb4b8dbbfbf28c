//! Honest pages (issue 27, coverage): a period before a location's history, or a comparison
//! lying there, reads "no data", never 0.00 or a percentage; a comparison only partly covered
//! says so beside the change; one tenant's history never shapes another's pages.

mod common;
mod report_fixtures;

use chrono::{Duration, NaiveDate};
use common::TestApp;
use report_fixtures::{between, cells, hour, integration, location, match_location};
use reqwest::StatusCode;
use tmas::db::TenantId;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    dashboard_says_no_data_for_comparisons_before_the_history,
    dashboard_marks_a_comparison_only_some_stores_cover,
    a_period_before_all_data_is_no_data_not_zero,
);

fn today() -> NaiveDate {
    tmas::web::reports::today_in("America/Toronto")
}

fn day(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

/// An active integration importing `locations`, its history starting on `from`, imported up
/// to now, its last run a success.
async fn imported_from(
    app: &TestApp,
    tenant: TenantId,
    label: &str,
    from: &str,
    locations: &[i64],
) {
    let id = integration(app, tenant, label, "active", "", "CAD").await;
    for (i, l) in locations.iter().enumerate() {
        match_location(app, tenant, id, *l, &format!("{id}{}", 1001 + i)).await;
    }
    sqlx::query("UPDATE integrations SET backfill_from = $1, watermark = $2 WHERE tenant_id = $3 AND id = $4")
        .bind(from)
        .bind(tmas::db::now())
        .bind(tenant.0)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO import_runs (tenant_id, integration_id, trigger, window_from, window_to,
             started_at, finished_at, outcome)
         VALUES ($1, $2, 'schedule', 0, 0, 0, 1, 'succeeded')",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

fn card(page: &str, title: &str) -> String {
    between(page, &format!("<h2>{title} "), "</section>").to_string()
}

async fn dashboard_says_no_data_for_comparisons_before_the_history(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    // The history starts three days ago: last week lies before it.
    imported_from(&app, a, "Main store", &day(3), &[s01]).await;
    hour(&app, a, s01, &day(1), 9, 11000, 0, 0, 1, 1).await;
    // Another tenant whose history reaches back: its numbers and coverage stay its own.
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let b01 = location(&app, b, "B-01", "Bravo Central").await;
    imported_from(&app, b, "Bravo store", &day(60), &[b01]).await;
    hour(&app, b, b01, &day(1), 9, 22000, 0, 0, 2, 2).await;
    hour(&app, b, b01, &day(8), 9, 20000, 0, 0, 2, 2).await;

    let (status, page) = app.browser().text("/").await;
    assert_eq!(status, StatusCode::OK);
    let yesterday = card(&page, "Yesterday");
    assert!(yesterday.contains("$110.00"), "{yesterday}");
    let change = between(&yesterday, "<p class=\"change", "</p>");
    assert!(change.contains("change-none"), "{change}");
    assert!(change.contains("<strong>no data</strong>"), "{change}");
    assert!(!change.contains('%'), "{change}");
    assert!(!change.contains("no sales to compare with"), "{change}");
    let from = NaiveDate::parse_from_str(&day(3), "%Y-%m-%d").unwrap();
    let words = format!(
        "data from {}",
        tmas::i18n::format_date(tmas::i18n::Lang::En, from)
    );
    assert!(change.contains(&words), "{change} lacks {words}");
    // The ranking says the same per store.
    let ranking = between(&page, "id=\"ranking\"", "</section>");
    let row = between(ranking, "S-01 · Downtown", "</tr>");
    assert!(row.contains("no data") && !row.contains('%'), "{row}");
    assert!(!page.contains("Bravo"), "another tenant leaked");

    // Bravo, whose history covers last week, gets its percentage.
    let bravo = app.other_browser();
    let _ = app
        .create_user("manager@bravo.test", Role::Manager, Some(b))
        .await;
    bravo.login("manager@bravo.test", common::PASSWORD).await;
    let (_, page) = bravo.text("/").await;
    let change = between(&card(&page, "Yesterday"), "<p class=\"change", "</p>").to_string();
    assert!(change.contains("<strong>+10.0%</strong>"), "{change}");
    assert!(
        !change.contains("no data") && !change.contains("partly"),
        "{change}"
    );
}

async fn dashboard_marks_a_comparison_only_some_stores_cover(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    let s02 = location(&app, a, "S-02", "Mall").await;
    // S-01's history reaches back two months; S-02's starts three days ago.
    imported_from(&app, a, "Old store", &day(60), &[s01]).await;
    imported_from(&app, a, "New store", &day(3), &[s02]).await;
    hour(&app, a, s01, &day(1), 9, 12610, 0, 0, 1, 1).await;
    hour(&app, a, s01, &day(8), 9, 10000, 0, 0, 1, 1).await;

    let (_, page) = app.browser().text("/").await;
    let change = between(&card(&page, "Yesterday"), "<p class=\"change", "</p>").to_string();
    // The change is shown, and marked: half the stores did not have data then.
    assert!(change.contains("<strong>+26.1%</strong>"), "{change}");
    assert!(change.contains("partly imported"), "{change}");
    let ranking = between(&page, "id=\"ranking\"", "</section>");
    let new_store = between(ranking, "S-02 · Mall", "</tr>");
    assert!(
        new_store.contains("no data") && !new_store.contains('%'),
        "{new_store}"
    );
}

async fn a_period_before_all_data_is_no_data_not_zero(app: TestApp) {
    // Kept by hand: its data starts today, so yesterday holds nothing to show.
    let a = app.signed_in("Acme", Plan::Basic, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    hour(&app, a, s01, &day(0), 0, 5000, 0, 0, 1, 1).await;
    let (_, page) = app.browser().text("/").await;
    let yesterday = card(&page, "Yesterday");
    assert!(yesterday.contains("No data"), "{yesterday}");
    assert!(
        !yesterday.contains("$0.00") && !yesterday.contains("0.00"),
        "{yesterday}"
    );
    let today = card(&page, "Today");
    assert_eq!(
        cells(between(&today, "S-01 · Downtown", "</tr>"))[0],
        "50.00"
    );
}
