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
    report_says_where_data_starts_and_never_compares_with_nothing,
    report_of_a_range_before_the_history_is_no_data,
    exports_leave_sales_before_the_history_empty_and_say_where_data_starts,
    days_after_the_last_import_are_no_data_without_a_history_start,
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
    report_fixtures::history_from(app, tenant, id, from).await;
    report_fixtures::succeeded_run(app, tenant, id).await;
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
    // The 30-day chart: days before the history are "no data" bands, not empty bars.
    let chart = between(&page, "id=\"chart-30-days", "</figure>");
    assert!(chart.contains("class=\"no-data\""), "{chart}");
    let table = between(chart, "<tbody>", "</tbody>");
    let before = tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, from - Duration::days(1));
    let row = between(table, &format!("<td>{before}</td>"), "</tr>");
    assert!(row.contains("no data") && !row.contains("0.00"), "{row}");
    let first = tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, from);
    let row = between(table, &format!("<td>{first}</td>"), "</tr>");
    assert!(row.contains("0.00"), "{row}");
    assert!(chart.contains("Pale bands: no data"), "{chart}");

    // A re-import reaching further back (a new history start) is seen at once, and a week
    // that is covered but had no sales says so.
    sqlx::query("UPDATE integrations SET backfill_from = $1 WHERE tenant_id = $2")
        .bind(day(60))
        .bind(a.0)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, page) = app.browser().text("/").await;
    let change = between(&card(&page, "Yesterday"), "<p class=\"change", "</p>").to_string();
    assert!(change.contains("no sales to compare with"), "{change}");
    assert!(!change.contains("no data"), "{change}");

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
    let today_card = card(&page, "Today");
    assert_eq!(
        cells(between(&today_card, "S-01 · Downtown", "</tr>"))[0],
        "50.00"
    );
    // Today is wholly covered: its row has no mark. Its change (shown in the row on a phone)
    // says last week had no data, and from when there is some.
    let row = between(&today_card, "S-01 · Downtown", "</tr>");
    assert!(!row.contains("incomplete-mark"), "{row}");
    let row_change = between(row, "row-change", "</th>");
    assert!(
        row_change.contains("no data")
            && row_change.contains("data from")
            && !row_change.contains('%'),
        "{row_change}"
    );
    assert!(
        today_card.contains("<strong>no data</strong>"),
        "{today_card}"
    );
    // The week so far began before the data (unless today is Monday): its row says where the
    // data starts.
    let week = card(&page, "Week to date");
    let row = between(&week, "S-01 · Downtown", "</tr>");
    let mark = format!(
        "data from {}",
        tmas::i18n::format_date(tmas::i18n::Lang::En, today())
    );
    use chrono::Datelike;
    if today().weekday() == chrono::Weekday::Mon {
        assert!(!row.contains("data from"), "{row}");
    } else {
        assert!(row.contains(&mark), "{row} lacks {mark}");
    }
}

/// Tenant A's history starts on Oct 5, 2026 (S-01 and S-02); tenant B's reaches back to 2024
/// and has sales in November 2025.
async fn history_from_october_5(app: &TestApp) -> (TenantId, TenantId) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let s01 = location(app, a, "S-01", "Downtown").await;
    let s02 = location(app, a, "S-02", "Mall").await;
    imported_from(app, a, "Main store", "2026-10-05", &[s01, s02]).await;
    hour(app, a, s01, "2026-10-06", 10, 10000, 0, 0, 1, 1).await;
    hour(app, a, s01, "2026-11-10", 10, 12610, 0, 0, 2, 2).await;
    hour(app, a, s02, "2026-11-20", 10, 5000, 0, 0, 1, 1).await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    let b01 = location(app, b, "S-01", "Bravo Central").await;
    imported_from(app, b, "Bravo store", "2024-01-01", &[b01]).await;
    hour(app, b, b01, "2025-11-10", 10, 40000, 0, 0, 4, 4).await;
    hour(app, b, b01, "2026-11-10", 10, 50000, 0, 0, 5, 5).await;
    (a, b)
}

fn summary_row(page: &str, name: &str) -> Vec<String> {
    let summary = between(page, "id=\"summary\"", "</section>");
    cells(between(summary, &format!("{name}</"), "</tr>"))
}

