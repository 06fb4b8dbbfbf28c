//! The import worker: claims due integrations from the database with a lease, imports each,
//! and records every run; beside the imports it sends the mail outbox. Any number of workers (processes) share the work.

pub mod bulk;
mod pages;
pub mod reconcile;
pub mod run;
mod run_record;
pub mod store;

pub use crate::worker_id::new_worker_id;
use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

pub use bulk::{BULK_CATCH_UP_AFTER_HOURS, BulkPolicy};
pub use run::RunReport;
pub use run_record::Trigger;

use crate::config::WorkerArgs;
use crate::db::imports::{self, ClaimedIntegration};
use crate::db::{self, Db};
use crate::shopify::RetryPolicy;
use crate::state::AppState;

/// How often an idle worker looks for due work.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// How often a worker looks for a due check against Shopify's report (at least).
const CHECK_POLL: Duration = Duration::from_secs(15);

/// How a worker behaves; the defaults suit production, tests shorten the waits.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in leases and run records (unique per process).
    pub worker_id: String,
    /// How long a claim holds without renewal; a crashed worker's work is taken over after it.
    pub lease: Duration,
    /// How often a running import renews its lease.
    pub heartbeat: Duration,
    /// How far before the watermark each run reads again.
    pub overlap_minutes: i64,
    pub poll_interval: Duration,
    /// Imports one worker runs at the same time (each of a different integration).
    pub max_concurrent_runs: usize,
    pub retry: RetryPolicy,
    pub request_timeout: Duration,
    /// Orders per page, at most what fits under Shopify's single-query cost limit
    /// ([`crate::shopify::queries::orders_per_page`]); the default asks for as many as fit.
    pub page_size: u32,
    /// Which runs read through a Shopify bulk export, and how it is awaited.
    pub bulk: bulk::BulkPolicy,
    /// The HTTP client every run of this worker sends through, so connections to Shopify
    /// are reused from run to run instead of opened (and TLS roots loaded) for each;
    /// [`run_with`] and [`drain_with`] build it when none is given.
    pub http: Option<reqwest::Client>,
    /// How this worker sends the mail outbox (when mail is on).
    pub mail: crate::mail::outbox::OutboxConfig,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            worker_id: new_worker_id(),
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(15),
            overlap_minutes: 10,
            poll_interval: POLL_INTERVAL,
            max_concurrent_runs: 4,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            page_size: crate::shopify::queries::MAX_PAGE_SIZE,
            bulk: bulk::BulkPolicy::default(),
            http: None,
            mail: Default::default(),
        }
    }
}

impl WorkerConfig {
    /// The configuration the command line asks for; the rest keeps its defaults.
    pub fn from_args(args: &WorkerArgs) -> Self {
        WorkerConfig {
            max_concurrent_runs: args.concurrent_imports,
            ..Default::default()
        }
    }

    pub fn overlap(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.overlap_minutes)
    }

    /// This configuration with its shared HTTP client built (kept when one was given).
    fn with_http(mut self) -> Self {
        if self.http.is_none() {
            match crate::shopify::client::http_client(self.request_timeout) {
                Ok(http) => self.http = Some(http),
                // Each run then builds its own and reports the same error on its record.
                Err(e) => tracing::warn!(error = %e, "worker: no shared HTTP client"),
            }
        }
        self
    }
}

/// Claims one due integration for this worker, if any.
pub async fn claim(db: &Db, config: &WorkerConfig) -> sqlx::Result<Option<ClaimedIntegration>> {
    let at = db::now();
    imports::claim_due(
        db,
        &config.worker_id,
        at + config.lease.as_secs() as i64,
        at,
    )
    .await
}

/// Runs the worker with the default configuration until `shutdown` resolves.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    run_with(state, WorkerConfig::default(), shutdown).await;
}

/// Runs the worker until `shutdown` resolves: claims due work on every tick, up to
/// `max_concurrent_runs` imports at once. On shutdown, running imports stop between pages,
/// record that they were stopped and release their lease.
pub async fn run_with(state: AppState, config: WorkerConfig, shutdown: impl Future<Output = ()>) {
    let config = config.with_http();
    tracing::info!(worker = %config.worker_id, "import worker started");
    let (stop_tx, stop_rx) = watch::channel(false);
    // The outbox is sent beside the imports, by every worker; its own claims keep two workers
    // from sending one message.
    let outbox = {
        let mut stop = stop_rx.clone();
        let mail = config.mail.clone();
        tokio::spawn(crate::mail::sender::run(state.clone(), mail, async move {
            let _ = stop.wait_for(|s| *s).await;
        }))
    };
    // The daily check against Shopify's own report runs beside the imports.
    let checks = {
        let (state, config, mut stop) = (state.clone(), config.clone(), stop_rx.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = reconcile::run_due(&state, &config).await {
                    tracing::warn!(error = %e, "worker: reconciliation check failed");
                }
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => break,
                    // A requested check waits at most this long; due checks are rare.
                    _ = tokio::time::sleep(config.poll_interval.max(CHECK_POLL)) => {}
                }
            }
        })
    };
    let mut running: JoinSet<()> = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while running.len() < config.max_concurrent_runs.max(1) {
            match claim(&state.db, &config).await {
                Ok(Some(claimed)) => {
                    let (state, config, stop) = (state.clone(), config.clone(), stop_rx.clone());
                    running.spawn(async move {
                        let (tenant, integration) = (claimed.tenant_id, claimed.id);
                        if let Err(e) = run::run_claimed(&state, &config, claimed, stop).await {
                            tracing::error!(tenant, integration, error = %e, "import could not be recorded");
                        }
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "worker: cannot claim work, will retry");
                    break;
                }
            }
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(config.poll_interval) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
    let _ = stop_tx.send(true);
    let wait = async { while running.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .is_err()
    {
        tracing::warn!("worker: imports did not stop in time; their leases will expire");
    }
    let _ = outbox.await;
    let _ = checks.await;
    tracing::info!(worker = %config.worker_id, "import worker stopped");
}

/// Runs all due work in this task, one run after the other, until nothing is due; returns
/// what each run did. For tests, benchmarks and scripts that need imported data now.
pub async fn drain(state: &AppState) -> anyhow::Result<Vec<RunReport>> {
    drain_with(state, &WorkerConfig::default()).await
}

/// [`drain`] with a given configuration (e.g. fast retries).
pub async fn drain_with(state: &AppState, config: &WorkerConfig) -> anyhow::Result<Vec<RunReport>> {
    let config = &config.clone().with_http();
    // Never stopped from outside: the sender lives until the end of the drain.
    let (_stop_tx, stop_rx) = watch::channel(false);
    let mut reports = Vec::new();
    // A bound so that a misbehaving schedule cannot spin forever.
    for _ in 0..10_000 {
        let Some(claimed) = claim(&state.db, config).await? else {
            return Ok(reports);
        };
        reports.push(run::run_claimed(state, config, claimed, stop_rx.clone()).await?);
    }
    anyhow::bail!("the worker kept finding due work after 10,000 runs")
}
