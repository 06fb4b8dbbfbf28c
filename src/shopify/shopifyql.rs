//! Shopify's own sales report, asked through ShopifyQL (`shopifyqlQuery`, scope
//! `read_reports`): the query TMAS sends to check its daily totals, and the reading of the
//! answer into one row per POS location and local day.
//!
//! Every ShopifyQL name TMAS uses lives in [`names`], each marked with where it was
//! confirmed; the few that Shopify's reference did not confirm are said so there and in the
//! README's reconciliation section.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::ShopifyClient;
use super::error::ShopifyError;
use crate::domain::money::currency_digits;

/// The scope that lets an app run ShopifyQL (Shopify's reference of `shopifyqlQuery`).
pub const REPORTS_SCOPE: &str = "read_reports";

/// The ShopifyQL names TMAS sends and reads, in one place.
pub mod names {
    /// The `sales` schema (ShopifyQL reference: schemas → sales).
    pub const SCHEMA: &str = "sales";
    /// Net sales: gross sales less discounts and returns (sales schema metric).
    pub const NET_SALES: &str = "net_sales";
    /// The count of orders (sales schema and orders dataset metric).
    pub const ORDERS: &str = "orders";
    /// The value of returned goods (sales schema metric).
    pub const RETURNS: &str = "returns";
    /// The sales channel dimension (ShopifyQL reference: `GROUP BY sales_channel`).
    pub const SALES_CHANNEL: &str = "sales_channel";
    /// The daily time dimension (`TIMESERIES day`), also the name of its result column.
    pub const DAY: &str = "day";

    // NOT confirmed by Shopify's reference as TMAS could read it: the POS location
    // dimension, the sales channel's value for point-of-sale sales, and the sign of
    // `returns` (Shopify's sales reports show returns as a negative amount). If Shopify
    // answers otherwise, the check records a parse error or a missing column naming them,
    // and these three lines are what to change.
    /// The POS location dimension: Shopify's numeric location id.
    pub const POS_LOCATION: &str = "pos_location_id";
    /// The value of [`SALES_CHANNEL`] for sales made in Shopify POS.
    pub const POS_CHANNEL: &str = "Point of Sale";
    /// Shopify reports returns as a negative amount; TMAS stores them positive.
    pub const RETURNS_ARE_NEGATIVE: bool = true;
}

/// The GraphQL document: one ShopifyQL query (a variable), its errors, warnings and table.
/// `cargo test` validates it against the pinned Admin API schema.
pub const DOCUMENT: &str = "query TmasShopifyql($query: String!) {
  shopifyqlQuery(query: $query) {
    parseErrors
    parseWarnings
    tableData {
      columns { name dataType }
      rows
    }
  }
}";

/// At most this many ShopifyQL queries in one check (one per time zone of the checked
/// locations): each costs a few points, so the check stays far inside Shopify's budget.
pub const MAX_QUERIES_PER_CHECK: usize = 12;

/// One ShopifyQL question: the POS channel's net sales, orders and returns per POS location
/// and day, in one time zone and the shop currency, between two local dates (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub time_zone: String,
    pub currency: String,
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl ReportQuery {
    /// The ShopifyQL text, clauses in the order Shopify's syntax reference gives (FROM,
    /// SHOW, WHERE, GROUP BY, TIMESERIES, WITH, SINCE, UNTIL).
    pub fn text(&self) -> String {
        use names::*;
        format!(
            "FROM {SCHEMA} SHOW {NET_SALES}, {ORDERS}, {RETURNS} \
             WHERE {SALES_CHANNEL} = '{POS_CHANNEL}' \
             GROUP BY {POS_LOCATION} TIMESERIES {DAY} \
             WITH TIMEZONE '{}', CURRENCY '{}' \
             SINCE {} UNTIL {}",
            self.time_zone, self.currency, self.since, self.until
        )
    }
}

/// What Shopify's report says for one POS location on one local day (money in minor units
/// of the shop currency, returns positive as TMAS stores them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportDay {
    pub shopify_location_id: i64,
    pub date: NaiveDate,
    pub net_sales: i64,
    pub orders: i64,
    pub returns: i64,
}

/// A report read: its days, and the warnings Shopify gave beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub days: Vec<ReportDay>,
    pub warnings: Vec<String>,
}

/// Why a report could not be read; each becomes the check's state with its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("Shopify refused TMAS's ShopifyQL query: {}", .0.join("; "))]
    ParseErrors(Vec<String>),
    #[error("Shopify's report has no `{0}` column any more")]
    MissingColumn(String),
    #[error("{0}")]
    Shopify(#[from] ShopifyError),
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "shopifyqlQuery")]
    shopifyql_query: Option<Answer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    #[serde(default)]
    parse_errors: Vec<String>,
    #[serde(default)]
    parse_warnings: Vec<String>,
    table_data: Option<Table>,
}

