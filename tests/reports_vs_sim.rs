//! End to end: a seeded simulator is imported by the worker, then a manager's CSV export (by
//! hour and by day) and totalization report (by week and by month) equal the simulator's own
//! expected totals, summed independently here, to the cent, on SQLite and PostgreSQL.

mod common;
mod worker_support;

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use tmas::db;
use tmas::domain::account::Role;
use tmas::domain::facts::HourlyTotals;
use worker_support::*;

backend_tests!(exports_and_reports_equal_the_simulators_totals);

/// Sums of one bucket, in minor units.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sums {
    net: i64,
    transactions: i64,
    items: i64,
    gross: i64,
    discounts: i64,
    returns: i64,
}

impl Sums {
    fn add(&mut self, t: &HourlyTotals) {
        self.net += t.net;
        self.transactions += t.transactions;
        self.items += t.items;
        self.gross += t.gross;
        self.discounts += t.discounts;
        self.returns += t.returns;
    }
}

/// `1234.50`, `-18.00`: plain decimals with two digits (the shop is in CAD).
fn plain(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

/// Net ÷ transactions rounded half-even to the cent; empty without transactions.
fn average(net: i64, transactions: i64) -> String {
    if transactions == 0 {
        return String::new();
    }
    let (q, r) = (net.div_euclid(transactions), net.rem_euclid(transactions));
    let twice = 2 * r;
    let rounded = match twice.cmp(&transactions) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Equal => q + (q & 1),
    };
    plain(rounded)
}

/// `1,234.50`: how the English report pages show amounts.
/// An amount as the pages show it: with the shop's currency (`$1,234.50`, `-$18.00`).
fn grouped(minor: i64) -> String {
    tmas::i18n::format_money(tmas::i18n::Lang::En, minor, 2, "CAD")
}

fn csv_line(code: &str, name: &str, date: NaiveDate, hour: Option<u32>, s: &Sums) -> String {
    let hour = hour.map(|h| h.to_string()).unwrap_or_default();
    format!(
        "{code},{name},{date},{hour},{},{},{},{},{},{},{},CAD",
        plain(s.net),
        s.transactions,
        average(s.net, s.transactions),
        s.items,
        plain(s.gross),
        plain(s.discounts),
        plain(s.returns)
    )
}

/// A CSV line without its traffic columns (the last six), which the simulator has no say in:
/// without a counter, every traffic figure is empty and the sales transactions a count.
fn sales_part(line: &str) -> String {
    let mut fields = line.rsplitn(7, ',');
    let traffic: Vec<&str> = fields.by_ref().take(6).collect();
    // Reversed: shoppers per staff hour, sales per shopper, conversion, sales transactions,
    // staff hours, traffic.
    assert!(
        traffic[0..3].iter().all(|f| f.is_empty()) && traffic[4..].iter().all(|f| f.is_empty()),
        "no traffic, no figures: {line}"
    );
    assert!(traffic[3].parse::<i64>().is_ok(), "{line}");
    fields.next().expect("the sales columns").to_string()
}

