//! The data export: a page with the report's choices, then `/reports/export.csv` (DESIGN.md's
//! "Data-export CSV" contract, streamed page by page so a year of every hour never sits in
//! memory) and `/reports/export.xlsx` (the same rows, numbers as numbers and dates as dates,
//! headers in the reader's language, a currency column and an "edited by hand" one; built in memory, so hourly XLSX exports are capped in rows).

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

use super::ReportScope;
use super::params::{self, EXPORT_PAGE_RULES, EXPORT_RULES, ReportForm, ReportRequest};
use crate::db;
use crate::db::TenantId;
use crate::db::locations::Location;
use crate::domain::periods::Preset;
use crate::domain::report::{Granularity, Money, Totals};
use crate::error::{AppError, AppResult, render};
use crate::i18n;
use crate::web::AppState;
use crate::web::context::{Layout, TenantUser};

/// DESIGN.md's header: a contract for scripts (columns only ever appended, never renamed,
/// moved or translated).
pub const CSV_HEADER: &str = "location_id,location_name,date,hour,net_sales,transactions,average_sale,items_sold,gross_sales,discounts,returns,currency";

/// Each column of [`CSV_HEADER`] as people read it (English, translated when written).
const COLUMN_NAMES: [&str; 12] = [
    "TMAS location ID",
    "Location",
    "Date",
    "Hour",
    "Net sales",
    "Transactions",
    "Average sale",
    "Items sold",
    "Gross sales",
    "Discounts",
    "Returns",
    "Currency",
];

/// The header people read: the columns' names in the reader's language.
fn people_header() -> Vec<String> {
    COLUMN_NAMES.iter().map(|name| i18n::t(name)).collect()
}

/// `headers=names` asks for the reader's language in the CSV header; anything else (or
/// nothing) keeps the contract's machine names.
fn wants_names(query: Option<&str>) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default())
        .unwrap_or_default()
        .iter()
        .any(|(key, value)| key == "headers" && value == "names")
}

/// Rows fetched per query while streaming.
const PAGE_ROWS: i64 = 5000;
/// The most rows an XLSX export holds (it is built in memory).
pub const MAX_XLSX_ROWS: i64 = 200_000;

#[derive(Template)]
#[template(path = "report_export.html")]
struct ExportPage {
    layout: Layout,
    form: ReportForm,
    problems: Vec<String>,
    presets: Vec<(&'static str, &'static str)>,
    locations: Vec<Location>,
}

/// The export page; with `format=csv|xlsx` it checks the choices and sends the browser on to
/// the file, or shows each problem beside the form.
pub async fn page(
    State(state): State<AppState>,
    user: TenantUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let scope = ReportScope::load(&state, &user).await?;
    let mut form = ReportForm::from_query(query.as_deref());
    let format: Option<String> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v);
    let mut problems = Vec::new();
    match params::parse(&form, scope.today, &scope.locations, EXPORT_PAGE_RULES) {
        Ok(request) => {
            match format.as_deref() {
                Some(ext @ ("csv" | "xlsx")) => {
                    let target = format!("/reports/export.{ext}?{}", form.query_string(&request));
                    return Ok(Redirect::to(&target).into_response());
                }
                Some(other) => problems.push(format!(
                    "Unknown file format {:?}: choose csv or xlsx.",
                    other
                )),
                None => {}
            }
            if request.preset != Preset::Custom {
                form.preset = request.preset.as_str().into();
                form.from = request.range.from.to_string();
                form.to = request.range.to.to_string();
            }
            if form.granularity.is_empty() {
                form.granularity = request.granularity.as_str().into();
            }
        }
        Err(found) => problems = found,
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ExportPage {
        layout: user.layout(&state).await?,
        form,
        problems,
        presets: Preset::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        locations: scope.locations,
    };
    Ok((status, render(&page)?).into_response())
}

/// A plain-text 400 naming each problem (for file routes).
fn bad_request(problems: Vec<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("The export was not made:\n- {}\n", problems.join("\n- ")),
    )
        .into_response()
}

fn file_name(request: &ReportRequest, ext: &str) -> String {
    format!(
        "attachment; filename=\"tmas-{}-{}-{}.{ext}\"",
        request.granularity.as_str(),
        request.range.from,
        request.range.to
    )
}

async fn parse_export(
    state: &AppState,
    user: &TenantUser,
    query: Option<&str>,
) -> AppResult<Result<(ReportScope, ReportRequest), Response>> {
    let scope = ReportScope::load(state, user).await?;
    let form = ReportForm::from_query(query);
    Ok(
        match params::parse(&form, scope.today, &scope.locations, EXPORT_RULES) {
            Ok(request) => Ok((scope, request)),
            Err(problems) => Err(bad_request(problems)),
        },
    )
}

