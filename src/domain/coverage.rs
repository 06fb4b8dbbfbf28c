//! Which stretch of time a location's numbers cover, and whether a period lies inside it, so
//! that a period before the history (or after the last import) reads "no data", never 0.00.
//!
//! The rule. A location's coverage is the instant range `[first, last)`:
//! - `first` is local midnight of the earlier of two days: the history start (`backfill_from`)
//!   of the integrations that import it (the earliest when several do), and the first day
//!   with activity stored for it (imported, or entered by hand before any import). Whole days:
//!   a store whose first sale was at 11:00 did not miss its morning.
//! - `last` is the end of the hour holding the latest watermark of those integrations: how far
//!   imports have read (the hour a run read into counts as imported). It is open (up to now)
//!   for a location no integration imports (its numbers are whatever is entered by hand), and
//!   for one whose integrations have finished no import yet: a first import under way is
//!   marked by the import's own progress ("imported up to …", "not imported yet").
//! - A location with neither a history start nor any stored data has no coverage: every
//!   period reads "no data".
//!
//! A period is measured up to the start of the hour under way at most, so the present hour,
//! which no import can have finished, never makes today look partly imported.

use chrono::{DateTime, Duration, NaiveDate};
use chrono_tz::Tz;

use super::periods::Span;
use super::report::DateRange;

const HOUR: i64 = 3600;

/// The stretch of time a location's numbers cover, in UTC unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// The first instant covered.
    pub first: i64,
    /// The end of the last imported hour; none: open, up to now.
    pub last: Option<i64>,
}

impl Coverage {
    /// A location's coverage by the rule above: `history_start` is its integrations' earliest
    /// `backfill_from`, `first_stored` its first day holding data, `watermarks` how far each
    /// integration importing it has read (empty: nothing imports it). `tz` is its time zone.
    pub fn of_location(
        history_start: Option<NaiveDate>,
        first_stored: Option<NaiveDate>,
        watermarks: &[Option<i64>],
        tz: Tz,
    ) -> Option<Coverage> {
        let first_day = match (history_start, first_stored) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        let last = watermarks
            .iter()
            .flatten()
            .max()
            .map(|w| w.div_euclid(HOUR) * HOUR + HOUR);
        Some(Coverage {
            first: local_midnight(first_day, tz),
            last,
        })
    }

    /// The local day holding the first covered instant ("data from 5 Oct 2026").
    pub fn first_day(&self, tz: Tz) -> NaiveDate {
        local_day(self.first, tz)
    }
}

/// A stretch of time to judge, `[start, end)` in UTC unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: i64,
    pub end: i64,
}

impl Period {
    /// Whole local days.
    pub fn of_dates(range: DateRange, tz: Tz) -> Period {
        Period {
            start: local_midnight(range.from, tz),
            end: local_midnight(range.to + Duration::days(1), tz),
        }
    }

    /// A span of whole days and the first hours of one more day; none when it holds nothing.
    pub fn of_span(span: Span, tz: Tz) -> Option<Period> {
        let start = span.days.map(|d| d.from).or(span.partial.map(|(d, _)| d))?;
        let end = match (span.partial, span.days) {
            (Some((date, hour)), _) => local_hour_start(date, hour + 1, tz),
            (None, Some(days)) => local_midnight(days.to + Duration::days(1), tz),
            (None, None) => return None,
        };
        Some(Period {
            start: local_midnight(start, tz),
            end,
        })
    }

    /// One local hour of one day.
    pub fn of_hour(date: NaiveDate, hour: u32, tz: Tz) -> Period {
        Period {
            start: local_hour_start(date, hour, tz),
            end: local_hour_start(date, hour + 1, tz),
        }
    }
}

/// How much of a period the numbers cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covered {
    Fully,
    /// Part of it: `from` is where data starts inside the period (the history began during
    /// it), `until` where it stops (imports have not read further).
    Partly {
        from: Option<i64>,
        until: Option<i64>,
    },
    /// None of it: the figures are "no data", never zeros.
    Not,
}

impl Covered {
    pub fn is_fully(self) -> bool {
        self == Covered::Fully
    }
    pub fn is_not(self) -> bool {
        self == Covered::Not
    }
}

/// How much of `period` `coverage` covers, now being `now`.
pub fn covered(coverage: Option<Coverage>, period: Period, now: i64) -> Covered {
    let Some(coverage) = coverage else {
        return Covered::Not;
    };
    // Up to the hour under way; a period within it (or still to come) is judged by its start.
    let end = period
        .end
        .min(now.div_euclid(HOUR) * HOUR)
        .max(period.start + 1)
        .min(period.end);
    let start = period.start;
    let last = coverage.last.unwrap_or(i64::MAX);
    if last <= start || coverage.first >= end {
        Covered::Not
    } else if coverage.first <= start && last >= end {
        Covered::Fully
    } else {
        Covered::Partly {
            from: (coverage.first > start).then_some(coverage.first),
            until: (last < end).then_some(last),
        }
    }
}

