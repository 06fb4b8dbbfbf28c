//! The KPI tiles that open the dashboard: net sales, transactions, average sale, items per
//! transaction and returns of the lead period (today), each with its change against the
//! period it is compared with, so a manager on a phone reads the day before any table.

use super::completeness::Completeness;
use super::figures::{ChangeCoverage, ChangeView};
use super::reports::{ReportScope, count};
use crate::domain::report::{Totals, units_per_transaction_hundredths};
use crate::i18n;

/// A period's sums and those of the period it is compared with, and how far data covers each
/// (a tile never compares with a period before the history as if nothing was sold).
#[derive(Debug, Clone, Copy)]
pub struct PeriodSums {
    pub now: Totals,
    pub before: Totals,
    pub coverage: ChangeCoverage,
}

/// The period the tiles show, as its card names it.
pub struct LeadPeriod<'a> {
    /// An English key of the translations (`Today`).
    pub title: &'static str,
    pub range_text: &'a str,
    /// `vs Sun, Nov 22, 00:00–14:59`.
    pub compare_text: &'a str,
    pub completeness: Completeness,
    /// Why the period is incomplete; empty when it is complete.
    pub completeness_text: &'a str,
}

/// One figure and its change.
pub struct KpiTile {
    pub value: String,
    pub change: ChangeView,
}

pub struct KpiTiles {
    pub title: &'static str,
    pub range_text: String,
    pub compare_text: String,
    pub completeness: Completeness,
    pub completeness_text: String,
    pub net: KpiTile,
    pub transactions: KpiTile,
    pub average: KpiTile,
    pub per_transaction: KpiTile,
    /// More returns is worse: the page colours its change the other way round.
    pub returns: KpiTile,
}

impl KpiTiles {
    pub fn new(scope: &ReportScope, period: LeadPeriod<'_>, sums: PeriodSums) -> KpiTiles {
        let PeriodSums {
            now,
            before,
            coverage,
        } = sums;
        let per_transaction =
            |t: &Totals| units_per_transaction_hundredths(t.items, t.transactions);
        KpiTiles {
            title: period.title,
            range_text: period.range_text.to_string(),
            compare_text: period.compare_text.to_string(),
            completeness: period.completeness,
            completeness_text: period.completeness_text.to_string(),
            net: KpiTile {
                value: scope.amount(now.net),
                change: coverage.change(now.net, before.net),
            },
            transactions: KpiTile {
                value: count(now.transactions),
                change: coverage.change(now.transactions, before.transactions),
            },
            average: KpiTile {
                value: scope.optional_amount(now.average_sale()),
                change: ratio_change(&coverage, now.average_sale(), before.average_sale()),
            },
            per_transaction: KpiTile {
                value: per_transaction(&now)
                    .map(|h| i18n::format_decimal(i18n::current(), h, 2))
                    .unwrap_or_default(),
                change: ratio_change(&coverage, per_transaction(&now), per_transaction(&before)),
            },
            returns: KpiTile {
                value: scope.amount(now.returns),
                change: returns_change(&coverage, now.returns, before.returns),
            },
        }
    }

    pub fn is_complete(&self) -> bool {
        self.completeness == Completeness::Complete
    }

    pub fn is_pending(&self) -> bool {
        self.completeness == Completeness::Pending
    }
}

/// The change of a figure per transaction. Without transactions in either period there is no
/// such figure, so nothing to compare: never a fall of 100 % to an empty value.
fn ratio_change(coverage: &ChangeCoverage, now: Option<i64>, before: Option<i64>) -> ChangeView {
    match (now, before) {
        (Some(now), Some(before)) => coverage.change(now, before),
        // Compared with zero there is nothing to compare with (or no data, outside coverage).
        _ => coverage.change(0, 0),
    }
}

/// Returns against a period that had none: there is nothing to compare with, and it is returns
/// that are missing, not sales (outside the data it stays "no data").
fn returns_change(coverage: &ChangeCoverage, now: i64, before: i64) -> ChangeView {
    let mut change = coverage.change(now, before);
    let covered = !coverage.now.is_not() && !coverage.before.is_not();
    if before == 0 && change.class == "none" && covered {
        change.text = i18n::t("no returns to compare with");
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_without_transactions_has_nothing_to_compare_with() {
        let full = ChangeCoverage::full(chrono_tz::UTC);
        assert_eq!(ratio_change(&full, None, Some(1_000)).class, "none");
        assert_eq!(ratio_change(&full, Some(1_000), None).class, "none");
        let up = ratio_change(&full, Some(1_100), Some(1_000));
        assert_eq!((up.class, up.arrow), ("up", "▲"));
    }

    #[test]
    fn returns_against_a_period_without_returns_say_so() {
        let full = ChangeCoverage::full(chrono_tz::UTC);
        let change = returns_change(&full, 1_250, 0);
        assert_eq!(
            (change.class, change.text.as_str()),
            ("none", "no returns to compare with")
        );
        let up = returns_change(&full, 1_250, 500);
        assert_eq!((up.class, up.arrow), ("up", "▲"));
        let before_history = ChangeCoverage {
            before: crate::domain::coverage::Covered::Not,
            ..full
        };
        assert_eq!(returns_change(&before_history, 1_250, 0).text, "no data");
    }

    #[test]
    fn a_tile_compared_with_a_period_before_the_data_has_no_change() {
        let before_history = ChangeCoverage {
            before: crate::domain::coverage::Covered::Not,
            ..ChangeCoverage::full(chrono_tz::UTC)
        };
        for change in [
            before_history.change(15_250, 0),
            ratio_change(&before_history, Some(3_050), None),
        ] {
            assert_eq!((change.class, change.arrow), ("none", ""));
            assert_eq!(change.text, "no data");
        }
    }
}
