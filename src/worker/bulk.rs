//! Backfills through a Shopify bulk query operation: a first import, a re-import of history
//! and a catch-up after a long outage ask Shopify to export the window's orders into one file
//! instead of paging through them. The file's orders are stored by the same facts, upserts
//! and hourly recompute as a paged run's, batch by batch: reading a file again, or a run
//! interrupted half way and run again, replaces facts and changes no number.
//!
//! Every way the export can fail ends in a clear run outcome. Where reading page by page can
//! still succeed (Shopify busy, a refused query, an export that failed or timed out on
//! Shopify's side or was canceled outside TMAS, a file link that expired or broke off), the
//! run falls back to it and its note says so; a denied access needs the administrator.

use std::time::Duration;

use tokio::sync::watch;

use super::WorkerConfig;
use super::pages::{Batch, ORDERS_PER_BATCH, obey_control, read_pages};
use super::run_record::{Progress, RunError, Trigger};
use super::store::{LocationMap, page_facts};
use crate::db::imports::{self, ClaimedIntegration};
use crate::db::{self, bulk_runs};
use crate::domain::import_run::ReadMode;
use crate::shopify::bulk::export::ExportShape;
use crate::shopify::bulk::pre_read::ExportPreRead;
use crate::shopify::{BulkRefused, ShopifyClient, ShopifyError, TimeWindow};
use crate::state::AppState;

/// A catch-up reads in bulk when its window is longer than this: after an outage of a day or
/// more, one export beats hundreds of pages; shorter gaps stay paged like hourly runs.
pub const BULK_CATCH_UP_AFTER_HOURS: i64 = 24;

/// When and how the worker reads through bulk operations.
#[derive(Debug, Clone)]
pub struct BulkPolicy {
    /// Off: every run reads page by page.
    pub enabled: bool,
    /// Catch-ups with a longer window read in bulk ([`BULK_CATCH_UP_AFTER_HOURS`]).
    pub catch_up_after: chrono::Duration,
    /// The first wait between polls of a running export; it doubles up to `max_poll`, so a
    /// small export is read at once and a long one costs few requests.
    pub first_poll: Duration,
    pub max_poll: Duration,
    /// Stops the run (as a worker shutdown does) after this many batches are written: how
    /// tests and benchmarks interrupt a run half way. `None` in production.
    pub stop_after_batches: Option<usize>,
    /// Reads the places of the refunds and returns while Shopify exports, between polls,
    /// so that the follow-ups after the file are few (`shopify::bulk::pre_read`).
    pub read_while_exporting: bool,
}

impl Default for BulkPolicy {
    fn default() -> Self {
        BulkPolicy {
            enabled: true,
            catch_up_after: chrono::Duration::hours(BULK_CATCH_UP_AFTER_HOURS),
            first_poll: Duration::from_millis(50),
            max_poll: Duration::from_secs(5),
            stop_after_batches: None,
            read_while_exporting: true,
        }
    }
}

impl BulkPolicy {
    /// Reads page by page only.
    pub fn off() -> Self {
        BulkPolicy {
            enabled: false,
            ..BulkPolicy::default()
        }
    }

    /// Whether a run of `trigger` over `window` reads through a bulk export. Hourly runs,
    /// "Import now" and short catch-ups stay paged.
    pub fn reads_in_bulk(&self, trigger: Trigger, window: &TimeWindow) -> bool {
        self.enabled
            && match trigger {
                Trigger::Initial | Trigger::Backfill => true,
                Trigger::CatchUp => window.to - window.from > self.catch_up_after,
                Trigger::Schedule | Trigger::Manual => false,
            }
    }
}