/// Several locations summed in one figure: fully covered when each is, not at all when none
/// is, partly otherwise, data starting where the latest start lies and stopping at the
/// earliest stop. No locations at all have nothing missing.
pub fn combined(parts: &[Covered]) -> Covered {
    if parts.iter().all(|c| c.is_fully()) {
        return Covered::Fully;
    }
    if parts.iter().all(|c| c.is_not()) {
        return Covered::Not;
    }
    let mut from = None;
    let mut until = None;
    for part in parts {
        if let Covered::Partly { from: f, until: u } = *part {
            from = from.max(f);
            until = match (until, u) {
                (Some(a), Some(b)) => Some(i64::min(a, b)),
                (a, b) => a.or(b),
            };
        }
    }
    Covered::Partly { from, until }
}

/// The first instant of a local day: midnight, or the first hour that exists when the clock
/// skips midnight (a DST change at 00:00).
pub fn local_midnight(date: NaiveDate, tz: Tz) -> i64 {
    local_hour_start(date, 0, tz)
}

/// The first instant of a local hour (`hour` 24 is the next day's midnight); when the hour does
/// not exist (the clock jumps over it), the first later hour that does.
fn local_hour_start(date: NaiveDate, hour: u32, tz: Tz) -> i64 {
    let (date, hour) = if hour >= 24 {
        (date + Duration::days(1), hour - 24)
    } else {
        (date, hour)
    };
    (hour..hour + 3)
        .filter_map(|h| date.and_hms_opt(h, 0, 0))
        .find_map(|t| t.and_local_timezone(tz).earliest())
        .map_or_else(
            || {
                date.and_hms_opt(hour, 0, 0)
                    .map_or(0, |t| t.and_utc().timestamp())
            },
            |t| t.timestamp(),
        )
}