#[derive(Deserialize)]
struct Table {
    columns: Vec<Column>,
    rows: Value,
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

impl ShopifyClient {
    /// Asks Shopify's sales report one [`ReportQuery`].
    pub async fn sales_report(&self, query: &ReportQuery) -> Result<Report, ReportError> {
        let (data, _) = self
            .graphql::<Value>("shopifyqlQuery", DOCUMENT, json!({ "query": query.text() }))
            .await?;
        read_answer(&data, &query.currency)
    }
}

/// Reads a `shopifyqlQuery` answer's `data` into report days.
pub fn read_answer(data: &Value, currency: &str) -> Result<Report, ReportError> {
    let data: Data = serde_json::from_value(data.clone()).map_err(|e| malformed(e.to_string()))?;
    let answer = data
        .shopifyql_query
        .ok_or_else(|| malformed("no answer".into()))?;
    if !answer.parse_errors.is_empty() {
        return Err(refusal(answer.parse_errors));
    }
    let table = answer
        .table_data
        .ok_or_else(|| malformed("neither table nor parse errors".into()))?;
    for name in [
        names::POS_LOCATION,
        names::DAY,
        names::NET_SALES,
        names::ORDERS,
        names::RETURNS,
    ] {
        if !table.columns.iter().any(|c| c.name == name) {
            return Err(ReportError::MissingColumn(name.to_string()));
        }
    }
    let digits = currency_digits(currency);
    let rows = table
        .rows
        .as_array()
        .ok_or_else(|| malformed("rows is not a list".into()))?;
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(day) = report_day(row, digits)? {
            days.push(day);
        }
    }
    Ok(Report {
        days,
        warnings: answer.parse_warnings,
    })
}

/// An answer that is not the one expected, said as Shopify's malformed response.
fn malformed(context: String) -> ReportError {
    ReportError::Shopify(ShopifyError::MalformedResponse {
        context: format!("shopifyqlQuery: {context}"),
    })
}

/// What Shopify's parse errors mean: a parse error naming one of TMAS's columns is a
/// schema that lost it; any other, the errors themselves.
fn refusal(parse_errors: Vec<String>) -> ReportError {
    for name in [
        names::NET_SALES,
        names::ORDERS,
        names::RETURNS,
        names::POS_LOCATION,
        names::SALES_CHANNEL,
    ] {
        if parse_errors
            .iter()
            .any(|e| e.contains(&format!("'{name}'")) || e.contains(&format!("`{name}`")))
        {
            return ReportError::MissingColumn(name.to_string());
        }
    }
    ReportError::ParseErrors(parse_errors)
}

