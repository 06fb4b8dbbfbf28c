//! How complete each location's numbers are while a history import fills them: the banners of
//! the imports under way, and per location the point in time its history has reached, so that
//! a period is marked incomplete only for the locations whose import has not reached it yet.

use crate::totals_cache::TenantTotals;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate};
use chrono_tz::Tz;

use crate::db;
use crate::db::totals::IntegrationState;
use crate::domain::integration::IntegrationStatus;
use crate::domain::report::DateRange;
use crate::error::AppResult;
use crate::i18n::{self, Lang};

/// How far the history being imported has come, for the periods it leaves incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// Imported up to an instant inside the period.
    Partial,
    /// Nothing of the period imported yet.
    Pending,
}

/// Whether a period of local dates is complete when history is imported up to `until` (a
/// UTC instant; none = nothing imported yet), now being `now`.
pub fn completeness(range: DateRange, until: Option<i64>, now: i64, tz: Tz) -> Completeness {
    let start_of = |date: NaiveDate| -> i64 {
        date.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map_or(i64::MIN, |t| t.timestamp())
    };
    let start = start_of(range.from);
    let end = start_of(range.to + Duration::days(1)).min(now);
    match until {
        None => Completeness::Pending,
        Some(u) if u >= end => Completeness::Complete,
        Some(u) if u <= start => Completeness::Pending,
        Some(_) => Completeness::Partial,
    }
}

/// A first import (or a re-import of history) under way.
pub struct ImportBanner {
    pub label: String,
    pub percent: i64,
    /// `percent` as the language writes it (`45%` / `45 %`).
    pub percent_text: String,
    pub text: String,
}

/// One location's state over one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationCompleteness {
    pub state: Completeness,
    /// The instant its history is imported up to (none: nothing yet, or complete).
    pub until: Option<i64>,
}

impl LocationCompleteness {
    pub fn is_complete(&self) -> bool {
        self.state == Completeness::Complete
    }
    pub fn is_pending(&self) -> bool {
        self.state == Completeness::Pending
    }

    /// A short mark for the location's row: `imported up to Mar 2, 2026, 12:00` or
    /// `not imported yet`; empty when complete.
    pub fn mark(&self, lang: Lang, tz: Tz) -> String {
        match (self.state, self.until) {
            (Completeness::Complete, _) => String::new(),
            (Completeness::Partial, Some(until)) => {
                i18n::fill(lang, "imported up to {}", &[local_time(lang, until, tz)])
            }
            _ => i18n::translate(lang, "not imported yet"),
        }
    }
}

/// The history imports under way in a tenant.
pub struct HistoryImports {
    pub banners: Vec<ImportBanner>,
    /// Location row id → the point its history has reached (none: nothing imported yet), for
    /// the locations a history import under way feeds; the others are complete. A location
    /// fed by two such imports is as far as the earlier one.
    reached: BTreeMap<i64, Option<i64>>,
}

impl HistoryImports {
    /// Whether any history import is under way.
    pub fn any(&self) -> bool {
        !self.banners.is_empty()
    }

    /// How complete `location`'s numbers are over `range`, now being `now`.
    pub fn location(
        &self,
        location: i64,
        range: DateRange,
        now: i64,
        tz: Tz,
    ) -> LocationCompleteness {
        match self.reached.get(&location) {
            None => LocationCompleteness {
                state: Completeness::Complete,
                until: None,
            },
            Some(until) => LocationCompleteness {
                state: completeness(range, *until, now, tz),
                until: *until,
            },
        }
    }
}

/// Several locations' completeness summed up for a card or a report: complete when every one
/// is, pending when none has anything of the period, partial otherwise.
pub fn overall(states: &[LocationCompleteness]) -> Completeness {
    if states.iter().all(LocationCompleteness::is_complete) {
        Completeness::Complete
    } else if !states.is_empty() && states.iter().all(LocationCompleteness::is_pending) {
        Completeness::Pending
    } else {
        Completeness::Partial
    }
}

/// The point shared by every location when they all stand at the same incomplete point (one
/// import feeding them all): the notice then names it once instead of per location.
pub fn shared_point(states: &[LocationCompleteness]) -> Option<Option<i64>> {
    let first = states.first()?;
    (!first.is_complete() && states.iter().all(|s| s == first)).then_some(first.until)
}

fn local_time(lang: Lang, at: i64, tz: Tz) -> String {
    DateTime::from_timestamp(at, 0)
        .map(|t| i18n::format_date_time(lang, t.with_timezone(&tz).naive_local()))
        .unwrap_or_default()
}

