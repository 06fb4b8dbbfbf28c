//! What the dashboard and the reports show alike: a row of figures, a change against the
//! comparable period, and the sums of each location over a span of days and hours.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::coverage::{covered_note, data_from_text};
use super::reports::{ReportScope, count};
use crate::domain::coverage::Covered;
use crate::domain::periods::Span;
use crate::domain::report::{Totals, change_tenths_of_percent, units_per_transaction_hundredths};
use crate::error::AppResult;
use crate::i18n;
use crate::totals_cache::TenantTotals;

/// One table row as shown.
#[derive(Debug, Clone)]
pub struct RowView {
    pub label: String,
    pub net: String,
    pub transactions: String,
    pub average: String,
    pub items: String,
    pub units_per_transaction: String,
    pub gross: String,
    pub discounts: String,
    pub returns: String,
    pub edited: bool,
    /// The row's period lies wholly outside its location's data (before the history, after
    /// the last import): the row says "no data" instead of showing zeros.
    pub no_data: bool,
    /// `imported up to …` / `not imported yet` while a history import fills this row's
    /// location; empty when complete.
    pub incomplete: String,
    /// Nothing of the period imported yet: the row says so instead of showing zeros.
    pub pending: bool,
    /// Traffic and conversion beside the sales (the report's detail, for tenants whose
    /// counters report); None where not shown.
    pub traffic: Option<(String, String)>,
}

pub fn row_view(scope: &ReportScope, label: String, t: &Totals) -> RowView {
    RowView {
        label,
        net: scope.amount(t.net),
        transactions: count(t.transactions),
        average: scope.optional_amount(t.average_sale()),
        items: count(t.items),
        units_per_transaction: units_per_transaction_hundredths(t.items, t.transactions)
            .map(|h| crate::i18n::format_decimal(crate::i18n::current(), h, 2))
            .unwrap_or_default(),
        gross: scope.amount(t.gross),
        discounts: scope.amount(t.discounts),
        returns: scope.amount(t.returns),
        edited: t.edited,
        no_data: false,
        incomplete: String::new(),
        pending: false,
        traffic: None,
    }
}

/// A change against the comparable period, readable without colour: an arrow and a signed
/// percentage; the class only adds colour.
#[derive(Debug, Clone)]
pub struct ChangeView {
    /// `up`, `down`, `flat` or `none` (nothing to compare with).
    pub class: &'static str,
    pub arrow: &'static str,
    pub text: String,
    /// Said beside the change when the compared periods are not wholly covered by data:
    /// `partly imported (data from Oct 5, 2026)`, or where the data starts when there is no
    /// change to show; empty otherwise.
    pub note: String,
}

/// The change between two figures whose periods are wholly covered by data.
pub fn change_view(now: i64, before: i64) -> ChangeView {
    let lang = i18n::current();
    match change_tenths_of_percent(now, before) {
        None => ChangeView {
            class: "none",
            arrow: "",
            text: i18n::t("no sales to compare with"),
            note: String::new(),
        },
        Some(tenths) => ChangeView {
            class: match tenths.signum() {
                1 => "up",
                -1 => "down",
                _ => "flat",
            },
            arrow: match tenths.signum() {
                1 => "▲",
                -1 => "▼",
                _ => "=",
            },
            text: i18n::format_percent_tenths(lang, tenths),
            note: String::new(),
        },
    }
}

/// The change between two figures, honest about the data behind them: "no data" (never a
/// percentage, never "no sales") when either period lies wholly outside the data, and the
/// change marked "partly imported (…)" when either is only partly covered. `now_covered` and
/// `before_covered` say how much of each period the data covers, `data_from` where it starts,
/// `tz` places the note's instants.
pub fn change_view_covered(
    (now, now_covered): (i64, Covered),
    (before, before_covered): (i64, Covered),
    data_from: Option<NaiveDate>,
    tz: Tz,
) -> ChangeView {
    let lang = i18n::current();
    if now_covered.is_not() || before_covered.is_not() {
        return ChangeView {
            class: "none",
            arrow: "",
            text: i18n::t("no data"),
            note: data_from.map_or_else(String::new, |d| data_from_text(lang, d)),
        };
    }
    let mut change = change_view(now, before);
    // The earlier period is the one a history start usually cuts; say it first.
    for part in [before_covered, now_covered] {
        if !part.is_fully() && change.note.is_empty() {
            change.note = covered_note(lang, part, tz);
        }
    }
    change
}

