//! The periods people read figures for, and what each is compared with: the dashboard's cards
//! (today, yesterday, week and month to date, each against its comparable stretch), the
//! report's presets and comparisons, and the buckets a report splits its range into. All in
//! the tenant's local dates and hours, the units the totals are stored in, so a day with a
//! clock change is simply a day with 23 or 25 hours.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::report::{DateRange, Granularity, week_start};

/// The local date and hour of an instant in a time zone.
pub fn local_date_and_hour(at: DateTime<Utc>, tz: Tz) -> (NaiveDate, u32) {
    let local = at.with_timezone(&tz);
    (local.date_naive(), local.hour())
}

/// A stretch of time to sum: whole days, then the first hours of one more day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub days: Option<DateRange>,
    /// A day and its last hour counted (`0..=hour`).
    pub partial: Option<(NaiveDate, u32)>,
}

impl Span {
    pub fn days(from: NaiveDate, to: NaiveDate) -> Span {
        Span {
            days: DateRange::new(from, to),
            partial: None,
        }
    }

    /// Whole days from `from` to the day before `last`, then `last` up to `hour`.
    pub fn until(from: NaiveDate, last: NaiveDate, hour: u32) -> Span {
        Span {
            days: DateRange::new(from, last - Duration::days(1)),
            partial: Some((last, hour)),
        }
    }
}

/// The first day of the month holding `date`.
fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("every month has a first day")
}

/// The month before the one holding `date`: its first and last days.
fn previous_month(date: NaiveDate) -> DateRange {
    let to = month_start(date) - Duration::days(1);
    DateRange {
        from: month_start(to),
        to,
    }
}

/// The day of the previous month with `date`'s day of the month, if that month has it.
fn same_day_last_month(date: NaiveDate) -> Option<NaiveDate> {
    previous_month(date).from.with_day(date.day())
}

/// A card of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DashboardPeriod {
    Today,
    Yesterday,
    WeekToDate,
    MonthToDate,
}

impl DashboardPeriod {
    pub const ALL: [DashboardPeriod; 4] = [
        DashboardPeriod::Today,
        DashboardPeriod::Yesterday,
        DashboardPeriod::WeekToDate,
        DashboardPeriod::MonthToDate,
    ];

    /// The card's title (an English key of the translations).
    pub fn title(self) -> &'static str {
        match self {
            DashboardPeriod::Today => "Today",
            DashboardPeriod::Yesterday => "Yesterday",
            DashboardPeriod::WeekToDate => "Week to date",
            DashboardPeriod::MonthToDate => "Month to date",
        }
    }

    /// The days the card sums when today is `today` (weeks start on Monday).
    pub fn range(self, today: NaiveDate) -> DateRange {
        let yesterday = today - Duration::days(1);
        let (from, to) = match self {
            DashboardPeriod::Today => (today, today),
            DashboardPeriod::Yesterday => (yesterday, yesterday),
            DashboardPeriod::WeekToDate => (week_start(today), today),
            DashboardPeriod::MonthToDate => (month_start(today), today),
        };
        DateRange { from, to }
    }

    /// What the card is compared with, now being `today` at `hour` (local): today so far
    /// against the same weekday last week up to the same hour; yesterday against the same
    /// weekday the week before; week and month to date against the same span of the previous
    /// week and month (up to the same hour of the same day; a month shorter than today's day
    /// of the month is compared whole).
    pub fn comparable(self, today: NaiveDate, hour: u32) -> Span {
        let week_ago = today - Duration::days(7);
        match self {
            DashboardPeriod::Today => Span::until(week_ago, week_ago, hour),
            DashboardPeriod::Yesterday => {
                let day = week_ago - Duration::days(1);
                Span::days(day, day)
            }
            DashboardPeriod::WeekToDate => Span::until(week_start(week_ago), week_ago, hour),
            DashboardPeriod::MonthToDate => {
                let previous = previous_month(today);
                match same_day_last_month(today) {
                    Some(same_day) => Span::until(previous.from, same_day, hour),
                    None => Span::days(previous.from, previous.to),
                }
            }
        }
    }
}

