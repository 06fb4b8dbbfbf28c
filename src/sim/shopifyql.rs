//! The simulator's `shopifyqlQuery`: Shopify's sales report for the one shape of ShopifyQL
//! TMAS sends (the POS channel's net sales, orders and returns per POS location and day, in
//! a time zone and the shop currency), computed from the simulator's own sales by the rules
//! of its expected totals. Any other query gets a parse error, as Shopify answers one it
//! cannot read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::expected::visible_expected_totals;
use super::model::{Channel, SimShop};
use super::state::ShopState;
use crate::domain::money::{currency_digits, format_minor};
use crate::shopify::shopifyql::names;

/// How much a day the `report_differs_on` fault adds to each location's net sales (minor
/// units): Shopify's report differing from the sales it was built from.
pub const FAULT_DIFFERENCE: i64 = 1000;

/// The question a query asks, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub metrics: Vec<String>,
    pub channel: Option<String>,
    pub time_zone: Option<String>,
    pub currency: Option<String>,
    pub since: NaiveDate,
    pub until: NaiveDate,
}

/// The `shopifyqlQuery` field's answer (`parseErrors`, `parseWarnings`, `tableData`).
pub fn answer(st: &ShopState, query: &str) -> Value {
    let question = match read(query) {
        Ok(q) => q,
        Err(message) => return refused(message),
    };
    let tz = match report_zone(st, &question) {
        Ok(tz) => tz,
        Err(message) => return refused(message),
    };
    let days = report(&st.shop, tz, question.since, question.until);
    let columns = columns(&question.metrics);
    let rows = rows(st, &question.metrics, &days);
    json!({
        "parseErrors": [],
        "parseWarnings": st.faults.shopifyql_warnings,
        "analyticsTargets": [],
        "tableData": { "columns": columns, "rows": rows, "rowMetadata": [] },
    })
}

/// The answer to a query Shopify will not run: its one parse error, no table.
fn refused(message: String) -> Value {
    json!({ "parseErrors": [message], "parseWarnings": [], "tableData": null,
            "analyticsTargets": [] })
}

/// The report's time zone for a question the simulator answers, or the parse error Shopify
/// would give it: a faulted missing column, an unknown time zone, another currency than the
/// shop's, or a channel other than POS (or none).
fn report_zone(st: &ShopState, question: &Question) -> Result<Tz, String> {
    for column in question
        .metrics
        .iter()
        .map(String::as_str)
        .chain([names::POS_LOCATION, names::SALES_CHANNEL])
    {
        if st
            .faults
            .shopifyql_missing_columns
            .iter()
            .any(|c| c == column)
        {
            return Err(format!(
                "Column '{column}' not found in schema '{}'",
                names::SCHEMA
            ));
        }
    }
    let tz: Tz = match question.time_zone.as_deref() {
        None => st.shop.time_zone,
        Some(name) => match name.parse() {
            Ok(tz) => tz,
            Err(_) => return Err(format!("Invalid timezone '{name}'")),
        },
    };
    if let Some(currency) = &question.currency
        && currency != &st.shop.currency
    {
        return Err(format!(
            "The Shopify simulator reports in the shop currency ({}) only, not '{currency}'",
            st.shop.currency
        ));
    }
    let pos_only = match question.channel.as_deref() {
        Some(c) if c == names::POS_CHANNEL => true,
        Some(other) => {
            return Err(format!(
                "The Shopify simulator reports the '{}' sales channel only, not '{other}'",
                names::POS_CHANNEL
            ));
        }
        None => false,
    };
    if !pos_only {
        return Err(format!(
            "The Shopify simulator reports only with WHERE {} = '{}'",
            names::SALES_CHANNEL,
            names::POS_CHANNEL
        ));
    }
    Ok(tz)
}