/// Why the bulk read ended early.
enum BulkStop {
    /// Reading page by page can still succeed; the note (for the run record) says why.
    Fallback(&'static str),
    Run(RunError),
}

impl From<RunError> for BulkStop {
    fn from(e: RunError) -> Self {
        BulkStop::Run(e)
    }
}

impl From<ShopifyError> for BulkStop {
    fn from(e: ShopifyError) -> Self {
        BulkStop::Run(e.into())
    }
}

impl From<sqlx::Error> for BulkStop {
    fn from(e: sqlx::Error) -> Self {
        BulkStop::Run(e.into())
    }
}

pub const NOTE_BUSY: &str = "Shopify already runs as many bulk exports for this store as it allows (five at a time), so TMAS read the orders page by page instead. Nothing is needed from you.";
pub const NOTE_REFUSED: &str = "Shopify refused TMAS's bulk export query, so TMAS read the orders page by page instead. If this repeats, tell TMAS support.";
pub const NOTE_FAILED: &str = "Shopify's bulk export failed on Shopify's side, so TMAS read the orders page by page instead. Nothing is needed from you.";
pub const NOTE_TIMEOUT: &str = "Shopify's bulk export took too long and Shopify stopped it, so TMAS read the orders page by page instead. Nothing is needed from you.";
pub const NOTE_CANCELED_OUTSIDE: &str = "Shopify's bulk export was canceled outside TMAS (in Shopify or by another app), so TMAS read the orders page by page instead. Nothing is needed from you.";
pub const NOTE_EXPIRED: &str = "The file of Shopify's bulk export could no longer be downloaded (its link had expired), so TMAS read the orders page by page instead. Nothing is needed from you.";
pub const NOTE_MONEY_SETS: &str = "Shopify no longer answers the older money fields of refunds that cost less of its rate limit, so TMAS read refunds with the newer ones; the import took longer. Nothing is needed from you.";
pub const NOTE_BROKE_OFF: &str = "The download of Shopify's bulk export broke off part way, so TMAS read the orders page by page instead; orders already written were replaced, not counted twice. Nothing is needed from you.";

/// One run reading its window through a bulk export.
pub(super) struct BulkRead<'a> {
    pub(super) state: &'a AppState,
    pub(super) config: &'a WorkerConfig,
    pub(super) claimed: &'a ClaimedIntegration,
    pub(super) run: i64,
    pub(super) window: TimeWindow,
    pub(super) stop: &'a watch::Receiver<bool>,
    pub(super) lost: &'a watch::Receiver<bool>,
    pub(super) client: &'a ShopifyClient,
    pub(super) locations: &'a LocationMap,
}

