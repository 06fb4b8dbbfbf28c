//! Exact money: Shopify's decimal strings to integer minor units, and back for display.

use std::fmt;

/// Why a decimal amount could not be read exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a decimal amount")]
    NotADecimal(String),
    #[error("`{amount}` has more than {digits} decimal digits that are not zero")]
    TooPrecise { amount: String, digits: u32 },
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// Number of minor-unit digits of an ISO 4217 currency (2 unless listed).
///
/// Only the currencies whose minor unit differs from 2 need listing; an unknown
/// code falls back to 2 digits, which is what most currencies use.
pub fn currency_digits(code: &str) -> u32 {
    match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Parses a decimal string such as `"12.3"`, `"-0.50"` or `"1200"` into minor units
/// with `digits` decimals. Extra trailing zeros are accepted (`"20.000"` for a
/// 2-digit currency); extra significant digits are refused rather than rounded,
/// because a silently rounded amount would break the "exact to the cent" promise.
pub fn parse_minor(amount: &str, digits: u32) -> Result<i64, MoneyError> {
    let bad = || MoneyError::NotADecimal(amount.to_string());
    let s = amount.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let digits_usize = digits as usize;
    if frac_part.len() > digits_usize && frac_part[digits_usize..].bytes().any(|b| b != b'0') {
        return Err(MoneyError::TooPrecise {
            amount: amount.to_string(),
            digits,
        });
    }
    let overflow = || MoneyError::Overflow(amount.to_string());
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..digits_usize {
        let d = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(overflow)?;
    }
    Ok(if negative { -value } else { value })
}

/// An amount in minor units shown as a plain decimal with the currency's digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinorUnits {
    pub value: i64,
    pub digits: u32,
}

impl fmt::Display for MinorUnits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits == 0 {
            return write!(f, "{}", self.value);
        }
        let scale = 10_i64.pow(self.digits);
        let sign = if self.value < 0 { "-" } else { "" };
        let abs = self.value.unsigned_abs();
        let scale_u = scale.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / scale_u,
            abs % scale_u,
            width = self.digits as usize
        )
    }
}

/// Formats minor units as a decimal string (`1234` with 2 digits is `"12.34"`).
pub fn format_minor(value: i64, digits: u32) -> String {
    MinorUnits { value, digits }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shopify_amount_shapes() {
        assert_eq!(parse_minor("20.0", 2), Ok(2000));
        assert_eq!(parse_minor("20.00", 2), Ok(2000));
        assert_eq!(parse_minor("0.1", 2), Ok(10));
        assert_eq!(parse_minor("12", 2), Ok(1200));
        assert_eq!(parse_minor("-3.50", 2), Ok(-350));
        assert_eq!(parse_minor("1200", 0), Ok(1200));
        assert_eq!(parse_minor("1.234", 3), Ok(1234));
        assert_eq!(parse_minor("5.000", 2), Ok(500));
        assert_eq!(parse_minor(".5", 2), Ok(50));
    }

    #[test]
    fn refuses_what_it_cannot_read_exactly() {
        assert!(matches!(
            parse_minor("1.005", 2),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(parse_minor("", 2).is_err());
        assert!(parse_minor("abc", 2).is_err());
        assert!(parse_minor("1e3", 2).is_err());
        assert!(parse_minor("1.2.3", 2).is_err());
        assert!(parse_minor("-", 2).is_err());
        assert!(matches!(
            parse_minor("99999999999999999999", 2),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn knows_currency_digits() {
        assert_eq!(currency_digits("CAD"), 2);
        assert_eq!(currency_digits("JPY"), 0);
        assert_eq!(currency_digits("KWD"), 3);
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_minor(4680, 2), "46.80");
        assert_eq!(format_minor(-1800, 2), "-18.00");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(1200, 0), "1200");
        assert_eq!(format_minor(1234, 3), "1.234");
    }
}
