//! The totalization report and the data export over known hourly totals: every CSV row and
//! every total equals the expected sums (by hour, day, week, month), the CSV contract holds,
//! the XLSX file holds the same values, each bad parameter is named, and one tenant never sees
//! another's numbers or locations.

mod common;
mod report_fixtures;

use std::io::Read;

use common::TestApp;
use report_fixtures::{between, cells, two_tenants};
use reqwest::StatusCode;
use tmas::domain::account::Role;

backend_tests!(
    csv_hourly_rows_follow_the_contract,
    csv_daily_rows_sum_their_hours,
    csv_to_is_inclusive_and_locations_filter,
    xlsx_holds_the_same_values,
    exports_for_people_speak_the_readers_language,
    totals_by_week_and_month_with_totals_and_comparison,
    totals_by_hour_and_day_mark_edited_rows,
    each_bad_parameter_is_named_on_every_route,
    managers_see_and_export_everything,
    a_tenant_never_sees_another_tenants_numbers,
    export_page_sends_on_to_the_file,
    zero_digit_currency_formats_without_decimals,
    report_in_shop_currency_compares_with_last_year_or_the_previous_month,
    a_long_report_shows_its_detail_in_pages_and_its_summary_whole,
);

const HEADER: &str = "location_id,location_name,date,hour,net_sales,transactions,average_sale,items_sold,gross_sales,discounts,returns,currency,traffic,staff_hours,sales_transactions,conversion,sales_per_shopper,shoppers_per_staff_hour";

async fn get_text(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let response = app.get(path).await;
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, response.text().await.unwrap())
}

async fn csv_rows(app: &TestApp, query: &str) -> Vec<String> {
    let (status, kind, body) = get_text(app, &format!("/reports/export.csv?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    body.lines().map(str::to_string).collect()
}

async fn csv_hourly_rows_follow_the_contract(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let rows = csv_rows(&app, "from=2026-03-01&to=2026-03-31&granularity=hour").await;
    assert_eq!(
        rows,
        vec![
            HEADER,
            "S-01,Downtown,2026-03-02,10,46.80,1,46.80,3,52.00,5.20,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-02,11,10.00,3,3.33,3,10.00,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-03,9,0.05,2,0.02,0,0.05,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-03,10,0.15,2,0.08,0,0.15,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-08,23,20.00,1,20.00,1,20.00,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-09,0,30.00,1,30.00,2,30.00,0.00,0.00,USD,,,0,,,",
            "S-02,\"Mall, North\",2026-03-04,16,-18.00,1,-18.00,-1,0.00,0.00,18.00,USD,,,0,,,",
            "S-02,\"Mall, North\",2026-03-04,17,2.50,0,,0,2.50,0.00,0.00,USD,,,0,,,",
        ]
    );
}

async fn csv_daily_rows_sum_their_hours(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let rows = csv_rows(&app, "from=2026-03-01&to=2026-04-01&granularity=day").await;
    assert_eq!(
        rows,
        vec![
            HEADER,
            "S-01,Downtown,2026-03-02,,56.80,4,14.20,6,62.00,5.20,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-03,,0.20,4,0.05,0,0.20,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-08,,20.00,1,20.00,1,20.00,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-03-09,,30.00,1,30.00,2,30.00,0.00,0.00,USD,,,0,,,",
            "S-01,Downtown,2026-04-01,,7.00,1,7.00,1,7.00,0.00,0.00,USD,,,0,,,",
            "S-02,\"Mall, North\",2026-03-04,,-15.50,1,-15.50,-1,2.50,0.00,18.00,USD,,,0,,,",
        ]
    );
    // Without granularity the export is daily.
    let default = csv_rows(&app, "from=2026-03-01&to=2026-04-01").await;
    assert_eq!(default, rows);
}

async fn csv_to_is_inclusive_and_locations_filter(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let rows = csv_rows(&app, "from=2026-03-02&to=2026-03-02&granularity=hour").await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[1].starts_with("S-01,Downtown,2026-03-02,10,"));
    assert!(rows[2].starts_with("S-01,Downtown,2026-03-02,11,"));

    let only_s02 = csv_rows(
        &app,
        "from=2026-03-01&to=2026-04-30&granularity=day&location=S-02",
    )
    .await;
    assert_eq!(only_s02.len(), 2);
    assert!(only_s02[1].starts_with("S-02,"));

    // Chosen in any order, rows still come by location then time.
    let both = csv_rows(
        &app,
        "from=2026-03-01&to=2026-04-30&granularity=day&location=S-02&location=S-01",
    )
    .await;
    assert_eq!(both.len(), 7);
    assert!(both[1].starts_with("S-01,") && both[6].starts_with("S-02,"));

    // A location without activity has no rows; a range without activity only the header.
    let none = csv_rows(&app, "from=2026-03-01&to=2026-03-31&location=S-03").await;
    assert_eq!(none, vec![HEADER]);
}

/// The cells of the first worksheet: (row, column letter) → value (shared strings resolved).
fn read_xlsx(bytes: &[u8]) -> Vec<Vec<(String, String)>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut text).unwrap();
        }
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let shared_xml = read("xl/sharedStrings.xml");
    let shared: Vec<String> = shared_xml
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = &si[si.find("<t").unwrap()..];
            let start = t.find('>').unwrap() + 1;
            let end = t.find("</t>").unwrap();
            common::html_unescape(&t[start..end])
        })
        .collect();
    sheet
        .split("<row ")
        .skip(1)
        .map(|row| {
            row.split("<c ")
                .skip(1)
                .map(|c| {
                    let r = after(c, "r=\"", "\"");
                    let column: String =
                        r.chars().take_while(|ch| ch.is_ascii_uppercase()).collect();
                    let is_shared = c[..c.find('>').unwrap()].contains("t=\"s\"");
                    let value = if c.contains("<v>") {
                        after(c, "<v>", "</v>")
                    } else {
                        String::new()
                    };
                    let value = if is_shared {
                        shared[value.parse::<usize>().unwrap()].clone()
                    } else {
                        value
                    };
                    (column, value)
                })
                .collect()
        })
        .collect()
}

