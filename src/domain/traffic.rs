//! Traffic and conversion (DOMAIN.md "Traffic and conversion"): the values a door counter
//! reports for a location-hour, and the figures made from them beside the sales — conversion,
//! sales per shopper, shoppers per staff hour — as quotients of sums, never averages of ratios.

use chrono::NaiveDate;

use super::report::div_half_even;

/// The most visitors one location can count in one hour: far above any store, low enough that
/// a year of a thousand stores cannot overflow a sum.
pub const MAX_TRAFFIC: i64 = 1_000_000;
/// The most staff hours one location can work in one hour (1,000.00 hours, in hundredths).
pub const MAX_STAFF_CENTIHOURS: i64 = 100_000;

/// Staff hours worked in a location-hour, exact in hundredths of an hour (`2.5` is 250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StaffHours(i64);

impl StaffHours {
    pub fn from_centihours(centihours: i64) -> Option<StaffHours> {
        (0..=MAX_STAFF_CENTIHOURS)
            .contains(&centihours)
            .then_some(StaffHours(centihours))
    }

    pub fn centihours(self) -> i64 {
        self.0
    }

    /// A decimal such as `2.5`, `0.25` or `8`: at most two decimals (no rounding: a value we
    /// cannot keep exactly is refused), never negative, at most 1,000 hours.
    pub fn parse(text: &str) -> Result<StaffHours, String> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if text.starts_with('-') {
            return Err(format!("Staff hours cannot be negative (\"{text}\")."));
        }
        if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
            return Err(format!(
                "Staff hours must be a decimal number such as 2.5 (\"{text}\")."
            ));
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return Err(format!(
                "Staff hours take at most two decimals (\"{text}\")."
            ));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else if whole.len() > 5 {
            i64::MAX
        } else {
            whole
                .parse()
                .map_err(|_| format!("Staff hours are too large (\"{text}\")."))?
        };
        let hundredths: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(hundredths))
            .and_then(StaffHours::from_centihours)
            .ok_or_else(|| format!("Staff hours are at most 1000 in one hour (\"{text}\")."))
    }
}

impl std::fmt::Display for StaffHours {
    /// `2.50` → `2.5`, `8.00` → `8`: the shortest exact decimal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, hundredths) = (self.0 / 100, self.0 % 100);
        match hundredths {
            0 => write!(f, "{whole}"),
            h if h % 10 == 0 => write!(f, "{whole}.{}", h / 10),
            h => write!(f, "{whole}.{h:02}"),
        }
    }
}

/// Visitors counted in a location-hour: a whole number from 0 to [`MAX_TRAFFIC`].
pub fn parse_traffic(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(format!("Traffic cannot be negative (\"{text}\")."));
    }
    if text.contains('.') || text.contains(',') {
        // "40.0" from a spreadsheet is a whole number; "40.5" is not.
        let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
        if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') {
            return parse_traffic(whole);
        }
        return Err(format!(
            "Traffic must be a whole number of visitors (\"{text}\")."
        ));
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "Traffic must be a whole number of visitors (\"{text}\")."
        ));
    }
    match text.parse::<i64>() {
        Ok(n) if n <= MAX_TRAFFIC => Ok(n),
        _ => Err(format!(
            "Traffic is at most 1000000 visitors in one hour (\"{text}\")."
        )),
    }
}

/// A local hour of the day, 0 to 23.
pub fn parse_hour(text: &str) -> Result<u8, String> {
    let text = text.trim();
    let whole = text
        .strip_suffix(".0")
        .filter(|w| !w.is_empty())
        .unwrap_or(text);
    match whole.parse::<u8>() {
        Ok(h) if h <= 23 && whole.bytes().all(|b| b.is_ascii_digit()) => Ok(h),
        _ => Err(format!(
            "The hour must be a whole number from 0 to 23 (\"{text}\")."
        )),
    }
}

/// A local date written `YYYY-MM-DD`, in the years TMAS keeps (2000–2100).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let bad = || format!("The date must be a real date written YYYY-MM-DD (\"{text}\").");
    if text.len() != 10 {
        return Err(bad());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    let year = chrono::Datelike::year(&date);
    if !(2000..=2100).contains(&year) {
        return Err(format!(
            "The date must be between the years 2000 and 2100 (\"{text}\")."
        ));
    }
    Ok(date)
}

