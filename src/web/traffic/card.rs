//! Traffic and conversion as the pages show them: the dashboard's traffic card (each period's
//! visitors, conversion, sales per shopper and shoppers per staff hour, each against the same
//! comparable stretch as the sales cards), the store ranking's columns, and the report's table
//! per location. A period without any counted hour says "no data", never 0 % conversion;
//! tenants whose counters never reported see none of it.

use std::collections::BTreeMap;

use super::super::AppState;
use super::super::figures::ChangeView;
use crate::db::{self, Db, TenantId};
use crate::domain::periods::{DashboardPeriod, Span};
use crate::domain::report::change_tenths_of_percent;
use crate::domain::traffic::TrafficSums;
use crate::i18n::{self, Lang};
use chrono::NaiveDate;

/// What the page writes for a figure with nothing to show.
const NO_DATA: &str = "no data";

/// One period's row of the card.
pub struct TrafficRowView {
    pub title: &'static str,
    /// What the period is compared with (`vs Sun, Nov 22, 00:00–15:59`).
    pub compare_text: String,
    pub traffic: String,
    pub traffic_change: ChangeView,
    pub conversion: String,
    pub conversion_change: ChangeView,
    /// More sales than visitors: a counter that undercounted.
    pub above_100: bool,
    pub per_shopper: String,
    pub per_shopper_change: ChangeView,
    pub per_staff_hour: String,
    /// "Traffic missing for 3 hours", or empty.
    pub missing: String,
}

/// A share in tenths of a percent, unsigned: `6.0%` / `6,0 %`.
fn percent(lang: Lang, tenths: i64) -> String {
    i18n::format_share_tenths(lang, tenths)
}

fn no_change(text: &str) -> ChangeView {
    ChangeView {
        class: "none",
        arrow: "",
        text: i18n::t(text),
        note: String::new(),
    }
}

fn signed(tenths: i64, text: String) -> ChangeView {
    ChangeView {
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
        text,
        note: String::new(),
    }
}

/// A change of a figure in percent; nothing to compare with when either side has no value.
fn relative_change(lang: Lang, now: Option<i64>, before: Option<i64>) -> ChangeView {
    match (now, before) {
        (Some(now), Some(before)) => match change_tenths_of_percent(now, before) {
            Some(tenths) => signed(tenths, i18n::format_percent_tenths(lang, tenths)),
            None => no_change("no earlier count"),
        },
        _ => no_change("no earlier count"),
    }
}

/// A change of a share in percentage points: `+0.8 pt` / `+0,8 p. p.`.
pub fn points_change(lang: Lang, now: Option<i64>, before: Option<i64>) -> ChangeView {
    match (now, before) {
        (Some(now), Some(before)) => {
            let tenths = now - before;
            let number = i18n::format_percent_tenths(lang, tenths);
            let number = number.trim_end_matches(['%', ' ', '\u{a0}']).to_string();
            let text = match lang {
                Lang::En => format!("{number} pt"),
                Lang::Es => format!("{number}\u{a0}p.\u{a0}p."),
            };
            signed(tenths, text)
        }
        _ => no_change("no earlier count"),
    }
}

/// The visitors counted, or "no data" when no hour was counted.
pub fn traffic_text(lang: Lang, sums: &TrafficSums) -> String {
    if sums.has_traffic() {
        i18n::format_integer(lang, sums.traffic)
    } else {
        i18n::t(NO_DATA)
    }
}

/// Conversion with one decimal; "no data" without a count, a dash over 0 visitors.
pub fn conversion_text(lang: Lang, sums: &TrafficSums) -> String {
    if !sums.has_traffic() {
        return i18n::t(NO_DATA);
    }
    sums.conversion_tenths_percent()
        .map_or_else(|| "—".to_string(), |t| percent(lang, t))
}

pub fn per_shopper_text(lang: Lang, sums: &TrafficSums, digits: u32, currency: &str) -> String {
    if !sums.has_traffic() {
        return i18n::t(NO_DATA);
    }
    sums.sales_per_shopper().map_or_else(
        || "—".to_string(),
        |m| i18n::format_money(lang, m, digits, currency),
    )
}

pub fn per_staff_hour_text(lang: Lang, sums: &TrafficSums) -> String {
    if sums.staff_centihours == 0 {
        return i18n::t(NO_DATA);
    }
    sums.shoppers_per_staff_hour_tenths()
        .map_or_else(|| "—".to_string(), |t| i18n::format_decimal(lang, t, 1))
}

