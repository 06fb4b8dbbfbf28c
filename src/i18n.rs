//! The interface's languages (English and Spanish): the language of the current request, the
//! Spanish catalog, and number, money and date formatting for each language.
//!
//! Templates and messages are written in English; `translate` looks the English text up in
//! `locales/es.txt`. Catalog entries may hold `{}` placeholders, so a message built with
//! values ("Unknown time zone \"Mars\"…") is translated with its values kept.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The best supported language of an `Accept-Language` header (English when none fits).
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            if let Some(lang) = Lang::from_code(primary)
                && quality > 0.0
                && best.is_none_or(|(q, _)| quality > q)
            {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

/// The language of the request being handled (English outside a request).
pub fn current() -> Lang {
    CURRENT.try_with(|lang| *lang).unwrap_or_default()
}

/// Runs `future` with `lang` as the current language.
pub async fn scope<F: std::future::Future>(lang: Lang, future: F) -> F::Output {
    CURRENT.scope(lang, future).await
}

struct Catalog {
    exact: HashMap<&'static str, &'static str>,
    /// Entries with `{}` placeholders: (English pieces, Spanish text).
    patterns: Vec<(Vec<&'static str>, &'static str)>,
}

const SPANISH: &str = include_str!("../locales/es.txt");

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| parse_catalog(SPANISH))
}

/// The catalog format: an English line, then its translation on a line starting with `= `;
/// blank lines and `#` comments between entries.
fn parse_catalog(text: &'static str) -> Catalog {
    let mut exact = HashMap::new();
    let mut patterns = Vec::new();
    let mut english: Option<&'static str> = None;
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match (line.strip_prefix("= "), english.take()) {
            (Some(spanish), Some(en)) => {
                if en.contains("{}") {
                    patterns.push((en.split("{}").collect(), spanish));
                } else {
                    exact.insert(en, spanish);
                }
            }
            (None, _) => english = Some(line),
            (Some(_), None) => {}
        }
    }
    Catalog { exact, patterns }
}

/// The text in `lang`: the English text itself when there is no translation.
///
/// When several entries with placeholders fit, the most specific one (the most fixed text)
/// wins, so "Enter the store name. {}" beats "Enter the {}.". A value that is itself a
/// catalog text is translated too ("… stopped: {} Save …" around a stored reason).
pub fn translate(lang: Lang, english: &str) -> String {
    translate_depth(lang, english, 0)
}

fn translate_depth(lang: Lang, english: &str, depth: u8) -> String {
    if lang == Lang::En || english.is_empty() {
        return english.to_string();
    }
    let catalog = catalog();
    if let Some(spanish) = catalog.exact.get(english) {
        return (*spanish).to_string();
    }
    if depth > 2 {
        return english.to_string();
    }
    let best = catalog
        .patterns
        .iter()
        .filter_map(|(pieces, spanish)| {
            match_pattern(pieces, english).map(|values| (pieces, spanish, values))
        })
        .max_by_key(|(pieces, _, _)| pieces.iter().map(|p| p.len()).sum::<usize>());
    let Some((_, spanish, values)) = best else {
        return english.to_string();
    };
    let mut out = String::new();
    let mut values = values.into_iter();
    let mut parts = spanish.split("{}").peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            // A value may itself be a catalog entry ("Enter the {}." / "location name").
            let value = values.next().unwrap_or_default();
            out.push_str(&translate_depth(lang, value, depth + 1));
        }
    }
    out
}

/// A text with `{}` gaps, translated as a whole and then filled with `values` in order (the
/// values are data — names, numbers — and are never translated). Extra gaps stay empty.
pub fn fill(lang: Lang, pattern: &str, values: &[String]) -> String {
    let translated = if lang == Lang::En {
        pattern
    } else {
        catalog()
            .patterns
            .iter()
            .find(|(pieces, _)| pieces.join("{}") == pattern)
            .map(|(_, spanish)| *spanish)
            .or_else(|| catalog().exact.get(pattern).copied())
            .unwrap_or(pattern)
    };
    let mut out = String::new();
    let mut values = values.iter();
    let mut parts = translated.split("{}").peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            out.push_str(values.next().map(String::as_str).unwrap_or_default());
        }
    }
    out
}