/// The table's columns: the location and the day, then the metrics asked, in their order.
fn columns(metrics: &[String]) -> Vec<Value> {
    let mut columns = vec![
        json!({ "name": names::POS_LOCATION, "dataType": "IDENTITY", "displayName": "POS location ID" }),
        json!({ "name": names::DAY, "dataType": "DAY_TIMESTAMP", "displayName": "Day" }),
    ];
    for m in metrics {
        let (data_type, display) = match m.as_str() {
            x if x == names::NET_SALES => ("MONEY", "Net sales"),
            x if x == names::ORDERS => ("INTEGER", "Orders"),
            _ => ("MONEY", "Returns"),
        };
        columns.push(json!({ "name": m, "dataType": data_type, "displayName": display }));
    }
    columns
}

/// The table's rows, one per location-day, money as Shopify formats it; the
/// `report_differs_on` fault adds FAULT_DIFFERENCE to the net sales of its days.
fn rows(
    st: &ShopState,
    metrics: &[String],
    days: &BTreeMap<(i64, NaiveDate), ReportDay>,
) -> Vec<Value> {
    let digits = currency_digits(&st.shop.currency);
    let differs: BTreeSet<NaiveDate> = st
        .faults
        .report_differs_on
        .iter()
        .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .collect();
    days.iter()
        .map(|(&(location, date), d)| {
            let mut row = serde_json::Map::new();
            row.insert(names::POS_LOCATION.into(), json!(location.to_string()));
            row.insert(names::DAY.into(), json!(date.to_string()));
            let net = d.net
                + if differs.contains(&date) {
                    FAULT_DIFFERENCE
                } else {
                    0
                };
            for m in metrics {
                let value = match m.as_str() {
                    x if x == names::NET_SALES => json!(format_minor(net, digits)),
                    x if x == names::ORDERS => json!(d.orders),
                    _ => {
                        let sign = if names::RETURNS_ARE_NEGATIVE { -1 } else { 1 };
                        json!(format_minor(sign * d.returns, digits))
                    }
                };
                row.insert(m.clone(), value);
            }
            Value::Object(row)
        })
        .collect()
}

/// One location's day in Shopify's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportDay {
    pub net: i64,
    pub orders: i64,
    pub returns: i64,
}

/// The POS report per Shopify location id and local day in `tz`, every day of the range
/// for each location with activity in it (Shopify's `TIMESERIES` fills the days): net sales
/// and returns as the simulator's expected totals count them (Shopify's report knows every
/// order and return, so nothing is hidden), orders as the sales made that day.
pub fn report(
    shop: &SimShop,
    tz: Tz,
    since: NaiveDate,
    until: NaiveDate,
) -> BTreeMap<(i64, NaiveDate), ReportDay> {
    // The expected totals are placed in the shop's time zone: ask them of the same shop
    // set in the report's zone.
    let mut zoned = shop.clone();
    zoned.time_zone = tz;
    let expected = visible_expected_totals(&zoned, None, true);
    let mut out: BTreeMap<(i64, NaiveDate), ReportDay> = BTreeMap::new();
    for (&(location, date, _), t) in &expected.buckets {
        if date < since || date > until {
            continue;
        }
        let d = out.entry((location, date)).or_default();
        d.net += t.net;
        d.returns += t.returns;
    }
    for order in &shop.orders {
        let Some(location) = order.location_id else {
            continue;
        };
        if order.test || order.channel != Channel::Pos {
            continue;
        }
        let sold = order
            .lines
            .iter()
            .any(|l| !l.gift_card && !order.appended(l.id));
        if !sold {
            continue;
        }
        let date = tz
            .from_utc_datetime(&order.processed_at.naive_utc())
            .date_naive();
        if date < since || date > until {
            continue;
        }
        out.entry((location, date)).or_default().orders += 1;
    }
    let locations: BTreeSet<i64> = out.keys().map(|(l, _)| *l).collect();
    for location in locations {
        let mut date = since;
        loop {
            out.entry((location, date)).or_default();
            match date.succ_opt() {
                Some(next) if next <= until => date = next,
                _ => break,
            }
        }
    }
    out
}