/// Staff hours worked, with up to two decimals (`12.5`).
pub fn staff_hours_text(lang: Lang, sums: &TrafficSums) -> String {
    if sums.staff_centihours == 0 {
        return i18n::t(NO_DATA);
    }
    let hundredths = sums.staff_centihours;
    if hundredths % 100 == 0 {
        i18n::format_integer(lang, hundredths / 100)
    } else if hundredths % 10 == 0 {
        i18n::format_decimal(lang, hundredths / 10, 1)
    } else {
        i18n::format_decimal(lang, hundredths, 2)
    }
}

/// "Traffic missing for 3 hours", or empty when nothing was counted at all (no counter) or
/// no hour with sales misses its count.
pub fn missing_text(lang: Lang, sums: &TrafficSums) -> String {
    if sums.has_traffic() && sums.missing_hours > 0 {
        let hours = i18n::format_count(lang, sums.missing_hours, "hour", "hours");
        i18n::fill(lang, "Traffic missing for {}", &[hours])
    } else {
        String::new()
    }
}

fn counted<T>(sums: &TrafficSums, value: Option<T>) -> Option<T> {
    if sums.has_traffic() { value } else { None }
}

/// A period's row, `now` against `before`. `comparable` is false while the sales of the
/// period are still being imported: a ratio over half-imported sales compares nothing.
fn view(
    lang: Lang,
    title: &'static str,
    compare_text: String,
    (now, before): (&TrafficSums, &TrafficSums),
    (comparable, began): (bool, Option<NaiveDate>),
    digits: u32,
    currency: &str,
) -> TrafficRowView {
    let traffic_of = |s: &TrafficSums| counted(s, Some(s.traffic));
    let sales_change = |c: ChangeView| {
        if !comparable {
            no_change("not comparable yet")
        } else if let Some(began) = began {
            partly_counted(lang, began)
        } else {
            c
        }
    };
    TrafficRowView {
        title,
        compare_text,
        traffic: traffic_text(lang, now),
        traffic_change: match began {
            Some(began) => partly_counted(lang, began),
            None => relative_change(lang, traffic_of(now), traffic_of(before)),
        },
        conversion: conversion_text(lang, now),
        conversion_change: sales_change(points_change(
            lang,
            now.conversion_tenths_percent(),
            before.conversion_tenths_percent(),
        )),
        above_100: now.conversion_above_100(),
        per_shopper: per_shopper_text(lang, now, digits, currency),
        per_shopper_change: sales_change(relative_change(
            lang,
            now.sales_per_shopper(),
            before.sales_per_shopper(),
        )),
        per_staff_hour: if now.has_traffic() {
            per_staff_hour_text(lang, now)
        } else {
            i18n::t(NO_DATA)
        },
        missing: missing_text(lang, now),
    }
}

/// Each location's sums over a span: its whole days, then the first hours of its last day.
pub async fn span_sums(
    db: &Db,
    tenant: TenantId,
    span: Span,
) -> sqlx::Result<BTreeMap<i64, TrafficSums>> {
    let mut out: BTreeMap<i64, TrafficSums> = BTreeMap::new();
    if let Some(days) = span.days {
        for day in db::traffic::day_sums(db, tenant, days.from, days.to).await? {
            out.entry(day.location_id).or_default().add(&day.sums);
        }
    }
    if let Some((date, hour)) = span.partial {
        for day in db::traffic::day_sums_until(db, tenant, date, date, hour).await? {
            out.entry(day.location_id).or_default().add(&day.sums);
        }
    }
    Ok(out)
}

/// The sums of `locations` together.
pub fn together(sums: &BTreeMap<i64, TrafficSums>, locations: &[i64]) -> TrafficSums {
    let mut all = TrafficSums::default();
    for id in locations {
        if let Some(s) = sums.get(id) {
            all.add(s);
        }
    }
    all
}