/// The rows of one location's table on the report page: label → (net, transactions, items).
fn report_rows(page: &str, code: &str) -> BTreeMap<String, (String, String, String)> {
    let table = page
        .split(&format!("data-location=\"{code}\""))
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or_else(|| panic!("a table for {code}"));
    let mut rows = BTreeMap::new();
    for row in table.split("<tr").skip(2) {
        let Some(label) = row
            .split("<th scope=\"row\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
        else {
            continue;
        };
        let cells: Vec<&str> = row
            .split("<td class=\"num\">")
            .skip(1)
            .filter_map(|c| c.split('<').next())
            .collect();
        rows.insert(
            common::html_unescape(label).trim().to_string(),
            (
                cells[0].to_string(),
                cells[1].to_string(),
                cells[3].to_string(),
            ),
        );
    }
    rows
}

async fn exports_and_reports_equal_the_simulators_totals(app: TestApp) {
    let sim = simulator("alpha", 90, 40, 23).await;
    let state = worker_state(&app, &sim);
    let c = connect(&app, &sim, "Acme", "alpha", &state.secret_key).await;
    tmas::worker::drain_with(&state, &fast_worker())
        .await
        .expect("import");
    app.create_user("manager@acme.example", Role::Manager, Some(c.tenant))
        .await;
    let browser = app.browser();
    browser.login("manager@acme.example", PASSWORD).await;

    // Expected, from the simulator's generated sales and returns: per TMAS location.
    let rows = db::locations::list(&app.db, c.tenant).await.unwrap();
    let by_row: BTreeMap<i64, (String, String)> = rows
        .iter()
        .map(|l| (l.id, (l.location_id.clone(), l.name.clone())))
        .collect();
    let expected = sim.expected_totals("alpha").unwrap().buckets;
    let mut hourly: BTreeMap<(String, NaiveDate, u32), Sums> = BTreeMap::new();
    for ((shopify_id, date, hour), totals) in &expected {
        let code = by_row[&c.locations[shopify_id]].0.clone();
        hourly.entry((code, *date, *hour)).or_default().add(totals);
    }
    let first = expected.keys().map(|k| k.1).min().unwrap();
    let last = expected.keys().map(|k| k.1).max().unwrap();
    let name_of = |code: &str| {
        rows.iter()
            .find(|l| l.location_id == code)
            .unwrap()
            .name
            .clone()
    };

    // CSV by hour: every row, in order (location, then time), buckets without activity left out.
    let response = browser
        .get(&format!(
            "/reports/export.csv?from={first}&to={last}&granularity=hour"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some(
            "location_id,location_name,date,hour,net_sales,transactions,average_sale,items_sold,gross_sales,discounts,returns,currency,traffic,staff_hours,sales_transactions,conversion,sales_per_shopper,shoppers_per_staff_hour"
        )
    );
    let want: Vec<String> = hourly
        .iter()
        .filter(|(_, s)| **s != Sums::default())
        .map(|((code, date, hour), s)| csv_line(code, &name_of(code), *date, Some(*hour), s))
        .collect();
    let got: Vec<String> = lines.map(sales_part).collect();
    assert_eq!(got.len(), want.len(), "hourly rows");
    assert_eq!(got, want);

    // CSV by day.
    let mut daily: BTreeMap<(String, NaiveDate), Sums> = BTreeMap::new();
    for ((code, date, _), s) in &hourly {
        let d = daily.entry((code.clone(), *date)).or_default();
        for (a, b) in [
            (&mut d.net, s.net),
            (&mut d.transactions, s.transactions),
            (&mut d.items, s.items),
            (&mut d.gross, s.gross),
            (&mut d.discounts, s.discounts),
            (&mut d.returns, s.returns),
        ] {
            *a += b;
        }
    }
    let body = browser
        .get(&format!(
            "/reports/export.csv?from={first}&to={last}&granularity=day"
        ))
        .await
        .text()
        .await
        .unwrap();
    let want: Vec<String> = daily
        .iter()
        .filter(|(_, s)| **s != Sums::default())
        .map(|((code, date), s)| csv_line(code, &name_of(code), *date, None, s))
        .collect();
    assert_eq!(
        body.lines().skip(1).map(sales_part).collect::<Vec<_>>(),
        want
    );

    // The totalization report by week and by month, per location, with the location totals.
    for (granularity, start_of) in [
        (
            "week",
            (|d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday())))
                as fn(NaiveDate) -> NaiveDate,
        ),
        ("month", |d: NaiveDate| d.with_day(1).unwrap()),
    ] {
        let page = browser
            .get(&format!(
                "/reports/totals?preset=custom&from={first}&to={last}&granularity={granularity}"
            ))
            .await
            .text()
            .await
            .unwrap();
        let mut buckets: BTreeMap<(String, NaiveDate), Sums> = BTreeMap::new();
        for ((code, date), s) in &daily {
            let b = buckets.entry((code.clone(), start_of(*date))).or_default();
            for (a, v) in [
                (&mut b.net, s.net),
                (&mut b.transactions, s.transactions),
                (&mut b.items, s.items),
            ] {
                *a += v;
            }
        }
        for code in by_row.values().map(|(code, _)| code) {
            let shown = report_rows(&page, code);
            let mine: Vec<_> = buckets
                .iter()
                .filter(|((c, _), s)| c == code && **s != Sums::default())
                .collect();
            for ((_, start), s) in &mine {
                // Labels name the days a bucket holds within the range.
                let label = tmas::web::reports::totals::bucket_label(
                    tmas::domain::report::Granularity::parse(granularity).unwrap(),
                    (*start, None),
                    tmas::domain::report::DateRange::new(first, last).unwrap(),
                );
                let row = shown
                    .get(&label)
                    .unwrap_or_else(|| panic!("{code} {granularity} {label} missing: {shown:?}"));
                let count = |n: i64| tmas::i18n::format_integer(tmas::i18n::Lang::En, n);
                assert_eq!(
                    row,
                    &(grouped(s.net), count(s.transactions), count(s.items)),
                    "{code} {label}"
                );
            }
            assert_eq!(
                shown.len(),
                mine.len(),
                "{code} {granularity}: no extra rows"
            );
        }
    }
}