/// Splits a query into words, keeping `'quoted text'` as one word (without its quotes,
/// marked by a leading `'`) and commas as their own word.
fn words(query: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == ',' || c == '=' {
            out.push(c.to_string());
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut text = String::from("'");
            loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(ch) => text.push(ch),
                    None => return Err("Syntax error: unterminated string".into()),
                }
            }
            out.push(text);
        } else {
            let mut word = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == ',' || ch == '=' || ch == '\'' {
                    break;
                }
                word.push(ch);
                chars.next();
            }
            out.push(word);
        }
    }
    Ok(out)
}

/// Reads the one shape of query the simulator answers:
/// `FROM sales SHOW <net_sales|orders|returns, …> [WHERE sales_channel = '…']
/// GROUP BY pos_location_id TIMESERIES day [WITH TIMEZONE '…'[, CURRENCY '…']]
/// SINCE yyyy-mm-dd UNTIL yyyy-mm-dd`.
pub fn read(query: &str) -> Result<Question, String> {
    let mut c = Cursor {
        words: words(query)?,
        at: 0,
    };
    c.keyword("FROM")?;
    if c.peek(0) != names::SCHEMA {
        return Err(format!("Schema '{}' not found", c.peek(0)));
    }
    c.at += 1;
    c.keyword("SHOW")?;
    let metrics = metrics(&mut c)?;
    let channel = channel(&mut c)?;
    grouping(&mut c)?;
    let (time_zone, currency) = modifiers(&mut c)?;
    let since = c.date("SINCE")?;
    let until = c.date("UNTIL")?;
    if until < since {
        return Err("UNTIL can't be before SINCE".into());
    }
    if c.at < c.words.len() {
        return Err(format!("Syntax error: unexpected '{}'", c.peek(0)));
    }
    Ok(Question {
        metrics,
        channel,
        time_zone,
        currency,
        since,
        until,
    })
}

/// A query's words and the reader's place in them.
struct Cursor {
    words: Vec<String>,
    at: usize,
}

impl Cursor {
    /// The word `ahead` places after the reader's, or "" past the end.
    fn peek(&self, ahead: usize) -> &str {
        self.words
            .get(self.at + ahead)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Steps over the keyword `kw` (in any case), or names what stands in its place.
    fn keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.peek(0).eq_ignore_ascii_case(kw) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!(
                "Syntax error: expected {kw}, found '{}'",
                if self.peek(0).is_empty() {
                    "end of query"
                } else {
                    self.peek(0)
                }
            ))
        }
    }

    /// The yyyy-mm-dd date after the keyword `kw`.
    fn date(&mut self, kw: &str) -> Result<NaiveDate, String> {
        self.keyword(kw)?;
        let d = NaiveDate::parse_from_str(self.peek(0), "%Y-%m-%d")
            .map_err(|_| format!("Invalid date '{}' after {kw}", self.peek(0)))?;
        self.at += 1;
        Ok(d)
    }
}

/// The metrics after SHOW, comma-separated, each one the simulator answers.
fn metrics(c: &mut Cursor) -> Result<Vec<String>, String> {
    let mut metrics = Vec::new();
    loop {
        let m = c.peek(0).to_string();
        if ![names::NET_SALES, names::ORDERS, names::RETURNS].contains(&m.as_str()) {
            return Err(format!(
                "Column '{m}' not found in schema '{}' (the Shopify simulator answers {}, {} and {})",
                names::SCHEMA,
                names::NET_SALES,
                names::ORDERS,
                names::RETURNS
            ));
        }
        metrics.push(m);
        c.at += 1;
        if c.peek(0) == "," {
            c.at += 1;
        } else {
            break;
        }
    }
    Ok(metrics)
}

