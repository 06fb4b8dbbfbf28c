//! The report's rules, no I/O: date ranges, granularities and their buckets, the
//! totals of a bucket, the average sale (half-even, exact integers) and money display.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

use super::money::format_minor;

/// The longest range a report or export covers, in days (three years, enough for a year and
/// the year before it).
pub const MAX_RANGE_DAYS: i64 = 1096;

/// The first day a report, an export or a manual edit may name: no sale recorded in TMAS is
/// older, and a year such as 0000 is a typing mistake, not a period to read.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("a real date")
}

/// The last day a report or export may name: the end of next year (a plan may look ahead,
/// a year such as 9999 is a mistake).
pub fn latest_report_date(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today)
}

/// An amount in minor units of a currency with `digits` decimals; `Display` is the plain
/// decimal of the CSV contract (`1234.50`, `-18.00`, `1200` for a 0-digit currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub digits: u32,
}

impl Money {
    pub fn new(minor: i64, digits: u32) -> Money {
        Money { minor, digits }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_minor(self.minor, self.digits))
    }
}

/// `numerator / denominator` rounded half to even (banker's rounding), exactly.
pub fn div_half_even(numerator: i128, denominator: i128) -> i128 {
    assert!(denominator != 0, "division by zero");
    let (n, d) = if denominator < 0 {
        (-numerator, -denominator)
    } else {
        (numerator, denominator)
    };
    let quotient = n.div_euclid(d);
    let remainder = n.rem_euclid(d);
    // quotient <= exact < quotient + 1; compare the remainder with half of d.
    match (2 * remainder).cmp(&d) {
        std::cmp::Ordering::Less => quotient,
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Equal => {
            if quotient % 2 == 0 {
                quotient
            } else {
                quotient + 1
            }
        }
    }
}

/// The average sale in minor units: net ÷ transactions, half-even to the currency's digits;
/// none when there are no transactions.
pub fn average_sale(net: i64, transactions: i64) -> Option<i64> {
    if transactions == 0 {
        return None;
    }
    i64::try_from(div_half_even(i128::from(net), i128::from(transactions))).ok()
}

/// Units per transaction in hundredths (half-even); none without transactions.
pub fn units_per_transaction_hundredths(items: i64, transactions: i64) -> Option<i64> {
    if transactions == 0 {
        return None;
    }
    i64::try_from(div_half_even(
        i128::from(items) * 100,
        i128::from(transactions),
    ))
    .ok()
}

/// The change from `previous` to `current` in tenths of a percent (half-even); none when the
/// previous value is zero.
pub fn change_tenths_of_percent(current: i64, previous: i64) -> Option<i64> {
    if previous == 0 {
        return None;
    }
    let diff = i128::from(current) - i128::from(previous);
    i64::try_from(div_half_even(diff * 1000, i128::from(previous).abs())).ok()
}

/// Tenths shown with one decimal and a sign: `+12.5`, `-3.0`.
pub fn format_tenths(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "+" };
    let abs = tenths.unsigned_abs();
    format!("{sign}{}.{}", abs / 10, abs % 10)
}

/// A sum of totals too large for `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the totals are too large to add up")]
pub struct TotalsOverflow;

/// What one bucket (an hour, a day, a week, a month, a location, a range) adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub gross: i64,
    pub discounts: i64,
    pub returns: i64,
    pub net: i64,
    pub transactions: i64,
    pub items: i64,
    /// At least one of its hours was corrected by hand.
    pub edited: bool,
}

impl Totals {
    /// Adds `other` in; a sum beyond `i64` is an error, never a wrapped number.
    pub fn add(&mut self, other: &Totals) -> Result<(), TotalsOverflow> {
        let sum = |a: i64, b: i64| a.checked_add(b).ok_or(TotalsOverflow);
        *self = Totals {
            gross: sum(self.gross, other.gross)?,
            discounts: sum(self.discounts, other.discounts)?,
            returns: sum(self.returns, other.returns)?,
            net: sum(self.net, other.net)?,
            transactions: sum(self.transactions, other.transactions)?,
            items: sum(self.items, other.items)?,
            edited: self.edited || other.edited,
        };
        Ok(())
    }

    pub fn average_sale(&self) -> Option<i64> {
        average_sale(self.net, self.transactions)
    }

    pub fn is_empty(&self) -> bool {
        self.gross == 0
            && self.discounts == 0
            && self.returns == 0
            && self.net == 0
            && self.transactions == 0
            && self.items == 0
    }
}