/// The values that fill the `{}` gaps between `pieces` in `text`, if it has that shape.
fn match_pattern<'t>(pieces: &[&str], text: &'t str) -> Option<Vec<&'t str>> {
    let (first, rest) = pieces.split_first()?;
    let mut remaining = text.strip_prefix(first)?;
    let mut values = Vec::new();
    for (i, piece) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let end = if last {
            if piece.is_empty() {
                remaining.len()
            } else if remaining.ends_with(piece) {
                remaining.len() - piece.len()
            } else {
                return None;
            }
        } else if piece.is_empty() {
            return None;
        } else {
            remaining.find(piece)?
        };
        values.push(&remaining[..end]);
        remaining = &remaining[end + piece.len()..];
    }
    remaining.is_empty().then_some(values)
}

/// Translates into the current request's language.
pub fn t(english: &str) -> String {
    translate(current(), english)
}

/// Groups the digits of a whole number: `1,234,567` in English, `1.234.567` in Spanish.
pub fn format_integer(lang: Lang, value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let separator = match lang {
        Lang::En => ',',
        Lang::Es => '.',
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    if value < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// An amount in minor units with `digits` decimals, grouped for the language
/// (`1,234.50` / `1.234,50`).
pub fn format_decimal(lang: Lang, minor: i64, digits: u32) -> String {
    let scale = 10_i64.pow(digits);
    let whole = format_integer(lang, (minor / scale).abs());
    let sign = if minor < 0 { "-" } else { "" };
    if digits == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = (minor % scale).abs();
    let point = match lang {
        Lang::En => '.',
        Lang::Es => ',',
    };
    format!(
        "{sign}{whole}{point}{fraction:0width$}",
        width = digits as usize
    )
}

/// Money with its currency for the language: `$1,234.50` / `1.234,50 $`, or with the ISO code
/// when the currency has no common sign.
pub fn format_money(lang: Lang, minor: i64, digits: u32, currency: &str) -> String {
    let number = format_decimal(lang, minor, digits);
    let symbol = match currency {
        "USD" | "CAD" | "AUD" | "MXN" | "NZD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        _ => "",
    };
    match (lang, symbol) {
        (_, "") => format!("{number} {currency}"),
        (Lang::En, symbol) => match number.strip_prefix('-') {
            Some(positive) => format!("-{symbol}{positive}"),
            None => format!("{symbol}{number}"),
        },
        (Lang::Es, symbol) => format!("{number} {symbol}"),
    }
}

/// A date for people: `Mar 2, 2026` / `2 mar 2026`.
pub fn format_date(lang: Lang, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = month_short(lang, date.month0());
    match lang {
        Lang::En => format!("{month} {}, {}", date.day(), date.year()),
        Lang::Es => format!("{} {month} {}", date.day(), date.year()),
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAYS_ES: [&str; 7] = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"];

/// A month's short name: `Sep` / `sept`.
pub fn month_short(lang: Lang, month0: u32) -> &'static str {
    let i = (month0 as usize).min(11);
    match lang {
        Lang::En => MONTHS_EN[i],
        Lang::Es => MONTHS_ES[i],
    }
}

/// A weekday's short name: `Mon` / `lun`.
pub fn weekday_short(lang: Lang, weekday: chrono::Weekday) -> &'static str {
    let i = weekday.num_days_from_monday() as usize;
    match lang {
        Lang::En => WEEKDAYS_EN[i],
        Lang::Es => WEEKDAYS_ES[i],
    }
}

/// A day without its year, for chart axes and ranges within a year: `Mar 2` / `2 mar`.
pub fn format_day_month(lang: Lang, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = month_short(lang, date.month0());
    match lang {
        Lang::En => format!("{month} {}", date.day()),
        Lang::Es => format!("{} {month}", date.day()),
    }
}

/// A date with its weekday, as reports label days: `Mon, Mar 2, 2026` / `lun 2 mar 2026`.
pub fn format_weekday_date(lang: Lang, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let weekday = weekday_short(lang, date.weekday());
    match lang {
        Lang::En => format!("{weekday}, {}", format_date(lang, date)),
        Lang::Es => format!("{weekday} {}", format_date(lang, date)),
    }
}

/// A month and its year: `Sep 2026` / `sept 2026`.
pub fn format_month(lang: Lang, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}", month_short(lang, date.month0()), date.year())
}

/// A local date and time for people: `Mar 2, 2026, 09:01` / `2 mar 2026, 09:01`.
pub fn format_date_time(lang: Lang, at: chrono::NaiveDateTime) -> String {
    format!("{}, {}", format_date(lang, at.date()), at.format("%H:%M"))
}

/// A UTC instant (unix seconds) as a local date and time in `tz` for the language:
/// `Mar 2, 2026, 09:01` / `2 mar 2026, 09:01`.
pub fn format_instant(lang: Lang, at: i64, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| format_date_time(lang, t.with_timezone(&tz).naive_local()))
        .unwrap_or_default()
}