/// One CSV record of the contract.
fn csv_record(
    location: &Location,
    date: &str,
    hour: Option<i64>,
    t: &Totals,
    digits: u32,
    currency: &str,
) -> [String; 12] {
    [
        inert_text(&location.location_id),
        inert_text(&location.name),
        date.to_string(),
        hour.map(|h| h.to_string()).unwrap_or_default(),
        Money::new(t.net, digits).to_string(),
        t.transactions.to_string(),
        t.average_sale()
            .map(|a| Money::new(a, digits).to_string())
            .unwrap_or_default(),
        t.items.to_string(),
        Money::new(t.gross, digits).to_string(),
        Money::new(t.discounts, digits).to_string(),
        Money::new(t.returns, digits).to_string(),
        currency.to_string(),
    ]
}

/// A text cell a spreadsheet will not run as a formula (OWASP's CSV-injection advice): one
/// that starts with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'`, which spreadsheets
/// read as "this is text". Only names typed by people pass through here; amounts and dates
/// are written by TMAS itself and stay numbers (`-18.00`).
fn inert_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Where the CSV stream stands: which location, and the last bucket written of it.
struct CsvCursor {
    state: AppState,
    tenant: TenantId,
    request: ReportRequest,
    digits: u32,
    currency: String,
    /// The first line: the contract's names, or the people's (`headers=names`).
    header: String,
    header_sent: bool,
    index: usize,
    after: Option<(String, i64)>,
}

impl CsvCursor {
    /// The next chunk of the file, or none at the end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, sqlx::Error> {
        if !self.header_sent {
            self.header_sent = true;
            return Ok(Some(Bytes::from(format!("{}\n", self.header))));
        }
        let (from, to) = (
            self.request.range.from.to_string(),
            self.request.range.to.to_string(),
        );
        while let Some(location) = self.request.locations.get(self.index).cloned() {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let fetched = if self.request.granularity == Granularity::Hour {
                let rows = db::totals::hours_page(
                    &self.state.db,
                    self.tenant,
                    location.id,
                    &from,
                    &to,
                    self.after.as_ref().map(|(d, h)| (d.as_str(), *h)),
                    PAGE_ROWS,
                )
                .await?;
                for row in &rows {
                    let record = csv_record(
                        &location,
                        &row.local_date,
                        Some(row.hour),
                        &row.totals(),
                        self.digits,
                        &self.currency,
                    );
                    writer.write_record(&record).map_err(csv_error)?;
                }
                self.after = rows.last().map(|r| (r.local_date.clone(), r.hour));
                rows.len()
            } else {
                let rows = db::totals::days_page(
                    &self.state.db,
                    self.tenant,
                    location.id,
                    &from,
                    &to,
                    self.after.as_ref().map(|(d, _)| d.as_str()),
                    PAGE_ROWS,
                )
                .await?;
                for row in &rows {
                    let record = csv_record(
                        &location,
                        &row.local_date,
                        None,
                        &row.totals(),
                        self.digits,
                        &self.currency,
                    );
                    writer.write_record(&record).map_err(csv_error)?;
                }
                self.after = rows.last().map(|r| (r.local_date.clone(), 0));
                rows.len()
            };
            if (fetched as i64) < PAGE_ROWS {
                self.index += 1;
                self.after = None;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            if !bytes.is_empty() {
                return Ok(Some(Bytes::from(bytes)));
            }
        }
        Ok(None)
    }
}

fn csv_error(e: csv::Error) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

