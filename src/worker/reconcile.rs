//! The daily check of TMAS's numbers against Shopify's own sales report: once the shop's day
//! has closed (or when an admin asks), ask ShopifyQL for the POS channel's net sales, orders
//! and returns per POS location and local day over the last 7 days, each location in its own
//! time zone, and compare with TMAS's daily totals of the matched locations. The check only
//! reads and records; it never changes an imported number.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::WorkerConfig;
use crate::crypto::StoredCredentials;
use crate::db::integrations::{Integration, LocationMatch};
use crate::db::locations::Location;
use crate::db::reconciliation::{self as store, DayCheck, Outcome};
use crate::db::{self, TenantId};
use crate::domain::reconciliation::CheckState;
use crate::shopify::shopifyql::{MAX_QUERIES_PER_CHECK, REPORTS_SCOPE, ReportError, ReportQuery};
use crate::shopify::{ClientConfig, Credentials, ShopifyClient, ShopifyError};
use crate::state::AppState;

/// Days checked, the last complete local day and the six before it.
pub const DAYS_CHECKED: i64 = 7;

/// The shop's local time after which its previous day is taken as closed (late refunds and
/// the last till closings have reached Shopify's report by then).
const CHECK_AT_LOCAL: (u32, u32) = (3, 0);

/// How long a claimed check holds before another worker may take it over.
const LEASE_SECONDS: i64 = 300;

/// How soon a check that could not finish (throttled, Shopify unreachable) is tried again.
const RETRY_SECONDS: i64 = 3600;

/// The reasons TMAS can name for a location-day that differs.
pub mod reason {
    /// A manual edit changed the day in TMAS.
    pub const EDITED: &str = "edited";
    /// The location is disabled in the integration (or inactive in TMAS).
    pub const DISABLED: &str = "disabled";
    /// An order TMAS could not read would have counted that day.
    pub const UNREADABLE: &str = "unreadable";
    /// Without `read_returns`, TMAS places exchanges at the store of the sale.
    pub const RETURNS_SCOPE: &str = "returns_scope";
    /// Shopify's data changed after TMAS's last import of the day: re-import it.
    pub const CHANGED: &str = "changed";
}

/// When the next daily check is due after `now`: the next CHECK_AT_LOCAL in the shop's
/// time zone.
pub fn next_check_after(now: DateTime<Utc>, shop_time_zone: &str) -> i64 {
    let tz: Tz = shop_time_zone.parse().unwrap_or(chrono_tz::UTC);
    let local_today = now.with_timezone(&tz).date_naive();
    let at = NaiveTime::from_hms_opt(CHECK_AT_LOCAL.0, CHECK_AT_LOCAL.1, 0).unwrap_or_default();
    for day in [local_today, local_today + Duration::days(1)] {
        if let Some(t) = tz.from_local_datetime(&day.and_time(at)).earliest()
            && t > now
        {
            return t.timestamp();
        }
    }
    (now + Duration::days(1)).timestamp()
}

/// Asks for a check of one integration as soon as a worker is free.
pub async fn request_now(db: &db::Db, tenant: TenantId, integration: i64) -> sqlx::Result<()> {
    store::schedule(db, tenant, integration, db::now()).await
}

/// Schedules the first check of new integrations, then runs every due check; returns how
/// many ran. Called by the worker beside the imports, and by tests.
pub async fn run_due(state: &AppState, config: &WorkerConfig) -> anyhow::Result<usize> {
    let now = Utc::now();
    for new in store::unscheduled(&state.db).await? {
        store::schedule(
            &state.db,
            TenantId(new.tenant_id),
            new.integration_id,
            next_check_after(now, &new.shop_time_zone),
        )
        .await?;
    }
    let mut ran = 0;
    // A bound, so a check that keeps being due cannot hold the worker.
    for _ in 0..100 {
        let at = db::now();
        let Some((tenant, integration)) =
            store::claim_due(&state.db, &config.worker_id, at, at + LEASE_SECONDS).await?
        else {
            break;
        };
        check(state, config, TenantId(tenant), integration).await?;
        ran += 1;
    }
    Ok(ran)
}