/// The sales channel of an optional `WHERE sales_channel = '…'`.
fn channel(c: &mut Cursor) -> Result<Option<String>, String> {
    if !c.peek(0).eq_ignore_ascii_case("WHERE") {
        return Ok(None);
    }
    c.at += 1;
    if c.peek(0) != names::SALES_CHANNEL || c.peek(1) != "=" {
        return Err(format!(
            "Syntax error: the Shopify simulator filters only by {} = '…'",
            names::SALES_CHANNEL
        ));
    }
    let value = c.peek(2);
    let Some(value) = value.strip_prefix('\'') else {
        return Err(format!(
            "Syntax error: expected a quoted value, found '{value}'"
        ));
    };
    let channel = Some(value.to_string());
    c.at += 3;
    Ok(channel)
}

/// Steps over `GROUP BY pos_location_id TIMESERIES day`, the one grouping answered.
fn grouping(c: &mut Cursor) -> Result<(), String> {
    c.keyword("GROUP")?;
    c.keyword("BY")?;
    if c.peek(0) != names::POS_LOCATION {
        return Err(format!(
            "The Shopify simulator groups only by {}, not '{}'",
            names::POS_LOCATION,
            c.peek(0)
        ));
    }
    c.at += 1;
    c.keyword("TIMESERIES")?;
    if c.peek(0) != names::DAY {
        return Err(format!(
            "The Shopify simulator answers TIMESERIES {} only, not '{}'",
            names::DAY,
            c.peek(0)
        ));
    }
    c.at += 1;
    Ok(())
}

/// The time zone and currency of an optional `WITH TIMEZONE '…', CURRENCY '…'`.
fn modifiers(c: &mut Cursor) -> Result<(Option<String>, Option<String>), String> {
    let (mut time_zone, mut currency) = (None, None);
    if c.peek(0).eq_ignore_ascii_case("WITH") {
        c.at += 1;
        loop {
            let modifier = c.peek(0).to_ascii_uppercase();
            let value = c
                .peek(1)
                .strip_prefix('\'')
                .map(str::to_string)
                .ok_or_else(|| format!("Syntax error: {modifier} needs a quoted value"))?;
            match modifier.as_str() {
                "TIMEZONE" => time_zone = Some(value),
                "CURRENCY" => currency = Some(value),
                other => {
                    return Err(format!(
                        "The Shopify simulator answers WITH TIMEZONE and CURRENCY only, not {other}"
                    ));
                }
            }
            c.at += 2;
            if c.peek(0) == "," {
                c.at += 1;
            } else {
                break;
            }
        }
    }
    Ok((time_zone, currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::shopifyql::ReportQuery;

    #[test]
    fn reads_what_tmas_sends() {
        let q = ReportQuery {
            time_zone: "America/Vancouver".into(),
            currency: "CAD".into(),
            since: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            until: NaiveDate::from_ymd_opt(2026, 3, 7).expect("date"),
        };
        let read = read(&q.text()).expect("read");
        assert_eq!(read.metrics, vec!["net_sales", "orders", "returns"]);
        assert_eq!(read.channel.as_deref(), Some("Point of Sale"));
        assert_eq!(read.time_zone.as_deref(), Some("America/Vancouver"));
        assert_eq!(read.currency.as_deref(), Some("CAD"));
        assert_eq!(read.since, q.since);
        assert_eq!(read.until, q.until);
    }

    #[test]
    fn refuses_anything_else_with_a_parse_error() {
        for bad in [
            "",
            "SHOW net_sales FROM sales",
            "FROM orders SHOW net_sales GROUP BY pos_location_id TIMESERIES day SINCE 2026-01-01 UNTIL 2026-01-02",
            "FROM sales SHOW total_sales GROUP BY pos_location_id TIMESERIES day SINCE 2026-01-01 UNTIL 2026-01-02",
            "FROM sales SHOW net_sales GROUP BY product_id TIMESERIES day SINCE 2026-01-01 UNTIL 2026-01-02",
            "FROM sales SHOW net_sales GROUP BY pos_location_id TIMESERIES day SINCE 2026-01-02 UNTIL 2026-01-01",
            "FROM sales SHOW net_sales GROUP BY pos_location_id TIMESERIES day SINCE 2026-01-01 UNTIL 2026-01-02 LIMIT 3",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
