//! The data export: a page with the report's choices, then `/reports/export.csv` (DESIGN.md's
//! "Data-export CSV" contract, streamed page by page so a year of every hour never sits in
//! memory) and `/reports/export.xlsx` (the same rows, numbers as numbers and dates as dates,
//! headers in the reader's language, a currency column and an "edited by hand" one; built in
//! memory, so hourly XLSX exports are capped in rows). Both carry, at their end, the traffic
//! beside the sales: traffic, staff hours, sales transactions, conversion, sales per shopper
//! and shoppers per staff hour (DESIGN.md's "Traffic"), empty where DOMAIN.md says a figure is
//! empty, never 0.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::ReportScope;
use super::params::{self, EXPORT_PAGE_RULES, EXPORT_RULES, ReportForm, ReportRequest};
use crate::db;
use crate::db::TenantId;
use crate::db::export_rows::{self, ExportRow};
use crate::db::locations::Location;
use crate::domain::periods::Preset;
use crate::domain::report::{DateRange, Granularity, Money};
use crate::domain::traffic::tenths_plain;
use crate::error::{AppError, AppResult, render};
use crate::i18n;
use crate::web::AppState;
use crate::web::context::{Layout, TenantUser};
use crate::web::coverage::TenantCoverage;

/// DESIGN.md's header: a contract for scripts (columns only ever appended, never renamed,
/// moved or translated).
pub const CSV_HEADER: &str = "location_id,location_name,date,hour,net_sales,transactions,average_sale,items_sold,gross_sales,discounts,returns,currency,traffic,staff_hours,sales_transactions,conversion,sales_per_shopper,shoppers_per_staff_hour";

/// How many columns a row has.
const COLUMNS: usize = 18;

