//! The exports carry the traffic beside the sales (DESIGN.md "Traffic", DOMAIN.md "Traffic and
//! conversion"): DOMAIN.md's example H by hour and by day, in the CSV and the XLSX, with every
//! figure a quotient of sums over the hours that have its divisor and empty, never 0, where
//! there is none.

mod common;
mod report_fixtures;

use calamine::{Data, Reader, Xlsx};
use common::TestApp;
use common::traffic::counted;
use report_fixtures::location;
use reqwest::StatusCode;
use tmas::db::TenantId;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    example_h_in_the_csv_by_hour_and_by_day,
    example_h_in_the_xlsx,
    traffic_columns_in_the_readers_language,
    the_export_page_offers_names_for_people,
);

/// One hour's sales: net (gross, no discount or return unless `returns`), transactions, of
/// which sales transactions, and items.
#[allow(clippy::too_many_arguments)]
async fn sales(
    app: &TestApp,
    tenant: TenantId,
    location: i64,
    hour: i64,
    gross: i64,
    returns: i64,
    transactions: i64,
    sales_transactions: i64,
) {
    sqlx::query(
        "INSERT INTO hourly_totals (tenant_id, location_id, local_date, hour, gross, discounts,
             returns, net, transactions, items, edited, sales_transactions)
         VALUES ($1, $2, '2026-03-02', $3, $4, 0, $5, $6, $7, $8, 0, $9)",
    )
    .bind(tenant.0)
    .bind(location)
    .bind(hour)
    .bind(gross)
    .bind(returns)
    .bind(gross - returns)
    .bind(transactions)
    .bind(transactions)
    .bind(sales_transactions)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// DOMAIN.md's example H at STORE-01 on 2026-03-02, with staff hours added (2.5 at 10:00, 1 at
/// 11:00), and STORE-02 with sales but no counter at all. Another tenant's counts at the same
/// store ID must not show.
async fn example_h(app: &TestApp) -> TenantId {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let store01 = location(app, tenant, "STORE-01", "Downtown").await;
    let store02 = location(app, tenant, "STORE-02", "Mall").await;
    // 10:00: traffic 40, 2 sales transactions, net 120.00.
    sales(app, tenant, store01, 10, 12_000, 0, 2, 2).await;
    counted(app, tenant, store01, "2026-03-02", 10, 40, Some(250)).await;
    // 11:00: traffic 0 and no sale, with one staff hour.
    counted(app, tenant, store01, "2026-03-02", 11, 0, Some(100)).await;
    // 12:00: traffic missing, 1 sales transaction, net 30.00.
    sales(app, tenant, store01, 12, 3_000, 0, 1, 1).await;
    // 13:00: traffic 10, 1 sale and 1 return: net 25.00, 2 transactions, 1 a sale.
    sales(app, tenant, store01, 13, 4_000, 1_500, 2, 1).await;
    counted(app, tenant, store01, "2026-03-02", 13, 10, None).await;
    // 20:00: a counted 0 without staff and without sales is no row.
    counted(app, tenant, store01, "2026-03-02", 20, 0, None).await;
    sales(app, tenant, store02, 10, 5_000, 0, 1, 1).await;

    let other = app.create_tenant("Bravo", Plan::Retail).await;
    let theirs = location(app, other, "STORE-01", "Theirs").await;
    sales(app, other, theirs, 10, 99_900, 0, 9, 9).await;
    counted(app, other, theirs, "2026-03-02", 10, 999, Some(900)).await;
    tenant
}

