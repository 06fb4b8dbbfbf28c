//! One import run of one claimed integration: its window, its pages, its facts, its record.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use futures::FutureExt;
use tokio::sync::watch;
use tracing::Instrument;

use super::WorkerConfig;
use super::store::{LocationMap, page_facts};
use crate::crypto::StoredCredentials;
use crate::db::imports::{self, ClaimedIntegration, Finish, Outcome};
use crate::db::{self, TenantId};
use crate::domain::schedule::Schedule;
use crate::domain::store_name::StoreName;
use crate::shopify::{ClientConfig, Credentials, ShopifyClient, ShopifyError, TimeWindow};
use crate::state::AppState;

/// What started a run, as recorded in `import_runs.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
    Backfill,
    Initial,
    /// A scheduled run after a failed one, or the first after credentials were fixed.
    CatchUp,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Backfill => "backfill",
            Trigger::Initial => "initial",
            Trigger::CatchUp => "catch_up",
        }
    }

    fn of(requested: Option<&str>, last_outcome: Option<&str>) -> Trigger {
        match requested {
            Some("manual") => Trigger::Manual,
            Some("backfill") => Trigger::Backfill,
            Some("initial") => Trigger::Initial,
            Some("catch_up") => Trigger::CatchUp,
            _ => match last_outcome {
                Some("failed" | "needs_attention") => Trigger::CatchUp,
                _ => Trigger::Schedule,
            },
        }
    }
}

/// How one run ended, for logs, tests and benchmarks.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub tenant: TenantId,
    pub integration: i64,
    pub run: i64,
    pub trigger: Trigger,
    pub outcome: Outcome,
    pub error: String,
    pub pages: i64,
    pub orders_read: i64,
    pub orders_stored: i64,
}

#[derive(Debug, thiserror::Error)]
pub(super) enum RunError {
    #[error("{0}")]
    Shopify(#[from] ShopifyError),
    #[error("TMAS could not store the imported data; the import is retried at its next run.")]
    Database(#[from] sqlx::Error),
    #[error(
        "The stored credentials cannot be read with this server's secret key. Enter the \
         app's credentials again."
    )]
    Credentials,
    #[error("Another worker took this import over (this worker's lease expired).")]
    LeaseLost,
    #[error("The worker was stopped during this import; it resumes at the next run.")]
    Stopped,
    #[error("The import stopped on an internal error; it is retried at its next run.")]
    Panicked,
    #[error(
        "An administrator canceled this import. Orders already written stay counted and none \
         is counted twice; the next import continues from what is complete, and a re-import \
         of history reads the rest."
    )]
    Canceled,
    #[error(
        "The integration was deactivated or deleted while this import ran, so the import \
         stopped (and its Shopify bulk export, if any, was canceled). Orders already written \
         stay counted."
    )]
    IntegrationStopped,
    #[error(
        "Shopify denied the bulk export access to the store's orders. In Shopify, give the \
         app the read_orders access scope (and read_all_orders for orders older than 60 \
         days) and approve it, then save the app's credentials again in TMAS to resume \
         imports."
    )]
    BulkAccessDenied,
}