/// Each column of [`CSV_HEADER`] as people read it (English, translated when written).
const COLUMN_NAMES: [&str; COLUMNS] = [
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
    "Traffic",
    "Staff hours",
    "Sales transactions",
    "Conversion",
    "Sales per shopper",
    "Shoppers per staff hour",
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
    /// The CSV's header in the reader's language (`headers=names`).
    names: bool,
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
                    let mut target =
                        format!("/reports/export.{ext}?{}", form.query_string(&request));
                    // Only the CSV has a choice: the XLSX is for people, always.
                    if ext == "csv" && wants_names(query.as_deref()) {
                        target.push_str("&headers=names");
                    }
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
        names: wants_names(query.as_deref()),
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

/// Whether a row's hour or day lies wholly outside its location's sales data (a count of
/// visitors before the history, or after the last import): its sales are unknown, not zero.
fn outside_sales(coverage: &TenantCoverage, location: &Location, row: &ExportRow) -> bool {
    let Ok(date) = row.local_date.parse::<NaiveDate>() else {
        return false;
    };
    match row.hour.and_then(|h| u32::try_from(h).ok()) {
        Some(hour) => coverage.of_hour(location.id, date, hour).is_not(),
        None => coverage
            .of_dates(
                location.id,
                DateRange {
                    from: date,
                    to: date,
                },
            )
            .is_not(),
    }
}

/// One CSV record of the contract; `no_sales`: the row lies outside the location's sales
/// data, so its sales and every figure made of them are empty, never 0.00.
fn csv_record(
    location: &Location,
    row: &ExportRow,
    (digits, currency): (u32, &str),
    no_sales: bool,
) -> [String; COLUMNS] {
    let t = row.sums.totals();
    let money = |minor: i64| Money::new(minor, digits).to_string();
    let figures = TrafficCells::of(row);
    let mut record = [
        inert_text(&location.location_id),
        inert_text(&location.name),
        row.local_date.clone(),
        row.hour.map(|h| h.to_string()).unwrap_or_default(),
        money(t.net),
        t.transactions.to_string(),
        t.average_sale().map(money).unwrap_or_default(),
        t.items.to_string(),
        money(t.gross),
        money(t.discounts),
        money(t.returns),
        currency.to_string(),
        figures.traffic.map(|v| v.to_string()).unwrap_or_default(),
        figures
            .staff_centihours
            .map(centihours_plain)
            .unwrap_or_default(),
        row.sales_transactions.to_string(),
        row.traffic.conversion_fraction().unwrap_or_default(),
        figures.sales_per_shopper.map(money).unwrap_or_default(),
        figures
            .shoppers_per_staff_hour_tenths
            .map(tenths_plain)
            .unwrap_or_default(),
    ];
    if no_sales {
        for cell in SALES_CELLS {
            record[cell].clear();
        }
    }
    record
}

/// The CSV's cells made of sales: net to returns, sales transactions, conversion and sales
/// per shopper.
const SALES_CELLS: [usize; 10] = [4, 5, 6, 7, 8, 9, 10, 14, 15, 16];

/// A row's traffic figures, each None where DOMAIN.md leaves it empty: no counted hour (the
/// traffic and every quotient of it), no staff hours, or a divisor that sums to 0.
struct TrafficCells {
    traffic: Option<i64>,
    staff_centihours: Option<i64>,
    sales_per_shopper: Option<i64>,
    shoppers_per_staff_hour_tenths: Option<i64>,
}

impl TrafficCells {
    fn of(row: &ExportRow) -> TrafficCells {
        let sums = &row.traffic;
        let counted = sums.has_traffic();
        TrafficCells {
            traffic: counted.then_some(sums.traffic),
            staff_centihours: (row.staffed_hours > 0).then_some(sums.staff_centihours),
            sales_per_shopper: sums.sales_per_shopper(),
            shoppers_per_staff_hour_tenths: sums.shoppers_per_staff_hour_tenths(),
        }
    }
}

/// Staff hours as the flat file writes them: the shortest exact decimal (`2.5`, `0.25`, `8`).
fn centihours_plain(centihours: i64) -> String {
    let (whole, hundredths) = (centihours / 100, centihours % 100);
    match hundredths {
        0 => format!("{whole}"),
        h if h % 10 == 0 => format!("{whole}.{}", h / 10),
        h => format!("{whole}.{h:02}"),
    }
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
    /// Which stretch of time each location's sales data covers.
    coverage: TenantCoverage,
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
            let page = export_rows::Page {
                tenant: self.tenant,
                location: location.id,
                from: &from,
                to: &to,
                limit: PAGE_ROWS,
            };
            let rows = if self.request.granularity == Granularity::Hour {
                export_rows::hours(
                    &self.state.db,
                    page,
                    self.after.as_ref().map(|(d, h)| (d.as_str(), *h)),
                )
                .await?
            } else {
                export_rows::days(
                    &self.state.db,
                    page,
                    self.after.as_ref().map(|(d, _)| d.as_str()),
                )
                .await?
            };
            for row in &rows {
                let no_sales = outside_sales(&self.coverage, &location, row);
                let record = csv_record(&location, row, (self.digits, &self.currency), no_sales);
                writer.write_record(&record).map_err(csv_error)?;
            }
            self.after = rows
                .last()
                .map(|r| (r.local_date.clone(), r.hour.unwrap_or(0)));
            let fetched = rows.len();
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
    let coverage =
        TenantCoverage::load(&state.db, user.tenant_id(), &request.locations, scope.tz).await?;
    let cursor = CsvCursor {
        coverage,
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
    row: ExportRow,
    /// Outside the location's sales data: its sales cells stay empty.
    no_sales: bool,
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
    let too_many = |total: i64| {
        bad_request(vec![format!(
            "This hourly export has {total} rows and an XLSX file holds at most {MAX_XLSX_ROWS} here: choose daily rows, a shorter range, or the CSV file."
        )])
    };
    if request.granularity == Granularity::Hour {
        let total = db::totals::count_hours(&state.db, tenant, &ids, &from, &to).await?;
        if total > MAX_XLSX_ROWS {
            return Ok(too_many(total));
        }
    }
    // Locations in the request's order (by TMAS location ID), as in the CSV; each location's
    // rows in time order.
    let coverage = TenantCoverage::load(&state.db, tenant, &request.locations, scope.tz).await?;
    let mut rows: Vec<XlsxRow> = Vec::new();
    for location in &request.locations {
        let page = export_rows::Page {
            tenant,
            location: location.id,
            from: &from,
            to: &to,
            limit: MAX_XLSX_ROWS + 1,
        };
        let found = if request.granularity == Granularity::Hour {
            export_rows::hours(&state.db, page, None).await?
        } else {
            export_rows::days(&state.db, page, None).await?
        };
        for row in found {
            if let Ok(date) = row.local_date.parse::<NaiveDate>() {
                rows.push(XlsxRow {
                    location,
                    date,
                    no_sales: outside_sales(&coverage, location, &row),
                    row,
                });
            }
        }
        // Hours that only have a count are rows too: the cap holds for them as well.
        if rows.len() as i64 > MAX_XLSX_ROWS {
            return Ok(too_many(rows.len() as i64));
        }
    }
    let bytes = workbook(
        &rows,
        scope.digits,
        &scope.currency,
        (&coverage, &request.locations),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
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

/// The cell formats of the workbook's numbers and header.
struct XlsxFormats {
    bold: Format,
    date: Format,
    money: Format,
    share: Format,
    tenths: Format,
    staff: Format,
}

impl XlsxFormats {
    fn new(digits: u32) -> Self {
        XlsxFormats {
            bold: Format::new().set_bold().set_text_wrap(),
            // Built-in format 14: the short date of the reader's own spreadsheet settings.
            date: Format::new().set_num_format_index(14),
            money: Format::new().set_num_format(if digits == 0 {
                "#,##0".to_string()
            } else {
                format!("#,##0.{}", "0".repeat(digits as usize))
            }),
            // The fraction shown as a percentage with one decimal (6.0 %), as the pages show it.
            share: Format::new().set_num_format("0.0%"),
            tenths: Format::new().set_num_format("0.0"),
            staff: Format::new().set_num_format("0.##"),
        }
    }
}

/// The XLSX file for people: headers in the reader's language, numbers as numbers, dates as
/// dates (shown in the spreadsheet's own date style), the currency on every row.
fn workbook(
    rows: &[XlsxRow],
    digits: u32,
    currency: &str,
    (coverage, locations): (&TenantCoverage, &[Location]),
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(i18n::t("Sales totals"))?;
    let formats = XlsxFormats::new(digits);
    // The contract's columns, "edited by hand", then the traffic (as the CSV appends it).
    let mut headers: Vec<String> = people_header().into_iter().take(12).collect();
    headers.push(i18n::t("Edited by hand"));
    headers.extend(people_header().into_iter().skip(12));
    for (col, name) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &formats.bold)?;
    }
    let edited = i18n::t("edited");
    let scale = 10_f64.powi(digits as i32);
    for (i, xlsx_row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        write_xlsx_row(sheet, r, xlsx_row, currency, &edited, scale, &formats)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_row_height(0, 30)?;
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 12)?;
    for col in 4..=10 {
        sheet.set_column_width(col, 14)?;
    }
    for col in 12..=18 {
        sheet.set_column_width(col, 14)?;
    }
    coverage_sheet(book.add_worksheet(), coverage, locations, &formats)?;
    book.save_to_buffer()
}

/// The workbook's second sheet: where each location's data starts and how far it is imported,
/// so that a reader of the first sheet knows that earlier dates hold no data, not zero sales.
fn coverage_sheet(
    sheet: &mut Worksheet,
    coverage: &TenantCoverage,
    locations: &[Location],
    formats: &XlsxFormats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let lang = i18n::current();
    sheet.set_name(i18n::t("Data coverage"))?;
    let headers = [
        i18n::t("TMAS location ID"),
        i18n::t("Location"),
        i18n::t("Data from"),
        i18n::t("Imported up to"),
    ];
    for (col, name) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &formats.bold)?;
    }
    for (i, location) in locations.iter().enumerate() {
        let r = (i + 1) as u32;
        sheet.write_string(r, 0, &location.location_id)?;
        sheet.write_string(r, 1, &location.name)?;
        match coverage.location(location.id) {
            Some((Some(c), tz)) => {
                sheet.write_date_with_format(r, 2, c.first_day(tz), &formats.date)?;
                if let Some(last) = c.last {
                    sheet.write_string(r, 3, i18n::format_instant(lang, last, tz))?;
                }
            }
            _ => {
                sheet.write_string(r, 2, i18n::t("no data"))?;
            }
        }
    }
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 14)?;
    sheet.set_column_width(3, 22)?;
    Ok(())
}