/// The text between `start` and the next `end` after it.
fn after(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).expect("start") + start.len();
    let rest = &text[from..];
    rest[..rest.find(end).expect("end")].to_string()
}

fn excel_date(serial: &str) -> String {
    let days: i64 = serial.parse().unwrap();
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (epoch + chrono::Duration::days(days)).to_string()
}

fn minor(value: &str) -> i64 {
    tmas::domain::money::parse_minor(value, 2).unwrap()
}

async fn xlsx_holds_the_same_values(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let response = app
        .get("/reports/export.xlsx?from=2026-03-01&to=2026-04-01&granularity=day")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = response.bytes().await.unwrap();
    let sheet = read_xlsx(&bytes);
    let header: Vec<&str> = sheet[0].iter().map(|(_, v)| v.as_str()).collect();
    // For people: the columns' names in the reader's language, a currency column.
    assert_eq!(
        header.join("|"),
        "TMAS location ID|Location|Date|Hour|Net sales|Transactions|Average sale|Items sold|\
         Gross sales|Discounts|Returns|Currency|Edited by hand|Traffic|Staff hours|\
         Sales transactions|Conversion|Sales per shopper|Shoppers per staff hour"
    );

    // (location, name, date, net, transactions, average, items, gross, discounts, returns, edited)
    let expected = [
        (
            "S-01",
            "Downtown",
            "2026-03-02",
            5680,
            4,
            Some(1420),
            6,
            6200,
            520,
            0,
            false,
        ),
        (
            "S-01",
            "Downtown",
            "2026-03-03",
            20,
            4,
            Some(5),
            0,
            20,
            0,
            0,
            false,
        ),
        (
            "S-01",
            "Downtown",
            "2026-03-08",
            2000,
            1,
            Some(2000),
            1,
            2000,
            0,
            0,
            false,
        ),
        (
            "S-01",
            "Downtown",
            "2026-03-09",
            3000,
            1,
            Some(3000),
            2,
            3000,
            0,
            0,
            false,
        ),
        (
            "S-01",
            "Downtown",
            "2026-04-01",
            700,
            1,
            Some(700),
            1,
            700,
            0,
            0,
            false,
        ),
        (
            "S-02",
            "Mall, North",
            "2026-03-04",
            -1550,
            1,
            Some(-1550),
            -1,
            250,
            0,
            1800,
            true,
        ),
    ];
    assert_eq!(sheet.len(), expected.len() + 1);
    for (row, want) in sheet[1..].iter().zip(expected) {
        let get = |col: &str| {
            row.iter()
                .find(|(c, _)| c == col)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("A"), want.0);
        assert_eq!(get("B"), want.1);
        assert_eq!(excel_date(&get("C")), want.2, "dates are dates");
        assert_eq!(get("D"), "", "daily rows have no hour");
        assert_eq!(minor(&get("E")), want.3);
        assert_eq!(get("F").parse::<i64>().unwrap(), want.4);
        assert_eq!(want.5.map(|_| minor(&get("G"))), want.5);
        assert_eq!(get("H").parse::<i64>().unwrap(), want.6);
        assert_eq!(minor(&get("I")), want.7);
        assert_eq!(minor(&get("J")), want.8);
        assert_eq!(minor(&get("K")), want.9);
        assert_eq!(get("L"), "USD", "every row names its currency");
        assert_eq!(get("M") == "edited", want.10);
    }

    // Hourly: the hour is a number, and an hour without transactions has no average.
    let bytes = app
        .get("/reports/export.xlsx?from=2026-03-04&to=2026-03-04&granularity=hour")
        .await
        .bytes()
        .await
        .unwrap();
    let sheet = read_xlsx(&bytes);
    assert_eq!(sheet.len(), 3);
    let last = &sheet[2];
    let get = |col: &str| {
        last.iter()
            .find(|(c, _)| c == col)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(get("D"), "17");
    assert_eq!(minor(&get("E")), 250);
    assert_eq!(get("G"), "");
    assert_eq!(get("M"), "edited");
}

/// A Spanish reader's files: the XLSX's headers and marks in Spanish, dates still dates; the
/// CSV keeps the contract's header unless `headers=names` asks for the reader's language.
async fn exports_for_people_speak_the_readers_language(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let browser = app.browser();
    browser
        .post_form("/language", &[("lang", "es"), ("back", "/")])
        .await;
    let bytes = browser
        .get("/reports/export.xlsx?from=2026-03-04&to=2026-03-04&granularity=hour")
        .await
        .bytes()
        .await
        .unwrap();
    let sheet = read_xlsx(&bytes);
    let header: Vec<&str> = sheet[0].iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        header.join("|"),
        "ID de tienda TMAS|Tienda|Fecha|Hora|Ventas netas|Transacciones|Venta media|\
         Artículos vendidos|Ventas brutas|Descuentos|Devoluciones|Moneda|Editado a mano|\
         Tráfico|Horas de personal|Transacciones de venta|Conversión|Ventas por visitante|\
         Visitantes por hora de personal"
    );
    let last = &sheet[2];
    let get = |col: &str| {
        last.iter()
            .find(|(c, _)| c == col)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(excel_date(&get("C")), "2026-03-04");
    assert_eq!(get("L"), "USD");
    assert_eq!(get("M"), "editado");

    let query = "from=2026-03-01&to=2026-03-31&granularity=hour";
    let (_, scripts) = browser.text(&format!("/reports/export.csv?{query}")).await;
    assert_eq!(scripts.lines().next(), Some(HEADER), "Spanish or not");
    let (_, people) = browser
        .text(&format!("/reports/export.csv?{query}&headers=names"))
        .await;
    let mut lines = people.lines();
    assert_eq!(
        lines.next(),
        Some(
            "ID de tienda TMAS,Tienda,Fecha,Hora,Ventas netas,Transacciones,Venta media,\
             Artículos vendidos,Ventas brutas,Descuentos,Devoluciones,Moneda,Tráfico,\
             Horas de personal,Transacciones de venta,Conversión,Ventas por visitante,\
             Visitantes por hora de personal"
        )
    );
    // The rows are the contract's either way.
    assert_eq!(
        lines.collect::<Vec<_>>(),
        scripts.lines().skip(1).collect::<Vec<_>>()
    );
}

async fn totals_by_week_and_month_with_totals_and_comparison(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let (status, _, page) = get_text(
        &app,
        "/reports/totals?preset=custom&from=2026-03-01&to=2026-04-01&granularity=week",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let s01 = between(&page, "data-location=\"S-01\"", "</table>");
    // Columns: net, transactions, average, items, gross, discounts, returns.
    let week1 = between(s01, "Mon, Mar 2 – Sun, Mar 8, 2026", "</tr>");
    assert_eq!(
        cells(week1),
        ["77.00", "9", "8.56", "7", "82.20", "5.20", "0.00"]
    );
    let week2 = between(s01, "Mon, Mar 9 – Sun, Mar 15, 2026", "</tr>");
    assert_eq!(cells(week2)[..4], ["30.00", "1", "30.00", "2"]);
    // The last week is cut by the range: its label says the days it holds.
    let week3 = between(s01, ">Mon, Mar 30 – Wed, Apr 1, 2026<", "</tr>");
    assert_eq!(cells(week3)[..4], ["7.00", "1", "7.00", "1"]);
    let total = between(s01, "<tfoot>", "</tr>");
    assert_eq!(
        cells(total),
        ["114.00", "11", "10.36", "10", "119.20", "5.20", "0.00"]
    );
    let s02 = between(&page, "data-location=\"S-02\"", "</table>");
    assert_eq!(
        cells(between(s02, "<tfoot>", "</tr>"))[..4],
        ["-15.50", "1", "-15.50", "-1"]
    );
    let s03 = between(&page, "data-location=\"S-03\"", "</table>");
    // S-03 never had data (nothing imports it, nothing was entered): no data, not "no activity".
    assert!(
        s03.contains("no data") && !s03.contains("No activity"),
        "{s03}"
    );
    let grand = between(&page, "id=\"grand-total\"", "</tr>");
    assert_eq!(
        cells(grand),
        ["98.50", "12", "8.21", "9", "121.70", "5.20", "18.00"]
    );
    // The previous 32 days (2026-01-28 to 2026-02-28) had 100.00 at S-01; the summary with
    // the change comes before the detail.
    assert!(
        page.contains("Wed, Jan 28, 2026 – Sat, Feb 28, 2026"),
        "{page}"
    );
    let summary = between(&page, "id=\"summary\"", "</section>");
    assert!(page.find("id=\"summary\"") < page.find("data-location=\"S-01\""));
    // S-01's data starts on Feb 15, inside the previous period: the change says so.
    let compare = between(summary, "S-01 · Downtown</a></th>", "</tr>");
    let cut = "<br><small class=\"coverage-note\">partly imported (data from Feb 15, 2026)</small>";
    assert_eq!(
        cells(compare),
        [
            "114.00",
            "100.00",
            &format!("<span aria-hidden=\"true\">▲</span> +14.0%{cut}"),
            "11",
            "5",
            &format!("<span aria-hidden=\"true\">▲</span> +120.0%{cut}")
        ]
    );
    let all = between(summary, "All chosen locations</th>", "</tr>");
    assert_eq!(cells(all)[..2], ["98.50", "100.00"]);
    assert_eq!(
        cells(all)[2],
        format!("<span aria-hidden=\"true\">▼</span> -1.5%{cut}")
    );
    // The chart and its accessible fallback.
    assert!(page.contains("role=\"img\"") && page.contains("<title id=\"report-chart-title\">"));
    assert!(page.contains("aria-label=\"Net sales by week, Mar 1, 2026 to Apr 1, 2026\""));
    assert!(page.contains("<summary>Data table</summary>"));

    let (_, _, monthly) = get_text(
        &app,
        "/reports/totals?from=2026-03-01&to=2026-04-01&granularity=month&location=S-01",
    )
    .await;
    let s01 = between(&monthly, "data-location=\"S-01\"", "</table>");
    assert_eq!(
        cells(between(s01, ">Mar 2026<", "</tr>"))[..4],
        ["107.00", "10", "10.70", "9"]
    );
    assert_eq!(
        cells(between(s01, ">Apr 2026 (Apr 1)<", "</tr>"))[..4],
        ["7.00", "1", "7.00", "1"]
    );
    assert!(
        !monthly.contains("data-location=\"S-02\""),
        "only the chosen location"
    );
}

async fn totals_by_hour_and_day_mark_edited_rows(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let (status, _, page) = get_text(
        &app,
        "/reports/totals?from=2026-03-04&to=2026-03-04&granularity=hour&location=S-02",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let s02 = between(&page, "data-location=\"S-02\"", "</table>");
    let edited = between(s02, "Wed, Mar 4, 2026 17:00", "</tr>");
    assert!(edited.contains("class=\"edited\""), "{edited}");
    assert_eq!(cells(edited)[..4], ["2.50", "0", "", "0"]);
    let not_edited = between(s02, "Wed, Mar 4, 2026 16:00", "</tr>");
    assert!(!not_edited.contains("class=\"edited\""));

    let (_, _, daily) = get_text(&app, "/reports/totals?from=2026-03-01&to=2026-03-31").await;
    let s02 = between(&daily, "data-location=\"S-02\"", "</table>");
    assert!(between(s02, "Wed, Mar 4, 2026", "</tr>").contains("class=\"edited\""));
    // The hour set to nothing by hand at S-01 makes no row.
    assert!(!between(&daily, "data-location=\"S-01\"", "</table>").contains("Mar 5, 2026"));
}

async fn each_bad_parameter_is_named_on_every_route(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let cases: [(&str, &str); 8] = [
        (
            "from=2026-02-30&to=2026-03-01",
            "The start date \"2026-02-30\" is not a date: choose one in the calendar.",
        ),
        (
            "from=2026-03-01&to=03/05/2026",
            "The end date \"03/05/2026\" is not a date",
        ),
        (
            "from=2026-03-05&to=2026-03-01",
            "The start date Mar 5, 2026 is after the end date Mar 1, 2026.",
        ),
        (
            "from=2026-03-01&to=2026-03-02&location=B-1",
            "Unknown location \"B-1\".",
        ),
        (
            "from=2026-03-01&to=2026-03-02&granularity=minute",
            "Unknown granularity \"minute\"",
        ),
        (
            "from=2020-01-01&to=2026-03-01",
            "The range covers 2,252 days; a report covers at most 1,096 days.",
        ),
        ("preset=fortnight", "Unknown period \"fortnight\""),
        ("to=2026-03-01", "Choose the start date in the calendar."),
    ];
    for (query, message) in cases {
        for route in ["/reports/totals", "/reports/export"] {
            let path = if route == "/reports/export" {
                format!("{route}?{query}&format=csv")
            } else {
                format!("{route}?{query}")
            };
            let (status, kind, body) = get_text(&app, &path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
            assert!(kind.starts_with("text/html"), "{path}: {kind}");
            let shown = common::html_unescape(&body);
            assert!(shown.contains(message), "{path}: {message}\n{shown}");
            assert!(
                body.contains("<form method=\"get\""),
                "the form is shown again"
            );
        }
        for ext in ["csv", "xlsx"] {
            let path = format!("/reports/export.{ext}?{query}");
            let (status, _, body) = get_text(&app, &path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
            assert!(body.contains(message), "{path}: {message}\n{body}");
        }
    }
    // Several problems at once are all named.
    let (status, _, body) = get_text(
        &app,
        "/reports/export.csv?from=bad&to=2026-03-01&granularity=week&location=Z-9",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"bad\" is not a date"));
    assert!(body.contains("Unknown granularity \"week\": choose hour or day."));
    assert!(body.contains("Unknown location \"Z-9\"."));
    // Hourly detail on the page is capped; the export has no such cap.
    let (status, _, body) = get_text(
        &app,
        "/reports/totals?from=2026-01-01&to=2026-03-31&granularity=hour",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Hourly detail covers at most 31 days"));
    let (status, _, _) = get_text(
        &app,
        "/reports/export.csv?from=2026-01-01&to=2026-03-31&granularity=hour",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // An unknown file format on the export page.
    let (status, _, body) = get_text(
        &app,
        "/reports/export?from=2026-03-01&to=2026-03-02&format=pdf",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(common::html_unescape(&body).contains("Unknown file format \"pdf\""));
}

async fn managers_see_and_export_everything(app: TestApp) {
    two_tenants(&app, Role::Manager).await;
    for path in [
        "/",
        "/reports/totals",
        "/reports/totals?from=2026-03-01&to=2026-03-31&granularity=day",
        "/reports/export",
        "/reports/export.csv?from=2026-03-01&to=2026-03-31",
        "/reports/export.xlsx?from=2026-03-01&to=2026-03-31",
    ] {
        let (status, _, _) = get_text(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let rows = csv_rows(&app, "from=2026-03-01&to=2026-03-31&granularity=hour").await;
    assert_eq!(rows.len(), 9);
    // …and change nothing else.
    for path in ["/admin/locations", "/admin/users", "/data/edit"] {
        let (status, _, _) = get_text(&app, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
}

async fn a_tenant_never_sees_another_tenants_numbers(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let leaks = [
        "9999.99",
        "9,999.99",
        "8888.88",
        "8,888.88",
        "Harbour B",
        "Bravo Central",
        ",77,",
        ">77<",
    ];
    for path in [
        "/",
        "/reports/totals?from=2026-03-01&to=2026-03-31&granularity=hour",
        "/reports/totals?from=2026-03-01&to=2026-03-31&granularity=day",
        "/reports/totals?from=2026-03-01&to=2026-03-31&granularity=month",
        "/reports/export?from=2026-03-01&to=2026-03-31",
        "/reports/export.csv?from=2026-03-01&to=2026-03-31&granularity=hour",
        "/reports/export.csv?from=2026-03-01&to=2026-03-31&granularity=day",
        "/reports/export.csv?from=2026-03-01&to=2026-03-31&location=S-01&granularity=hour",
    ] {
        let (status, _, body) = get_text(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for leak in leaks {
            assert!(!body.contains(leak), "{path} shows {leak:?}");
        }
        assert!(!body.contains("B-1"), "{path} lists B's location");
    }
    // A's S-01 is A's own, even though B has an S-01 too.
    let rows = csv_rows(&app, "from=2026-03-02&to=2026-03-02&location=S-01").await;
    assert_eq!(
        rows[1],
        "S-01,Downtown,2026-03-02,,56.80,4,14.20,6,62.00,5.20,0.00,USD,,,0,,,"
    );
    let xlsx = app
        .get("/reports/export.xlsx?from=2026-03-01&to=2026-03-31&granularity=hour")
        .await
        .bytes()
        .await
        .unwrap();
    let sheet = read_xlsx(&xlsx);
    assert_eq!(sheet.len(), 9);
    for row in &sheet {
        for (_, v) in row {
            assert!(v != "Harbour B" && v != "Bravo Central" && v != "9999.99");
        }
    }
    // B's location IDs are unknown locations for A, on every route.
    for path in [
        "/reports/totals?from=2026-03-01&to=2026-03-31&location=B-1",
        "/reports/export?from=2026-03-01&to=2026-03-31&location=B-1&format=csv",
        "/reports/export.csv?from=2026-03-01&to=2026-03-31&location=B-1",
        "/reports/export.xlsx?from=2026-03-01&to=2026-03-31&location=B-1",
    ] {
        let (status, _, body) = get_text(&app, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(common::html_unescape(&body).contains("Unknown location \"B-1\"."));
    }
}

async fn export_page_sends_on_to_the_file(app: TestApp) {
    two_tenants(&app, Role::Admin).await;
    let (status, _, page) = get_text(&app, "/reports/export").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"format\" value=\"csv\""));
    assert!(page.contains("value=\"S-02\""));
    let response = app
        .get("/reports/export?preset=custom&from=2026-03-01&to=2026-03-31&granularity=hour&location=S-02&format=xlsx")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        common::location_of(&response),
        "/reports/export.xlsx?from=2026-03-01&to=2026-03-31&granularity=hour&location=S-02"
    );
    // A preset becomes its dates.
    let response = app.get("/reports/export?preset=yesterday&format=csv").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let target = common::location_of(&response);
    assert!(target.starts_with("/reports/export.csv?from=") && target.ends_with("granularity=day"));
}

async fn zero_digit_currency_formats_without_decimals(app: TestApp) {
    let fixture = two_tenants(&app, Role::Admin).await;
    report_fixtures::integration(&app, fixture.a, "Tokyo", "draft", "", "JPY").await;
    let rows = csv_rows(&app, "from=2026-03-02&to=2026-03-03&granularity=hour").await;
    // 1000 yen over 3 transactions: 333.33 → 333; 15 over 2: 7.5 → 8 (half-even).
    assert_eq!(
        rows[2],
        "S-01,Downtown,2026-03-02,11,1000,3,333,3,1000,0,0,JPY,,,0,,,"
    );
    assert_eq!(
        rows[4],
        "S-01,Downtown,2026-03-03,10,15,2,8,0,15,0,0,JPY,,,0,,,"
    );
    assert_eq!(
        rows[3],
        "S-01,Downtown,2026-03-03,9,5,2,2,0,5,0,0,JPY,,,0,,,"
    );
}

async fn report_in_shop_currency_compares_with_last_year_or_the_previous_month(app: TestApp) {
    use chrono::Datelike;
    let fixture = two_tenants(&app, Role::Admin).await;
    report_fixtures::integration(&app, fixture.a, "Main", "active", "", "CAD").await;
    // March 2027 against March 2026, where S-01 sold 114.00.
    let (status, _, page) = get_text(
        &app,
        "/reports/totals?from=2027-03-01&to=2027-04-01&granularity=week&compare=last_year",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let summary = between(&page, "id=\"summary\"", "</section>");
    assert!(summary.contains("Same period last year"), "{summary}");
    assert!(
        summary.contains("Sun, Mar 1, 2026 – Wed, Apr 1, 2026"),
        "{summary}"
    );
    let s01 = between(summary, "S-01 · Downtown</a></th>", "</tr>");
    assert_eq!(
        cells(s01)[..3],
        [
            "$0.00",
            "$114.00",
            "<span aria-hidden=\"true\">▼</span> -100.0%"
        ]
    );
    // A store that never had data has no figures to compare, not zeros (no division by
    // zero either); a covered period without sales is in tests/coverage.rs.
    let s03 = between(summary, "S-03 · Airport</a></th>", "</tr>");
    assert_eq!(cells(s03)[..3], ["no data", "no data", "no data"], "{s03}");
    assert!(page.contains("name=\"compare\" value=\"last_year\" checked"));

    // This admin may not correct data: no link into a refusal, but where to turn it on.
    assert!(!page.contains("href=\"/data/edit\""));
    assert!(page.contains("Correcting hourly data is turned off for your account"));
    sqlx::query("UPDATE users SET may_edit_manually = 1 WHERE tenant_id = $1")
        .bind(fixture.a.0)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, _, page) = get_text(&app, "/reports/totals").await;
    assert!(page.contains("href=\"/data/edit\""));

    // Last month is compared with the whole month before it.
    let (_, _, page) = get_text(&app, "/reports/totals?preset=last_month").await;
    let today = tmas::web::reports::today_in("America/Toronto");
    let this_month = today.with_day(1).unwrap();
    let month_before_end = this_month - chrono::Duration::days(1);
    let before_end = month_before_end.with_day(1).unwrap() - chrono::Duration::days(1);
    let before_start = before_end.with_day(1).unwrap();
    let expected = format!(
        "{} – {}",
        tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, before_start),
        tmas::i18n::format_weekday_date(tmas::i18n::Lang::En, before_end)
    );
    let summary = between(&page, "id=\"summary\"", "</section>");
    assert!(summary.contains(&expected), "{expected} in {summary}");
}

/// Twelve stores over a year by day: the detail comes five locations a page, while the summary,
/// the grand total and the chart count every store, to the cent; each summary row leads to the
/// page with its store's detail; a page that does not exist is named; the other tenant's
/// stores never show.
async fn a_long_report_shows_its_detail_in_pages_and_its_summary_whole(app: TestApp) {
    use tmas::domain::account::Plan;
    let a = app.signed_in("Acme", Plan::Retail, Role::Manager).await;
    let b = app.create_tenant("Bravo", Plan::Retail).await;
    for i in 1..=12_i64 {
        let id =
            report_fixtures::location(&app, a, &format!("L-{i:02}"), &format!("Store {i}")).await;
        // Net 1.01 … 12.01 on March 2 and 0.51 … 0.62 on June 15.
        report_fixtures::hour(&app, a, id, "2026-03-02", 10, 100 * i + 1, 0, 0, 1, 1).await;
        report_fixtures::hour(&app, a, id, "2026-06-15", 15, 50 + i, 0, 0, 1, 2).await;
    }
    for i in 1..=7_i64 {
        let id =
            report_fixtures::location(&app, b, &format!("B-{i:02}"), &format!("Bravo {i}")).await;
        report_fixtures::hour(&app, b, id, "2026-03-02", 10, 999_999, 0, 0, 9, 9).await;
    }
    let money = |cents: i64| format!("{}.{:02}", cents / 100, cents % 100);
    let net_of = |i: i64| 101 * i + 51;
    // 365 days: five locations' days fit a page's 2,000 rows.
    let year = "preset=custom&from=2025-12-01&to=2026-11-30&granularity=day";

    let (status, _, page) = get_text(&app, &format!("/reports/totals?{year}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let page = common::html_unescape(&page);
    for i in 1..=5 {
        assert!(
            page.contains(&format!("data-location=\"L-{i:02}\"")),
            "L-{i:02}"
        );
    }
    for i in 6..=12 {
        assert!(
            !page.contains(&format!("data-location=\"L-{i:02}\"")),
            "L-{i:02}"
        );
    }
    let nav = between(&page, "class=\"card detail-pages\"", "</nav>");
    assert!(nav.contains("Locations 1–5 of 12"), "{nav}");
    assert!(
        nav.contains(&format!(
            "href=\"/reports/totals?{year}&page=1#detail\" aria-current=\"page\">L-01 – L-05</a>"
        )),
        "{nav}"
    );
    assert!(
        nav.contains(&format!(
            "href=\"/reports/totals?{year}&page=2#detail\">L-06 – L-10</a>"
        )),
        "{nav}"
    );
    assert!(
        nav.contains(&format!(
            "href=\"/reports/totals?{year}&page=3#detail\">L-11 – L-12</a>"
        )),
        "{nav}"
    );
    assert!(
        nav.contains("rel=\"next\"") && !nav.contains("rel=\"prev\""),
        "{nav}"
    );

    // The summary holds all twelve, each to the cent, and the grand total is theirs.
    let summary = between(&page, "id=\"summary\"", "</section>");
    for i in 1..=12 {
        let row = between(summary, &format!("L-{i:02} · Store {i}</a></th>"), "</tr>");
        assert_eq!(cells(row)[0], money(net_of(i)), "L-{i:02}");
        assert_eq!(cells(row)[3], "2", "L-{i:02} transactions");
    }
    let all: i64 = (1..=12).map(net_of).sum();
    assert_eq!(all, 8_490);
    assert_eq!(
        cells(between(summary, "All chosen locations</th>", "</tr>"))[0],
        money(all)
    );
    let grand = between(&page, "id=\"grand-total\"", "</tr>");
    assert_eq!(
        cells(grand)[..4],
        // 84.90 over 24 sales is 3.5375, shown to the cent.
        [money(all), "24".into(), "3.54".into(), "36".into()]
    );
    // The chart counts every store on March 2: 1.01 + 2.01 + … + 12.01.
    let march = between(&page, "<td>Mon, Mar 2, 2026</td>", "</tr>");
    assert_eq!(cells(march)[1], money((1..=12).map(|i| 100 * i + 1).sum()));
    // A store on this page is linked in place, one on another page to that page.
    assert!(
        summary.contains("href=\"#loc-L-03\">L-03 · Store 3</a>"),
        "{summary}"
    );
    let to_l07 = format!("/reports/totals?{year}&page=2#loc-L-07");
    assert!(
        summary.contains(&format!("href=\"{to_l07}\">L-07 · Store 7</a>")),
        "{summary}"
    );

    let (status, _, second) = get_text(&app, to_l07.split('#').next().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second = common::html_unescape(&second);
    for i in 1..=12 {
        let here = second.contains(&format!("data-location=\"L-{i:02}\""));
        assert_eq!(here, (6..=10).contains(&i), "L-{i:02} on page 2");
    }
    assert!(second.contains("id=\"loc-L-07\""));
    let l07 = between(&second, "data-location=\"L-07\"", "</table>");
    assert_eq!(cells(between(l07, "Mon, Mar 2, 2026", "</tr>"))[0], "7.01");
    assert_eq!(cells(between(l07, "<tfoot>", "</tr>"))[0], money(net_of(7)));
    let nav = between(&second, "class=\"card detail-pages\"", "</nav>");
    assert!(nav.contains("Locations 6–10 of 12"), "{nav}");
    assert!(
        nav.contains("aria-current=\"page\">L-06 – L-10</a>"),
        "{nav}"
    );
    assert!(
        nav.contains("rel=\"next\"") && nav.contains("rel=\"prev\""),
        "{nav}"
    );
    // The summary and totals on page 2 are the same as on page 1.
    assert_eq!(
        between(&second, "id=\"grand-total\"", "</tr>"),
        between(&page, "id=\"grand-total\"", "</tr>")
    );
    let (_, _, third) = get_text(&app, &format!("/reports/totals?{year}&page=3")).await;
    assert!(third.contains("data-location=\"L-12\"") && !third.contains("data-location=\"L-10\""));
    assert!(!between(&third, "class=\"card detail-pages\"", "</nav>").contains("rel=\"next\""));

    // Pages that do not exist, each named.
    for (bad, problem) in [
        (
            "4",
            "The detail by location has 3 pages, so there is no page 4 (page).",
        ),
        (
            "0",
            "The page of the detail (page) \"0\" is not a page number: use a whole number from 1 to 3.",
        ),
        (
            "two",
            "The page of the detail (page) \"two\" is not a page number: use a whole number from 1 to 3.",
        ),
    ] {
        let (status, _, body) = get_text(&app, &format!("/reports/totals?{year}&page={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={bad}");
        assert!(
            common::html_unescape(&body).contains(problem),
            "page={bad}: {body}"
        );
        assert!(!body.contains("data-location="), "page={bad}");
    }

    // A short report has one page: no page links, every store's detail.
    let (_, _, week) = get_text(&app, "/reports/totals?from=2026-03-01&to=2026-03-07").await;
    assert!(!week.contains("detail-pages"));
    for i in 1..=12 {
        assert!(
            week.contains(&format!("data-location=\"L-{i:02}\"")),
            "L-{i:02}"
        );
    }

    // Bravo's stores and numbers never show on Acme's pages.
    for body in [&page, &second, &week] {
        assert!(
            !body.contains("B-0") && !body.contains("Bravo"),
            "another tenant's store"
        );
        assert!(!body.contains("9,999.99") && !body.contains("69,999.93"));
    }

    // In Spanish, the same pages in the reader's words.
    app.create_user("gerente@acme.example", Role::Manager, Some(a))
        .await;
    sqlx::query("UPDATE users SET language = 'es' WHERE email = 'gerente@acme.example'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let spanish = app.other_browser();
    spanish
        .login("gerente@acme.example", common::PASSWORD)
        .await;
    let (_, es) = spanish
        .text(&format!("/reports/totals?{year}&page=2"))
        .await;
    let es = common::html_unescape(&es);
    assert!(es.contains("Tiendas 6–10 de 12"), "{es}");
    assert!(es.contains("Páginas del detalle por tienda"));
    let (status, es) = spanish
        .text(&format!("/reports/totals?{year}&page=9"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        common::html_unescape(&es).contains(
            "El detalle por tienda tiene 3 páginas, así que no existe la página 9 (page)."
        ),
        "{es}"
    );

    // Up to a dozen stores are listed in columns; past a dozen the list folds and says what
    // is chosen, open when some are.
    assert!(page.contains("<fieldset class=\"locations many\">"));
    assert!(!page.contains("location-choices"));
    report_fixtures::location(&app, a, "L-13", "Store 13").await;
    let (_, _, folded) = get_text(&app, &format!("/reports/totals?{year}")).await;
    assert!(
        folded.contains("<details class=\"location-choices\">"),
        "{folded}"
    );
    assert!(folded.contains("<summary>All 13 locations: open to choose some</summary>"));
    let (_, _, two) = get_text(
        &app,
        "/reports/totals?from=2026-03-01&to=2026-03-07&location=L-02&location=L-13&location=L-02",
    )
    .await;
    assert!(
        two.contains("<details class=\"location-choices\" open>"),
        "{two}"
    );
    assert!(two.contains("<summary>2 of 13 locations chosen</summary>"));
}