/// The history imports under way: a run holding the lease with an `initial` or `backfill`
/// trigger, or an active integration that has not run at all yet (its first import is queued).
pub async fn history_imports(
    totals: &TenantTotals,
    integrations: &[IntegrationState],
    tz: Tz,
) -> AppResult<HistoryImports> {
    let now = db::now();
    let mut banners = Vec::new();
    // Integration id → the point its history import has reached.
    let mut under_way: BTreeMap<i64, Option<i64>> = BTreeMap::new();
    for integration in integrations
        .iter()
        .filter(|i| i.status == IntegrationStatus::Active)
    {
        // Through the tenant's cache: every committed page raises the data version.
        let last_run = totals.last_run(integration.id).await?;
        let label = if integration.label.is_empty() {
            integration.store_name.clone()
        } else {
            integration.label.clone()
        };
        // A run is under way only while a worker holds the lease (a crashed worker's run
        // stays "running" in the history until another worker takes over).
        let leased = totals
            .lease_until(integration.id)
            .await?
            .is_some_and(|l| l >= now);
        match last_run.as_ref() {
            Some(run) if leased && run.outcome.is_running() && run.trigger.reads_history() => {
                under_way.insert(integration.id, run.progress_until);
                let text = if run.progress_until.is_none() {
                    i18n::t("Reading the first orders from Shopify…")
                } else {
                    super::imports::progress_text(run, tz, now)
                };
                // A bulk read counts Shopify's export and TMAS's writing, like the imports page.
                let percent =
                    super::imports_cancel::bulk_percent(run).unwrap_or_else(|| run.percent());
                banners.push(ImportBanner {
                    label,
                    percent,
                    percent_text: i18n::format_percent(i18n::current(), percent),
                    text,
                });
            }
            None => {
                under_way.insert(integration.id, None);
                banners.push(ImportBanner {
                    label,
                    percent: 0,
                    percent_text: i18n::format_percent(i18n::current(), 0),
                    text: i18n::t(
                        "The first import is queued and starts within a minute; the numbers \
                         fill in as the history arrives.",
                    ),
                });
            }
            _ => {}
        }
    }
    let mut reached: BTreeMap<i64, Option<i64>> = BTreeMap::new();
    if !under_way.is_empty() {
        for &(integration, location) in totals.imported_location_pairs().await?.iter() {
            let Some(point) = under_way.get(&integration) else {
                continue;
            };
            // Nothing imported yet is earlier than any instant.
            let earlier = match (reached.get(&location), point) {
                (None, p) => *p,
                (Some(None), _) | (_, None) => None,
                (Some(Some(a)), Some(b)) => Some((*a).min(*b)),
            };
            reached.insert(location, earlier);
        }
    }
    Ok(HistoryImports { banners, reached })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_after_the_imported_point_are_incomplete() {
        let tz: Tz = "America/Toronto".parse().unwrap();
        let range = DateRange::new(d("2026-10-12"), d("2026-10-15")).unwrap();
        // 2026-10-14 00:00 in Toronto is 04:00 UTC.
        let midweek = 1_791_950_400;
        let now = midweek + 2 * 86_400;
        assert_eq!(
            completeness(range, Some(midweek), now, tz),
            Completeness::Partial
        );
        assert_eq!(completeness(range, None, now, tz), Completeness::Pending);
        assert_eq!(
            completeness(range, Some(midweek - 30 * 86_400), now, tz),
            Completeness::Pending
        );
        // Up to now is complete for a period that ends today.
        assert_eq!(
            completeness(range, Some(now), now, tz),
            Completeness::Complete
        );
    }

    #[test]
    fn each_location_is_as_far_as_its_own_import() {
        let tz: Tz = "America/Toronto".parse().unwrap();
        let range = DateRange::new(d("2026-10-12"), d("2026-10-15")).unwrap();
        let midweek = 1_791_950_400;
        let now = midweek + 2 * 86_400;
        let imports = HistoryImports {
            banners: Vec::new(),
            reached: BTreeMap::from([(2, Some(midweek)), (3, None)]),
        };
        let one = imports.location(1, range, now, tz);
        let two = imports.location(2, range, now, tz);
        let three = imports.location(3, range, now, tz);
        assert!(one.is_complete());
        assert_eq!(two.state, Completeness::Partial);
        assert!(three.is_pending());
        assert_eq!(one.mark(Lang::En, tz), "");
        assert_eq!(two.mark(Lang::En, tz), "imported up to Oct 14, 2026, 00:00");
        assert_eq!(two.mark(Lang::Es, tz), "importado hasta 14 oct 2026, 00:00");
        assert_eq!(three.mark(Lang::Es, tz), "aún no importado");
        assert_eq!(overall(&[one.clone(), two.clone()]), Completeness::Partial);
        assert_eq!(
            overall(&[three.clone(), three.clone()]),
            Completeness::Pending
        );
        assert_eq!(
            overall(&[one.clone(), three.clone()]),
            Completeness::Partial
        );
        assert_eq!(overall(std::slice::from_ref(&one)), Completeness::Complete);
        assert_eq!(
            shared_point(&[two.clone(), two.clone()]),
            Some(Some(midweek))
        );
        assert_eq!(shared_point(&[two.clone(), three.clone()]), None);
        assert_eq!(shared_point(&[one.clone(), one]), None);
    }
}