pub async fn csv(
    State(state): State<AppState>,
    user: TenantUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let (scope, request) = match parse_export(&state, &user, query.as_deref()).await? {
        Ok(parsed) => parsed,
        Err(response) => return Ok(response),
    };
    let disposition = file_name(&request, "csv");
    let header = if wants_names(query.as_deref()) {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer
            .write_record(people_header())
            .map_err(|e| AppError::Internal(e.into()))?;
        let bytes = writer
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
        String::from_utf8_lossy(&bytes).trim_end().to_string()
    } else {
        CSV_HEADER.to_string()
    };
    let cursor = CsvCursor {
        state,
        tenant: user.tenant_id(),
        request,
        digits: scope.digits,
        currency: scope.currency.clone(),
        header,
        header_sent: false,
        index: 0,
        after: None,
    };
    let stream = futures::stream::unfold(cursor, |mut cursor| async move {
        match cursor.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok::<Bytes, std::io::Error>(bytes), cursor)),
            Ok(None) => None,
            Err(e) => {
                // The status line is already sent: cutting the body is how a stream fails.
                tracing::error!(error = %e, "CSV export failed while streaming");
                Some((
                    Err(std::io::Error::other(e.to_string())),
                    cursor_done(cursor),
                ))
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A cursor that has nothing more to send (after an error).
fn cursor_done(mut cursor: CsvCursor) -> CsvCursor {
    cursor.header_sent = true;
    cursor.index = cursor.request.locations.len();
    cursor
}

/// One XLSX row: the CSV's values, typed, plus the edited marker.
struct XlsxRow<'a> {
    location: &'a Location,
    date: NaiveDate,
    hour: Option<i64>,
    totals: Totals,
}

pub async fn xlsx(
    State(state): State<AppState>,
    user: TenantUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let (scope, request) = match parse_export(&state, &user, query.as_deref()).await? {
        Ok(parsed) => parsed,
        Err(response) => return Ok(response),
    };
    let tenant = user.tenant_id();
    let ids = request.location_ids();
    let (from, to) = (request.range.from.to_string(), request.range.to.to_string());
    let by_id = |id: i64| request.locations.iter().find(|l| l.id == id);
    let mut rows: Vec<XlsxRow> = Vec::new();
    if request.granularity == Granularity::Hour {
        let total = db::totals::count_hours(&state.db, tenant, &ids, &from, &to).await?;
        if total > MAX_XLSX_ROWS {
            return Ok(bad_request(vec![format!(
                "This hourly export has {total} rows and an XLSX file holds at most {MAX_XLSX_ROWS} here: choose daily rows, a shorter range, or the CSV file."
            )]));
        }
        for row in db::totals::hours(&state.db, tenant, &ids, &from, &to).await? {
            if let (Some(location), Ok(date)) =
                (by_id(row.location_id), row.local_date.parse::<NaiveDate>())
            {
                rows.push(XlsxRow {
                    location,
                    date,
                    hour: Some(row.hour),
                    totals: row.totals(),
                });
            }
        }
    } else {
        for row in db::totals::days(&state.db, tenant, &ids, &from, &to).await? {
            if let (Some(location), Ok(date)) =
                (by_id(row.location_id), row.local_date.parse::<NaiveDate>())
            {
                rows.push(XlsxRow {
                    location,
                    date,
                    hour: None,
                    totals: row.totals(),
                });
            }
        }
    }
    // Locations in TMAS location ID order, as in the CSV.
    let order = |l: &Location| request.locations.iter().position(|x| x.id == l.id);
    rows.sort_by_key(|r| (order(r.location), r.date, r.hour));
    let bytes =
        workbook(&rows, scope.digits, &scope.currency).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, file_name(&request, "xlsx")),
        ],
        bytes,
    )
        .into_response())
}

/// The XLSX file for people: headers in the reader's language, numbers as numbers, dates as
/// dates (shown in the spreadsheet's own date style), the currency on every row.
fn workbook(
    rows: &[XlsxRow],
    digits: u32,
    currency: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(i18n::t("Sales totals"))?;
    let bold = Format::new().set_bold().set_text_wrap();
    // Built-in format 14: the short date of the reader's own spreadsheet settings.
    let date_format = Format::new().set_num_format_index(14);
    let money_format = Format::new().set_num_format(if digits == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(digits as usize))
    });
    let mut headers = people_header();
    headers.push(i18n::t("Edited by hand"));
    for (col, name) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &bold)?;
    }
    let edited = i18n::t("edited");
    let scale = 10_f64.powi(digits as i32);
    // Minor units are exact integers; the spreadsheet's numbers are binary floating point
    // by nature, and every amount below 2^53 minor units converts exactly to the nearest one.
    let money = |minor: i64| minor as f64 / scale;
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let t = &row.totals;
        sheet.write_string(r, 0, &row.location.location_id)?;
        sheet.write_string(r, 1, &row.location.name)?;
        sheet.write_date_with_format(r, 2, row.date, &date_format)?;
        if let Some(hour) = row.hour {
            sheet.write_number(r, 3, hour as f64)?;
        }
        sheet.write_number_with_format(r, 4, money(t.net), &money_format)?;
        sheet.write_number(r, 5, t.transactions as f64)?;
        if let Some(average) = t.average_sale() {
            sheet.write_number_with_format(r, 6, money(average), &money_format)?;
        }
        sheet.write_number(r, 7, t.items as f64)?;
        sheet.write_number_with_format(r, 8, money(t.gross), &money_format)?;
        sheet.write_number_with_format(r, 9, money(t.discounts), &money_format)?;
        sheet.write_number_with_format(r, 10, money(t.returns), &money_format)?;
        sheet.write_string(r, 11, currency)?;
        if t.edited {
            sheet.write_string(r, 12, &edited)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_row_height(0, 30)?;
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 12)?;
    for col in 4..=10 {
        sheet.set_column_width(col, 14)?;
    }
    sheet.set_column_width(12, 14)?;
    book.save_to_buffer()
}