async fn report_says_where_data_starts_and_never_compares_with_nothing(app: TestApp) {
    let (_, b) = history_from_october_5(&app).await;
    // November against the 30 days before (Oct 2–31): the history starts inside them.
    let (status, page) = app
        .browser()
        .text("/reports/totals?from=2026-11-01&to=2026-11-30&granularity=month&compare=previous")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let s01 = summary_row(&page, "S-01 · Downtown");
    assert_eq!(s01[..2], ["$126.10", "$100.00"], "{s01:?}");
    assert!(s01[2].contains("+26.1%"), "{s01:?}");
    assert!(
        s01[2].contains("partly imported (data from Oct 5, 2026)"),
        "{s01:?}"
    );
    assert!(!page.contains("id=\"data-from\""), "November is covered");

    // The same November against November 2025, before the history: no data, no percentage.
    let (_, page) = app
        .browser()
        .text("/reports/totals?from=2026-11-01&to=2026-11-30&granularity=month&compare=last_year")
        .await;
    for name in ["S-01 · Downtown", "S-02 · Mall", "All chosen locations"] {
        let row = summary_row(&page, name);
        assert_eq!(row[1], "no data", "{name}: {row:?}");
        assert!(
            row[2].contains("no data") && !row[2].contains('%'),
            "{name}: {row:?}"
        );
        assert!(
            !row[2].contains("no sales to compare with"),
            "{name}: {row:?}"
        );
    }

    // A covered period without sales still says so: S-02 sold nothing Nov 1–15.
    let (_, page) = app
        .browser()
        .text("/reports/totals?from=2026-11-16&to=2026-11-30&granularity=day&compare=previous")
        .await;
    let s02 = summary_row(&page, "S-02 · Mall");
    assert_eq!(s02[1], "$0.00", "{s02:?}");
    assert!(s02[2].contains("no sales to compare with"), "{s02:?}");
    assert!(
        !s02[2].contains("partly") && !s02[2].contains("no data"),
        "{s02:?}"
    );

    // A range starting before the history: where the data starts, and the month it cuts marked.
    let (_, page) = app
        .browser()
        .text("/reports/totals?from=2026-09-01&to=2026-11-30&granularity=month&compare=previous")
        .await;
    let meta = between(&page, "report-meta", "</p>");
    assert!(meta.contains("data from Oct 5, 2026"), "{meta}");
    let detail = between(&page, "data-location=\"S-01\"", "</table>");
    let october = between(detail, ">Oct 2026", "</tr>");
    assert!(
        october.contains("partly imported (data from Oct 5, 2026)"),
        "{october}"
    );
    let november = between(detail, ">Nov 2026", "</tr>");
    assert!(!november.contains("partly"), "{november}");
    assert!(!detail.contains("Sep 2026"), "{detail}");

    // Bravo's history covers November 2025: its report compares, A's coverage does not leak.
    let bravo = app.other_browser();
    app.create_user("admin@bravo.test", Role::Admin, Some(b))
        .await;
    bravo.login("admin@bravo.test", common::PASSWORD).await;
    let (_, page) = bravo
        .text("/reports/totals?from=2026-11-01&to=2026-11-30&granularity=month&compare=last_year")
        .await;
    let row = summary_row(&page, "S-01 · Bravo Central");
    assert_eq!(row[..2], ["$500.00", "$400.00"], "{row:?}");
    assert!(
        row[2].contains("+25.0%") && !row[2].contains("partly"),
        "{row:?}"
    );
    assert!(
        !page.contains("Oct 5, 2026"),
        "A's history start leaked into B"
    );
}

async fn report_of_a_range_before_the_history_is_no_data(app: TestApp) {
    history_from_october_5(&app).await;
    let (status, page) = app
        .browser()
        .text("/reports/totals?from=2026-09-01&to=2026-09-30&granularity=day&compare=previous")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let grand = between(&page, "id=\"grand-total\"", "</tr>");
    assert_eq!(cells(grand)[0], "no data", "{grand}");
    assert!(!grand.contains("0.00"), "{grand}");
    let s01 = summary_row(&page, "S-01 · Downtown");
    assert_eq!(s01[..2], ["no data", "no data"], "{s01:?}");
    assert!(
        s01[2].starts_with("no data") && !s01[2].contains('%'),
        "{s01:?}"
    );
    let detail = between(&page, "data-location=\"S-01\"", "</table>");
    assert!(
        detail.contains("no data") && !detail.contains("No activity"),
        "{detail}"
    );
    let meta = between(&page, "report-meta", "</p>");
    assert!(meta.contains("data from Oct 5, 2026"), "{meta}");
}

