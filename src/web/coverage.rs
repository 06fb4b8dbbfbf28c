//! The tenant's coverage (`domain::coverage`) as the pages use it: read once per page for the
//! locations shown, asked per location or for several summed, and put into words ("no data",
//! "partly imported (data from Oct 5, 2026)", "data from Oct 5, 2026").

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::charts::BarChart;
use crate::db;
use crate::db::locations::Location;
use crate::domain::coverage::{Coverage, Covered, Period, combined, covered, local_day};
use crate::domain::periods::Span;
use crate::domain::report::DateRange;
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::totals_cache::TenantTotals;

/// Each shown location's coverage and time zone, and the instant the page is made at.
#[derive(Debug, Clone)]
pub struct TenantCoverage {
    locations: BTreeMap<i64, (Option<Coverage>, Tz)>,
    now: i64,
}

impl TenantCoverage {
    /// The coverage of `locations`, read now; a location's own time zone places its days
    /// (`fallback` when it names none that parses).
    pub async fn load(
        db_handle: &db::Db,
        tenant: db::TenantId,
        locations: &[Location],
        fallback: Tz,
    ) -> AppResult<TenantCoverage> {
        let bounds = db::coverage::location_bounds(db_handle, tenant).await?;
        Ok(TenantCoverage::from_bounds(
            &bounds,
            locations,
            fallback,
            db::now(),
        ))
    }

    /// [`TenantCoverage::load`] through the tenant's cache: watermarks, matches and stored
    /// hours all raise the data version the cache is kept under.
    pub async fn load_cached(
        totals: &TenantTotals,
        (db_handle, tenant): (&db::Db, db::TenantId),
        locations: &[Location],
        fallback: Tz,
    ) -> AppResult<TenantCoverage> {
        let rows = totals
            .rows("coverage location_bounds".into(), || async {
                Ok(db::coverage::location_bounds(db_handle, tenant)
                    .await?
                    .into_iter()
                    .collect::<Vec<_>>())
            })
            .await?;
        let bounds: BTreeMap<i64, db::coverage::LocationBounds> = rows.iter().cloned().collect();
        Ok(TenantCoverage::from_bounds(
            &bounds,
            locations,
            fallback,
            db::now(),
        ))
    }

    pub fn from_bounds(
        bounds: &BTreeMap<i64, db::coverage::LocationBounds>,
        locations: &[Location],
        fallback: Tz,
        now: i64,
    ) -> TenantCoverage {
        let locations = locations
            .iter()
            .map(|l| {
                let tz = l.time_zone.parse::<Tz>().unwrap_or(fallback);
                let coverage = bounds.get(&l.id).and_then(|b| b.coverage(tz));
                (l.id, (coverage, tz))
            })
            .collect();
        TenantCoverage { locations, now }
    }

    fn judge(&self, location: i64, period: impl Fn(Tz) -> Option<Period>) -> Covered {
        let Some(&(coverage, tz)) = self.locations.get(&location) else {
            return Covered::Not;
        };
        match period(tz) {
            Some(p) => covered(coverage, p, self.now),
            // An empty span misses nothing.
            None => Covered::Fully,
        }
    }

    /// How much of a range of local days one location's numbers cover.
    pub fn of_dates(&self, location: i64, range: DateRange) -> Covered {
        self.judge(location, |tz| Some(Period::of_dates(range, tz)))
    }

    /// How much of a span (whole days and part of one more) one location's numbers cover.
    pub fn of_span(&self, location: i64, span: Span) -> Covered {
        self.judge(location, |tz| Period::of_span(span, tz))
    }

    /// How much of one local hour one location's numbers cover.
    pub fn of_hour(&self, location: i64, date: NaiveDate, hour: u32) -> Covered {
        self.judge(location, |tz| Some(Period::of_hour(date, hour, tz)))
    }

    /// Several locations' days summed in one figure.
    pub fn of_dates_all(&self, locations: &[i64], range: DateRange) -> Covered {
        let parts: Vec<Covered> = locations.iter().map(|&l| self.of_dates(l, range)).collect();
        combined(&parts)
    }

    /// Several locations' span summed in one figure.
    pub fn of_span_all(&self, locations: &[i64], span: Span) -> Covered {
        let parts: Vec<Covered> = locations.iter().map(|&l| self.of_span(l, span)).collect();
        combined(&parts)
    }