/// The ranges a report form offers by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Yesterday,
    Last7Days,
    ThisMonth,
    LastMonth,
    Custom,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Yesterday,
        Preset::Last7Days,
        Preset::ThisMonth,
        Preset::LastMonth,
        Preset::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Yesterday => "yesterday",
            Preset::Last7Days => "last_7_days",
            Preset::ThisMonth => "this_month",
            Preset::LastMonth => "last_month",
            Preset::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Yesterday => "Yesterday",
            Preset::Last7Days => "Last 7 days",
            Preset::ThisMonth => "This month",
            Preset::LastMonth => "Last month",
            Preset::Custom => "Custom dates",
        }
    }

    pub fn parse(value: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == value.trim())
    }

    /// The dates this preset covers when today is `today`; none for custom dates.
    /// "Last 7 days" ends yesterday, the last complete day.
    pub fn range(self, today: NaiveDate) -> Option<DateRange> {
        let yesterday = today - Duration::days(1);
        match self {
            Preset::Yesterday => DateRange::new(yesterday, yesterday),
            Preset::Last7Days => DateRange::new(today - Duration::days(7), yesterday),
            Preset::ThisMonth => DateRange::new(month_start(today), today),
            Preset::LastMonth => Some(previous_month(today)),
            Preset::Custom => None,
        }
    }
}

/// What a report's figures are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// The previous calendar period for calendar presets (last month against the month
    /// before it, this month so far against the same days of last month), else the period of
    /// the same length just before.
    Previous,
    /// The same dates a year earlier.
    LastYear,
}

impl Compare {
    pub const ALL: [Compare; 2] = [Compare::Previous, Compare::LastYear];

    pub fn as_str(self) -> &'static str {
        match self {
            Compare::Previous => "previous",
            Compare::LastYear => "last_year",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Compare::Previous => "Previous period",
            Compare::LastYear => "Same period last year",
        }
    }

    /// Reads the form's value; none given means the previous period.
    pub fn parse(value: &str) -> Option<Compare> {
        match value.trim() {
            "" => Some(Compare::Previous),
            other => Compare::ALL.into_iter().find(|c| c.as_str() == other),
        }
    }

    /// The period `range` (chosen by `preset`) is compared with.
    pub fn range(self, preset: Preset, range: DateRange) -> DateRange {
        match (self, preset) {
            (Compare::LastYear, _) => DateRange {
                from: a_year_before(range.from),
                to: a_year_before(range.to),
            },
            (Compare::Previous, Preset::LastMonth | Preset::ThisMonth) => {
                let previous = previous_month(range.from);
                // The same days of the previous month, as far as it has them.
                let to = previous
                    .from
                    .with_day(range.to.day())
                    .filter(|_| preset == Preset::ThisMonth)
                    .unwrap_or(previous.to);
                DateRange {
                    from: previous.from,
                    to,
                }
            }
            (Compare::Previous, _) => range.previous(),
        }
    }
}

/// The same day a year earlier (February 29th becomes the 28th).
fn a_year_before(date: NaiveDate) -> NaiveDate {
    date.with_year(date.year() - 1)
        .or_else(|| (date - Duration::days(1)).with_year(date.year() - 1))
        .unwrap_or(date - Duration::days(365))
}

/// A bucket of a report: its first day, and its hour for hourly reports.
pub type BucketKey = (NaiveDate, Option<i64>);

/// The days of a bucket that lie in the range: a week or month cut by the range holds only
/// those.
pub fn bucket_days(granularity: Granularity, key: BucketKey, range: DateRange) -> DateRange {
    let (start, _) = key;
    let end = match granularity {
        Granularity::Hour | Granularity::Day => start,
        Granularity::Week => start + Duration::days(6),
        Granularity::Month => {
            let next = (start + Duration::days(32)).with_day(1).expect("first day");
            next - Duration::days(1)
        }
    };
    DateRange {
        from: start.max(range.from),
        to: end.min(range.to),
    }
}