/// A change in tenths of a percent with its sign, as the language writes percentages:
/// `+12.5%` / `+12,5 %`.
pub fn format_percent_tenths(lang: Lang, tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "+" };
    let abs = tenths.unsigned_abs();
    let whole = format_integer(lang, i64::try_from(abs / 10).unwrap_or(i64::MAX));
    match lang {
        Lang::En => format!("{sign}{whole}.{}%", abs % 10),
        // Spanish (RAE, ISO 80000) separates the sign with a space and uses a decimal comma.
        Lang::Es => format!("{sign}{whole},{} %", abs % 10),
    }
}

/// A share in tenths of a percent without a sign (a conversion: `25,0 %`), where
/// [`format_percent_tenths`] writes a change (`+25,0 %`).
pub fn format_share_tenths(lang: Lang, tenths: i64) -> String {
    let signed = format_percent_tenths(lang, tenths);
    signed.strip_prefix('+').unwrap_or(&signed).to_string()
}

/// A whole percentage as the language writes it: `45%` / `45 %`.
pub fn format_percent(lang: Lang, whole: i64) -> String {
    match lang {
        Lang::En => format!("{}%", format_integer(lang, whole)),
        // Spanish separates the sign with a (non-breaking) space, as in `format_percent_tenths`.
        Lang::Es => format!("{}\u{a0}%", format_integer(lang, whole)),
    }
}