/// How far data covers a period and the one it is compared with, with where the data starts:
/// everything `change_view_covered` needs beside the two figures, so that a card and the KPI
/// tiles built from its sums say the same.
#[derive(Debug, Clone, Copy)]
pub struct ChangeCoverage {
    pub now: Covered,
    pub before: Covered,
    pub data_from: Option<NaiveDate>,
    pub tz: Tz,
}

impl ChangeCoverage {
    /// Fully covered on both sides: a plain change.
    pub fn full(tz: Tz) -> ChangeCoverage {
        ChangeCoverage {
            now: Covered::Fully,
            before: Covered::Fully,
            data_from: None,
            tz,
        }
    }

    pub fn change(&self, now: i64, before: i64) -> ChangeView {
        change_view_covered(
            (now, self.now),
            (before, self.before),
            self.data_from,
            self.tz,
        )
    }
}

/// Each location's totals over a span (one summed row per location), read through the
/// tenant's cache so that a repeated page costs no query while the data version holds.
pub async fn span_sums(
    totals: &TenantTotals,
    ids: &[i64],
    span: Span,
) -> AppResult<BTreeMap<i64, Totals>> {
    let mut out: BTreeMap<i64, Totals> = BTreeMap::new();
    if let Some(range) = span.days {
        let rows = totals
            .location_sums(ids, &range.from.to_string(), &range.to.to_string())
            .await?;
        for row in rows.iter() {
            out.entry(row.location_id).or_default().add(&row.totals())?;
        }
    }
    if let Some((date, hour)) = span.partial {
        let rows = totals
            .location_sums_until_hour(ids, &date.to_string(), hour)
            .await?;
        for row in rows.iter() {
            out.entry(row.location_id).or_default().add(&row.totals())?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_without_colour() {
        let up = change_view(11_000, 10_000);
        assert_eq!(
            (up.class, up.arrow, up.text.as_str()),
            ("up", "▲", "+10.0%")
        );
        let down = change_view(9_000, 10_000);
        assert_eq!((down.arrow, down.text.as_str()), ("▼", "-10.0%"));
        assert_eq!(change_view(5, 5).arrow, "=");
        assert_eq!(change_view(5, 0).class, "none");
    }

    #[test]
    fn changes_against_periods_outside_the_data_say_so() {
        let tz: Tz = "America/Toronto".parse().unwrap();
        let oct5 = crate::domain::coverage::local_midnight("2026-10-05".parse().unwrap(), tz);
        let day = Some("2026-10-05".parse().unwrap());
        let none = change_view_covered((12_610, Covered::Fully), (0, Covered::Not), day, tz);
        assert_eq!((none.class, none.arrow), ("none", ""));
        assert_eq!(none.text, "no data");
        assert_eq!(none.note, "data from Oct 5, 2026");
        let partly = Covered::Partly {
            from: Some(oct5),
            until: None,
        };
        let cut = change_view_covered((12_610, Covered::Fully), (10_000, partly), day, tz);
        assert_eq!((cut.arrow, cut.text.as_str()), ("▲", "+26.1%"));
        assert_eq!(cut.note, "partly imported (data from Oct 5, 2026)");
        // A covered period without sales still says so.
        let quiet = change_view_covered((500, Covered::Fully), (0, Covered::Fully), day, tz);
        assert_eq!(quiet.text, "no sales to compare with");
        assert_eq!(quiet.note, "");
    }
}
