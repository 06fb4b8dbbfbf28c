//! Daily and weekly digests: after the tenant's day (or week) closes in its time zone, each
//! subscribed manager or admin gets the period's net sales, transactions, average sale, items
//! and returns per store, each against the comparable period (the same weekday a week
//! before; the week before), in their language, with a one-click unsubscribe link. A period
//! is sent only once every importing integration has stored it whole: until then it waits.

use askama::Template;
use chrono::{Duration, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::compose::{Composed, MailLayout};
use super::digest_coverage::{DigestCoverage, covered_change};
use crate::db::digests::{self as store, DigestKind, Subscriber};
use crate::db::mail::MailKind;
use crate::db::{self, TenantId};
use crate::domain::coverage::Covered;
use crate::domain::money::currency_digits;
use crate::domain::report::{DateRange, Totals, week_start};
use crate::domain::traffic::TrafficSums;
use crate::i18n::{self, Lang};
use crate::state::AppState;

/// The period a digest covers and the one it is compared with (all inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub compare_first: NaiveDate,
    pub compare_last: NaiveDate,
}

/// The last closed period on the local date `today`: yesterday, or the last whole week
/// (Monday to Sunday).
pub fn last_closed(kind: DigestKind, today: NaiveDate) -> Period {
    let (first, last) = match kind {
        DigestKind::Daily => (today - Duration::days(1), today - Duration::days(1)),
        DigestKind::Weekly => {
            let monday = week_start(today) - Duration::days(7);
            (monday, monday + Duration::days(6))
        }
    };
    Period {
        first,
        last,
        compare_first: first - Duration::days(7),
        compare_last: last - Duration::days(7),
    }
}