/// Runs one integration's check now and records what it found.
pub async fn check(
    state: &AppState,
    config: &WorkerConfig,
    tenant: TenantId,
    integration_id: i64,
) -> anyhow::Result<()> {
    let db = &state.db;
    let Some(integration) = db::integrations::get(db, tenant, integration_id).await? else {
        return Ok(());
    };
    let now = Utc::now();
    let next = next_check_after(now, &integration.shop_time_zone);
    let record = |state: CheckState, message: String, warnings: String, days| async move {
        store::record(
            db,
            tenant,
            integration_id,
            &Outcome {
                state,
                message: &message,
                warnings: &warnings,
                days,
                checked_at: now.timestamp(),
                next_check_at: next_check_at(state, now, next),
            },
        )
        .await
    };
    let client = match client_for(state, config, &integration) {
        Ok(c) => c,
        Err(e) => return Ok(record(CheckState::Failed, e.to_string(), String::new(), None).await?),
    };
    // The scopes as Shopify grants them now: read_reports may have been added since setup.
    match client.access_scopes().await {
        Ok(scopes) if !scopes.iter().any(|s| s == REPORTS_SCOPE) => {
            return Ok(record(
                CheckState::NoScope,
                REPORTS_SCOPE.into(),
                String::new(),
                None,
            )
            .await?);
        }
        Ok(_) => {}
        Err(e) => return Ok(record(failure_state(&e), e.to_string(), String::new(), None).await?),
    }
    let matches = db::integrations::matches(db, tenant, integration_id).await?;
    let locations = locations_by_id(db, tenant).await?;
    let zones = zones_of(&matches, &locations, &integration.shop_time_zone);
    let mut warnings: Vec<String> = Vec::new();
    let reported =
        match shopify_report(&client, &integration, &matches, &zones, now, &mut warnings).await {
            Ok(r) => r,
            Err(e) => {
                let (code, message) = report_failure(&e);
                tracing::warn!(tenant = tenant.0, integration = integration_id, error = %e,
                               "reconciliation: Shopify's report could not be read");
                return Ok(record(code, message, warnings.join("\n"), None).await?);
            }
        };
    let days = compare(
        db,
        tenant,
        &integration,
        &matches,
        &locations,
        &reported,
        now,
    )
    .await?;
    record(
        CheckState::Done,
        String::new(),
        warnings.join("\n"),
        Some(&days),
    )
    .await?;
    Ok(())
}

/// The tenant's locations by their row id.
async fn locations_by_id(db: &db::Db, tenant: TenantId) -> anyhow::Result<HashMap<i64, Location>> {
    let locations = db::locations::list(db, tenant).await?;
    Ok(locations.into_iter().map(|l| (l.id, l)).collect())
}

/// Shopify's numbers per (Shopify location, local day): net sales, orders, returns.
type ShopifyDays = HashMap<(i64, NaiveDate), (i64, i64, i64)>;

/// What Shopify's report gave: its numbers, and each match's window (its index in the
/// matches, the first and the last local day asked).
struct Reported {
    days: ShopifyDays,
    windows: Vec<(usize, NaiveDate, NaiveDate)>,
}

/// When the check is tried next: soon after a failure it may recover from, else at `next`.
fn next_check_at(state: CheckState, now: DateTime<Utc>, next: i64) -> i64 {
    if state.retries_soon() {
        (now.timestamp() + RETRY_SECONDS).min(next)
    } else {
        next
    }
}