/// How finely a report splits its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Hour,
    Day,
    Week,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 4] = [
        Granularity::Hour,
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    pub fn parse(value: &str) -> Option<Granularity> {
        Granularity::ALL
            .into_iter()
            .find(|g| g.as_str() == value.trim())
    }

    /// The first day of the bucket holding `date` (weeks start on Monday, ISO 8601).
    pub fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Hour | Granularity::Day => date,
            Granularity::Week => week_start(date),
            Granularity::Month => date.with_day(1).expect("every month has a first day"),
        }
    }
}

/// The Monday of the ISO week holding `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// A range of local dates, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<DateRange> {
        (from <= to).then_some(DateRange { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The range of the same length that ends the day before this one starts.
    pub fn previous(&self) -> DateRange {
        let to = self.from - Duration::days(1);
        DateRange {
            from: to - Duration::days(self.days() - 1),
            to,
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// Parses a `YYYY-MM-DD` local date.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if value.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn sums_of_totals_refuse_to_wrap() {
        let big = Totals {
            net: i64::MAX - 1,
            items: 5,
            ..Totals::default()
        };
        let mut sum = Totals::default();
        sum.add(&big).unwrap();
        assert_eq!(sum.net, i64::MAX - 1);
        let before = sum;
        assert_eq!(sum.add(&big), Err(TotalsOverflow));
        assert_eq!(sum, before, "a refused sum leaves the totals as they were");
        let low = Totals {
            items: i64::MIN,
            ..Totals::default()
        };
        let mut sum = Totals {
            items: -1,
            ..Totals::default()
        };
        assert_eq!(sum.add(&low), Err(TotalsOverflow));
    }

    #[test]
    fn the_dates_a_report_may_name() {
        assert_eq!(earliest_date(), d("2000-01-01"));
        assert_eq!(latest_report_date(d("2026-12-04")), d("2027-12-31"));
    }

    #[test]
    fn average_is_half_even_in_minor_units() {
        assert_eq!(average_sale(1000, 3), Some(333)); // 10.00 / 3 = 3.33
        assert_eq!(average_sale(5, 2), Some(2)); // 0.05 / 2 = 0.025 -> 0.02
        assert_eq!(average_sale(15, 2), Some(8)); // 0.15 / 2 = 0.075 -> 0.08
        assert_eq!(average_sale(-15, 2), Some(-8));
        assert_eq!(average_sale(-5, 2), Some(-2));
        assert_eq!(average_sale(-1000, 3), Some(-333));
        assert_eq!(average_sale(2000, 3), Some(667));
        assert_eq!(average_sale(1, 0), None);
        assert_eq!(average_sale(4680, 1), Some(4680));
        assert_eq!(average_sale(5, -2), Some(-2));
    }

    #[test]
    fn money_display_follows_the_currency_digits() {
        assert_eq!(Money::new(123450, 2).to_string(), "1234.50");
        assert_eq!(Money::new(-1800, 2).to_string(), "-18.00");
        assert_eq!(Money::new(1200, 0).to_string(), "1200");
        assert_eq!(Money::new(-7, 0).to_string(), "-7");
        assert_eq!(Money::new(5, 2).to_string(), "0.05");
    }

    #[test]
    fn percent_change_and_units() {
        assert_eq!(change_tenths_of_percent(1125, 1000), Some(125));
        assert_eq!(change_tenths_of_percent(0, 1000), Some(-1000));
        assert_eq!(change_tenths_of_percent(-500, -1000), Some(500));
        assert_eq!(change_tenths_of_percent(5, 0), None);
        assert_eq!(format_tenths(125), "+12.5");
        assert_eq!(format_tenths(-30), "-3.0");
        assert_eq!(units_per_transaction_hundredths(7, 3), Some(233));
        assert_eq!(units_per_transaction_hundredths(7, 0), None);
    }

    #[test]
    fn buckets_and_ranges() {
        assert_eq!(
            Granularity::Week.bucket_start(d("2026-03-08")),
            d("2026-03-02")
        );
        assert_eq!(
            Granularity::Week.bucket_start(d("2026-03-02")),
            d("2026-03-02")
        );
        assert_eq!(
            Granularity::Month.bucket_start(d("2026-03-31")),
            d("2026-03-01")
        );
        let range = DateRange::new(d("2026-03-01"), d("2026-03-07")).unwrap();
        assert_eq!(range.days(), 7);
        assert_eq!(
            range.previous(),
            DateRange::new(d("2026-02-22"), d("2026-02-28")).unwrap()
        );
        assert!(DateRange::new(d("2026-03-02"), d("2026-03-01")).is_none());
        assert!(parse_date("2026-3-1").is_none());
        assert!(parse_date("2026-02-30").is_none());
    }
}