    /// Several locations' hour summed in one figure.
    pub fn of_hour_all(&self, locations: &[i64], date: NaiveDate, hour: u32) -> Covered {
        let parts: Vec<Covered> = locations
            .iter()
            .map(|&l| self.of_hour(l, date, hour))
            .collect();
        combined(&parts)
    }

    /// The first local day any of `locations` holds data for.
    pub fn data_from(&self, locations: &[i64]) -> Option<NaiveDate> {
        locations
            .iter()
            .filter_map(|l| self.locations.get(l))
            .filter_map(|(c, tz)| c.map(|c| c.first_day(*tz)))
            .min()
    }

    /// Where `locations`' data starts, when that is after `day` (a period starting on `day`
    /// is cut by the history's start); none when the data reaches back to it, or is missing
    /// for another reason (imports that stopped).
    pub fn data_from_after(&self, locations: &[i64], day: NaiveDate) -> Option<NaiveDate> {
        self.data_from(locations).filter(|first| *first > day)
    }

    /// One location's coverage (none: no data at all) and time zone; none for a location
    /// this page did not load.
    pub fn location(&self, location: i64) -> Option<(Option<Coverage>, Tz)> {
        self.locations.get(&location).copied()
    }

    /// A time zone of the locations, to word instants in (the first one's).
    pub fn tz_of(&self, locations: &[i64]) -> Option<Tz> {
        locations
            .iter()
            .find_map(|l| self.locations.get(l).map(|(_, tz)| *tz))
    }
}

/// `data from Oct 5, 2026`: where the numbers start.
pub fn data_from_text(lang: Lang, day: NaiveDate) -> String {
    i18n::fill(lang, "data from {}", &[i18n::format_date(lang, day)])
}

/// The mark beside a figure whose period is only partly covered: `partly imported (data from
/// Oct 5, 2026)`, `partly imported (up to Oct 10, 2026, 14:00)`; empty when fully covered,
/// `no data` when not at all.
pub fn covered_note(lang: Lang, covered: Covered, tz: Tz) -> String {
    match covered {
        Covered::Fully => String::new(),
        Covered::Not => i18n::translate(lang, "no data"),
        Covered::Partly {
            from: Some(from), ..
        } => i18n::fill(
            lang,
            "partly imported (data from {})",
            &[i18n::format_date(lang, local_day(from, tz))],
        ),
        Covered::Partly {
            from: None,
            until: Some(until),
        } => i18n::fill(
            lang,
            "partly imported (up to {})",
            &[i18n::format_instant(lang, until, tz)],
        ),
        Covered::Partly { .. } => i18n::translate(lang, "partly imported"),
    }
}

/// Marks each bar of `chart` by how much of its period the data covers (`covered`, one per
/// bar): a bar outside the data becomes a "no data" band (its table cell says so too), a bar
/// the data starts or stops inside is drawn paler.
pub fn mark_bars(chart: &mut BarChart, covered: &[Covered]) {
    for (bar, c) in chart.bars.iter_mut().zip(covered) {
        if c.is_not() {
            bar.shown = i18n::t("no data");
        }
    }
    chart.no_data = covered.iter().map(|c| c.is_not()).collect();
    chart.part_covered = covered
        .iter()
        .map(|c| matches!(c, Covered::Partly { .. }))
        .collect();
}

/// The mark of a table row whose period the data covers only in part, in the row's own words:
/// `data from Dec 3, 2026` (the history, or the first entry by hand, began inside it),
/// `imported up to Dec 4, 2026, 09:00`; empty when wholly covered or not at all (that row says
/// "no data" instead).
pub fn row_mark(lang: Lang, covered: Covered, tz: Tz) -> String {
    match covered {
        Covered::Fully | Covered::Not => String::new(),
        Covered::Partly {
            from: Some(from), ..
        } => data_from_text(lang, local_day(from, tz)),
        Covered::Partly {
            until: Some(until), ..
        } => i18n::fill(
            lang,
            "imported up to {}",
            &[i18n::format_instant(lang, until, tz)],
        ),
        Covered::Partly { .. } => i18n::translate(lang, "partly imported"),
    }
}