/// The matches grouped by their location's time zone (the shop's when the location is
/// unknown), as indexes into `matches`. One question per time zone: WITH TIMEZONE applies to
/// the whole query.
fn zones_of(
    matches: &[LocationMatch],
    locations: &HashMap<i64, Location>,
    shop_time_zone: &str,
) -> BTreeMap<String, Vec<usize>> {
    let mut zones: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, m) in matches.iter().enumerate() {
        let tz = locations
            .get(&m.location_id)
            .map(|l| l.time_zone.clone())
            .unwrap_or_else(|| shop_time_zone.to_string());
        zones.entry(tz).or_default().push(i);
    }
    zones
}

/// The check's state and message for a report that could not be read.
fn report_failure(e: &ReportError) -> (CheckState, String) {
    match e {
        ReportError::ParseErrors(errors) => (CheckState::ParseError, errors.join("\n")),
        ReportError::MissingColumn(column) => (CheckState::MissingColumn, column.clone()),
        ReportError::Shopify(s) => (failure_state(s), s.to_string()),
    }
}

/// Asks Shopify's report once per time zone (at most MAX_QUERIES_PER_CHECK) and keeps each
/// zone's answer for its own locations; the report's warnings are added to `warnings`, and
/// stay there when a later question fails.
async fn shopify_report(
    client: &ShopifyClient,
    integration: &Integration,
    matches: &[LocationMatch],
    zones: &BTreeMap<String, Vec<usize>>,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Result<Reported, ReportError> {
    let mut shopify: ShopifyDays = HashMap::new();
    let mut windows: Vec<(usize, NaiveDate, NaiveDate)> = Vec::new();
    for (zone, members) in zones.iter().take(MAX_QUERIES_PER_CHECK) {
        let tz: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        let today = now.with_timezone(&tz).date_naive();
        let query = ReportQuery {
            time_zone: zone.clone(),
            currency: integration.shop_currency.clone(),
            since: today - Duration::days(DAYS_CHECKED),
            until: today - Duration::days(1),
        };
        let report = client.sales_report(&query).await?;
        for w in report.warnings {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        // The report covers every location; this zone's answer counts for its own only.
        let own: HashSet<i64> = members
            .iter()
            .filter_map(|&i| shopify_number(&matches[i].shopify_location_id))
            .collect();
        for d in report
            .days
            .into_iter()
            .filter(|d| own.contains(&d.shopify_location_id))
        {
            shopify.insert(
                (d.shopify_location_id, d.date),
                (d.net_sales, d.orders, d.returns),
            );
        }
        for &i in members {
            windows.push((i, query.since, query.until));
        }
    }
    Ok(Reported {
        days: shopify,
        windows,
    })
}

/// Every matched location-day of the windows, Shopify's numbers beside TMAS's, with the
/// reasons TMAS can name where they differ. Reads nothing when no window was asked.
async fn compare(
    db: &db::Db,
    tenant: TenantId,
    integration: &Integration,
    matches: &[LocationMatch],
    locations: &HashMap<i64, Location>,
    reported: &Reported,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<DayCheck>> {
    let windows = &reported.windows;
    let (Some(from), Some(to)) = (
        windows.iter().map(|w| w.1).min(),
        windows.iter().map(|w| w.2).max(),
    ) else {
        return Ok(Vec::new());
    };
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let ids: Vec<i64> = matches.iter().map(|m| m.location_id).collect();
    let tmas: HashMap<(i64, String), store::TmasDay> =
        store::tmas_days(db, tenant, &ids, &from_s, &to_s)
            .await?
            .into_iter()
            .map(|d| ((d.location_id, d.local_date.clone()), d))
            .collect();
    let unreadable: HashSet<(i64, String)> =
        store::unreadable_days(db, tenant, integration.id, &from_s, &to_s)
            .await?
            .into_iter()
            .collect();
    let mut days = Vec::new();
    for &(i, since, until) in windows {
        let m = &matches[i];
        let shopify_id = shopify_number(&m.shopify_location_id);
        let mut date = since;
        while date <= until {
            let key = date.to_string();
            let (s_net, s_orders, s_returns) = shopify_id
                .and_then(|id| reported.days.get(&(id, date)).copied())
                .unwrap_or_default();
            let t = tmas.get(&(m.location_id, key.clone()));
            let mut day = DayCheck {
                location_id: m.location_id,
                local_date: key.clone(),
                shopify_net: s_net,
                shopify_orders: s_orders,
                shopify_returns: s_returns,
                tmas_net: t.map_or(0, |t| t.net),
                tmas_orders: t.map_or(0, |t| t.sales_transactions),
                tmas_returns: t.map_or(0, |t| t.returns),
                reasons: String::new(),
                checked_at: now.timestamp(),
            };
            if !day.matches() {
                let active = locations.get(&m.location_id).is_some_and(|l| l.is_active());
                let unreadable = unreadable.contains(&(m.location_id, key));
                day.reasons = reasons(integration, m, active, t, unreadable, &day);
            }
            days.push(day);
            date += Duration::days(1);
        }
    }
    Ok(days)
}

/// The reasons TMAS can name for a location-day that differs, comma-separated; CHANGED
/// when none of the others applies.
fn reasons(
    integration: &Integration,
    m: &LocationMatch,
    active: bool,
    tmas: Option<&store::TmasDay>,
    unreadable: bool,
    day: &DayCheck,
) -> String {
    let mut reasons = Vec::new();
    if tmas.is_some_and(|t| t.edited != 0) {
        reasons.push(reason::EDITED);
    }
    if !m.is_enabled() || !active {
        reasons.push(reason::DISABLED);
    }
    if unreadable {
        reasons.push(reason::UNREADABLE);
    }
    if !integration.reads_returns() && day.shopify_returns != day.tmas_returns {
        reasons.push(reason::RETURNS_SCOPE);
    }
    if reasons.is_empty() {
        reasons.push(reason::CHANGED);
    }
    reasons.join(",")
}

/// A matched Shopify location's numeric id (stored as a number or a GID).
fn shopify_number(id: &str) -> Option<i64> {
    crate::shopify::types::gid_number(id).or_else(|| id.parse().ok())
}

/// The state a failed Shopify call leaves the check in.
fn failure_state(e: &ShopifyError) -> CheckState {
    match e {
        ShopifyError::ScopeMissing { scope } if scope == REPORTS_SCOPE => CheckState::NoScope,
        ShopifyError::RateLimited => CheckState::Throttled,
        _ => CheckState::Failed,
    }
}

/// A client for the integration's shop with its stored credentials.
fn client_for(
    state: &AppState,
    config: &WorkerConfig,
    integration: &Integration,
) -> Result<ShopifyClient, ShopifyError> {
    let credentials: Credentials =
        StoredCredentials::open(&state.secret_key, &integration.credentials_enc)
            .map_err(|_| ShopifyError::Config("the stored credentials cannot be opened".into()))?
            .into();
    let client_config = ClientConfig {
        retry: config.retry,
        request_timeout: config.request_timeout,
        ..state.shopify.clone()
    };
    match &config.http {
        Some(http) => ShopifyClient::with_http(
            &client_config,
            &integration.store_name,
            credentials,
            http.clone(),
        ),
        None => ShopifyClient::new(&client_config, &integration.store_name, credentials),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_is_due_after_the_shop_day_closes() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 4, 21, 0, 0)
            .single()
            .expect("instant");
        // 16:00 in Toronto: the next check is at 03:00 local tomorrow (08:00 UTC).
        assert_eq!(
            next_check_after(now, "America/Toronto"),
            Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0)
                .single()
                .expect("instant")
                .timestamp()
        );
        let early = Utc
            .with_ymd_and_hms(2026, 12, 5, 6, 0, 0)
            .single()
            .expect("instant");
        assert_eq!(
            next_check_after(early, "America/Toronto"),
            Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0)
                .single()
                .expect("instant")
                .timestamp()
        );
    }
}
