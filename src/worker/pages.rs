//! The paged read of a window's orders, and what storing a batch needs (shared with the
//! bulk read): a batch of orders written per transaction while the next is read, orders
//! Shopify could not give read again by id, and a run stopped when an administrator
//! cancels it.

use tokio::sync::watch;

use super::WorkerConfig;
use super::run_record::{Progress, RunError};
use super::store::{LocationMap, page_facts};
use crate::db::imports::{self, ClaimedIntegration};
use crate::db::{self, TenantId};
use crate::shopify::{ShopifyClient, TimeWindow};
use crate::state::AppState;

/// Unreadable orders a run reads again by id (oldest first), besides its window.
const UNREADABLE_RETRIES_PER_RUN: i64 = 50;

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