/// What a counter reported for one location-hour. A new value replaces the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedHour {
    pub traffic: i64,
    pub staff: Option<StaffHours>,
}

/// One location-hour as the figures see it: what was counted (None: missing, which is not a
/// counted 0) beside the sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourFigures {
    pub counted: Option<CountedHour>,
    pub sales_transactions: i64,
    /// Net sales in minor units.
    pub net: i64,
}

/// The sums the figures are quotients of, over any set of location-hours. Sums add, so a day,
/// a week or a group of stores is the sum of its parts (SQL can build them too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrafficSums {
    /// Σ traffic over the hours that have a count.
    pub traffic: i64,
    /// Σ sales transactions over the hours that have a count.
    pub sales_transactions: i64,
    /// Σ net sales (minor units) over the hours that have a count.
    pub net: i64,
    /// Σ traffic over the hours that also have staff hours.
    pub staffed_traffic: i64,
    /// Σ staff hours, in hundredths.
    pub staff_centihours: i64,
    /// Hours with a count.
    pub counted_hours: i64,
    /// Hours with sales (a sales transaction or net sales) but no count.
    pub missing_hours: i64,
}

impl TrafficSums {
    pub fn add_hour(&mut self, hour: &HourFigures) {
        match hour.counted {
            Some(counted) => {
                self.traffic += counted.traffic;
                self.sales_transactions += hour.sales_transactions;
                self.net += hour.net;
                self.counted_hours += 1;
                if let Some(staff) = counted.staff {
                    self.staffed_traffic += counted.traffic;
                    self.staff_centihours += staff.centihours();
                }
            }
            None if hour.sales_transactions != 0 || hour.net != 0 => self.missing_hours += 1,
            None => {}
        }
    }

    pub fn add(&mut self, other: &TrafficSums) {
        self.traffic += other.traffic;
        self.sales_transactions += other.sales_transactions;
        self.net += other.net;
        self.staffed_traffic += other.staffed_traffic;
        self.staff_centihours += other.staff_centihours;
        self.counted_hours += other.counted_hours;
        self.missing_hours += other.missing_hours;
    }

    pub fn of_hours<'a>(hours: impl IntoIterator<Item = &'a HourFigures>) -> TrafficSums {
        let mut sums = TrafficSums::default();
        for hour in hours {
            sums.add_hour(hour);
        }
        sums
    }

    /// True when some hour was counted: without any, the figures are empty and nothing is
    /// "missing" worth naming (the store has no counter).
    pub fn has_traffic(&self) -> bool {
        self.counted_hours > 0
    }

    /// Conversion in tenths of a percent (60 is 6.0 %), half-even; None when no visitor was
    /// counted.
    pub fn conversion_tenths_percent(&self) -> Option<i64> {
        self.quotient(i128::from(self.sales_transactions) * 1000, self.traffic)
    }

    /// Conversion as a fraction with four decimals, for exports (`0.0600`).
    pub fn conversion_fraction(&self) -> Option<String> {
        let ten_thousandths =
            self.quotient(i128::from(self.sales_transactions) * 10_000, self.traffic)?;
        Some(format!(
            "{}.{:04}",
            ten_thousandths / 10_000,
            ten_thousandths % 10_000
        ))
    }

    /// More sales than visitors: a counter that undercounted. Shown as it is, and flagged.
    pub fn conversion_above_100(&self) -> bool {
        self.traffic > 0 && self.sales_transactions > self.traffic
    }

    /// Net sales per visitor in minor units, half-even; None when no visitor was counted.
    pub fn sales_per_shopper(&self) -> Option<i64> {
        self.quotient(i128::from(self.net), self.traffic)
    }

    /// Visitors per staff hour in tenths (125 is 12.5), half-even; None without staff hours.
    pub fn shoppers_per_staff_hour_tenths(&self) -> Option<i64> {
        // traffic ÷ (centihours ÷ 100), in tenths: traffic × 1000 ÷ centihours.
        self.quotient(
            i128::from(self.staffed_traffic) * 1000,
            self.staff_centihours,
        )
    }

    fn quotient(&self, numerator: i128, divisor: i64) -> Option<i64> {
        if divisor <= 0 {
            return None;
        }
        i64::try_from(div_half_even(numerator, i128::from(divisor))).ok()
    }
}