/// When counting began, for the earlier period of a comparison: None when every location
/// counted now was already counting on `before_from`, else the latest first counted date among
/// them (the earlier period is only partly counted, so a change would compare a part with a
/// whole).
pub fn counting_began(
    first: &BTreeMap<i64, NaiveDate>,
    now: &BTreeMap<i64, TrafficSums>,
    locations: &[i64],
    before_from: NaiveDate,
) -> Option<NaiveDate> {
    locations
        .iter()
        .filter(|id| now.get(id).is_some_and(TrafficSums::has_traffic))
        .filter_map(|id| first.get(id).copied())
        .filter(|began| *began > before_from)
        .max()
}

/// The change shown when the earlier period is only partly counted.
fn partly_counted(lang: Lang, began: NaiveDate) -> ChangeView {
    ChangeView {
        class: "none",
        arrow: "",
        text: i18n::fill(
            lang,
            "not comparable: counted since {}",
            &[i18n::format_date(lang, began)],
        ),
        note: String::new(),
    }
}

/// One period of the dashboard as the card needs it: which, its words of comparison, and
/// whether its sales are complete enough to compare ratios.
pub struct CardPeriod {
    pub period: DashboardPeriod,
    pub compare_text: String,
    pub comparable: bool,
}

/// The card's rows for `periods` over `locations`, today being `today` at `hour`. The caller
/// asks only for a tenant whose counters report ([`db::traffic::presence`]).
pub async fn rows(
    state: &AppState,
    tenant: TenantId,
    locations: &[i64],
    (today, hour): (chrono::NaiveDate, u32),
    periods: &[CardPeriod],
    (digits, currency): (u32, &str),
) -> sqlx::Result<Vec<TrafficRowView>> {
    let lang = i18n::current();
    let first = db::traffic::first_counted(&state.db, tenant).await?;
    let mut out = Vec::with_capacity(periods.len());
    for p in periods {
        let range = p.period.range(today);
        let now = span_sums(&state.db, tenant, Span::days(range.from, range.to)).await?;
        let span = p.period.comparable(today, hour);
        let before = span_sums(&state.db, tenant, span).await?;
        let before_from = span
            .days
            .map(|d| d.from)
            .or(span.partial.map(|(d, _)| d))
            .unwrap_or(range.from);
        out.push(view(
            lang,
            p.period.title(),
            p.compare_text.clone(),
            (&together(&now, locations), &together(&before, locations)),
            (
                p.comparable,
                counting_began(&first, &now, locations, before_from),
            ),
            digits,
            currency,
        ));
    }
    Ok(out)
}

/// A store's traffic beside its place in the ranking.
#[derive(Debug, Clone, Default)]
pub struct RankTraffic {
    pub traffic: String,
    pub conversion: String,
    pub above_100: bool,
}

pub fn rank_traffic(lang: Lang, sums: &TrafficSums) -> RankTraffic {
    RankTraffic {
        traffic: traffic_text(lang, sums),
        conversion: conversion_text(lang, sums),
        above_100: sums.conversion_above_100(),
    }
}

/// One row of the report's traffic table: a location or all of them.
pub struct ReportTrafficRow {
    pub name: String,
    pub detail_href: String,
    pub traffic: String,
    pub traffic_change: ChangeView,
    pub conversion: String,
    pub above_100: bool,
    pub per_shopper: String,
    pub staff_hours: String,
    pub per_staff_hour: String,
    pub missing: String,
}

/// The report's traffic table: shown only to tenants whose counters report; the staff-hour
/// columns only where staff hours were ever reported.
pub struct ReportTraffic {
    pub staffed: bool,
    pub rows: Vec<ReportTrafficRow>,
}

