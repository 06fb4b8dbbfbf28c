//! The Shopify setup wizard's inputs as types: credentials, Shopify location ids, the backfill
//! start, and TMAS location IDs generated from Shopify location names.

use std::fmt;

use chrono::{Duration, NaiveDate};

/// How far back Shopify lets an app read orders without the `read_all_orders` scope.
pub const RECENT_ORDERS_DAYS: i64 = 60;
/// The backfill offered by default: this many days before today.
pub const DEFAULT_BACKFILL_DAYS: i64 = 30;
/// The scopes an integration needs.
pub const REQUIRED_SCOPES: [&str; 2] = ["read_orders", "read_locations"];
/// The scope that opens orders older than 60 days.
pub const ALL_ORDERS_SCOPE: &str = "read_all_orders";
/// The recommended scope that says where a return or a POS exchange happened (its refund,
/// where its goods were restocked); without it such a return counts at the store of the sale.
pub const RETURNS_SCOPE: &str = "read_returns";

/// The credentials typed in the general-information step (never shown again once stored).
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialsInput {
    AccessToken(String),
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
}

impl fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsInput(<redacted>)")
    }
}

/// The shortest access token taken: Shopify's are 38 characters (`shpat_` and 32 hex digits),
/// older private-app passwords 32, the simulator's `shpat_sim_<shop>` at least 11. Anything
/// shorter is a typo or a fragment.
const MIN_TOKEN_LEN: usize = 10;