/// The signature of a user's unsubscribe link: only TMAS can make it, so a link unsubscribes
/// its own reader and nobody else.
pub fn unsubscribe_signature(key: &[u8; 32], user: i64, kind: DigestKind) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("digest-unsubscribe:{user}:{}", kind.as_str()).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Queues every digest that is due and complete; returns how many.
pub async fn check(state: &AppState) -> anyhow::Result<usize> {
    if !state.mail.is_on() {
        return Ok(0);
    }
    let mut queued = 0;
    for kind in [DigestKind::Daily, DigestKind::Weekly] {
        for subscriber in store::subscribers(&state.db, kind).await? {
            if send_if_due(state, kind, &subscriber).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

async fn send_if_due(
    state: &AppState,
    kind: DigestKind,
    subscriber: &Subscriber,
) -> anyhow::Result<bool> {
    let Some(config) = state.mail.config() else {
        return Ok(false);
    };
    let tz: chrono_tz::Tz = subscriber.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let now = chrono::Utc::now().with_timezone(&tz);
    let period = last_closed(kind, now.date_naive());
    let first = period.first.format("%Y-%m-%d").to_string();
    if subscriber.sent.as_str() >= first.as_str() {
        return Ok(false);
    }
    // The numbers must be whole: every importing integration has stored past the period's end.
    let tenant = TenantId(subscriber.tenant_id);
    let end = (period.last + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map_or(i64::MAX, |t| t.timestamp());
    match store::imported_until(&state.db, tenant).await? {
        Some(None) => return Ok(false),
        Some(Some(until)) if until < end => return Ok(false),
        _ => {}
    }
    if !store::claim_period(&state.db, subscriber.id, kind, &first).await? {
        return Ok(false);
    }
    let layout = MailLayout {
        lang: Lang::from_code(&subscriber.language).unwrap_or_default(),
        tenant_name: subscriber.tenant_name.clone(),
    };
    let unsubscribe = config.public_url().link(&format!(
        "/digest/unsubscribe?user={}&kind={}&sig={}",
        subscriber.id,
        kind.as_str(),
        unsubscribe_signature(&state.secret_key, subscriber.id, kind)
    ));
    let message = compose(state, tenant, kind, period, &layout, &unsubscribe).await?;
    super::outbox::queue(
        state,
        Some(tenant),
        MailKind::Digest,
        &subscriber.email,
        &message,
    )
    .await?;
    Ok(true)
}

/// One store's line (or the total's), formatted for the reader.
pub struct DigestRow {
    pub name: String,
    pub net: String,
    pub net_change: String,
    pub transactions: String,
    pub transactions_change: String,
    pub average: String,
    pub items: String,
    pub returns: String,
    /// Visitors counted and conversion (sales transactions ÷ visitors over the hours with a
    /// count), `None` while the tenant's counters report nothing for the period.
    pub traffic: Option<TrafficFigures>,
}

/// A row's traffic figures, formatted; conversion above 100 % is flagged (a counter that
/// undercounted), as on the dashboard.
pub struct TrafficFigures {
    pub visitors: String,
    pub conversion: String,
}

fn traffic_figures(lang: Lang, sums: &TrafficSums) -> TrafficFigures {
    let conversion = match sums.conversion_tenths_percent() {
        Some(tenths) if sums.conversion_above_100() => {
            format!("{} (> 100 %)", i18n::format_share_tenths(lang, tenths))
        }
        Some(tenths) => i18n::format_share_tenths(lang, tenths),
        None => "–".into(),
    };
    // A store whose counter reported nothing was not counted: a dash, never a 0.
    let visitors = if sums.has_traffic() {
        i18n::format_integer(lang, sums.traffic)
    } else {
        "–".into()
    };
    TrafficFigures {
        visitors,
        conversion,
    }
}

#[derive(Template)]
#[template(path = "mail_digest.txt")]
struct DigestText<'a> {
    layout: &'a MailLayout,
    title: &'a str,
    period: &'a str,
    compared: &'a str,
    rows: &'a [DigestRow],
    unsubscribe: &'a str,
}

#[derive(Template)]
#[template(path = "mail_digest.html")]
struct DigestHtml<'a> {
    layout: &'a MailLayout,
    title: &'a str,
    period: &'a str,
    compared: &'a str,
    rows: &'a [DigestRow],
    unsubscribe: &'a str,
}

/// The change from `before` to `now` in tenths of a percent, as the language writes it; a
/// dash when there was nothing to compare with.
fn change(lang: Lang, now: i64, before: i64) -> String {
    if before == 0 {
        return "–".into();
    }
    let tenths = (i128::from(now) - i128::from(before)) * 1000 / i128::from(before);
    i18n::format_percent_tenths(lang, i64::try_from(tenths).unwrap_or(i64::MAX))
}

async fn compose(
    state: &AppState,
    tenant: TenantId,
    kind: DigestKind,
    period: Period,
    layout: &MailLayout,
    unsubscribe: &str,
) -> anyhow::Result<Composed> {
    let lang = layout.lang;
    let rows = digest_rows(state, tenant, period, layout).await?;
    let (title, period_text, compared) = headings(kind, period, layout);
    let subject = format!("{} · {title}: {period_text}", layout.tenant_name);
    Ok(Composed {
        lang,
        subject,
        text: DigestText {
            layout,
            title: &title,
            period: &period_text,
            compared: &compared,
            rows: &rows,
            unsubscribe,
        }
        .render()?,
        html: DigestHtml {
            layout,
            title: &title,
            period: &period_text,
            compared: &compared,
            rows: &rows,
            unsubscribe,
        }
        .render()?,
    })
}

/// A row per active store and one for all of them, each against the comparable period.
async fn digest_rows(
    state: &AppState,
    tenant: TenantId,
    period: Period,
    layout: &MailLayout,
) -> anyhow::Result<Vec<DigestRow>> {
    let lang = layout.lang;
    let locations: Vec<_> = db::locations::list(&state.db, tenant)
        .await?
        .into_iter()
        .filter(|l| l.is_active())
        .collect();
    let ids: Vec<i64> = locations.iter().map(|l| l.id).collect();
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let sums = |from: NaiveDate, to: NaiveDate| {
        let ids = ids.clone();
        async move { db::totals::location_sums(&state.db, tenant, &ids, &day(from), &day(to)).await }
    };
    let range = |from, to| DateRange { from, to };
    let coverage = DigestCoverage::load(
        &state.db,
        tenant,
        &locations,
        (
            range(period.first, period.last),
            range(period.compare_first, period.compare_last),
        ),
    )
    .await?;
    let now_sums = sums(period.first, period.last).await?;
    let before_sums = sums(period.compare_first, period.compare_last).await?;
    let currency = db::totals::currency(&state.db, tenant).await?;
    let row_format = RowFormat {
        lang,
        digits: currency_digits(&currency),
        currency: &currency,
    };
    let totals_of = |rows: &[db::totals::LocationSums], id: i64| {
        rows.iter()
            .find(|r| r.location_id == id)
            .map(|r| r.totals())
            .unwrap_or_default()
    };
    // Traffic once the tenant's counters report for the period (DOMAIN.md: quotients of
    // sums over the hours that have a count).
    let traffic_days = db::traffic::day_sums(&state.db, tenant, period.first, period.last).await?;
    let counted = traffic_days.iter().any(|d| d.sums.has_traffic());
    let traffic_of = |id: Option<i64>| {
        let mut sums = TrafficSums::default();
        for d in traffic_days
            .iter()
            .filter(|d| id.map_or(ids.contains(&d.location_id), |id| d.location_id == id))
        {
            sums.add(&d.sums);
        }
        counted.then(|| traffic_figures(lang, &sums))
    };
    let mut rows = Vec::new();
    let (mut total_now, mut total_before) = (Totals::default(), Totals::default());
    for location in &locations {
        let (now, before) = (
            totals_of(&now_sums, location.id),
            totals_of(&before_sums, location.id),
        );
        // A sum beyond i64 cannot come from real shops; the total then stays as it was.
        let _ = total_now.add(&now);
        let _ = total_before.add(&before);
        rows.push(row_format.row(
            format!("{} · {}", location.location_id, location.name),
            (now, before, coverage.of(location.id)),
            traffic_of(Some(location.id)),
        ));
    }
    // The total counts the active stores only, as the sales beside it do.
    rows.push(row_format.row(
        layout.t("All stores"),
        (total_now, total_before, coverage.of_all()),
        traffic_of(None),
    ));
    Ok(rows)
}

/// The digest's title, its period and what it is compared with, as the reader's language
/// writes them.
fn headings(kind: DigestKind, period: Period, layout: &MailLayout) -> (String, String, String) {
    let lang = layout.lang;
    match kind {
        DigestKind::Daily => (
            layout.t("Yesterday's numbers"),
            i18n::format_weekday_date(lang, period.first),
            layout.t1(
                "Changes against {}",
                i18n::format_weekday_date(lang, period.compare_first),
            ),
        ),
        DigestKind::Weekly => (
            layout.t("Last week's numbers"),
            format!(
                "{} – {}",
                i18n::format_date(lang, period.first),
                i18n::format_date(lang, period.last)
            ),
            layout.t("Changes against the week before"),
        ),
    }
}

/// How a row's figures are written: the reader's language and the tenant's currency.
struct RowFormat<'a> {
    lang: Lang,
    digits: u32,
    currency: &'a str,
}

impl RowFormat<'_> {
    fn row(
        &self,
        name: String,
        (now, before, covered): (Totals, Totals, (Covered, Covered)),
        traffic: Option<TrafficFigures>,
    ) -> DigestRow {
        let RowFormat {
            lang,
            digits,
            currency,
        } = *self;
        // A period the store has no data for shows dashes, never zeros.
        let figure = |text: String| {
            if covered.0.is_not() {
                "–".into()
            } else {
                text
            }
        };
        DigestRow {
            name,
            net: figure(i18n::format_money(lang, now.net, digits, currency)),
            net_change: covered_change(lang, covered, change(lang, now.net, before.net)),
            transactions: figure(i18n::format_integer(lang, now.transactions)),
            transactions_change: covered_change(
                lang,
                covered,
                change(lang, now.transactions, before.transactions),
            ),
            average: now
                .average_sale()
                .map(|a| i18n::format_money(lang, a, digits, currency))
                .unwrap_or_else(|| "–".into()),
            items: figure(i18n::format_integer(lang, now.items)),
            returns: figure(i18n::format_money(lang, now.returns, digits, currency)),
            traffic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let thursday = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        let daily = last_closed(DigestKind::Daily, thursday);
        assert_eq!(daily.first.to_string(), "2026-03-04");
        assert_eq!(daily.compare_first.to_string(), "2026-02-25");
        let weekly = last_closed(DigestKind::Weekly, thursday);
        assert_eq!(
            (weekly.first.to_string(), weekly.last.to_string()),
            ("2026-02-23".to_string(), "2026-03-01".to_string())
        );
        assert_eq!(weekly.compare_last.to_string(), "2026-02-22");
        assert_eq!(change(Lang::En, 110, 100), "+10.0%");
        assert_eq!(change(Lang::Es, 90, 100), "-10,0 %");
        assert_eq!(change(Lang::En, 5, 0), "–");
    }
}
