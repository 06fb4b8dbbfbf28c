//! One import run of one claimed integration: its window, its pages, its facts, its record.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use futures::FutureExt;
use tokio::sync::watch;
use tracing::Instrument;

use super::WorkerConfig;
use super::pages::read_pages;
use super::run_record::{Progress, RunError, Trigger};
use super::store::LocationMap;
use crate::crypto::StoredCredentials;
use crate::db::imports::{self, ClaimedIntegration, Finish, Outcome};
use crate::db::{self, TenantId};
use crate::shopify::{ClientConfig, Credentials, ShopifyClient, TimeWindow};
use crate::state::AppState;

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

    let trigger = take_over(db, &claimed).await?;
    let window = import_window(config, &claimed, trigger, tz);
    let TimeWindow { from, to } = window;

    let run = imports::start_run(
        db,
        tenant,
        integration,
        trigger,
        (unix(from), unix(to)),
        owner,
    )
    .await?;
    // Every event of the run carries tenant, integration and run (never a credential).
    let span = tracing::info_span!("import", tenant = tenant.0, integration, run);
    span.in_scope(|| {
        tracing::info!(trigger = trigger.as_str(), from = %from, to = %to, "import started");
    });

    let (heartbeat, lost_rx) = spawn_heartbeat(db, config, tenant, integration, owner, run);
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

    let next = next_scheduled_run(&claimed, tz);
    let (finish, error) = finish_of(&outcome, &progress, trigger, unix(to), next);
    let finish = Finish {
        error: &error,
        ..finish
    };
    imports::finish_run(db, tenant, integration, run, owner, &finish).await?;
    span.in_scope(|| log_end(&outcome, &progress, &finish));
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

/// Closes the runs of a worker that stopped holding this integration, then picks what
/// starts this run from the request and the last run's outcome.
async fn take_over(db: &crate::db::Db, claimed: &ClaimedIntegration) -> anyhow::Result<Trigger> {
    let tenant = claimed.tenant();
    let integration = claimed.id;
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
    Ok(Trigger::of(claimed.run_requested, last))
}

/// The window of `updatedAt` this run reads, from its trigger, the watermark and the
/// backfill date.
fn import_window(
    config: &WorkerConfig,
    claimed: &ClaimedIntegration,
    trigger: Trigger,
    tz: Tz,
) -> TimeWindow {
    // The end is rounded up to a whole second (Shopify's search takes seconds), so a change
    // made just before the run starts is inside its window.
    let to = from_unix(unix(Utc::now()) + 1);
    let from = match trigger {
        Trigger::Backfill => claimed
            .backfill_requested_from
            .map(|d| start_of_local_day(d, tz)),
        Trigger::Initial => claimed.backfill_from.map(|d| {
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
    .or_else(|| claimed.backfill_from.map(|d| start_of_local_day(d, tz)))
    .unwrap_or(to - chrono::Duration::days(1))
    .min(to);
    TimeWindow { from, to }
}

/// Renews the lease while the run lasts; the receiver turns true if the lease was lost.
fn spawn_heartbeat(
    db: &crate::db::Db,
    config: &WorkerConfig,
    tenant: TenantId,
    integration: i64,
    owner: &str,
    run: i64,
) -> (tokio::task::JoinHandle<()>, watch::Receiver<bool>) {
    let (lost_tx, lost_rx) = watch::channel(false);
    let db = db.clone();
    let owner = owner.to_string();
    let (every, lease) = (config.heartbeat, config.lease);
    let heartbeat = tokio::spawn(async move {
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
    });
    (heartbeat, lost_rx)
}

/// When the integration's schedule runs next after now.
fn next_scheduled_run(claimed: &ClaimedIntegration, tz: Tz) -> i64 {
    unix(claimed.schedule.next_after(Utc::now(), tz))
}

/// How the run's record ends (its error left empty) and the error message to record, from
/// how the import went: `watermark` is the window's end, `next` the next scheduled run.
fn finish_of(
    outcome: &Result<(), RunError>,
    progress: &Progress,
    trigger: Trigger,
    watermark: i64,
    next: i64,
) -> (Finish<'static>, String) {
    let retry_request = matches!(trigger, Trigger::Backfill | Trigger::Initial);
    match outcome {
        Ok(()) => (
            Finish {
                outcome: Outcome::Succeeded,
                error: "",
                watermark: Some(watermark),
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
    }
}

/// The run's last log line, inside its span.
fn log_end(outcome: &Result<(), RunError>, progress: &Progress, finish: &Finish<'_>) {
    match outcome {
        Ok(()) => tracing::info!(
            pages = progress.pages,
            orders_read = progress.orders_read,
            orders_stored = progress.orders_stored,
            "import succeeded"
        ),
        Err(RunError::Database(e)) => tracing::error!(error = %e, "import failed on the database"),
        Err(e) => tracing::warn!(outcome = finish.outcome.as_str(), error = %e, "import ended"),
    }
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
    let store = &claimed.store_name;
    let client = match &config.http {
        Some(http) => ShopifyClient::with_http(&client_config, store, credentials, http.clone())?,
        None => ShopifyClient::new(&client_config, store, credentials)?,
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