/// One row of the table as a report day; none for a row without a POS location (sales
/// that none should pass the channel filter).
fn report_day(row: &Value, digits: u32) -> Result<Option<ReportDay>, ReportError> {
    let cell = |name: &str| row.get(name).filter(|v| !v.is_null());
    let Some(location) = cell(names::POS_LOCATION) else {
        return Ok(None);
    };
    let shopify_location_id = text_of(location)
        .rsplit('/')
        .next()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .ok_or_else(|| malformed(format!("location {location}")))?;
    let day = cell(names::DAY).map(text_of).unwrap_or_default();
    let date = NaiveDate::parse_from_str(day.get(..10).unwrap_or(&day), "%Y-%m-%d")
        .map_err(|_| malformed(format!("day {day:?}")))?;
    let money = |name: &str| -> Result<i64, ReportError> {
        match cell(name) {
            None => Ok(0),
            Some(v) => {
                decimal_minor(&text_of(v), digits).ok_or_else(|| malformed(format!("{name} {v}")))
            }
        }
    };
    let returns = money(names::RETURNS)?;
    let orders = match cell(names::ORDERS) {
        None => 0,
        Some(v) => decimal_minor(&text_of(v), 0).ok_or_else(|| malformed(format!("orders {v}")))?,
    };
    Ok(Some(ReportDay {
        shopify_location_id,
        date,
        net_sales: money(names::NET_SALES)?,
        orders,
        returns: if names::RETURNS_ARE_NEGATIVE {
            -returns
        } else {
            returns
        },
    }))
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A decimal (`"5542.954"`, `-12.5`, `3`) in minor units of `digits` decimals, rounded half
/// to even: Shopify's analytics may carry more decimals than the currency has.
pub fn decimal_minor(text: &str, digits: u32) -> Option<i64> {
    let s = text.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = s.split_once('.').unwrap_or((s, ""));
    if int_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = digits as usize;
    let mut value: i64 = int_part.parse().ok()?;
    let frac = frac_part.as_bytes();
    for i in 0..digits {
        let d = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(d)?;
    }
    if frac.len() > digits {
        let rest = &frac[digits..];
        let first = rest[0] - b'0';
        let beyond = rest[1..].iter().any(|b| *b != b'0');
        let round_up = first > 5 || (first == 5 && (beyond || value % 2 == 1));
        if round_up {
            value = value.checked_add(1)?;
        }
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> ReportQuery {
        ReportQuery {
            time_zone: "America/Toronto".into(),
            currency: "CAD".into(),
            since: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
            until: NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
        }
    }

    #[test]
    fn the_document_is_valid_against_the_pinned_schema() {
        super::super::schema::validate(DOCUMENT, "shopifyql.graphql")
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn the_document_is_priced_within_budget() {
        let points = super::super::queries::priced(
            DOCUMENT,
            &json!({ "query": query().text() }),
            super::super::cost::PageInfo::Object,
        );
        assert!(
            points * MAX_QUERIES_PER_CHECK as u64 <= u64::from(super::super::queries::COST_BUDGET),
            "{points} points a query"
        );
    }

    #[test]
    fn the_query_asks_the_pos_channel_by_location_and_day() {
        assert_eq!(
            query().text(),
            "FROM sales SHOW net_sales, orders, returns WHERE sales_channel = 'Point of Sale' \
             GROUP BY pos_location_id TIMESERIES day WITH TIMEZONE 'America/Toronto', \
             CURRENCY 'CAD' SINCE 2026-11-27 UNTIL 2026-12-03"
        );
    }

    #[test]
    fn an_answer_becomes_days_in_minor_units() {
        let data = json!({ "shopifyqlQuery": {
            "parseErrors": [], "parseWarnings": ["deprecated"],
            "tableData": {
                "columns": [
                    { "name": "pos_location_id", "dataType": "IDENTITY" },
                    { "name": "day", "dataType": "DAY_TIMESTAMP" },
                    { "name": "net_sales", "dataType": "MONEY" },
                    { "name": "orders", "dataType": "INTEGER" },
                    { "name": "returns", "dataType": "MONEY" }
                ],
                "rows": [
                    { "pos_location_id": "1001", "day": "2026-12-01", "net_sales": "46.805",
                      "orders": 1, "returns": "-18.00" },
                    { "pos_location_id": null, "day": "2026-12-01", "net_sales": "0",
                      "orders": 0, "returns": "0" }
                ]
            }
        }});
        let report = read_answer(&data, "CAD").expect("read");
        assert_eq!(report.warnings, vec!["deprecated".to_string()]);
        assert_eq!(
            report.days,
            vec![ReportDay {
                shopify_location_id: 1001,
                date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
                net_sales: 4680,
                orders: 1,
                returns: 1800,
            }]
        );
    }

    #[test]
    fn parse_errors_and_missing_columns_are_told_apart() {
        let errors = json!({ "shopifyqlQuery": {
            "parseErrors": ["Syntax error at 1:5"], "parseWarnings": [], "tableData": null } });
        assert_eq!(
            read_answer(&errors, "CAD"),
            Err(ReportError::ParseErrors(vec!["Syntax error at 1:5".into()]))
        );
        let gone = json!({ "shopifyqlQuery": {
            "parseErrors": ["Column 'returns' not found in schema 'sales'"],
            "parseWarnings": [], "tableData": null } });
        assert_eq!(
            read_answer(&gone, "CAD"),
            Err(ReportError::MissingColumn("returns".into()))
        );
        let short = json!({ "shopifyqlQuery": { "parseErrors": [], "parseWarnings": [],
            "tableData": { "columns": [{ "name": "day", "dataType": "DAY_TIMESTAMP" }], "rows": [] } } });
        assert_eq!(
            read_answer(&short, "CAD"),
            Err(ReportError::MissingColumn("pos_location_id".into()))
        );
    }

    #[test]
    fn decimals_round_half_even_to_the_currency() {
        assert_eq!(decimal_minor("5542.954", 2), Some(554295));
        assert_eq!(decimal_minor("0.125", 2), Some(12));
        assert_eq!(decimal_minor("0.135", 2), Some(14));
        assert_eq!(decimal_minor("-18", 2), Some(-1800));
        assert_eq!(decimal_minor("12", 0), Some(12));
        assert_eq!(decimal_minor("x", 2), None);
    }
}