impl RunError {
    fn outcome(&self) -> Outcome {
        match self {
            RunError::Shopify(e) if e.is_attention_needed() => Outcome::NeedsAttention,
            RunError::Credentials | RunError::BulkAccessDenied => Outcome::NeedsAttention,
            _ => Outcome::Failed,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub(super) struct Progress {
    pub(super) pages: i64,
    pub(super) orders_read: i64,
    pub(super) orders_stored: i64,
    /// "name (id): field: problem" of each order this run could not read.
    pub(super) unreadable: Vec<String>,
}

/// Unreadable orders a run reads again by id (oldest first), besides its window.
const UNREADABLE_RETRIES_PER_RUN: i64 = 50;

/// The start of a local date in `tz` (the first instant of that day that exists).
pub fn start_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    for hour in 0..3 {
        let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
        if let Some(t) = tz.from_local_datetime(&date.and_time(time)).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

fn parse_date(text: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()
}

fn unix(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_unix(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// Runs an import of a claimed integration to its end and records it.
pub async fn run_claimed(
    state: &AppState,
    config: &WorkerConfig,
    claimed: ClaimedIntegration,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<RunReport> {
    let db = &state.db;
    let tenant = claimed.tenant();
    let integration = claimed.id;
    let owner = config.worker_id.as_str();
    let tz: Tz = imports::tenant_time_zone(db, tenant)
        .await?
        .parse()
        .unwrap_or(chrono_tz::UTC);

    let abandoned = imports::close_abandoned_runs(db, tenant, integration, db::now()).await?;
    if abandoned > 0 {
        tracing::warn!(
            tenant = tenant.0,
            integration,
            abandoned,
            "took over an import whose worker stopped"
        );
    }
    let last = imports::last_outcome(db, tenant, integration).await?;
    let trigger = Trigger::of(claimed.run_requested.as_deref(), last.as_deref());

    // The end is rounded up to a whole second (Shopify's search takes seconds), so a change
    // made just before the run starts is inside its window.
    let to = from_unix(unix(Utc::now()) + 1);
    let from = match trigger {
        Trigger::Backfill => parse_date(claimed.backfill_requested_from.as_deref())
            .map(|d| start_of_local_day(d, tz)),
        Trigger::Initial => parse_date(Some(&claimed.backfill_from)).map(|d| {
            // A first run that stopped half way resumes where its data is committed.
            let start = start_of_local_day(d, tz);
            match claimed.watermark {
                Some(w) => start.max(from_unix(w) - config.overlap()),
                None => start,
            }
        }),
        _ => None,
    }
    .or_else(|| claimed.watermark.map(|w| from_unix(w) - config.overlap()))
    .or_else(|| parse_date(Some(&claimed.backfill_from)).map(|d| start_of_local_day(d, tz)))
    .unwrap_or(to - chrono::Duration::days(1))
    .min(to);
    let window = TimeWindow { from, to };

    let run = imports::start_run(
        db,
        tenant,
        integration,
        trigger.as_str(),
        (unix(from), unix(to)),
        owner,
    )
    .await?;
    // Every event of the run carries tenant, integration and run (never a credential).
    let span = tracing::info_span!("import", tenant = tenant.0, integration, run);
    span.in_scope(|| {
        tracing::info!(trigger = trigger.as_str(), from = %from, to = %to, "import started");
    });

    // Heartbeat: renews the lease while the run lasts; says so if the lease was lost.
    let (lost_tx, lost_rx) = watch::channel(false);
    let heartbeat = {
        let db = db.clone();
        let owner = owner.to_string();
        let (every, lease) = (config.heartbeat, config.lease);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let until = db::now() + lease.as_secs() as i64;
                match imports::renew_lease(&db, tenant, integration, &owner, until).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = lost_tx.send(true);
                        break;
                    }
                    Err(e) => tracing::warn!(
                        tenant = tenant.0,
                        integration,
                        run,
                        error = %e,
                        "lease renewal failed; will retry"
                    ),
                }
            }
        })
    };

    let mut progress = Progress::default();
    let outcome = std::panic::AssertUnwindSafe(import_pages(
        state,
        config,
        &claimed,
        trigger,
        run,
        window,
        &mut progress,
        &stop,
        &lost_rx,
    ))
    .catch_unwind()
    .instrument(span.clone())
    .await
    .unwrap_or(Err(RunError::Panicked));
    heartbeat.abort();

    let schedule = Schedule::from_columns(
        &claimed.schedule_frequency,
        claimed.schedule_minute,
        claimed.schedule_hour,
    );
    let next = unix(schedule.next_after(Utc::now(), tz));
    let retry_request = matches!(trigger, Trigger::Backfill | Trigger::Initial);
    let (finish, error) = match &outcome {
        Ok(()) => (
            Finish {
                outcome: Outcome::Succeeded,
                error: "",
                watermark: Some(unix(to)),
                next_run_at: Some(next),
                keep_request: false,
            },
            // The run went on without them; its record names each and what was wrong.
            if progress.unreadable.is_empty() {
                String::new()
            } else {
                format!(
                    "Orders that could not be read and are not counted yet: {}",
                    progress.unreadable.join("; ")
                )
            },
        ),
        Err(e) => {
            let message = e.to_string();
            let outcome = e.outcome();
            let next_run_at = match (outcome, e) {
                (Outcome::NeedsAttention, _) => None,
                // Stopped on purpose: due again now, for whichever worker runs next.
                (_, RunError::Stopped) => Some(db::now()),
                _ => Some(next),
            };
            (
                Finish {
                    outcome,
                    error: "",
                    watermark: None,
                    next_run_at,
                    // A canceled run's request is dropped: the administrator asked for it.
                    keep_request: (retry_request || matches!(e, RunError::Stopped))
                        && !matches!(e, RunError::Canceled | RunError::IntegrationStopped),
                },
                message,
            )
        }
    };
    let finish = Finish {
        error: &error,
        ..finish
    };
    imports::finish_run(db, tenant, integration, run, owner, &finish).await?;
    span.in_scope(|| match &outcome {
        Ok(()) => tracing::info!(
            pages = progress.pages,
            orders_read = progress.orders_read,
            orders_stored = progress.orders_stored,
            "import succeeded"
        ),
        Err(RunError::Database(e)) => tracing::error!(error = %e, "import failed on the database"),
        Err(e) => tracing::warn!(outcome = finish.outcome.as_str(), error = %e, "import ended"),
    });
    Ok(RunReport {
        tenant,
        integration,
        run,
        trigger,
        outcome: finish.outcome,
        error,
        pages: progress.pages,
        orders_read: progress.orders_read,
        orders_stored: progress.orders_stored,
    })
}

#[allow(clippy::too_many_arguments)]
async fn import_pages(
    state: &AppState,
    config: &WorkerConfig,
    claimed: &ClaimedIntegration,
    trigger: Trigger,
    run: i64,
    window: TimeWindow,
    progress: &mut Progress,
    stop: &watch::Receiver<bool>,
    lost: &watch::Receiver<bool>,
) -> Result<(), RunError> {
    let db = &state.db;
    let tenant = claimed.tenant();
    let credentials: Credentials =
        StoredCredentials::open(&state.secret_key, &claimed.credentials_enc)
            .map_err(|_| RunError::Credentials)?
            .into();
    let client_config = ClientConfig {
        retry: config.retry,
        request_timeout: config.request_timeout,
        page_size: config.page_size,
        ..state.shopify.clone()
    };
    let store = StoreName::parse(&claimed.store_name).map_err(|_| {
        ShopifyError::Config(format!(
            "`{}` is not a store name (lowercase letters, digits and dashes)",
            claimed.store_name
        ))
    })?;
    let client = match &config.http {
        Some(http) => ShopifyClient::with_http(&client_config, &store, credentials, http.clone())?,
        None => ShopifyClient::new(&client_config, &store, credentials)?,
    };
    let locations = LocationMap::new(&imports::matched_locations(db, tenant, claimed.id).await?);
    let read = if config.bulk.reads_in_bulk(trigger, &window) {
        let bulk = super::bulk::BulkRead {
            state,
            config,
            claimed,
            run,
            window,
            stop,
            lost,
            client: &client,
            locations: &locations,
        };
        bulk.read(progress).await
    } else {
        read_pages(
            state, config, claimed, run, window, progress, stop, lost, &client, &locations,
        )
        .await
    };
    remember_what_shopify_said(db, tenant, claimed.id, run, &client).await;
    read
}

/// Records on the run how Shopify priced its pages (when the page had to shrink) and on the
/// integration which API version answered; a failure here never fails the import.
async fn remember_what_shopify_said(
    db: &crate::db::Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
    client: &ShopifyClient,
) {
    let mut notes: Vec<String> = client
        .take_page_shrinks()
        .iter()
        .map(|s| s.note())
        .collect();
    notes.dedup();
    for note in notes {
        if let Err(e) = imports::add_run_note(db, tenant, run, &note).await {
            tracing::warn!(error = %e, "could not record the run's note");
        }
    }
    if let Some(answered) = client.answered_version()
        && let Err(e) = imports::record_api_version(db, tenant, integration, &answered).await
    {
        tracing::warn!(error = %e, "could not record the API version Shopify answered with");
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn read_pages(
    state: &AppState,
    config: &WorkerConfig,
    claimed: &ClaimedIntegration,
    run: i64,
    window: TimeWindow,
    progress: &mut Progress,
    stop: &watch::Receiver<bool>,
    lost: &watch::Receiver<bool>,
    client: &ShopifyClient,
    locations: &LocationMap,
) -> Result<(), RunError> {
    let db = &state.db;
    let tenant = claimed.tenant();
    let batch = Batch {
        state,
        config,
        claimed,
        run,
        locations,
    };

    let (mut page, mut pages_read) = next_batch(client, &window, None, stop, lost).await?;
    loop {
        batch.note_readability(&page, progress).await?;
        let (facts, mut counts) = page_facts(&page.orders, locations);
        counts.pages = pages_read;
        let lease_until = db::now() + config.lease.as_secs() as i64;
        let lease = imports::RunLease {
            integration: claimed.id,
            run,
            owner: &config.worker_id,
        };
        let store = imports::store_page(db, tenant, &lease, &facts, &counts, lease_until);
        // The next page is read while this one is written: the HTTP call and the write
        // transaction run side by side, and the transaction never waits for Shopify.
        let cursor = page.next_cursor.take();
        let read_next = async {
            match cursor {
                Some(cursor) => Some(next_batch(client, &window, Some(cursor), stop, lost).await),
                None => None,
            }
        };
        let (held, next) = tokio::join!(store, read_next);
        if !held? {
            return Err(RunError::LeaseLost);
        }
        obey_control(db, tenant, claimed.id, run).await?;
        progress.pages += pages_read;
        progress.orders_read += counts.orders_read;
        progress.orders_stored += counts.orders_stored;
        tracing::debug!(
            pages = progress.pages,
            orders = counts.orders_read,
            "page stored"
        );
        match next {
            Some(next) => (page, pages_read) = next?,
            None => break,
        }
    }
    batch
        .read_unreadable_again(client, progress, stop, lost)
        .await
}

/// What storing a batch of orders needs, shared by the window's pages and the orders read
/// again by id.
pub(super) struct Batch<'a> {
    pub(super) state: &'a AppState,
    pub(super) config: &'a WorkerConfig,
    pub(super) claimed: &'a ClaimedIntegration,
    pub(super) run: i64,
    pub(super) locations: &'a LocationMap,
}

impl Batch<'_> {
    /// Records the orders of `page` that could not be read (with the hours they would have
    /// touched) and forgets those that were unreadable before and are read now.
    pub(super) async fn note_readability(
        &self,
        page: &crate::shopify::OrdersPage,
        progress: &mut Progress,
    ) -> Result<(), RunError> {
        self.note_orders_readability(&page.orders, &page.unreadable, progress)
            .await
    }

    pub(super) async fn note_orders_readability(
        &self,
        orders: &[crate::shopify::Order],
        unreadable: &[crate::shopify::types::UnreadableOrder],
        progress: &mut Progress,
    ) -> Result<(), RunError> {
        let (db, tenant) = (&self.state.db, self.claimed.tenant());
        let read: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
        crate::db::unreadable::clear(db, tenant, self.claimed.id, &read).await?;
        let records = unreadable_records(unreadable, self.locations);
        for r in &records {
            progress.unreadable.push(format!(
                "{} ({}): {}",
                r.order_name, r.shopify_order_id, r.problem
            ));
        }
        crate::db::unreadable::record(db, tenant, self.claimed.id, self.run, &records).await?;
        let checks = order_checks(orders, self.locations);
        crate::db::order_checks::replace(db, tenant, self.claimed.id, self.run, &read, &checks)
            .await?;
        Ok(())
    }

    /// Reads again, by id, the orders earlier runs could not read, and stores those that
    /// can be read now. An order that is still unreadable stays listed.
    pub(super) async fn read_unreadable_again(
        &self,
        client: &ShopifyClient,
        progress: &mut Progress,
        stop: &watch::Receiver<bool>,
        lost: &watch::Receiver<bool>,
    ) -> Result<(), RunError> {
        let (db, tenant) = (&self.state.db, self.claimed.tenant());
        let mut pending: Vec<String> =
            crate::db::unreadable::for_integration(db, tenant, self.claimed.id)
                .await?
                .into_iter()
                .map(|u| u.shopify_order_id)
                .filter(|id| !progress.unreadable.iter().any(|u| u.contains(id.as_str())))
                .collect();
        pending.truncate(UNREADABLE_RETRIES_PER_RUN as usize);
        for ids in pending.chunks(self.config.page_size.max(1) as usize) {
            let mut cursor: Option<String> = None;
            loop {
                if *stop.borrow() {
                    return Err(RunError::Stopped);
                }
                if *lost.borrow() {
                    return Err(RunError::LeaseLost);
                }
                let mut page = client.fetch_orders_by_ids(ids, cursor.as_deref()).await?;
                self.note_readability(&page, progress).await?;
                let (facts, mut counts) = page_facts(&page.orders, self.locations);
                counts.pages = 1;
                // Orders read again by id are older than the window: the watermark stays.
                counts.updated_until = None;
                let lease = imports::RunLease {
                    integration: self.claimed.id,
                    run: self.run,
                    owner: &self.config.worker_id,
                };
                let lease_until = db::now() + self.config.lease.as_secs() as i64;
                if !imports::store_page(db, tenant, &lease, &facts, &counts, lease_until).await? {
                    return Err(RunError::LeaseLost);
                }
                progress.pages += 1;
                progress.orders_read += counts.orders_read;
                progress.orders_stored += counts.orders_stored;
                match page.next_cursor.take() {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
        }
        Ok(())
    }
}

/// The unreadable orders TMAS would import, with the TMAS hours they would have touched.
/// An order that is readably online, a test, or sold at a store that does not import is
/// none of TMAS's business and is left out.
/// The imported orders whose ledger support should look at (DOMAIN.md's self-check).
fn order_checks(
    orders: &[crate::shopify::Order],
    locations: &LocationMap,
) -> Vec<crate::db::order_checks::OrderCheck> {
    orders
        .iter()
        .filter(|o| o.ledger.is_some())
        .filter(|o| {
            o.retail_location_id
                .is_some_and(|l| locations.is_matched(l))
        })
        .filter_map(|o| {
            let problems = crate::domain::facts::order_facts(o).problems;
            (!problems.is_empty()).then(|| crate::db::order_checks::OrderCheck {
                shopify_order_id: o.id.clone(),
                order_name: o.name.clone(),
                problem: problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            })
        })
        .collect()
}

fn unreadable_records(
    orders: &[crate::shopify::types::UnreadableOrder],
    locations: &LocationMap,
) -> Vec<crate::db::unreadable::UnreadableRecord> {
    orders
        .iter()
        .filter(|u| u.maybe_imported && !u.id.is_empty())
        .filter(|u| {
            u.touches.is_empty() || u.touches.iter().any(|(l, _)| locations.get(*l).is_some())
        })
        .map(|u| {
            let mut hours: Vec<(i64, String, i64)> = u
                .touches
                .iter()
                .filter_map(|(loc, at)| {
                    let target = locations.get(*loc)?;
                    let (date, hour) = crate::domain::facts::local_hour(*at, target.time_zone);
                    Some((
                        target.location_id,
                        date.format("%Y-%m-%d").to_string(),
                        i64::from(hour),
                    ))
                })
                .collect();
            hours.sort();
            hours.dedup();
            crate::db::unreadable::UnreadableRecord {
                shopify_order_id: u.id.clone(),
                order_name: u.name.clone(),
                problem: u.problem.clone(),
                hours,
            }
        })
        .collect()
}

/// Orders written per transaction. Shopify's pages are small (a page must stay under the
/// 1,000-point query cost), so several are read before one write: far fewer commits, and
/// the write of one batch still overlaps the reading of the next.
pub(super) const ORDERS_PER_BATCH: usize = 200;

/// Pages of orders until a batch is full or the window is read, and how many pages.
async fn next_batch(
    client: &ShopifyClient,
    window: &TimeWindow,
    cursor: Option<String>,
    stop: &watch::Receiver<bool>,
    lost: &watch::Receiver<bool>,
) -> Result<(crate::shopify::OrdersPage, i64), RunError> {
    let mut batch = next_page(client, window, cursor, stop, lost).await?;
    let mut pages = 1;
    while batch.orders.len() < ORDERS_PER_BATCH
        && let Some(cursor) = batch.next_cursor.take()
    {
        let page = next_page(client, window, Some(cursor), stop, lost).await?;
        batch.orders.extend(page.orders);
        batch.unreadable.extend(page.unreadable);
        batch.next_cursor = page.next_cursor;
        batch.cost = page.cost;
        pages += 1;
    }
    Ok((batch, pages))
}

/// One page of orders, unless the worker is stopped or loses its lease first.
async fn next_page(
    client: &ShopifyClient,
    window: &TimeWindow,
    cursor: Option<String>,
    stop: &watch::Receiver<bool>,
    lost: &watch::Receiver<bool>,
) -> Result<crate::shopify::OrdersPage, RunError> {
    let (mut stop, mut lost) = (stop.clone(), lost.clone());
    if *stop.borrow() {
        return Err(RunError::Stopped);
    }
    if *lost.borrow() {
        return Err(RunError::LeaseLost);
    }
    tokio::select! {
        page = client.fetch_orders_page(window, cursor.as_deref()) => Ok(page?),
        _ = stop.wait_for(|s| *s) => Err(RunError::Stopped),
        _ = lost.wait_for(|l| *l) => Err(RunError::LeaseLost),
    }
}

/// Stops a run an administrator canceled or whose integration was deactivated or deleted
/// (checked after every batch, and while a bulk export is awaited).
pub(super) async fn obey_control(
    db: &crate::db::Db,
    tenant: TenantId,
    integration: i64,
    run: i64,
) -> Result<(), RunError> {
    use crate::db::bulk_runs::{self, RunControl};
    match bulk_runs::control(db, tenant, integration, run).await? {
        RunControl::Continue => Ok(()),
        RunControl::CancelRequested => Err(RunError::Canceled),
        RunControl::IntegrationStopped => Err(RunError::IntegrationStopped),
    }
}