impl BulkRead<'_> {
    fn batch(&self) -> Batch<'_> {
        Batch {
            state: self.state,
            config: self.config,
            claimed: self.claimed,
            run: self.run,
            locations: self.locations,
        }
    }

    /// Reads the window in bulk, or page by page when the export cannot serve it.
    pub(super) async fn read(&self, progress: &mut Progress) -> Result<(), RunError> {
        let (db, tenant) = (&self.state.db, self.claimed.tenant());
        let mut operation = None;
        let outcome = self.read_bulk(progress, &mut operation).await;
        // A run that ends while its export still runs cancels it: it would only hold one of
        // the shop's few export slots (best effort; Shopify ends exports by itself too).
        if let (Err(BulkStop::Run(e)), Some(id)) = (&outcome, &operation) {
            self.cancel_export(id, e).await;
        }
        match outcome {
            Ok(()) => {
                // `read_mode` says it; the history shows it beside the trigger.
                bulk_runs::ended(db, tenant, self.run, ReadMode::Bulk).await?;
                self.batch()
                    .read_unreadable_again(self.client, progress, self.stop, self.lost)
                    .await
            }
            Err(BulkStop::Fallback(why)) => {
                tracing::warn!(reason = why, "bulk export unusable; reading page by page");
                bulk_runs::ended(db, tenant, self.run, ReadMode::Paged).await?;
                note(db, tenant, self.run, why).await;
                read_pages(
                    self.state,
                    self.config,
                    self.claimed,
                    self.run,
                    self.window,
                    progress,
                    self.stop,
                    self.lost,
                    self.client,
                    self.locations,
                )
                .await
            }
            Err(BulkStop::Run(e)) => {
                if let Err(db_error) = bulk_runs::ended(db, tenant, self.run, ReadMode::Bulk).await
                {
                    tracing::warn!(error = %db_error, "could not record the end of the bulk read");
                }
                Err(e)
            }
        }
    }

    async fn cancel_export(&self, id: &str, why: &RunError) {
        let cancel = self.client.cancel_bulk_operation(id);
        match tokio::time::timeout(Duration::from_secs(10), cancel).await {
            Ok(Ok(())) => tracing::info!(operation = id, reason = %why, "bulk export canceled"),
            Ok(Err(e)) => {
                tracing::warn!(operation = id, error = %e, "could not cancel the bulk export")
            }
            Err(_) => tracing::warn!(operation = id, "canceling the bulk export timed out"),
        }
    }

    async fn read_bulk(
        &self,
        progress: &mut Progress,
        operation: &mut Option<String>,
    ) -> Result<(), BulkStop> {
        let (db, tenant) = (&self.state.db, self.claimed.tenant());
        let (id, shape) = match self.client.start_orders_export(&self.window).await? {
            Ok(started) => started,
            Err(BulkRefused::Busy(_)) => return Err(BulkStop::Fallback(NOTE_BUSY)),
            Err(BulkRefused::Query(message)) => {
                tracing::warn!(%message, "Shopify refused the bulk query");
                return Err(BulkStop::Fallback(NOTE_REFUSED));
            }
        };
        *operation = Some(id.clone());
        bulk_runs::started(db, tenant, self.run, &id).await?;
        tracing::info!(operation = %id, "bulk export started");
        let mut pre_read = self
            .config
            .bulk
            .read_while_exporting
            .then(|| ExportPreRead::new(&self.window, shape));
        let Some(url) = self.await_export(&id, pre_read.as_mut()).await? else {
            // Nothing changed in the window: Shopify writes no file.
            return Ok(());
        };
        // The export is over: nothing left to cancel on Shopify's side.
        *operation = None;
        self.write_file(&url, shape, progress, pre_read).await
    }

    /// Reads the places of refunds and returns (`pre`) for about `wait`, or sleeps when
    /// there is nothing left to read. The pre-read only spares follow-ups: when it fails,
    /// the follow-ups after the file read what it did not.
    async fn pre_read_for(
        &self,
        wait: Duration,
        pre: Option<&mut ExportPreRead>,
    ) -> Result<(), RunError> {
        let until = tokio::time::Instant::now() + wait;
        if let Some(pre) = pre {
            while !pre.is_done() && tokio::time::Instant::now() < until {
                self.check().await?;
                if let Err(e) = self.interruptible(self.client.pre_read_page(pre)).await? {
                    tracing::warn!(error = %e, "refunds or returns not read during the export; read after it");
                    pre.stop();
                }
            }
        }
        self.interruptible(tokio::time::sleep_until(until)).await
    }

    /// Polls the export until it ends; its file's URL (`None`: no orders).
    async fn await_export(
        &self,
        id: &str,
        mut pre: Option<&mut ExportPreRead>,
    ) -> Result<Option<String>, BulkStop> {
        let (db, tenant) = (&self.state.db, self.claimed.tenant());
        let policy = &self.config.bulk;
        let mut wait = policy.first_poll;
        loop {
            self.check().await?;
            let op = self.interruptible(self.client.bulk_operation(id)).await??;
            let objects = op.object_count.as_deref().and_then(|c| c.parse().ok());
            bulk_runs::exporting(db, tenant, self.run, objects.unwrap_or(0)).await?;
            match op.status.as_str() {
                "COMPLETED" => return Ok(op.url),
                "FAILED" => {
                    tracing::warn!(error_code = ?op.error_code, "bulk export failed");
                    return Err(match op.error_code.as_deref() {
                        Some("ACCESS_DENIED") => BulkStop::Run(RunError::BulkAccessDenied),
                        Some("TIMEOUT") => BulkStop::Fallback(NOTE_TIMEOUT),
                        _ => BulkStop::Fallback(NOTE_FAILED),
                    });
                }
                // TMAS cancels only on its way out: this was someone else.
                "CANCELED" => return Err(BulkStop::Fallback(NOTE_CANCELED_OUTSIDE)),
                _ => {}
            }
            self.pre_read_for(wait, pre.as_deref_mut()).await?;
            wait = (wait * 2).min(policy.max_poll);
        }
    }

    /// Stores the file's orders batch by batch, as a paged run stores its pages.
    async fn write_file(
        &self,
        url: &str,
        shape: ExportShape,
        progress: &mut Progress,
        pre_read: Option<ExportPreRead>,
    ) -> Result<(), BulkStop> {
        let (db, tenant) = (&self.state.db, self.claimed.tenant());
        let mut reader = match self.client.open_bulk_orders(url).await {
            Ok(reader) => reader,
            Err(ShopifyError::MalformedResponse { context }) => {
                tracing::warn!(%context, "bulk file unreadable");
                return Err(BulkStop::Fallback(if context.contains("HTTP") {
                    NOTE_EXPIRED
                } else {
                    NOTE_BROKE_OFF
                }));
            }
            Err(e) => return Err(e.into()),
        };
        reader.exported_as(shape);
        if let Some(pre) = pre_read {
            reader.use_pre_read(pre);
        }
        let total = i64::try_from(reader.order_count()).unwrap_or(i64::MAX);
        let mut done = 0_i64;
        bulk_runs::writing(db, tenant, self.run, done, total).await?;
        let batch_writer = self.batch();
        let mut batches = 0_usize;
        loop {
            self.check().await?;
            let batch = match reader.next_batch(ORDERS_PER_BATCH).await {
                Ok(Some(batch)) => batch,
                Ok(None) => {
                    let (follow_ups, pre) = (reader.refund_follow_ups(), reader.pre_read_record());
                    let returns = reader.returns_record();
                    tracing::info!(?follow_ups, ?pre, ?returns, "bulk file read");
                    if follow_ups.set_shape {
                        note(db, tenant, self.run, NOTE_MONEY_SETS).await;
                    }
                    return Ok(());
                }
                Err(ShopifyError::MalformedResponse { context }) => {
                    tracing::warn!(%context, "bulk file broke off");
                    return Err(BulkStop::Fallback(NOTE_BROKE_OFF));
                }
                Err(e) => return Err(e.into()),
            };
            batch_writer
                .note_orders_readability(&batch.orders, &batch.unreadable, progress)
                .await?;
            let (facts, mut counts) = page_facts(&batch.orders, self.locations);
            // The file is in no order of `updatedAt`: the watermark moves only when the
            // whole window is stored (at the end of the run), so an interrupted run reads
            // its whole window again.
            counts.updated_until = None;
            let lease = imports::RunLease {
                integration: self.claimed.id,
                run: self.run,
                owner: &self.config.worker_id,
            };
            let lease_until = db::now() + self.config.lease.as_secs() as i64;
            if !imports::store_page(db, tenant, &lease, &facts, &counts, lease_until).await? {
                return Err(RunError::LeaseLost.into());
            }
            progress.orders_read += counts.orders_read;
            progress.orders_stored += counts.orders_stored;
            done += (batch.orders.len() + batch.unreadable.len()) as i64;
            bulk_runs::writing(db, tenant, self.run, done.min(total), total).await?;
            batches += 1;
            if self.config.bulk.stop_after_batches == Some(batches) {
                return Err(RunError::Stopped.into());
            }
        }
    }

    /// Stops for a worker shutdown, a lost lease, an administrator's cancel, or the
    /// integration deactivated or deleted.
    async fn check(&self) -> Result<(), RunError> {
        if *self.stop.borrow() {
            return Err(RunError::Stopped);
        }
        if *self.lost.borrow() {
            return Err(RunError::LeaseLost);
        }
        obey_control(
            &self.state.db,
            self.claimed.tenant(),
            self.claimed.id,
            self.run,
        )
        .await
    }

    /// `work`, unless the worker is stopped or loses its lease first.
    async fn interruptible<T>(&self, work: impl Future<Output = T>) -> Result<T, RunError> {
        let (mut stop, mut lost) = (self.stop.clone(), self.lost.clone());
        tokio::select! {
            done = work => Ok(done),
            _ = stop.wait_for(|s| *s) => Err(RunError::Stopped),
            _ = lost.wait_for(|l| *l) => Err(RunError::LeaseLost),
        }
    }
}

async fn note(db: &db::Db, tenant: db::TenantId, run: i64, line: &str) {
    if let Err(e) = imports::add_run_note(db, tenant, run, line).await {
        tracing::warn!(error = %e, "could not record the run's note");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration as Span, Utc};

    fn window(hours: i64) -> TimeWindow {
        let to = Utc::now();
        TimeWindow {
            from: to - Span::hours(hours),
            to,
        }
    }

    #[test]
    fn backfills_and_long_catch_ups_read_in_bulk_hourly_runs_page() {
        let policy = BulkPolicy::default();
        assert!(policy.reads_in_bulk(Trigger::Initial, &window(1)));
        assert!(policy.reads_in_bulk(Trigger::Backfill, &window(1)));
        assert!(policy.reads_in_bulk(Trigger::CatchUp, &window(25)));
        assert!(!policy.reads_in_bulk(Trigger::CatchUp, &window(24)));
        assert!(!policy.reads_in_bulk(Trigger::Schedule, &window(24 * 90)));
        assert!(!policy.reads_in_bulk(Trigger::Manual, &window(24 * 90)));
        assert!(!BulkPolicy::off().reads_in_bulk(Trigger::Initial, &window(24 * 90)));
    }
}