pub fn report_row(
    name: String,
    (now, before): (&TrafficSums, &TrafficSums),
    began: Option<NaiveDate>,
    (digits, currency): (u32, &str),
) -> ReportTrafficRow {
    let lang = i18n::current();
    let traffic_of = |s: &TrafficSums| counted(s, Some(s.traffic));
    ReportTrafficRow {
        name,
        detail_href: String::new(),
        traffic: traffic_text(lang, now),
        traffic_change: match began {
            Some(began) => partly_counted(lang, began),
            None => relative_change(lang, traffic_of(now), traffic_of(before)),
        },
        conversion: conversion_text(lang, now),
        above_100: now.conversion_above_100(),
        per_shopper: per_shopper_text(lang, now, digits, currency),
        staff_hours: staff_hours_text(lang, now),
        per_staff_hour: if now.has_traffic() {
            per_staff_hour_text(lang, now)
        } else {
            i18n::t(NO_DATA)
        },
        missing: missing_text(lang, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(traffic: i64, sales: i64, net: i64) -> TrafficSums {
        TrafficSums {
            traffic,
            sales_transactions: sales,
            net,
            counted_hours: 1,
            ..TrafficSums::default()
        }
    }

    #[test]
    fn conversion_changes_in_points_and_the_rest_in_percent() {
        let now = sums(50, 3, 14_500);
        let before = sums(40, 2, 10_000);
        let row = view(
            Lang::En,
            "Today",
            String::new(),
            (&now, &before),
            (true, None),
            2,
            "USD",
        );
        assert_eq!(row.traffic, "50");
        assert_eq!(
            (row.traffic_change.arrow, row.traffic_change.text.as_str()),
            ("▲", "+25.0%")
        );
        assert_eq!(row.conversion, "6.0%");
        // 6.0 % against 5.0 %: one point up, not a 20 % rise.
        assert_eq!(row.conversion_change.text, "+1.0 pt");
        assert_eq!(row.per_shopper, "$2.90");
        // 2.90 against 2.50.
        assert_eq!(row.per_shopper_change.text, "+16.0%");
        let es = points_change(Lang::Es, Some(55), Some(60));
        assert_eq!((es.arrow, es.text.as_str()), ("▼", "-0,5\u{a0}p.\u{a0}p."));
    }

    #[test]
    fn no_count_is_no_data_never_zero_percent() {
        let none = TrafficSums {
            missing_hours: 3,
            sales_transactions: 0,
            ..TrafficSums::default()
        };
        let row = view(
            Lang::En,
            "Today",
            String::new(),
            (&none, &sums(40, 2, 100)),
            (true, None),
            2,
            "USD",
        );
        assert_eq!(
            (
                row.traffic.as_str(),
                row.conversion.as_str(),
                row.per_shopper.as_str()
            ),
            ("no data", "no data", "no data")
        );
        assert_eq!(row.traffic_change.class, "none");
        assert_eq!(row.conversion_change.text, "no earlier count");
        assert!(row.missing.is_empty(), "no counter: nothing is missing");
        // Counted 0 visitors: the divisor is 0, the figure empty, not "no data".
        let zero = sums(0, 0, 0);
        assert_eq!(conversion_text(Lang::En, &zero), "—");
        // While the sales are being imported, ratios are not compared.
        let row = view(
            Lang::En,
            "Today",
            String::new(),
            (&sums(50, 3, 100), &sums(40, 2, 100)),
            (false, None),
            2,
            "USD",
        );
        assert_eq!(row.conversion_change.text, "not comparable yet");
        assert_eq!(row.traffic_change.text, "+25.0%");
    }

    #[test]
    fn an_earlier_period_counted_in_part_is_not_compared() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let first = BTreeMap::from([(1, day("2026-03-01")), (2, day("2026-02-01"))]);
        let now = BTreeMap::from([(1, sums(50, 3, 100)), (2, sums(10, 1, 100))]);
        // The earlier period starts before STORE 1 counted anything.
        let began = counting_began(&first, &now, &[1, 2], day("2026-02-27"));
        assert_eq!(began, Some(day("2026-03-01")));
        assert_eq!(counting_began(&first, &now, &[2], day("2026-02-27")), None);
        assert_eq!(
            counting_began(&first, &now, &[1, 2], day("2026-03-01")),
            None
        );
        let row = view(
            Lang::En,
            "Today",
            String::new(),
            (&sums(50, 3, 100), &sums(5, 1, 100)),
            (true, began),
            2,
            "USD",
        );
        assert_eq!(
            row.traffic_change.text,
            "not comparable: counted since Mar 1, 2026"
        );
        assert_eq!(row.traffic_change.class, "none");
        assert_eq!(row.conversion_change.text, row.traffic_change.text);
    }

    #[test]
    fn staff_hours_are_written_shortest() {
        let mut s = sums(10, 1, 0);
        s.staff_centihours = 1250;
        assert_eq!(staff_hours_text(Lang::En, &s), "12.5");
        assert_eq!(staff_hours_text(Lang::Es, &s), "12,5");
        s.staff_centihours = 800;
        assert_eq!(staff_hours_text(Lang::En, &s), "8");
        s.staff_centihours = 825;
        assert_eq!(staff_hours_text(Lang::En, &s), "8.25");
    }
}