/// What a counter reported for one hour.
async fn counted(app: &TestApp, tenant: TenantId, location: i64, date: &str, hour: i64, n: i64) {
    sqlx::query(
        "INSERT INTO traffic_hours (tenant_id, location_id, local_date, hour, traffic,
             staff_centihours, source, updated_at)
         VALUES ($1, $2, $3, $4, $5, NULL, 'file', 0)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(date)
    .bind(hour)
    .bind(n)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

async fn exports_leave_sales_before_the_history_empty_and_say_where_data_starts(app: TestApp) {
    let (a, b) = history_from_october_5(&app).await;
    let s01: i64 = sqlx::query_scalar(
        "SELECT id FROM locations WHERE tenant_id = $1 AND location_id = 'S-01'",
    )
    .bind(a.0)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // The door counter reported before the sales history starts, and on its first day.
    counted(&app, a, s01, "2026-10-03", 10, 40).await;
    counted(&app, a, s01, "2026-10-06", 10, 50).await;
    let csv = app
        .get("/reports/export.csv?from=2026-10-01&to=2026-10-31&granularity=hour&location=S-01")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], tmas::web::reports::export::CSV_HEADER);
    assert_eq!(
        lines[1..],
        [
            // Before the history: the visitors, and no sales figure (unknown, not 0.00).
            "S-01,Downtown,2026-10-03,10,,,,,,,,CAD,40,,,,,",
            // Covered: the sales (the fixture's hours carry no sales-transaction count).
            "S-01,Downtown,2026-10-06,10,100.00,1,100.00,1,100.00,0.00,0.00,CAD,50,,0,0.0000,2.00,",
        ]
    );

    let bytes = app
        .get("/reports/export.xlsx?from=2026-10-01&to=2026-10-31&granularity=day&location=S-01")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    use calamine::{Data, DataType, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let first = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<Data>> = first.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (col, cell) in rows[1].iter().enumerate().take(11).skip(4) {
        assert_eq!(*cell, Data::Empty, "column {col} before the history");
    }
    assert_eq!(rows[2][4], Data::Float(100.0));
    let names = book.sheet_names();
    assert_eq!(names, ["Sales totals", "Data coverage"]);
    let coverage = book.worksheet_range("Data coverage").unwrap();
    let rows: Vec<Vec<Data>> = coverage.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[1][0].to_string(), "S-01");
    let from = rows[1][2].as_date().expect("a date");
    assert_eq!(from.to_string(), "2026-10-05");
    assert_eq!(rows.len(), 2, "only the chosen location: {rows:?}");

    // The other tenant's export starts where its own history does.
    let bravo = app.other_browser();
    app.create_user("admin@bravo.test", Role::Admin, Some(b))
        .await;
    bravo.login("admin@bravo.test", common::PASSWORD).await;
    let csv = bravo
        .get("/reports/export.csv?from=2025-11-01&to=2025-11-30&granularity=day")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().nth(1),
        Some("S-01,Bravo Central,2025-11-10,,400.00,4,100.00,4,400.00,0.00,0.00,CAD,,,0,,,")
    );
}

async fn days_after_the_last_import_are_no_data_without_a_history_start(app: TestApp) {
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let s01 = location(&app, a, "S-01", "Downtown").await;
    imported_from(&app, a, "Main store", &day(30), &[s01]).await;
    hour(&app, a, s01, &day(5), 9, 11000, 0, 0, 1, 1).await;
    // The imports stopped three days ago (rejected credentials, say).
    sqlx::query("UPDATE integrations SET watermark = $1 WHERE tenant_id = $2")
        .bind(tmas::db::now() - 3 * 86_400)
        .bind(a.0)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, page) = app.browser().text("/").await;
    let today = card(&page, "Today");
    assert!(today.contains("No data"), "{today}");
    assert!(!today.contains("$0.00"), "{today}");
    // Where the history starts is no answer to why today is missing.
    assert!(!today.contains("data from"), "{today}");
    let yesterday = card(&page, "Yesterday");
    assert!(yesterday.contains("No data"), "{yesterday}");
    let chart = between(&page, "id=\"chart-30-days", "</figure>");
    let table = between(chart, "<tbody>", "</tbody>");
    let last = tmas::i18n::format_weekday_date(
        tmas::i18n::Lang::En,
        NaiveDate::parse_from_str(&day(1), "%Y-%m-%d").unwrap(),
    );
    let row = between(table, &format!("<td>{last}</td>"), "</tr>");
    assert!(row.contains("no data"), "{row}");
    let imported = tmas::i18n::format_weekday_date(
        tmas::i18n::Lang::En,
        NaiveDate::parse_from_str(&day(5), "%Y-%m-%d").unwrap(),
    );
    let row = between(table, &format!("<td>{imported}</td>"), "</tr>");
    assert!(row.contains("$110.00"), "{row}");

    // The report over the last week says how far the data reaches.
    let (_, page) = app
        .browser()
        .text(&format!(
            "/reports/totals?from={}&to={}&granularity=day",
            day(7),
            day(1)
        ))
        .await;
    let meta = between(&page, "report-meta", "</p>");
    assert!(meta.contains("imported up to"), "{meta}");
}