/// Tenths as a plain decimal with one digit (`125` → `12.5`), for exports.
pub fn tenths_plain(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    format!("{sign}{}.{}", abs / 10, abs % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(traffic: i64, staff: Option<i64>) -> Option<CountedHour> {
        Some(CountedHour {
            traffic,
            staff: staff.and_then(StaffHours::from_centihours),
        })
    }

    /// DOMAIN.md example H: STORE-01 on 2026-03-02.
    #[test]
    fn example_h_conversion_over_a_day() {
        let hours = [
            // 10:00: traffic 40, 2 sales transactions, net 120.00.
            HourFigures {
                counted: counted(40, None),
                sales_transactions: 2,
                net: 12_000,
            },
            // 11:00: traffic 0, no transaction.
            HourFigures {
                counted: counted(0, None),
                sales_transactions: 0,
                net: 0,
            },
            // 12:00: traffic missing, 1 transaction, net 30.00.
            HourFigures {
                counted: None,
                sales_transactions: 1,
                net: 3_000,
            },
            // 13:00: traffic 10, 1 sale and 1 return (one sales transaction), net 25.00.
            HourFigures {
                counted: counted(10, None),
                sales_transactions: 1,
                net: 2_500,
            },
        ];
        let day = TrafficSums::of_hours(&hours);
        assert_eq!(day.traffic, 50);
        // (2 + 0 + 1) ÷ 50 = 6.0 %
        assert_eq!(day.conversion_tenths_percent(), Some(60));
        assert_eq!(day.conversion_fraction().as_deref(), Some("0.0600"));
        // (120.00 + 0 + 25.00) ÷ 50 = 2.90
        assert_eq!(day.sales_per_shopper(), Some(290));
        assert_eq!(day.missing_hours, 1);
        assert!(!day.conversion_above_100());
        // No staff hours anywhere: that figure is empty, not zero.
        assert_eq!(day.shoppers_per_staff_hour_tenths(), None);
    }

    #[test]
    fn quotient_of_sums_not_average_of_ratios() {
        // 1 of 2 (50 %) and 1 of 98 (≈1 %): the day is 2 of 100 = 2.0 %, not ≈25.5 %.
        let hours = [
            HourFigures {
                counted: counted(2, Some(100)),
                sales_transactions: 1,
                net: 1_000,
            },
            HourFigures {
                counted: counted(98, Some(300)),
                sales_transactions: 1,
                net: 1_000,
            },
        ];
        let sums = TrafficSums::of_hours(&hours);
        assert_eq!(sums.conversion_tenths_percent(), Some(20));
        assert_eq!(sums.sales_per_shopper(), Some(20));
        // 100 visitors over 4 staff hours = 25.0
        assert_eq!(sums.shoppers_per_staff_hour_tenths(), Some(250));
    }

    #[test]
    fn staff_figure_uses_only_hours_with_staff() {
        let hours = [
            HourFigures {
                counted: counted(30, Some(250)),
                ..HourFigures::default()
            },
            HourFigures {
                counted: counted(70, None),
                ..HourFigures::default()
            },
        ];
        let sums = TrafficSums::of_hours(&hours);
        // 30 ÷ 2.5 = 12.0, the 70 without staff hours take no part.
        assert_eq!(sums.shoppers_per_staff_hour_tenths(), Some(120));
        assert_eq!(tenths_plain(120), "12.0");
    }

    #[test]
    fn empty_when_divisor_sum_is_zero_or_missing() {
        let zero = TrafficSums::of_hours(&[HourFigures {
            counted: counted(0, Some(0)),
            sales_transactions: 0,
            net: 0,
        }]);
        assert_eq!(zero.conversion_tenths_percent(), None);
        assert_eq!(zero.conversion_fraction(), None);
        assert_eq!(zero.sales_per_shopper(), None);
        assert_eq!(zero.shoppers_per_staff_hour_tenths(), None);
        assert!(zero.has_traffic());
        let none = TrafficSums::of_hours(&[HourFigures {
            counted: None,
            sales_transactions: 0,
            net: 0,
        }]);
        assert!(!none.has_traffic());
        assert_eq!(
            none.missing_hours, 0,
            "an hour without sales is not missing"
        );
    }

    #[test]
    fn above_100_percent_is_shown_and_flagged() {
        let sums = TrafficSums::of_hours(&[HourFigures {
            counted: counted(4, None),
            sales_transactions: 5,
            net: 5_000,
        }]);
        assert_eq!(sums.conversion_tenths_percent(), Some(1250));
        assert_eq!(sums.conversion_fraction().as_deref(), Some("1.2500"));
        assert!(sums.conversion_above_100());
    }

    #[test]
    fn rounding_is_half_even() {
        // 1 ÷ 16 = 6.25 % → 6.2 %; 0.0625 → 0.0625.
        let sums = TrafficSums {
            traffic: 16,
            sales_transactions: 1,
            net: 5,
            counted_hours: 1,
            ..TrafficSums::default()
        };
        assert_eq!(sums.conversion_tenths_percent(), Some(62));
        assert_eq!(sums.conversion_fraction().as_deref(), Some("0.0625"));
        // 0.05 ÷ 16 = 0.003125 → 0.00
        assert_eq!(sums.sales_per_shopper(), Some(0));
        // A day of returns only: negative sales per shopper, exact.
        let returns = TrafficSums {
            traffic: 4,
            net: -1_000,
            counted_hours: 1,
            ..TrafficSums::default()
        };
        assert_eq!(returns.sales_per_shopper(), Some(-250));
    }

    #[test]
    fn sums_add_up() {
        let a = TrafficSums::of_hours(&[HourFigures {
            counted: counted(10, Some(100)),
            sales_transactions: 1,
            net: 100,
        }]);
        let b = TrafficSums::of_hours(&[HourFigures {
            counted: None,
            sales_transactions: 1,
            net: 100,
        }]);
        let mut both = a;
        both.add(&b);
        assert_eq!(both.traffic, 10);
        assert_eq!(both.missing_hours, 1);
        assert_eq!(both.counted_hours, 1);
    }

    #[test]
    fn parses_staff_hours_exactly() {
        assert_eq!(
            StaffHours::parse("2.5").map(StaffHours::centihours),
            Ok(250)
        );
        assert_eq!(
            StaffHours::parse("0.25").map(StaffHours::centihours),
            Ok(25)
        );
        assert_eq!(StaffHours::parse("8").map(StaffHours::centihours), Ok(800));
        assert_eq!(StaffHours::parse(".5").map(StaffHours::centihours), Ok(50));
        assert_eq!(
            StaffHours::parse("3.500").map(StaffHours::centihours),
            Ok(350)
        );
        assert!(StaffHours::parse("-1").unwrap_err().contains("negative"));
        assert!(
            StaffHours::parse("2.125")
                .unwrap_err()
                .contains("two decimals")
        );
        assert!(StaffHours::parse("abc").unwrap_err().contains("decimal"));
        assert!(StaffHours::parse("1e3").is_err());
        assert!(StaffHours::parse("1000.01").unwrap_err().contains("1000"));
        assert!(StaffHours::parse("99999999999999999999").is_err());
        assert_eq!(StaffHours(250).to_string(), "2.5");
        assert_eq!(StaffHours(800).to_string(), "8");
        assert_eq!(StaffHours(25).to_string(), "0.25");
    }

    #[test]
    fn parses_traffic_hour_and_date() {
        assert_eq!(parse_traffic("40"), Ok(40));
        assert_eq!(parse_traffic("0"), Ok(0));
        assert_eq!(parse_traffic("40.0"), Ok(40));
        assert!(parse_traffic("-3").unwrap_err().contains("negative"));
        assert!(parse_traffic("2.5").unwrap_err().contains("whole number"));
        assert!(parse_traffic("").unwrap_err().contains("whole number"));
        assert!(parse_traffic("1000001").unwrap_err().contains("at most"));
        assert_eq!(parse_hour("0"), Ok(0));
        assert_eq!(parse_hour("23"), Ok(23));
        assert_eq!(parse_hour("10.0"), Ok(10));
        assert!(parse_hour("24").unwrap_err().contains("0 to 23"));
        assert!(parse_hour("-1").is_err());
        assert!(parse_hour("+5").is_err());
        assert!(parse_date("2026-03-02").is_ok());
        assert!(parse_date("2026-02-30").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("02/03/2026").is_err());
        assert!(parse_date("2026-3-2").is_err());
        assert!(parse_date("1999-12-31").unwrap_err().contains("2000"));
    }
}