/// Every bucket of the range in order, active or not (for a chart's axis).
pub fn all_buckets(granularity: Granularity, range: DateRange) -> Vec<BucketKey> {
    let mut keys = Vec::new();
    let mut date = granularity.bucket_start(range.from);
    while date <= range.to {
        match granularity {
            Granularity::Hour => keys.extend((0..24).map(|h| (date, Some(h)))),
            _ => keys.push((date, None)),
        }
        date = match granularity {
            Granularity::Hour | Granularity::Day => date + Duration::days(1),
            Granularity::Week => week_start(date) + Duration::days(7),
            Granularity::Month => {
                let next = date + Duration::days(32);
                next.with_day(1).expect("first day")
            }
        };
    }
    keys
}

/// The bucket a stored day or hour falls in (`None` for a date that does not parse).
pub fn bucket_of(
    granularity: Granularity,
    local_date: &str,
    hour: Option<i64>,
) -> Option<BucketKey> {
    let date = local_date.parse::<NaiveDate>().ok()?;
    Some(match granularity {
        Granularity::Hour => (date, hour),
        Granularity::Day | Granularity::Week | Granularity::Month => {
            (granularity.bucket_start(date), None)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn range(from: &str, to: &str) -> DateRange {
        DateRange::new(d(from), d(to)).unwrap()
    }

    #[test]
    fn each_card_sums_its_days() {
        // Thursday 2026-10-15.
        let today = d("2026-10-15");
        let ranges: Vec<DateRange> = DashboardPeriod::ALL
            .iter()
            .map(|p| p.range(today))
            .collect();
        assert_eq!(
            ranges,
            vec![
                range("2026-10-15", "2026-10-15"),
                range("2026-10-14", "2026-10-14"),
                range("2026-10-12", "2026-10-15"),
                range("2026-10-01", "2026-10-15"),
            ]
        );
        // On the first of a month, yesterday is the last day of the one before.
        assert_eq!(
            DashboardPeriod::Yesterday.range(d("2026-03-01")),
            range("2026-02-28", "2026-02-28")
        );
    }

    #[test]
    fn each_card_has_its_comparable_period() {
        // Thursday 2026-10-15, 14:xx.
        let today = d("2026-10-15");
        assert_eq!(
            DashboardPeriod::Today.comparable(today, 14),
            Span {
                days: None,
                partial: Some((d("2026-10-08"), 14))
            }
        );
        assert_eq!(
            DashboardPeriod::Yesterday.comparable(today, 14),
            Span::days(d("2026-10-07"), d("2026-10-07"))
        );
        assert_eq!(
            DashboardPeriod::WeekToDate.comparable(today, 14),
            Span {
                days: DateRange::new(d("2026-10-05"), d("2026-10-07")),
                partial: Some((d("2026-10-08"), 14))
            }
        );
        assert_eq!(
            DashboardPeriod::MonthToDate.comparable(today, 14),
            Span {
                days: DateRange::new(d("2026-09-01"), d("2026-09-14")),
                partial: Some((d("2026-09-15"), 14))
            }
        );
        // A Monday: the week so far is today, against last Monday up to the same hour.
        assert_eq!(
            DashboardPeriod::WeekToDate.comparable(d("2026-10-12"), 9),
            Span {
                days: None,
                partial: Some((d("2026-10-05"), 9))
            }
        );
        // The first of the month against the first of the previous month.
        assert_eq!(
            DashboardPeriod::MonthToDate.comparable(d("2026-03-01"), 9),
            Span {
                days: None,
                partial: Some((d("2026-02-01"), 9))
            }
        );
    }

    #[test]
    fn month_ends_compare_with_what_the_shorter_month_has() {
        // March 31st against the whole of February; the 30th too.
        for day in ["2026-03-31", "2026-03-30", "2026-03-29"] {
            assert_eq!(
                DashboardPeriod::MonthToDate.comparable(d(day), 9),
                Span::days(d("2026-02-01"), d("2026-02-28")),
                "{day}"
            );
        }
        // May 31st against April, which has no 31st.
        assert_eq!(
            DashboardPeriod::MonthToDate.comparable(d("2026-05-31"), 9),
            Span::days(d("2026-04-01"), d("2026-04-30"))
        );
        // January against December of the year before.
        assert_eq!(
            DashboardPeriod::MonthToDate.comparable(d("2026-01-31"), 23),
            Span::until(d("2025-12-01"), d("2025-12-31"), 23)
        );
        // The report: this month so far against the same days, last month whole.
        assert_eq!(
            Compare::Previous.range(Preset::ThisMonth, range("2026-03-01", "2026-03-31")),
            range("2026-02-01", "2026-02-28")
        );
        assert_eq!(
            Compare::Previous.range(Preset::ThisMonth, range("2026-03-01", "2026-03-15")),
            range("2026-02-01", "2026-02-15")
        );
        assert_eq!(
            Compare::Previous.range(Preset::LastMonth, range("2026-10-01", "2026-10-31")),
            range("2026-09-01", "2026-09-30")
        );
        assert_eq!(
            Preset::LastMonth.range(d("2026-01-10")),
            Some(range("2025-12-01", "2025-12-31"))
        );
        assert_eq!(
            bucket_days(
                Granularity::Month,
                (d("2026-02-01"), None),
                range("2026-01-01", "2026-12-31")
            ),
            range("2026-02-01", "2026-02-28")
        );
    }

    #[test]
    fn leap_days() {
        // In a leap year February has 29 days to compare with.
        assert_eq!(
            DashboardPeriod::MonthToDate.comparable(d("2024-03-29"), 10),
            Span::until(d("2024-02-01"), d("2024-02-29"), 10)
        );
        assert_eq!(
            DashboardPeriod::MonthToDate.comparable(d("2024-03-30"), 10),
            Span::days(d("2024-02-01"), d("2024-02-29"))
        );
        assert_eq!(
            Preset::LastMonth.range(d("2024-03-05")),
            Some(range("2024-02-01", "2024-02-29"))
        );
        // A year before February 29th is February 28th.
        assert_eq!(
            Compare::LastYear.range(Preset::LastMonth, range("2024-02-01", "2024-02-29")),
            range("2023-02-01", "2023-02-28")
        );
        assert_eq!(
            Compare::LastYear.range(Preset::Custom, range("2025-02-28", "2025-03-01")),
            range("2024-02-28", "2024-03-01")
        );
        // The week before a leap day's week crosses it.
        assert_eq!(
            DashboardPeriod::Yesterday.comparable(d("2024-03-08"), 0),
            Span::days(d("2024-02-29"), d("2024-02-29"))
        );
        assert_eq!(
            bucket_days(
                Granularity::Month,
                (d("2024-02-01"), None),
                range("2024-01-01", "2024-12-31")
            ),
            range("2024-02-01", "2024-02-29")
        );
    }

    #[test]
    fn weeks_cut_by_a_range() {
        // Thursday October 1st to Tuesday October 13th: the first and last weeks are cut.
        let r = range("2026-10-01", "2026-10-13");
        let weeks = all_buckets(Granularity::Week, r);
        assert_eq!(
            weeks,
            vec![
                (d("2026-09-28"), None),
                (d("2026-10-05"), None),
                (d("2026-10-12"), None)
            ]
        );
        let held: Vec<DateRange> = weeks
            .iter()
            .map(|&key| bucket_days(Granularity::Week, key, r))
            .collect();
        assert_eq!(
            held,
            vec![
                range("2026-10-01", "2026-10-04"),
                range("2026-10-05", "2026-10-11"),
                range("2026-10-12", "2026-10-13"),
            ]
        );
        // A stored day goes to the week it falls in, even one the range cuts.
        assert_eq!(
            bucket_of(Granularity::Week, "2026-10-01", Some(9)),
            Some((d("2026-09-28"), None))
        );
        assert_eq!(
            bucket_of(Granularity::Hour, "2026-10-01", Some(9)),
            Some((d("2026-10-01"), Some(9)))
        );
        assert_eq!(bucket_of(Granularity::Day, "not a date", None), None);
        // A week to date that starts in the previous month.
        assert_eq!(
            DashboardPeriod::WeekToDate.range(d("2026-10-02")),
            range("2026-09-28", "2026-10-02")
        );
        // Last 7 days and the same length before, across a month end.
        assert_eq!(
            Preset::Last7Days.range(d("2026-03-03")),
            Some(range("2026-02-24", "2026-03-02"))
        );
        assert_eq!(
            Compare::Previous.range(Preset::Last7Days, range("2026-02-24", "2026-03-02")),
            range("2026-02-17", "2026-02-23")
        );
        // A custom week against the week just before it.
        assert_eq!(
            Compare::Previous.range(Preset::Custom, range("2026-03-10", "2026-03-16")),
            range("2026-03-03", "2026-03-09")
        );
        // Hourly buckets: every hour of every day.
        assert_eq!(
            all_buckets(Granularity::Hour, range("2026-10-01", "2026-10-02")).len(),
            48
        );
    }

    #[test]
    fn clock_changes_keep_local_dates_and_hours() {
        let toronto: Tz = "America/Toronto".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 2026-03-08: Toronto skips from 02:00 to 03:00. 07:30 UTC is 03:30 local (EDT).
        assert_eq!(
            local_date_and_hour(at("2026-03-08T07:30:00Z"), toronto),
            (d("2026-03-08"), 3)
        );
        // The same UTC time the day before is 02:30 local (EST).
        assert_eq!(
            local_date_and_hour(at("2026-03-07T07:30:00Z"), toronto),
            (d("2026-03-07"), 2)
        );
        // 2026-11-01: 01:00–01:59 happens twice; both are local hour 1.
        assert_eq!(
            local_date_and_hour(at("2026-11-01T05:30:00Z"), toronto),
            (d("2026-11-01"), 1)
        );
        assert_eq!(
            local_date_and_hour(at("2026-11-01T06:30:00Z"), toronto),
            (d("2026-11-01"), 1)
        );
        // Late evening local is still the local day, though UTC has moved on.
        assert_eq!(
            local_date_and_hour(at("2026-11-02T04:30:00Z"), toronto),
            (d("2026-11-01"), 23)
        );
        // A week after the change, today so far is compared with the change's day up to the
        // same local hour: the hours are local hours, not 168 hours ago.
        assert_eq!(
            DashboardPeriod::Today.comparable(d("2026-03-15"), 3),
            Span::until(d("2026-03-08"), d("2026-03-08"), 3)
        );
        assert_eq!(
            DashboardPeriod::WeekToDate.comparable(d("2026-11-08"), 1),
            Span::until(d("2026-10-26"), d("2026-11-01"), 1)
        );
    }

    #[test]
    fn presets_and_comparisons_read_their_names() {
        for preset in Preset::ALL {
            assert_eq!(Preset::parse(preset.as_str()), Some(preset));
        }
        assert_eq!(Preset::parse("decade"), None);
        let today = d("2026-03-15");
        assert_eq!(
            Preset::LastMonth.range(today),
            DateRange::new(d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(
            Preset::Last7Days.range(today),
            DateRange::new(d("2026-03-08"), d("2026-03-14"))
        );
        assert_eq!(Preset::Custom.range(d("2026-03-15")), None);
        assert_eq!(Compare::parse(""), Some(Compare::Previous));
        assert_eq!(Compare::parse(" last_year "), Some(Compare::LastYear));
        assert_eq!(Compare::parse("previous"), Some(Compare::Previous));
        assert_eq!(Compare::parse("decade"), None);
    }
}