async fn csv(app: &TestApp, query: &str) -> Vec<String> {
    let response = app.get(&format!("/reports/export.csv?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    body.lines().map(str::to_string).collect()
}

async fn example_h_in_the_csv_by_hour_and_by_day(app: TestApp) {
    example_h(&app).await;
    let rows = csv(&app, "from=2026-03-02&to=2026-03-02&granularity=hour").await;
    assert_eq!(
        rows,
        [
            "location_id,location_name,date,hour,net_sales,transactions,average_sale,items_sold,\
             gross_sales,discounts,returns,currency,traffic,staff_hours,sales_transactions,\
             conversion,sales_per_shopper,shoppers_per_staff_hour",
            // 2 of 40 bought: 5 %; 120.00 over 40 visitors; 40 visitors over 2.5 staff hours.
            "STORE-01,Downtown,2026-03-02,10,120.00,2,60.00,2,120.00,0.00,0.00,USD,40,2.5,2,\
             0.0500,3.00,16.0",
            // Visitors counted as 0 with staff at work: a row; every quotient of 0 visitors is
            // empty, and 0 visitors per staff hour is a figure.
            "STORE-01,Downtown,2026-03-02,11,0.00,0,,0,0.00,0.00,0.00,USD,0,1,0,,,0.0",
            // Traffic missing: empty, never 0.
            "STORE-01,Downtown,2026-03-02,12,30.00,1,30.00,1,30.00,0.00,0.00,USD,,,1,,,",
            // A sale and a return: one sales transaction of 10 visitors.
            "STORE-01,Downtown,2026-03-02,13,25.00,2,12.50,2,40.00,0.00,15.00,USD,10,,1,\
             0.1000,2.50,",
            "STORE-02,Mall,2026-03-02,10,50.00,1,50.00,1,50.00,0.00,0.00,USD,,,1,,,",
        ]
    );

    // The day: traffic 50; conversion (2 + 0 + 1) ÷ 50 = 6.0 %, the missing hour's sale left
    // out of both sums; sales per shopper (120.00 + 0 + 25.00) ÷ 50 = 2.90; 40 visitors over
    // the 3.5 staff hours of the hours that have both; 4 sales transactions in all.
    let rows = csv(&app, "from=2026-03-02&to=2026-03-02&granularity=day").await;
    assert_eq!(
        rows[1..],
        [
            "STORE-01,Downtown,2026-03-02,,175.00,5,35.00,5,190.00,0.00,15.00,USD,50,3.5,4,\
             0.0600,2.90,11.4",
            "STORE-02,Mall,2026-03-02,,50.00,1,50.00,1,50.00,0.00,0.00,USD,,,1,,,",
        ]
    );
}

/// The first sheet's cells, row by row.
fn sheet(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

async fn example_h_in_the_xlsx(app: TestApp) {
    example_h(&app).await;
    let bytes = app
        .get("/reports/export.xlsx?from=2026-03-02&to=2026-03-02&granularity=day")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let rows = sheet(bytes);
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header[13..],
        [
            "Traffic",
            "Staff hours",
            "Sales transactions",
            "Conversion",
            "Sales per shopper",
            "Shoppers per staff hour"
        ]
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    let store01 = &rows[1];
    assert_eq!(store01[0].to_string(), "STORE-01");
    assert_eq!(number(&store01[13]), 50.0);
    assert_eq!(number(&store01[14]), 3.5);
    assert_eq!(number(&store01[15]), 4.0);
    // A fraction the spreadsheet shows as a percentage: 6.0 %.
    assert_eq!(number(&store01[16]), 0.06);
    assert_eq!(number(&store01[17]), 2.9);
    assert_eq!(number(&store01[18]), 11.4);
    // No counter: the cells are empty, never 0.
    let store02 = &rows[2];
    assert_eq!(store02[0].to_string(), "STORE-02");
    for col in [13, 14, 16, 17, 18] {
        assert!(
            store02.get(col).is_none_or(|c| *c == Data::Empty),
            "column {col}: {:?}",
            store02.get(col)
        );
    }
    assert_eq!(number(&store02[15]), 1.0);

    // By hour: the hour that only has a count is a row too.
    let bytes = app
        .get("/reports/export.xlsx?from=2026-03-02&to=2026-03-02&granularity=hour")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let rows = sheet(bytes);
    let hours: Vec<f64> = rows[1..].iter().map(|r| number(&r[3])).collect();
    assert_eq!(hours, [10.0, 11.0, 12.0, 13.0, 10.0]);
    assert_eq!(number(&rows[2][13]), 0.0, "a counted 0 is a 0");
    assert_eq!(rows[3][13], Data::Empty, "a missing count is empty");
}

async fn traffic_columns_in_the_readers_language(app: TestApp) {
    example_h(&app).await;
    let browser = app.browser();
    browser
        .post_form("/language", &[("lang", "es"), ("back", "/")])
        .await;
    let (_, body) = browser
        .text("/reports/export.csv?from=2026-03-02&to=2026-03-02&headers=names")
        .await;
    let header = body.lines().next().unwrap();
    assert!(
        header.ends_with(
            ",Moneda,Tráfico,Horas de personal,Transacciones de venta,Conversión,\
             Ventas por visitante,Visitantes por hora de personal"
        ),
        "{header}"
    );
    // The figures stay plain decimals for the spreadsheet, whatever the language.
    assert!(body.contains(",USD,50,3.5,4,0.0600,2.90,11.4"), "{body}");
}

/// The export page lets a person ask for the CSV's column names in their language; scripts
/// keep the standard names by default.
async fn the_export_page_offers_names_for_people(app: TestApp) {
    example_h(&app).await;
    let (status, page) = app.browser().text("/reports/export").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("name=\"headers\" value=\"codes\" checked"),
        "{page}"
    );
    assert!(page.contains("name=\"headers\" value=\"names\""), "{page}");
    let base = "/reports/export?preset=custom&from=2026-03-02&to=2026-03-02&granularity=day";
    let r = app.get(&format!("{base}&headers=names&format=csv")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        common::location_of(&r),
        "/reports/export.csv?from=2026-03-02&to=2026-03-02&granularity=day&headers=names"
    );
    let r = app.get(&format!("{base}&headers=codes&format=csv")).await;
    assert_eq!(
        common::location_of(&r),
        "/reports/export.csv?from=2026-03-02&to=2026-03-02&granularity=day"
    );
    // The XLSX is for people always: no choice to carry.
    let r = app.get(&format!("{base}&headers=names&format=xlsx")).await;
    assert_eq!(
        common::location_of(&r),
        "/reports/export.xlsx?from=2026-03-02&to=2026-03-02&granularity=day"
    );
}
