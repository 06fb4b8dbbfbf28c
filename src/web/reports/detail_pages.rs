//! How the totalization report's detail by location is split into pages: whole locations in
//! their order, as many on a page as keep the stored rows it reads within a budget. A year of
//! days for a hundred stores would otherwise be 36,500 table rows (8.7 MB of HTML) that nobody
//! reads on a screen and that cost the server most of a second; the summary above the detail
//! still covers every chosen location, and the exports hold every row.

use std::ops::Range;

use crate::domain::report::{DateRange, Granularity};

/// Stored rows (days, or hours for an hourly report) that one page of detail reads at most,
/// unless a single location alone has more.
pub const ROWS_PER_PAGE: i64 = 2_000;

/// The pages of a report's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailPages {
    locations: usize,
    per_page: usize,
}

impl DetailPages {
    /// The pages for `locations` locations over `range` read at `granularity`.
    pub fn new(locations: usize, range: DateRange, granularity: Granularity) -> DetailPages {
        let rows_per_location = match granularity {
            Granularity::Hour => range.days() * 24,
            Granularity::Day | Granularity::Week | Granularity::Month => range.days(),
        };
        let per_page = (ROWS_PER_PAGE / rows_per_location.max(1)).max(1);
        DetailPages {
            locations,
            per_page: usize::try_from(per_page).unwrap_or(usize::MAX),
        }
    }

    /// How many pages there are (one even without any location).
    pub fn count(&self) -> usize {
        self.locations.div_ceil(self.per_page).max(1)
    }

    /// The positions (in the report's location order) of the locations on `page` (from 1).
    pub fn locations_on(&self, page: usize) -> Range<usize> {
        let start = page.saturating_sub(1).saturating_mul(self.per_page);
        start.min(self.locations)..start.saturating_add(self.per_page).min(self.locations)
    }

    /// The page (from 1) that shows the location at `position`.
    pub fn page_of(&self, position: usize) -> usize {
        position / self.per_page + 1
    }
}

/// Reads the `page` field of a report's query: empty means the first page. Returns the
/// problem to show otherwise.
pub fn parse_page(value: &str, pages: DetailPages) -> Result<usize, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(1);
    }
    let lang = crate::i18n::current();
    let count = pages.count();
    match value.parse::<usize>() {
        Ok(page) if (1..=count).contains(&page) => Ok(page),
        Ok(page) if page > count => Err(crate::i18n::fill(
            lang,
            "The detail by location has {} pages, so there is no page {} (page).",
            &[
                crate::i18n::format_integer(lang, count as i64),
                crate::i18n::format_integer(lang, page as i64),
            ],
        )),
        _ => Err(crate::i18n::fill(
            lang,
            "The page of the detail (page) {} is not a page number: use a whole number from 1 to {}.",
            &[
                format!("{value:?}"),
                crate::i18n::format_integer(lang, count as i64),
            ],
        )),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn range(days: i64) -> DateRange {
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        DateRange::new(from, from + chrono::Duration::days(days - 1)).unwrap()
    }

    #[test]
    fn a_year_of_days_for_a_hundred_locations_is_twenty_pages_of_five() {
        let pages = DetailPages::new(100, range(365), Granularity::Day);
        assert_eq!(pages.count(), 20);
        assert_eq!(pages.locations_on(1), 0..5);
        assert_eq!(pages.locations_on(20), 95..100);
        assert_eq!(pages.page_of(0), 1);
        assert_eq!(pages.page_of(4), 1);
        assert_eq!(pages.page_of(5), 2);
        assert_eq!(pages.page_of(99), 20);
        // Weeks and months read the same days, so they page the same way.
        assert_eq!(DetailPages::new(100, range(365), Granularity::Month), pages);
    }

    #[test]
    fn short_reports_and_few_locations_fit_one_page() {
        let pages = DetailPages::new(3, range(366), Granularity::Day);
        assert_eq!(pages.count(), 1);
        assert_eq!(pages.locations_on(1), 0..3);
        assert_eq!(DetailPages::new(60, range(31), Granularity::Day).count(), 1);
        assert_eq!(DetailPages::new(0, range(7), Granularity::Day).count(), 1);
        assert_eq!(
            DetailPages::new(0, range(7), Granularity::Day).locations_on(1),
            0..0
        );
    }

    #[test]
    fn hours_count_twenty_four_rows_a_day_and_a_page_holds_at_least_one_location() {
        // 31 days of hours is 744 rows a location: two fit the budget.
        let pages = DetailPages::new(5, range(31), Granularity::Hour);
        assert_eq!(pages.count(), 3);
        assert_eq!(pages.locations_on(3), 4..5);
        // 100 days of hours is more than the budget for one location: one a page.
        let pages = DetailPages::new(3, range(100), Granularity::Hour);
        assert_eq!(pages.count(), 3);
        assert_eq!(pages.locations_on(2), 1..2);
    }

    #[test]
    fn a_page_past_the_end_holds_no_location() {
        let pages = DetailPages::new(7, range(365), Granularity::Day);
        assert_eq!(pages.locations_on(3), 7..7);
        assert_eq!(pages.locations_on(usize::MAX), 7..7);
    }

    #[test]
    fn the_page_field_is_read_or_its_problem_named() {
        let pages = DetailPages::new(100, range(365), Granularity::Day);
        assert_eq!(parse_page("", pages), Ok(1));
        assert_eq!(parse_page(" 7 ", pages), Ok(7));
        assert_eq!(parse_page("20", pages), Ok(20));
        assert_eq!(
            parse_page("21", pages),
            Err("The detail by location has 20 pages, so there is no page 21 (page).".into())
        );
        for bad in ["0", "-1", "two", "1.5"] {
            assert_eq!(
                parse_page(bad, pages),
                Err(format!(
                    "The page of the detail (page) \"{bad}\" is not a page number: use a whole number from 1 to 20."
                )),
            );
        }
    }
}