/// Whether a typed access token can be one at all: long enough, letters, digits, `_` and `-`.
fn could_be_access_token(token: &str) -> bool {
    token.len() >= MIN_TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl CredentialsInput {
    /// From the form fields `credential_kind`, `access_token`, `client_id`, `client_secret`;
    /// each error names its field.
    pub fn parse(
        kind: &str,
        access_token: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<CredentialsInput, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        match kind {
            "access_token" => {
                let token = access_token.trim();
                if token.is_empty() {
                    errors.push((
                        "access_token",
                        "Enter the Admin API access token (it starts with shpat_).".to_string(),
                    ));
                } else if token.len() > 500 || token.chars().any(char::is_whitespace) {
                    errors.push((
                        "access_token",
                        "That does not look like an access token: copy it again from the app's \
                         API credentials, without spaces."
                            .to_string(),
                    ));
                } else if !could_be_access_token(token) {
                    // Named here rather than sent to Shopify, whose refusal would only say
                    // "not accepted"; the value is not repeated (it may be another secret).
                    errors.push((
                        "access_token",
                        "This cannot be an Admin API access token: a token is one long word of \
                         letters, digits and underscores, such as shpat_ followed by 32 \
                         characters. Copy it again from the app's API credentials."
                            .to_string(),
                    ));
                } else {
                    return Ok(CredentialsInput::AccessToken(token.to_string()));
                }
            }
            "client_credentials" => {
                let id = client_id.trim();
                let secret = client_secret.trim();
                if id.is_empty() || id.len() > 500 || id.chars().any(char::is_whitespace) {
                    errors.push((
                        "client_id",
                        "Enter the app's client ID, as shown in the Dev Dashboard under Settings."
                            .to_string(),
                    ));
                }
                if secret.is_empty()
                    || secret.len() > 500
                    || secret.chars().any(char::is_whitespace)
                {
                    errors.push((
                        "client_secret",
                        "Enter the app's client secret, as shown in the Dev Dashboard under \
                         Settings."
                            .to_string(),
                    ));
                }
                if errors.is_empty() {
                    return Ok(CredentialsInput::ClientCredentials {
                        client_id: id.to_string(),
                        client_secret: secret.to_string(),
                    });
                }
            }
            _ => errors.push((
                "credential_kind",
                "Choose how the app authenticates: an Admin API access token, or a client ID \
                 and secret."
                    .to_string(),
            )),
        }
        Err(errors)
    }
}

/// A Shopify location's numeric id (`1001`), also accepted as `gid://shopify/Location/1001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShopifyLocationId(i64);

impl ShopifyLocationId {
    pub fn parse(value: &str) -> Result<ShopifyLocationId, String> {
        let v = value.trim();
        let digits = v.strip_prefix("gid://shopify/Location/").unwrap_or(v);
        match digits.parse::<i64>() {
            Ok(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(ShopifyLocationId(n))
            }
            _ => Err(format!(
                "{v:?} is not a Shopify location ID: enter its number (e.g. 1001, from the \
                 address of the location in Shopify's settings) or gid://shopify/Location/1001."
            )),
        }
    }

    pub fn new(id: i64) -> ShopifyLocationId {
        ShopifyLocationId(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ShopifyLocationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The default backfill start: 30 days before the tenant's today.
pub fn default_backfill(today: NaiveDate) -> NaiveDate {
    today - Duration::days(DEFAULT_BACKFILL_DAYS)
}

/// The first local date the first import covers. Refused when in the future, badly written,
/// or more than 60 days back without the `read_all_orders` scope (Shopify would silently
/// return only the last 60 days).
pub fn parse_backfill(
    value: &str,
    today: NaiveDate,
    read_all_orders: bool,
) -> Result<NaiveDate, String> {
    let v = value.trim();
    let date = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|_| v.len() == 10)
        .ok_or_else(|| format!("Enter the first day to import as YYYY-MM-DD, not {v:?}."))?;
    if date > today {
        return Err(format!(
            "The first day to import ({date}) is in the future: choose today ({today}) or an \
             earlier day."
        ));
    }
    // Year 0000 is a typing mistake: no Shopify shop sold anything before 2006.
    if date < NaiveDate::from_ymd_opt(2006, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err("Shopify holds no orders from before 2006; choose a later date.".into());
    }
    let limit = today - Duration::days(RECENT_ORDERS_DAYS);
    if date < limit && !read_all_orders {
        return Err(format!(
            "Shopify lets this app read only the last {RECENT_ORDERS_DAYS} days of orders, so \
             the first day to import can be {limit} at the earliest. To import older orders, \
             ask Shopify to grant the app the read_all_orders scope (request it in the app's \
             configuration; Shopify approves it), then replace the credentials."
        ));
    }
    Ok(date)
}

/// A TMAS location ID made from a Shopify location name (`Queen St. West` → `QUEEN-ST-WEST`),
/// made unique with `-2`, `-3`… against `taken` (case-insensitive).
pub fn location_code_from_name(name: &str, fallback_id: i64, taken: &[String]) -> String {
    let mut base = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_uppercase());
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let mut base = base.trim_end_matches('-').to_string();
    base.truncate(32);
    let base = base.trim_end_matches('-').to_string();
    let base = if base.is_empty() {
        format!("SHOPIFY-{fallback_id}")
    } else {
        base
    };
    let is_taken = |code: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(code));
    if !is_taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !is_taken(c))
        .expect("an unbounded counter finds a free code")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn location_ids_numeric_or_gid() {
        assert_eq!(ShopifyLocationId::parse("1001").unwrap().get(), 1001);
        assert_eq!(ShopifyLocationId::parse(" 1001 ").unwrap().get(), 1001);
        assert_eq!(
            ShopifyLocationId::parse("gid://shopify/Location/1002")
                .unwrap()
                .get(),
            1002
        );
        for bad in ["", "abc", "-5", "0", "+12", "gid://shopify/Order/1", "12.5"] {
            assert!(ShopifyLocationId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_name_their_fields() {
        assert_eq!(
            CredentialsInput::parse("access_token", " shpat_0123456789abcdef ", "", ""),
            Ok(CredentialsInput::AccessToken(
                "shpat_0123456789abcdef".into()
            ))
        );
        // A token that cannot be one is named before anything is sent to Shopify.
        for impossible in [
            "abc",
            "shpat_x",
            "shpat_0123456789abcdef!",
            "ñandú_0123456789abcdef",
        ] {
            let e = CredentialsInput::parse("access_token", impossible, "", "").unwrap_err();
            assert_eq!(e[0].0, "access_token");
            assert!(
                e[0].1.contains("cannot be an Admin API access token"),
                "{impossible}"
            );
            assert!(!e[0].1.contains(impossible), "the value is not repeated");
        }
        let e = CredentialsInput::parse("access_token", "", "", "").unwrap_err();
        assert_eq!(e[0].0, "access_token");
        let e = CredentialsInput::parse("client_credentials", "", "", "").unwrap_err();
        assert_eq!(
            e.iter().map(|e| e.0).collect::<Vec<_>>(),
            ["client_id", "client_secret"]
        );
        let e = CredentialsInput::parse("oauth", "", "", "").unwrap_err();
        assert_eq!(e[0].0, "credential_kind");
        assert!(!format!("{:?}", CredentialsInput::AccessToken("shpat_s3".into())).contains("s3"));
    }

    #[test]
    fn backfill_limits() {
        let today = date("2026-05-20");
        assert_eq!(default_backfill(today), date("2026-04-20"));
        assert_eq!(
            parse_backfill("2026-03-21", today, false),
            Ok(date("2026-03-21"))
        );
        let e = parse_backfill("2026-03-20", today, false).unwrap_err();
        assert!(
            e.contains("read_all_orders") && e.contains("2026-03-21"),
            "{e}"
        );
        assert_eq!(
            parse_backfill("2025-01-01", today, true),
            Ok(date("2025-01-01"))
        );
        assert!(
            parse_backfill("2026-05-21", today, true)
                .unwrap_err()
                .contains("future")
        );
        assert!(
            parse_backfill("20/05/2026", today, true)
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(parse_backfill("2026-5-1", today, true).is_err());
        for ancient in ["0000-01-01", "1999-12-31", "2005-12-31"] {
            assert_eq!(
                parse_backfill(ancient, today, true).unwrap_err(),
                "Shopify holds no orders from before 2006; choose a later date."
            );
        }
        assert!(parse_backfill("2006-01-01", today, true).is_ok());
    }

    #[test]
    fn generated_location_codes() {
        assert_eq!(
            location_code_from_name("Queen St. West", 1, &[]),
            "QUEEN-ST-WEST"
        );
        assert_eq!(location_code_from_name("  ", 1003, &[]), "SHOPIFY-1003");
        assert_eq!(
            location_code_from_name("Store", 1, &["store".into(), "STORE-2".into()]),
            "STORE-3"
        );
        assert!(location_code_from_name(&"x".repeat(100), 1, &[]).len() <= 32);
    }
}