/// An amount typed by a person in `lang`'s way (`1,234.50` / `1.234,50`, grouping optional)
/// as the plain decimal the money parser reads (`1234.50`); `None` when it is not a number.
///
/// People paste amounts written the other language's way too, so a lone separator that
/// cannot be a thousands group (`1500.00` typed in Spanish, `12,5` in English) is read as
/// the decimal point; a lone separator followed by exactly three digits is the language's
/// thousands group when it is the language's grouping character.
pub fn parse_amount_input(lang: Lang, typed: &str) -> Option<String> {
    let (point, group) = match lang {
        Lang::En => ('.', ','),
        Lang::Es => (',', '.'),
    };
    let s: String = typed
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.strip_prefix('+').unwrap_or(&s)),
    };
    let grouped = |int: &str, sep: char| -> Option<String> {
        let parts: Vec<&str> = int.split(sep).collect();
        let first_ok = !parts[0].is_empty() && parts[0].len() <= 3;
        let rest_ok = parts[1..].iter().all(|p| p.len() == 3);
        (parts.len() == 1 || (first_ok && rest_ok)).then(|| parts.concat())
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = if body.matches(point).count() == 1 {
        let (int, frac) = body.split_once(point)?;
        (grouped(int, group)?, frac.to_string())
    } else if body.contains(point) {
        return None;
    } else if body.matches(group).count() == 1 {
        let (int, frac) = body.split_once(group)?;
        if frac.len() == 3 && !int.is_empty() {
            (format!("{int}{frac}"), String::new())
        } else {
            (int.to_string(), frac.to_string())
        }
    } else {
        (grouped(body, group)?, String::new())
    };
    let int = if int.is_empty() && !frac.is_empty() {
        "0".to_string()
    } else {
        int
    };
    if !digits(&int) || !(frac.is_empty() || digits(&frac)) {
        return None;
    }
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// An amount for a form field in `lang`'s way, without grouping so it edits easily
/// (`1500.00` / `1500,00`); `plain` is the decimal as `Money` writes it.
pub fn amount_for_input(lang: Lang, plain: &str) -> String {
    match lang {
        Lang::En => plain.to_string(),
        Lang::Es => plain.replace('.', ","),
    }
}

/// A count with its noun in the right number: `1 transaction`, `2 transactions`,
/// `1 transacción`, `2 transacciones`. `one` and `other` are English catalog texts.
pub fn format_count(lang: Lang, value: i64, one: &str, other: &str) -> String {
    let noun = if value == 1 || value == -1 {
        one
    } else {
        other
    };
    format!("{} {}", format_integer(lang, value), translate(lang, noun))
}

/// A stored run error split into what a person reads and what only support needs: the
/// technical detail Shopify's errors carry in parentheses (`HTTP 503 Service Unavailable`,
/// a parser's message, an order's `gid://` id) is English and internal, so it is taken out
/// of the sentence and shown apart, behind "Details for support".
pub fn split_support_detail(english: &str) -> (String, Option<String>) {
    // (the sentence's start, the text that closes the detail)
    const DETAILED: [(&str, &str); 2] = [
        (
            "Shopify could not be reached reliably after ",
            "). Nothing is needed from you",
        ),
        (
            "Shopify answered something TMAS cannot read (",
            "). If this persists",
        ),
    ];
    for (start, close) in DETAILED {
        if !english.starts_with(start) {
            continue;
        }
        let Some(end) = english.rfind(close) else {
            continue;
        };
        let Some(open) = english[..end].find(" (") else {
            continue;
        };
        let detail = english[open + 2..end].to_string();
        let person = format!("{}{}", &english[..open], &english[end + 1..]);
        return (person, Some(detail));
    }
    // An order named with its Shopify id: `#1042 (gid://shopify/Order/450789469)`.
    if let Some(open) = english.find(" (gid://")
        && let Some(len) = english[open..].find(')')
    {
        let detail = english[open + 2..open + len].to_string();
        let person = format!("{}{}", &english[..open], &english[open + len + 1..]);
        return (person, Some(detail));
    }
    (english.to_string(), None)
}

/// A stored reason (a Shopify error, a status) in the reader's language without the HTTP
/// status codes it carries for support (`(401)`, `(404)`): people act on the words.
pub fn plain_reason(lang: Lang, english: &str) -> String {
    let text = translate(lang, english);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(" (") {
        let after = &rest[start + 2..];
        let code: String = after.chars().take(4).collect();
        let is_code = code.len() == 4
            && code.ends_with(')')
            && code[..3].chars().all(|c| c.is_ascii_digit())
            && matches!(code.as_bytes()[0], b'4' | b'5');
        out.push_str(&rest[..start]);
        if is_code {
            rest = &after[4..];
        } else {
            out.push_str(" (");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Money rounded to whole units for chart ticks: `$1,200` / `1.200 $`. Ticks are multiples
/// of a round step, so the cents they drop are zero whenever the step is a whole unit.
pub fn format_money_whole(lang: Lang, minor: i64, digits: u32, currency: &str) -> String {
    let scale = 10_i64.pow(digits);
    if minor % scale != 0 {
        return format_money(lang, minor, digits, currency);
    }
    format_money(lang, minor / scale, 0, currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("es-ES,es;q=0.9,en;q=0.8"),
            Lang::Es
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,es;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("fr-FR,es;q=0.5"), Lang::Es);
        assert_eq!(Lang::from_accept_language("de"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language("es;q=0"), Lang::En);
    }

    #[test]
    fn translation_exact_and_with_values() {
        assert_eq!(translate(Lang::Es, "Sign in"), "Iniciar sesión");
        assert_eq!(translate(Lang::En, "Sign in"), "Sign in");
        assert_eq!(
            translate(
                Lang::Es,
                "Unknown time zone \"Mars/Olympus\": choose an IANA name such as America/Toronto."
            ),
            "Zona horaria desconocida \"Mars/Olympus\": elija un nombre IANA como America/Toronto."
        );
        assert_eq!(translate(Lang::Es, "no such text"), "no such text");
        // The most specific entry wins, and a value that is a catalog text is translated.
        let empty = crate::domain::store_name::StoreName::parse("").unwrap_err();
        let spanish = translate(Lang::Es, &empty);
        assert!(
            spanish.starts_with("Introduzca el nombre de la tienda Shopify."),
            "{spanish}"
        );
        assert!(!spanish.contains("A store name looks like"), "{spanish}");
        let reason = crate::shopify::error::ShopifyError::ScopeMissing {
            scope: "read_orders".into(),
        }
        .to_string();
        let nested = translate(
            Lang::Es,
            &format!(
                "This integration needs attention, so imports are stopped: {reason} Save new \
                 credentials in the integration to resume."
            ),
        );
        assert!(
            nested.contains("read_orders") && !nested.contains("The app is missing"),
            "{nested}"
        );
    }

    #[test]
    fn every_shopify_error_shown_to_admins_has_spanish() {
        use crate::shopify::ShopifyError as E;
        let errors = [
            E::CredentialsRejected,
            E::ScopeMissing {
                scope: "read_orders".into(),
            },
            E::ShopNotFound,
            E::ShopUnavailable { reason: "x".into() },
            E::RateLimited,
            E::Transient {
                attempts: 3,
                detail: "HTTP 503".into(),
            },
            E::MalformedResponse {
                context: "x".into(),
            },
            E::OrderTooLarge {
                order: "#1001 (gid://shopify/Order/1)".into(),
                what: "refunds".into(),
                limit: 249,
            },
            E::QueryTooCostly {
                cost: 25_000,
                max: 1_000,
            },
            E::Config("x".into()),
        ];
        for e in errors {
            let english = e.to_string();
            let spanish = translate(Lang::Es, &english);
            assert_ne!(spanish, english, "no Spanish for: {english}");
        }
    }

    #[test]
    fn patterns_filled_with_values_kept() {
        let values = ["3".to_string(), "Store".to_string()];
        assert_eq!(
            fill(Lang::En, "Step {} of {}: ", &values),
            "Step 3 of Store: "
        );
        assert_eq!(fill(Lang::Es, "Step {} of {}", &values), "Paso 3 de Store");
        assert_eq!(
            fill(Lang::Es, "No entry {} here", &values[..1]),
            "No entry 3 here"
        );
        assert_eq!(fill(Lang::Es, "Gap {} and {}", &values[..1]), "Gap 3 and ");
    }

    proptest::proptest! {
        /// Filling never loses a value and never translates one.
        #[test]
        fn fill_keeps_every_value(a in "[A-Za-z0-9 ]{0,12}", b in "[A-Za-z0-9 ]{0,12}") {
            for lang in Lang::ALL {
                let out = fill(lang, "Step {} of {}", &[a.clone(), b.clone()]);
                proptest::prop_assert!(out.contains(&a) && out.contains(&b), "{out}");
            }
        }
    }

    #[test]
    fn numbers_money_dates() {
        assert_eq!(format_integer(Lang::En, 1234567), "1,234,567");
        assert_eq!(format_integer(Lang::Es, -1234), "-1.234");
        assert_eq!(format_decimal(Lang::En, 123450, 2), "1,234.50");
        assert_eq!(format_decimal(Lang::Es, -1800, 2), "-18,00");
        assert_eq!(format_decimal(Lang::En, -5, 2), "-0.05");
        assert_eq!(format_decimal(Lang::En, 1234, 0), "1,234");
        assert_eq!(format_money(Lang::En, -1800, 2, "CAD"), "-$18.00");
        assert_eq!(format_money(Lang::Es, 123450, 2, "EUR"), "1.234,50 €");
        assert_eq!(format_money(Lang::En, 100, 2, "CHF"), "1.00 CHF");
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(format_date(Lang::En, date), "Mar 2, 2026");
        assert_eq!(format_date(Lang::Es, date), "2 mar 2026");
        assert_eq!(format_weekday_date(Lang::En, date), "Mon, Mar 2, 2026");
        assert_eq!(format_weekday_date(Lang::Es, date), "lun 2 mar 2026");
        assert_eq!(format_day_month(Lang::Es, date), "2 mar");
        assert_eq!(format_month(Lang::En, date), "Mar 2026");
        let at = date.and_hms_opt(9, 1, 0).unwrap();
        assert_eq!(format_date_time(Lang::En, at), "Mar 2, 2026, 09:01");
        assert_eq!(format_date_time(Lang::Es, at), "2 mar 2026, 09:01");
        let toronto: chrono_tz::Tz = "America/Toronto".parse().unwrap();
        // 2026-03-02 14:01 UTC is 09:01 in Toronto.
        assert_eq!(
            format_instant(Lang::Es, 1_772_460_060, toronto),
            "2 mar 2026, 09:01"
        );
        assert_eq!(
            format_instant(Lang::En, 1_772_460_060, toronto),
            "Mar 2, 2026, 09:01"
        );
        assert_eq!(format_percent_tenths(Lang::En, 125), "+12.5%");
        assert_eq!(format_percent_tenths(Lang::Es, -12345), "-1.234,5 %");
        assert_eq!(format_percent_tenths(Lang::En, 0), "+0.0%");
        assert_eq!(
            format_count(Lang::En, 1, "transaction", "transactions"),
            "1 transaction"
        );
        assert_eq!(
            format_count(Lang::En, 1200, "transaction", "transactions"),
            "1,200 transactions"
        );
        assert_eq!(
            format_count(Lang::Es, 1, "transaction", "transactions"),
            "1 transacción"
        );
        assert_eq!(
            format_count(Lang::Es, 0, "transaction", "transactions"),
            "0 transacciones"
        );
        assert_eq!(format_money_whole(Lang::En, 120_000, 2, "USD"), "$1,200");
        assert_eq!(format_money_whole(Lang::Es, 120_000, 2, "EUR"), "1.200 €");
        assert_eq!(format_money_whole(Lang::En, 150, 2, "USD"), "$1.50");
        let rejected = crate::shopify::ShopifyError::CredentialsRejected.to_string();
        let plain = plain_reason(Lang::En, &rejected);
        assert!(
            plain.starts_with("Shopify rejected the app's credentials: "),
            "{plain}"
        );
        assert!(!plain_reason(Lang::Es, &rejected).contains("(401)"));
        assert_eq!(
            plain_reason(Lang::En, "Closed (for now) (2026)"),
            "Closed (for now) (2026)"
        );
    }

    #[test]
    fn every_catalog_entry_is_paired() {
        let mut english = None;
        for line in SPANISH.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match line.strip_prefix("= ") {
                Some(spanish) => {
                    let en: &str = english
                        .take()
                        .expect("a translation follows an English line");
                    assert_eq!(
                        en.matches("{}").count(),
                        spanish.matches("{}").count(),
                        "{en}"
                    );
                }
                None => assert!(
                    english.replace(line).is_none(),
                    "{line:?} has no translation"
                ),
            }
        }
        assert!(english.is_none());
    }

    #[test]
    fn amounts_typed_the_language_way() {
        let read = |lang, typed| parse_amount_input(lang, typed);
        assert_eq!(read(Lang::Es, "1.234,50").as_deref(), Some("1234.50"));
        assert_eq!(read(Lang::Es, "1500,5").as_deref(), Some("1500.5"));
        assert_eq!(read(Lang::Es, "1.500").as_deref(), Some("1500"));
        // Pasted the English way: a lone point that cannot be a thousands group.
        assert_eq!(read(Lang::Es, "1500.00").as_deref(), Some("1500.00"));
        assert_eq!(read(Lang::Es, "-12,30").as_deref(), Some("-12.30"));
        assert_eq!(read(Lang::Es, "1 234,50").as_deref(), Some("1234.50"));
        assert_eq!(read(Lang::En, "1,234.50").as_deref(), Some("1234.50"));
        assert_eq!(read(Lang::En, "1,500").as_deref(), Some("1500"));
        assert_eq!(read(Lang::En, "12,5").as_deref(), Some("12.5"));
        assert_eq!(read(Lang::En, ".5").as_deref(), Some("0.5"));
        for bad in [
            "",
            "-",
            "abc",
            "1,2,3",
            "1.2.3,4,5",
            "12,34,56.7",
            "1.5e3",
            "1,23.45",
        ] {
            assert_eq!(read(Lang::En, bad), None, "{bad:?} in English");
        }
        for bad in ["1,2,3", "1.23,45", "12.3.4", "x,50"] {
            assert_eq!(read(Lang::Es, bad), None, "{bad:?} in Spanish");
        }
        assert_eq!(amount_for_input(Lang::Es, "1500.00"), "1500,00");
        assert_eq!(amount_for_input(Lang::En, "1500.00"), "1500.00");
        assert_eq!(format_percent(Lang::En, 45), "45%");
        assert_eq!(format_percent(Lang::Es, 45), "45\u{a0}%");
    }

    #[test]
    fn technical_detail_is_kept_for_support() {
        let (person, detail) = split_support_detail(
            "Shopify could not be reached reliably after 3 attempts (HTTP 503 (upstream)). \
             Nothing is needed from you: the import is retried at its next run.",
        );
        assert_eq!(
            person,
            "Shopify could not be reached reliably after 3 attempts. Nothing is needed from \
             you: the import is retried at its next run."
        );
        assert_eq!(detail.as_deref(), Some("HTTP 503 (upstream)"));
        let (person, detail) = split_support_detail(
            "Shopify answered something TMAS cannot read (orders page: missing field `id`). If \
             this persists, contact TMAS support.",
        );
        assert_eq!(
            person,
            "Shopify answered something TMAS cannot read. If this persists, contact TMAS support."
        );
        assert_eq!(detail.as_deref(), Some("orders page: missing field `id`"));
        let (person, detail) =
            split_support_detail("Shopify order #1042 (gid://shopify/Order/45) has more refunds");
        assert_eq!(person, "Shopify order #1042 has more refunds");
        assert_eq!(detail.as_deref(), Some("gid://shopify/Order/45"));
        let plain = "Shopify refused the access token (401).";
        assert_eq!(split_support_detail(plain), (plain.to_string(), None));
        // The sentences without their detail read in Spanish.
        assert!(
            translate(
                Lang::Es,
                "Shopify could not be reached reliably after 3 attempts. Nothing is needed from \
                 you: the import is retried at its next run."
            )
            .starts_with("No se pudo contactar con Shopify de forma fiable tras 3 intentos."),
        );
        assert!(
            translate(
                Lang::Es,
                "Shopify answered something TMAS cannot read. If this persists, contact TMAS \
                 support."
            )
            .starts_with("Shopify respondió algo que TMAS no puede leer."),
        );
    }
}