/// The rest of a row outside its location's sales data: the currency and the visitors
/// counted, no sales figure (they are unknown, not zero).
fn write_xlsx_counts_only(
    sheet: &mut Worksheet,
    r: u32,
    row: &ExportRow,
    currency: &str,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.write_string(r, 11, currency)?;
    let figures = TrafficCells::of(row);
    if let Some(traffic) = figures.traffic {
        sheet.write_number(r, 13, traffic as f64)?;
    }
    if let Some(centihours) = figures.staff_centihours {
        sheet.write_number(r, 14, centihours as f64 / 100.0)?;
    }
    if let Some(tenths) = figures.shoppers_per_staff_hour_tenths {
        sheet.write_number(r, 18, tenths as f64 / 10.0)?;
    }
    Ok(())
}

/// Writes one row of the workbook's table at sheet row `r`; `scale` turns minor units into
/// the currency's units.
fn write_xlsx_row(
    sheet: &mut Worksheet,
    r: u32,
    xlsx_row: &XlsxRow,
    currency: &str,
    edited: &str,
    scale: f64,
    formats: &XlsxFormats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    // Minor units are exact integers; the spreadsheet's numbers are binary floating point
    // by nature, and every amount below 2^53 minor units converts exactly to the nearest one.
    let money = |minor: i64| minor as f64 / scale;
    let row = &xlsx_row.row;
    let t = row.sums.totals();
    sheet.write_string(r, 0, &xlsx_row.location.location_id)?;
    sheet.write_string(r, 1, &xlsx_row.location.name)?;
    sheet.write_date_with_format(r, 2, xlsx_row.date, &formats.date)?;
    if let Some(hour) = row.hour {
        sheet.write_number(r, 3, hour as f64)?;
    }
    if xlsx_row.no_sales {
        return write_xlsx_counts_only(sheet, r, row, currency);
    }
    sheet.write_number_with_format(r, 4, money(t.net), &formats.money)?;
    sheet.write_number(r, 5, t.transactions as f64)?;
    if let Some(average) = t.average_sale() {
        sheet.write_number_with_format(r, 6, money(average), &formats.money)?;
    }
    sheet.write_number(r, 7, t.items as f64)?;
    sheet.write_number_with_format(r, 8, money(t.gross), &formats.money)?;
    sheet.write_number_with_format(r, 9, money(t.discounts), &formats.money)?;
    sheet.write_number_with_format(r, 10, money(t.returns), &formats.money)?;
    sheet.write_string(r, 11, currency)?;
    if t.edited {
        sheet.write_string(r, 12, edited)?;
    }
    let figures = TrafficCells::of(row);
    if let Some(traffic) = figures.traffic {
        sheet.write_number(r, 13, traffic as f64)?;
    }
    if let Some(centihours) = figures.staff_centihours {
        sheet.write_number_with_format(r, 14, centihours as f64 / 100.0, &formats.staff)?;
    }
    sheet.write_number(r, 15, row.sales_transactions as f64)?;
    // The quotient of the exact sums, as a fraction the spreadsheet shows as a percentage.
    if let Some(ten_thousandths) = row
        .traffic
        .conversion_fraction()
        .and_then(|f| f.replace('.', "").parse::<i64>().ok())
    {
        sheet.write_number_with_format(r, 16, ten_thousandths as f64 / 10_000.0, &formats.share)?;
    }
    if let Some(per_shopper) = figures.sales_per_shopper {
        sheet.write_number_with_format(r, 17, money(per_shopper), &formats.money)?;
    }
    if let Some(tenths) = figures.shoppers_per_staff_hour_tenths {
        sheet.write_number_with_format(r, 18, tenths as f64 / 10.0, &formats.tenths)?;
    }
    Ok(())
}
