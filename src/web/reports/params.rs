//! A report's choices from the query string: a preset or custom dates, locations (TMAS location
//! IDs, repeated `location`), a granularity. Parsing names every problem at once, so the page
//! can show them all beside the form.

use chrono::NaiveDate;

use crate::db::locations::Location;
use crate::domain::periods::{Compare, Preset};
use crate::domain::report::{
    DateRange, Granularity, MAX_RANGE_DAYS, earliest_date, latest_report_date, parse_date,
};

/// The query string as typed, kept to re-fill the form.
#[derive(Debug, Clone, Default)]
pub struct ReportForm {
    pub preset: String,
    pub from: String,
    pub to: String,
    pub granularity: String,
    pub locations: Vec<String>,
    /// What the report is compared with: `previous` (default) or `last_year`.
    pub compare: String,
    /// The page of the totalization report's detail by location (from 1; empty = the first).
    pub page: String,
    /// The query string had no report choice at all (first visit).
    pub blank: bool,
}

impl ReportForm {
    pub fn from_query(query: Option<&str>) -> ReportForm {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
        let mut form = ReportForm {
            blank: true,
            ..ReportForm::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "preset" => form.preset = value,
                "from" => form.from = value,
                "to" => form.to = value,
                "granularity" => form.granularity = value,
                "compare" => form.compare = value,
                "page" => form.page = value,
                "location" | "location[]" => form.locations.push(value),
                _ => continue,
            }
            form.blank = false;
        }
        form
    }

    pub fn has_location(&self, code: &str) -> bool {
        self.locations.iter().any(|l| l == code)
    }

    /// How many of the tenant's locations are chosen (unknown IDs and repeats not counted).
    pub fn chosen_count(&self, all: &[Location]) -> usize {
        all.iter()
            .filter(|l| self.has_location(&l.location_id))
            .count()
    }

    /// The folded list of many locations says what it holds: `All 100 locations` or
    /// `3 of 100 locations chosen`.
    pub fn locations_summary(&self, all: &[Location]) -> String {
        let lang = crate::i18n::current();
        let total = crate::i18n::format_integer(lang, all.len() as i64);
        match self.chosen_count(all) {
            0 => crate::i18n::fill(lang, "All {} locations: open to choose some", &[total]),
            chosen => crate::i18n::fill(
                lang,
                "{} of {} locations chosen",
                &[crate::i18n::format_integer(lang, chosen as i64), total],
            ),
        }
    }

    /// The choices as the form holds them, on page `page` of the detail (for the links
    /// between the detail's pages, which keep every other choice as it was made).
    pub fn page_query(&self, page: usize) -> String {
        let mut pairs: Vec<(&str, &str)> = [
            ("preset", self.preset.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("granularity", self.granularity.as_str()),
            ("compare", self.compare.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
        for code in &self.locations {
            pairs.push(("location", code));
        }
        let page = page.to_string();
        pairs.push(("page", &page));
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// The choices as a query string (for links to the exports).
    pub fn query_string(&self, request: &ReportRequest) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("from", request.range.from.to_string()),
            ("to", request.range.to.to_string()),
            ("granularity", request.granularity.as_str().to_string()),
        ];
        for code in &request.chosen {
            pairs.push(("location", code.clone()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// What a route accepts.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub granularities: &'static [Granularity],
    /// With no choice at all, a page shows this preset; an export asks for dates instead.
    pub default_preset: Option<Preset>,
    /// Hourly detail is capped on pages (a table of every hour of months is unreadable).
    pub max_hourly_days: i64,
}

pub const PAGE_RULES: Rules = Rules {
    granularities: &Granularity::ALL,
    default_preset: Some(Preset::Last7Days),
    max_hourly_days: 31,
};

pub const EXPORT_PAGE_RULES: Rules = Rules {
    granularities: &[Granularity::Hour, Granularity::Day],
    default_preset: Some(Preset::Last7Days),
    max_hourly_days: MAX_RANGE_DAYS,
};

pub const EXPORT_RULES: Rules = Rules {
    granularities: &[Granularity::Hour, Granularity::Day],
    default_preset: None,
    max_hourly_days: MAX_RANGE_DAYS,
};

/// A valid report request.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub range: DateRange,
    pub preset: Preset,
    pub granularity: Granularity,
    /// The locations reported on, in TMAS location ID order: the chosen ones, or all.
    pub locations: Vec<Location>,
    /// The TMAS location IDs chosen (empty = all).
    pub chosen: Vec<String>,
    pub compare: Compare,
}

impl ReportRequest {
    pub fn location_ids(&self) -> Vec<i64> {
        self.locations.iter().map(|l| l.id).collect()
    }
}

/// A date field of the form. Messages name the field as the form labels it ("start date",
/// not its code `from`) and write dates as the reader's language does; a browser's date box
/// sends `YYYY-MM-DD` whatever it shows, so only a typed-by-hand address quotes that form.
fn date_field(value: &str, what: &str, problems: &mut Vec<String>) -> Option<NaiveDate> {
    if value.trim().is_empty() {
        problems.push(format!("Choose the {what} in the calendar."));
        return None;
    }
    let parsed = parse_date(value);
    if parsed.is_none() {
        // One text per field: two gaps side by side ("The {} {}") would split the label.
        problems.push(format!(
            "{} {:?} is not a date: choose one in the calendar.",
            if what == "start date" {
                "The start date"
            } else {
                "The end date"
            },
            value.trim()
        ));
    }
    parsed
}

/// Parses the form against the tenant's locations; `today` is the tenant's local date.
pub fn parse(
    form: &ReportForm,
    today: NaiveDate,
    tenant_locations: &[Location],
    rules: Rules,
) -> Result<ReportRequest, Vec<String>> {
    let mut problems = Vec::new();
    let preset = parse_preset(form, rules, &mut problems);
    let range = parse_range(form, preset, today, &mut problems);
    let granularity = parse_granularity(form, rules, range, &mut problems);
    let compare = Compare::parse(&form.compare).unwrap_or_else(|| {
        problems.push(format!(
            "Unknown comparison {:?}: choose previous or last_year.",
            form.compare.trim()
        ));
        Compare::Previous
    });
    let chosen = parse_locations(form, tenant_locations, &mut problems);

    match (range, granularity, preset) {
        (Some(range), Some(granularity), Some(preset)) if problems.is_empty() => {
            let locations = tenant_locations
                .iter()
                .filter(|l| chosen.is_empty() || chosen.contains(&l.location_id))
                .cloned()
                .collect();
            Ok(ReportRequest {
                range,
                preset,
                granularity,
                locations,
                chosen,
                compare,
            })
        }
        _ => Err(problems),
    }
}

/// The period asked for: the named preset, else custom dates, else (nothing typed) the
/// rules' default.
fn parse_preset(form: &ReportForm, rules: Rules, problems: &mut Vec<String>) -> Option<Preset> {
    if !form.preset.trim().is_empty() {
        Preset::parse(&form.preset).or_else(|| {
            problems.push(format!(
                "Unknown period {:?}: choose yesterday, last_7_days, this_month, last_month or custom.",
                form.preset.trim()
            ));
            None
        })
    } else if form.from.trim().is_empty() && form.to.trim().is_empty() {
        rules.default_preset.or(Some(Preset::Custom))
    } else {
        Some(Preset::Custom)
    }
}

/// The preset's dates or the typed ones, refused when longer than a report covers.
fn parse_range(
    form: &ReportForm,
    preset: Option<Preset>,
    today: NaiveDate,
    problems: &mut Vec<String>,
) -> Option<DateRange> {
    let range = match preset {
        Some(Preset::Custom) => custom_range(form, today, problems),
        Some(preset) => preset.range(today),
        None => None,
    };
    if let Some(range) = range
        && range.days() > MAX_RANGE_DAYS
    {
        let lang = crate::i18n::current();
        problems.push(format!(
            "The range covers {} days; a report covers at most {} days.",
            crate::i18n::format_integer(lang, range.days()),
            crate::i18n::format_integer(lang, MAX_RANGE_DAYS)
        ));
    }
    range
}

/// The typed start and end dates: each a date within what reports cover, the start not after
/// the end.
fn custom_range(
    form: &ReportForm,
    today: NaiveDate,
    problems: &mut Vec<String>,
) -> Option<DateRange> {
    let from = date_field(&form.from, "start date", problems);
    let to = date_field(&form.to, "end date", problems);
    let lang = crate::i18n::current();
    let written = |d: NaiveDate| crate::i18n::format_date(lang, d);
    let (first, last) = (earliest_date(), latest_report_date(today));
    let in_range = |date: Option<NaiveDate>, what: &str, problems: &mut Vec<String>| {
        date.filter(|d| {
            let inside = (first..=last).contains(d);
            if !inside {
                // A year such as 0000 has no readable form: quoted as sent.
                let text = if what == "start date" {
                    "The start date {} is outside the dates reports cover: {} to {}."
                } else {
                    "The end date {} is outside the dates reports cover: {} to {}."
                };
                problems.push(crate::i18n::fill(
                    crate::i18n::Lang::En,
                    text,
                    &[d.to_string(), written(first), written(last)],
                ));
            }
            inside
        })
    };
    let from = in_range(from, "start date", problems);
    let to = in_range(to, "end date", problems);
    match (from, to) {
        (Some(from), Some(to)) => {
            let range = DateRange::new(from, to);
            if range.is_none() {
                problems.push(format!(
                    "The start date {} is after the end date {}.",
                    written(from),
                    written(to)
                ));
            }
            range
        }
        _ => None,
    }
}

/// The granularity asked for among those the rules allow (day when none), refused for hours
/// over a range longer than hourly detail covers.
fn parse_granularity(
    form: &ReportForm,
    rules: Rules,
    range: Option<DateRange>,
    problems: &mut Vec<String>,
) -> Option<Granularity> {
    let allowed: Vec<&str> = rules.granularities.iter().map(|g| g.as_str()).collect();
    let granularity = if form.granularity.trim().is_empty() {
        Some(Granularity::Day)
    } else {
        let found =
            Granularity::parse(&form.granularity).filter(|g| rules.granularities.contains(g));
        if found.is_none() {
            problems.push(format!(
                "Unknown granularity {:?}: choose {}.",
                form.granularity.trim(),
                allowed.join(" or ")
            ));
        }
        found
    };
    if let (Some(Granularity::Hour), Some(range)) = (granularity, range)
        && range.days() > rules.max_hourly_days
    {
        problems.push(format!(
            "Hourly detail covers at most {} days and this range covers {}: choose day, week or month.",
            rules.max_hourly_days,
            range.days()
        ));
    }
    granularity
}

/// The codes of the chosen locations, each once and in the order chosen; an unknown code is
/// a problem. None chosen means all of them.
fn parse_locations(
    form: &ReportForm,
    tenant_locations: &[Location],
    problems: &mut Vec<String>,
) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for code in &form.locations {
        let code = code.trim();
        if code.is_empty() || chosen.iter().any(|c| c == code) {
            continue;
        }
        if tenant_locations.iter().any(|l| l.location_id == code) {
            chosen.push(code.to_string());
        } else {
            problems.push(format!("Unknown location {code:?}."));
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(id: i64, code: &str) -> Location {
        Location {
            id,
            tenant_id: 1,
            location_id: code.into(),
            name: code.into(),
            time_zone: "America/Toronto".into(),
            status: crate::domain::location::LocationStatus::Active,
        }
    }

    fn today() -> NaiveDate {
        parse_date("2026-03-15").unwrap()
    }

    #[test]
    fn names_every_problem() {
        let form = ReportForm::from_query(Some(
            "from=2026-13-01&to=2026-03-01&granularity=minute&location=X-9&location=S-1",
        ));
        let locations = [location(1, "S-1")];
        let problems = parse(&form, today(), &locations, EXPORT_RULES).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("\"2026-13-01\" is not a date"));
        assert!(problems[1].contains("Unknown granularity \"minute\": choose hour or day"));
        assert!(problems[2].contains("Unknown location \"X-9\""));
    }

    #[test]
    fn presets_custom_and_defaults() {
        let locations = [location(1, "S-1"), location(2, "S-2")];
        let page = parse(
            &ReportForm::from_query(None),
            today(),
            &locations,
            PAGE_RULES,
        )
        .unwrap();
        assert_eq!(page.preset, Preset::Last7Days);
        assert_eq!(page.locations.len(), 2);
        let export = parse(
            &ReportForm::from_query(None),
            today(),
            &locations,
            EXPORT_RULES,
        );
        assert_eq!(export.unwrap_err().len(), 2);
        let custom = parse(
            &ReportForm::from_query(Some("from=2026-03-01&to=2026-03-01&location=S-2")),
            today(),
            &locations,
            EXPORT_RULES,
        )
        .unwrap();
        assert_eq!(custom.range.days(), 1);
        assert_eq!(custom.location_ids(), vec![2]);
        let reversed = parse(
            &ReportForm::from_query(Some("from=2026-03-05&to=2026-03-01")),
            today(),
            &locations,
            EXPORT_RULES,
        )
        .unwrap_err();
        assert!(reversed[0].contains("after the end date"));
        let long = parse(
            &ReportForm::from_query(Some("from=2020-01-01&to=2026-03-01")),
            today(),
            &locations,
            EXPORT_RULES,
        )
        .unwrap_err();
        assert!(long[0].contains("at most 1,096 days"));
        let hourly = parse(
            &ReportForm::from_query(Some("preset=this_month&granularity=hour")),
            today(),
            &locations,
            PAGE_RULES,
        );
        assert!(hourly.is_ok());
        let hourly = parse(
            &ReportForm::from_query(Some("from=2026-01-01&to=2026-03-01&granularity=hour")),
            today(),
            &locations,
            PAGE_RULES,
        )
        .unwrap_err();
        assert!(hourly[0].contains("at most 31 days"));
    }

    #[test]
    fn comparisons_are_read_from_the_form() {
        let form = ReportForm::from_query(Some("compare=decade"));
        let problems = parse(&form, today(), &[location(1, "S-1")], PAGE_RULES).unwrap_err();
        assert!(
            problems[0].contains("Unknown comparison \"decade\""),
            "{problems:?}"
        );
        let form = ReportForm::from_query(Some("compare=last_year"));
        let request = parse(&form, today(), &[location(1, "S-1")], PAGE_RULES).unwrap();
        assert_eq!(request.compare, Compare::LastYear);
    }
}
