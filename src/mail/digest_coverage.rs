//! How far imported data covers a digest's period and the one it is compared with, per store,
//! so that a change against days before the history reads "no data", never a percentage made
//! from zeros. The rule is the pages' own (`domain::coverage`).

use std::collections::BTreeMap;

use chrono_tz::Tz;

use crate::db::locations::Location;
use crate::db::{self, TenantId};
use crate::domain::coverage::{Covered, Period, combined, covered};
use crate::domain::report::DateRange;
use crate::i18n::{self, Lang};

/// How much of (the period, the period compared with) each store's data covers; none for a
/// store without any data or import.
pub struct DigestCoverage {
    by_location: BTreeMap<i64, Option<(Covered, Covered)>>,
}

impl DigestCoverage {
    pub async fn load(
        db: &db::Db,
        tenant: TenantId,
        locations: &[Location],
        (period, compared): (DateRange, DateRange),
    ) -> anyhow::Result<DigestCoverage> {
        let bounds = db::coverage::location_bounds(db, tenant).await?;
        let now = db::now();
        let by_location = locations
            .iter()
            .map(|l| {
                let tz = l.time_zone.parse::<Tz>().unwrap_or(chrono_tz::UTC);
                let coverage = bounds.get(&l.id).and_then(|b| b.coverage(tz));
                let judge = |range| covered(coverage, Period::of_dates(range, tz), now);
                (l.id, coverage.map(|_| (judge(period), judge(compared))))
            })
            .collect();
        Ok(DigestCoverage { by_location })
    }

    /// One store's.
    pub fn of(&self, location: i64) -> (Covered, Covered) {
        self.by_location
            .get(&location)
            .copied()
            .flatten()
            .unwrap_or((Covered::Not, Covered::Not))
    }

    /// All stores together; a store without any data does not make the others partial.
    pub fn of_all(&self) -> (Covered, Covered) {
        let parts: Vec<(Covered, Covered)> = self.by_location.values().flatten().copied().collect();
        if parts.is_empty() {
            return (Covered::Not, Covered::Not);
        }
        let now: Vec<Covered> = parts.iter().map(|p| p.0).collect();
        let before: Vec<Covered> = parts.iter().map(|p| p.1).collect();
        (combined(&now), combined(&before))
    }
}

/// A change as the digest writes it: "no data" when either period lies outside the data, and
/// the percentage marked "partly imported" when one is only partly covered.
pub fn covered_change(lang: Lang, (now, before): (Covered, Covered), change: String) -> String {
    if now.is_not() || before.is_not() {
        return i18n::translate(lang, "no data");
    }
    if now.is_fully() && before.is_fully() {
        return change;
    }
    format!("{change} · {}", i18n::translate(lang, "partly imported"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_outside_the_data_is_no_data_and_a_partial_one_is_marked() {
        let partly = Covered::Partly {
            from: Some(0),
            until: None,
        };
        let full = (Covered::Fully, Covered::Fully);
        assert_eq!(covered_change(Lang::En, full, "+10.0%".into()), "+10.0%");
        assert_eq!(
            covered_change(Lang::En, (Covered::Fully, Covered::Not), "–".into()),
            "no data"
        );
        assert_eq!(
            covered_change(Lang::Es, (Covered::Fully, partly), "+10,0 %".into()),
            "+10,0 % · importado en parte"
        );
    }
}
