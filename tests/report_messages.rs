//! The report reads as the form does (issue 27): messages name the field's label, never its
//! code (`from`), dates in the reader's format, a date hint that does not contradict the
//! browser's date box; and a week or month the chosen dates cut is drawn apart from whole ones.

mod common;
mod report_fixtures;

use common::{has_iso_date, html_unescape, visible_text};
use reqwest::StatusCode;
use tmas::domain::account::{Plan, Role};

backend_tests!(
    messages_name_fields_and_dates_as_the_reader_reads_them,
    part_weeks_and_months_are_marked_in_the_chart,
);

async fn part_weeks_and_months_are_marked_in_the_chart(app: common::TestApp) {
    let tenant = app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let store = report_fixtures::location(&app, tenant, "S-01", "Downtown").await;
    for date in ["2026-03-01", "2026-03-04", "2026-03-10"] {
        report_fixtures::hour(&app, tenant, store, date, 10, 5_000, 0, 0, 1, 1).await;
    }
    // Sunday 2026-03-01 is the one day of its week in the range; Mar 2–8 is whole; Mar 9–10
    // is a part week.
    let (status, page) = app
        .browser()
        .text("/reports/totals?preset=custom&from=2026-03-01&to=2026-03-10&granularity=week")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let wide = page.split("chart-narrow").next().unwrap_or_default();
    assert_eq!(wide.matches("class=\"bar partial\"").count(), 2, "{wide}");
    assert_eq!(wide.matches("class=\"bar\"").count(), 1, "{wide}");
    assert!(page.contains("Paler bars hold only part of their week or month"));
    // A whole month is not marked; one cut by the range is.
    let (_, page) = app
        .browser()
        .text("/reports/totals?preset=custom&from=2026-02-01&to=2026-03-10&granularity=month")
        .await;
    let wide = page.split("chart-narrow").next().unwrap_or_default();
    assert_eq!(wide.matches("class=\"bar partial\"").count(), 1, "{wide}");
    // Days are always whole: no mark, no note.
    let (_, page) = app
        .browser()
        .text("/reports/totals?preset=custom&from=2026-03-01&to=2026-03-10&granularity=day")
        .await;
    assert!(!page.contains("bar partial"));
    assert!(!page.contains("Paler bars"));
}

async fn messages_name_fields_and_dates_as_the_reader_reads_them(app: common::TestApp) {
    app.signed_in("Acme", Plan::Retail, Role::Admin).await;
    let browser = app.browser();
    let bad = "/reports/totals?preset=custom&from=2026-03-05&to=2026-03-01";
    let (status, page) = browser.text(bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let page = html_unescape(&visible_text(&page));
    assert!(
        page.contains("The start date Mar 5, 2026 is after the end date Mar 1, 2026."),
        "{page}"
    );
    assert!(!page.contains("(from)") && !page.contains("(to)"), "{page}");
    assert!(!page.contains("year-month-day"), "{page}");

    let csrf = browser.csrf().await;
    browser
        .post_raw("/language", &[("csrf", &csrf), ("lang", "es")])
        .await;
    let (status, page) = browser.text(bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let text = html_unescape(&visible_text(&page));
    assert!(
        text.contains("La fecha de inicio 5 mar 2026 es posterior a la fecha de fin 1 mar 2026."),
        "{text}"
    );
    let (_, page) = browser
        .text("/reports/totals?preset=custom&from=&to=2026-03-01")
        .await;
    let text = html_unescape(&visible_text(&page));
    assert!(
        text.contains("Elija la fecha de inicio en el calendario."),
        "{text}"
    );
    let (status, page) = browser
        .text("/reports/totals?preset=custom&from=1999-12-01&to=2000-01-05")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    let text = html_unescape(&visible_text(&page));
    let message = text
        .split("La fecha de inicio")
        .nth(1)
        .unwrap_or_else(|| panic!("the start date is named: {text}"));
    assert!(
        message.contains("está fuera de las fechas que cubren los informes: del 1 ene 2000 al"),
        "{message}"
    );
    // Only the date as sent is ISO; the range is written the Spanish way.
    let range = message
        .split("del 1 ene 2000 al")
        .nth(1)
        .unwrap_or_default();
    assert!(!has_iso_date(&range[..range.len().min(20)]), "{message}");
}