/// The local date of an instant.
pub fn local_day(at: i64, tz: Tz) -> NaiveDate {
    DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn toronto() -> Tz {
        "America/Toronto".parse().unwrap()
    }
    fn range(from: &str, to: &str) -> DateRange {
        DateRange::new(d(from), d(to)).unwrap()
    }
    /// Long after every period in these tests.
    const LATER: i64 = 4_000_000_000;

    #[test]
    fn first_is_the_earlier_of_the_history_start_and_the_first_stored_day() {
        let tz = toronto();
        let oct5 = local_midnight(d("2026-10-05"), tz);
        // 2026-10-05 00:00 in Toronto (EDT, UTC-4) is 04:00 UTC.
        assert_eq!(oct5, 1_791_172_800);
        let from_history = Coverage::of_location(Some(d("2026-10-05")), None, &[], tz).unwrap();
        assert_eq!(from_history.first, oct5);
        assert_eq!(from_history.last, None);
        let hand_entered_before =
            Coverage::of_location(Some(d("2026-10-05")), Some(d("2026-10-02")), &[], tz).unwrap();
        assert_eq!(hand_entered_before.first_day(tz), d("2026-10-02"));
        let stored_after =
            Coverage::of_location(Some(d("2026-10-05")), Some(d("2026-10-20")), &[], tz).unwrap();
        assert_eq!(stored_after.first_day(tz), d("2026-10-05"));
        assert_eq!(Coverage::of_location(None, None, &[None], tz), None);
    }

    #[test]
    fn last_is_the_end_of_the_hour_of_the_latest_watermark() {
        let tz = toronto();
        let at = 1_791_172_800 + 5 * HOUR + 125;
        let c = Coverage::of_location(
            Some(d("2026-10-05")),
            None,
            &[Some(at - HOUR), None, Some(at)],
            tz,
        )
        .unwrap();
        assert_eq!(c.last, Some(1_791_172_800 + 6 * HOUR));
        // Nothing finished yet: open.
        let c = Coverage::of_location(Some(d("2026-10-05")), None, &[None], tz).unwrap();
        assert_eq!(c.last, None);
    }

    #[test]
    fn a_month_straddling_the_history_start_is_partly_covered() {
        let tz = toronto();
        let c = Coverage::of_location(Some(d("2026-10-05")), None, &[], tz);
        let october = Period::of_dates(range("2026-10-01", "2026-10-31"), tz);
        assert_eq!(
            covered(c, october, LATER),
            Covered::Partly {
                from: Some(local_midnight(d("2026-10-05"), tz)),
                until: None
            }
        );
        let september = Period::of_dates(range("2026-09-01", "2026-09-30"), tz);
        assert_eq!(covered(c, september, LATER), Covered::Not);
        // The month ends the day before the history starts: nothing of it.
        let before = Period::of_dates(range("2026-09-05", "2026-10-04"), tz);
        assert_eq!(covered(c, before, LATER), Covered::Not);
        // Starting on the first day is whole.
        let november = Period::of_dates(range("2026-10-05", "2026-11-30"), tz);
        assert_eq!(covered(c, november, LATER), Covered::Fully);
        assert_eq!(covered(None, november, LATER), Covered::Not);
    }

    #[test]
    fn month_ends_and_a_leap_day() {
        let tz = toronto();
        let c = Coverage::of_location(Some(d("2028-02-29")), None, &[], tz);
        let february = Period::of_dates(range("2028-02-01", "2028-02-29"), tz);
        assert!(matches!(
            covered(c, february, LATER),
            Covered::Partly { .. }
        ));
        let march = Period::of_dates(range("2028-03-01", "2028-03-31"), tz);
        assert_eq!(covered(c, march, LATER), Covered::Fully);
        // A history starting on the 1st covers the whole month; the 31st before is outside.
        let c = Coverage::of_location(Some(d("2026-11-01")), None, &[], tz);
        let november = Period::of_dates(range("2026-11-01", "2026-11-30"), tz);
        assert_eq!(covered(c, november, LATER), Covered::Fully);
        let last_of_october = Period::of_dates(range("2026-10-31", "2026-10-31"), tz);
        assert_eq!(covered(c, last_of_october, LATER), Covered::Not);
    }

    #[test]
    fn imports_that_stopped_leave_the_days_after_them_uncovered() {
        let tz = toronto();
        let oct10 = local_midnight(d("2026-10-10"), tz);
        let c = Coverage::of_location(
            Some(d("2026-10-01")),
            None,
            &[Some(oct10 + 9 * HOUR + 1)],
            tz,
        );
        let day = Period::of_dates(range("2026-10-10", "2026-10-10"), tz);
        assert_eq!(
            covered(c, day, LATER),
            Covered::Partly {
                from: None,
                until: Some(oct10 + 10 * HOUR)
            }
        );
        let next = Period::of_dates(range("2026-10-11", "2026-10-11"), tz);
        assert_eq!(covered(c, next, LATER), Covered::Not);
        // The hour under way is not missing: at 10:30 the day so far is whole.
        assert_eq!(covered(c, day, oct10 + 10 * HOUR + 1800), Covered::Fully);
    }

    #[test]
    fn a_dst_day_has_its_own_length_and_a_skipped_midnight_its_first_hour() {
        let tz = toronto();
        // 2026-03-08: clocks go from 02:00 to 03:00 in Toronto; the day has 23 hours.
        let day = Period::of_dates(range("2026-03-08", "2026-03-08"), tz);
        assert_eq!(day.end - day.start, 23 * HOUR);
        // A history starting that day covers its 03:00 hour but not the day before.
        let c = Coverage::of_location(Some(d("2026-03-08")), None, &[], tz);
        assert_eq!(
            covered(c, Period::of_hour(d("2026-03-08"), 3, tz), LATER),
            Covered::Fully
        );
        assert_eq!(
            covered(c, Period::of_hour(d("2026-03-07"), 23, tz), LATER),
            Covered::Not
        );
        // 2026-11-01 has 25 hours.
        let fall = Period::of_dates(range("2026-11-01", "2026-11-01"), tz);
        assert_eq!(fall.end - fall.start, 25 * HOUR);
        // Santiago skips midnight on 2026-09-06 (00:00 → 01:00): the day starts at 01:00.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let start = local_midnight(d("2026-09-06"), santiago);
        assert_eq!(local_day(start, santiago), d("2026-09-06"));
        assert_eq!(start, local_midnight(d("2026-09-05"), santiago) + 24 * HOUR);
    }

    #[test]
    fn a_span_ending_in_a_partial_day_ends_after_its_last_hour() {
        let tz = toronto();
        let span = Span::until(d("2026-10-01"), d("2026-10-07"), 14);
        let p = Period::of_span(span, tz).unwrap();
        assert_eq!(p.start, local_midnight(d("2026-10-01"), tz));
        assert_eq!(p.end, local_midnight(d("2026-10-07"), tz) + 15 * HOUR);
        let c = Coverage::of_location(Some(d("2026-10-05")), None, &[], tz);
        assert!(matches!(
            covered(c, p, LATER),
            Covered::Partly {
                from: Some(_),
                until: None
            }
        ));
    }

    #[test]
    fn locations_combine_into_one_figure() {
        let partly = |from| Covered::Partly {
            from: Some(from),
            until: None,
        };
        assert_eq!(combined(&[Covered::Fully, Covered::Fully]), Covered::Fully);
        assert_eq!(combined(&[Covered::Not, Covered::Not]), Covered::Not);
        assert_eq!(combined(&[]), Covered::Fully);
        assert_eq!(
            combined(&[Covered::Fully, Covered::Not]),
            Covered::Partly {
                from: None,
                until: None
            }
        );
        assert_eq!(
            combined(&[partly(10), partly(20), Covered::Fully]),
            partly(20)
        );
    }
}
