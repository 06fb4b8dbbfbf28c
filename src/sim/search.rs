//! The part of Shopify's orders search syntax the simulator understands, as TMAS writes it:
//! an `updated_at` window, ids, financial and return statuses.

use chrono::{DateTime, Utc};

/// Reads `id:1 OR id:2 …` (Shopify's search by order id): the ids, when every term is one.
pub(crate) fn ids_filter(filter: &str) -> Option<Vec<i64>> {
    let ids: Option<Vec<i64>> = filter
        .split(" OR ")
        .map(|t| t.trim().strip_prefix("id:")?.parse().ok())
        .collect();
    ids.filter(|ids| !ids.is_empty())
}

/// The `financial_status:` values of a search filter, read as alternatives: the simulator
/// understands them as TMAS writes them, `… AND (financial_status:a OR financial_status:b)`.
/// Empty: any status.
pub(crate) fn financial_statuses(filter: &str) -> Vec<&str> {
    field_values(filter, "financial_status:")
}

/// The `return_status:` values of a search filter, read as alternatives like
/// [`financial_statuses`]. Empty: any status.
pub(crate) fn return_statuses(filter: &str) -> Vec<&str> {
    field_values(filter, "return_status:")
}

/// The values a search filter gives the field `prefix` (`name:`), as TMAS writes them
/// (lower case, each alternative with its field).
fn field_values<'a>(filter: &'a str, prefix: &str) -> Vec<&'a str> {
    filter
        .split(prefix)
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| c.is_whitespace() || c == ')')
                .next()
                .map(|v| v.trim_matches(|c| c == '\'' || c == '"'))
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// Reads `updated_at:>='…' AND updated_at:<='…'` (and the strict forms).
pub(crate) fn updated_window(filter: &str) -> Result<(i64, i64), String> {
    let mut lo = i64::MIN;
    let mut hi = i64::MAX;
    for term in filter
        .split(" AND ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let Some(rest) = term.strip_prefix("updated_at:") else {
            continue;
        };
        let (op, value) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v)))
            .ok_or_else(|| format!("Invalid search term: {term}"))?;
        let value = value.trim_matches(|c| c == '\'' || c == '"');
        let t = DateTime::parse_from_rfc3339(value)
            .map_err(|_| format!("Invalid date in search term: {term}"))?
            .with_timezone(&Utc)
            .timestamp_millis();
        match op {
            ">=" => lo = lo.max(t),
            ">" => lo = lo.max(t.saturating_add(1)),
            "<=" => hi = hi.min(t),
            _ => hi = hi.min(t.saturating_sub(1)),
        }
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_update_windows() {
        let (lo, hi) = updated_window(
            "updated_at:>='2026-01-01T00:00:00Z' AND updated_at:<='2026-01-02T00:00:00Z'",
        )
        .expect("valid filter");
        assert_eq!(hi - lo, 86_400_000);
        assert!(updated_window("updated_at:>='nope'").is_err());
        assert_eq!(
            financial_statuses(
                "updated_at:>='2026-01-01T00:00:00Z' AND (financial_status:partially_refunded OR financial_status:'refunded')"
            ),
            ["partially_refunded", "refunded"]
        );
        assert!(financial_statuses("updated_at:>='2026-01-01T00:00:00Z'").is_empty());
        assert_eq!(
            return_statuses(
                "updated_at:>='2026-01-01T00:00:00Z' AND (return_status:returned OR return_status:in_progress)"
            ),
            ["returned", "in_progress"]
        );
    }
}
