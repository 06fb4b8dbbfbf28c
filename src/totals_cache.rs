//! What the dashboard and the reports read from a tenant's data (totals, locations, currency,
//! integrations), kept in memory under the tenant's data version
//! ([`crate::db::data_version`]) and the tenant's local hour, so a page asked again while
//! nothing changed is not recomputed. A committed import page, manual edit, deletion or
//! change of a location or integration raises the version in the database, so the next
//! request of every process reads afresh; the local hour is in the key because "today" and
//! "this hour" move on even when the data does not. The cache is bounded by an estimate of
//! the bytes it holds.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, Timelike};
use chrono_tz::Tz;

use crate::db::imports::ImportRun;
use crate::db::locations::Location;
use crate::db::totals::{DayRow, HourRow, IntegrationState, LocationSums};
use crate::db::unreadable::UnreadableHour;
use crate::db::{self, Db, TenantId};

/// Memory the cache may hold by default (an estimate; a year × 100 locations of days is
/// about 5 MB).
pub const DEFAULT_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// One cached read: whose, under which version and local hour, and what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    tenant: TenantId,
    version: i64,
    local_hour: (NaiveDate, u32),
    query: String,
}

struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    bytes: usize,
    /// When it was last used: the least recently used entry goes first.
    used: u64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    bytes: usize,
    clock: u64,
}

/// The cache shared by every request of a process.
pub struct TotalsCache {
    entries: Mutex<Entries>,
    budget_bytes: usize,
}

impl Default for TotalsCache {
    fn default() -> Self {
        TotalsCache::new(DEFAULT_BUDGET_BYTES)
    }
}

impl std::fmt::Debug for TotalsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (entries, bytes) = self.usage();
        f.debug_struct("TotalsCache")
            .field("entries", &entries)
            .field("bytes", &bytes)
            .field("budget_bytes", &self.budget_bytes)
            .finish()
    }
}

impl TotalsCache {
    pub fn new(budget_bytes: usize) -> Self {
        TotalsCache {
            entries: Mutex::new(Entries::default()),
            budget_bytes,
        }
    }

    /// Reads the tenant's data version (one small query) and returns the reader of its
    /// totals for this request. `time_zone` is the tenant's (UTC when unknown).
    pub async fn tenant(
        self: &Arc<Self>,
        db: &Db,
        tenant: TenantId,
        time_zone: &str,
    ) -> sqlx::Result<TenantTotals> {
        let version = db::data_version::current(db, tenant).await?;
        Ok(self.tenant_at(db, tenant, time_zone, version))
    }

    /// The reader of the tenant's totals under a data version this request has already read
    /// (with the signed-in user, in the same query: see [`crate::db::signed_in`]); whatever
    /// it loads is at least that new.
    pub fn tenant_at(
        self: &Arc<Self>,
        db: &Db,
        tenant: TenantId,
        time_zone: &str,
        version: i64,
    ) -> TenantTotals {
        let tz: Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
        let now = chrono::Utc::now().with_timezone(&tz);
        TenantTotals {
            cache: self.clone(),
            db: db.clone(),
            tenant,
            version,
            local_hour: (now.date_naive(), now.hour()),
        }
    }

    /// Entries and estimated bytes held now.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.map.len(), entries.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves a map that is still whole: keep using it.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &Key) -> Option<Arc<dyn Any + Send + Sync>> {
        let mut entries = self.lock();
        entries.clock += 1;
        let clock = entries.clock;
        let entry = entries.map.get_mut(key)?;
        entry.used = clock;
        Some(entry.value.clone())
    }

    fn put(&self, key: Key, value: Arc<dyn Any + Send + Sync>, bytes: usize) {
        if bytes > self.budget_bytes {
            return;
        }
        let mut entries = self.lock();
        // What an older version or hour of this tenant holds can never be asked for again.
        let stale: Vec<Key> = entries
            .map
            .keys()
            .filter(|k| {
                k.tenant == key.tenant && (k.version, k.local_hour) < (key.version, key.local_hour)
            })
            .cloned()
            .collect();
        for k in stale {
            remove(&mut entries, &k);
        }
        while entries.bytes + bytes > self.budget_bytes {
            let Some(oldest) = entries
                .map
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            remove(&mut entries, &oldest);
        }
        entries.clock += 1;
        let used = entries.clock;
        entries.bytes += bytes;
        if let Some(old) = entries.map.insert(key, Entry { value, bytes, used }) {
            entries.bytes -= old.bytes;
        }
    }
}

fn remove(entries: &mut Entries, key: &Key) {
    if let Some(e) = entries.map.remove(key) {
        entries.bytes -= e.bytes;
    }
}

/// One request's view of a tenant's totals: the data version it read first, so whatever it
/// then loads is at least that new, and the cache under it.
#[derive(Clone)]
pub struct TenantTotals {
    cache: Arc<TotalsCache>,
    db: Db,
    tenant: TenantId,
    version: i64,
    local_hour: (NaiveDate, u32),
}

impl std::fmt::Debug for TenantTotals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantTotals")
            .field("tenant", &self.tenant)
            .field("version", &self.version)
            .field("local_hour", &self.local_hour)
            .finish()
    }
}

impl TenantTotals {
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The tenant's local date and hour this reader's entries are kept under.
    pub fn local_hour(&self) -> (NaiveDate, u32) {
        self.local_hour
    }

    fn key(&self, query: String) -> Key {
        Key {
            tenant: self.tenant,
            version: self.version,
            local_hour: self.local_hour,
            query,
        }
    }

    /// Something built from this tenant's data under this version and local hour (a rendered
    /// page), kept by [`TenantTotals::keep`] under `query`: a name and everything else the
    /// value varies on.
    pub fn kept<T: Send + Sync + 'static>(&self, query: &str) -> Option<Arc<T>> {
        self.cache
            .get(&self.key(query.to_string()))
            .and_then(|hit| hit.downcast::<T>().ok())
    }

    /// Keeps `value` (about `bytes` large) for [`TenantTotals::kept`].
    pub fn keep<T: Send + Sync + 'static>(&self, query: String, value: Arc<T>, bytes: usize) {
        let key = self.key(query);
        let bytes = bytes + key.query.len() + ENTRY_OVERHEAD_BYTES;
        self.cache.put(key, value, bytes);
    }

    /// The rows `load` reads, from memory when the same `query` (a name and every parameter
    /// that shapes its answer) was read under this version and local hour.
    pub async fn rows<T, F, Fut>(&self, query: String, load: F) -> sqlx::Result<Arc<Vec<T>>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = sqlx::Result<Vec<T>>>,
    {
        let key = self.key(query);
        if let Some(hit) = self.cache.get(&key)
            && let Ok(rows) = hit.downcast::<Vec<T>>()
        {
            return Ok(rows);
        }
        let rows = Arc::new(load().await?);
        let bytes = key.query.len()
            + rows.len() * (std::mem::size_of::<T>() + ROW_HEAP_BYTES)
            + ENTRY_OVERHEAD_BYTES;
        self.cache.put(key, rows.clone(), bytes);
        Ok(rows)
    }

    /// [`db::totals::currency`], cached.
    pub async fn currency(&self) -> sqlx::Result<String> {
        let found = self
            .rows("currency".into(), || async {
                Ok(vec![db::totals::currency(&self.db, self.tenant).await?])
            })
            .await?;
        Ok(found.first().cloned().unwrap_or_default())
    }

    /// [`db::totals::shop_currency`], cached.
    pub async fn shop_currency(&self) -> sqlx::Result<Option<String>> {
        let found = self
            .rows("shop_currency".into(), || async {
                Ok(db::totals::shop_currency(&self.db, self.tenant)
                    .await?
                    .into_iter()
                    .collect())
            })
            .await?;
        Ok(found.first().cloned())
    }

    /// [`db::totals::imported_locations`], cached (matching and enabling locations raise the
    /// version: migration 0015).
    pub async fn imported_locations(&self) -> sqlx::Result<Arc<Vec<i64>>> {
        self.rows("imported_locations".into(), || {
            db::totals::imported_locations(&self.db, self.tenant)
        })
        .await
    }

    /// [`db::totals::imported_location_pairs`] (integration, location), cached like
    /// [`TenantTotals::imported_locations`].
    pub async fn imported_location_pairs(&self) -> sqlx::Result<Arc<Vec<(i64, i64)>>> {
        self.rows("imported_location_pairs".into(), || {
            db::totals::imported_location_pairs(&self.db, self.tenant)
        })
        .await
    }

    /// The integration's latest import run, cached (runs raise the version).
    pub async fn last_run(&self, integration: i64) -> sqlx::Result<Option<ImportRun>> {
        let found = self
            .rows(format!("last_run {integration}"), || {
                db::imports::runs(&self.db, self.tenant, integration, 1)
            })
            .await?;
        Ok(found.first().cloned())
    }

    /// Until when a worker holds the integration's lease, cached (taking and renewing a
    /// lease writes the integration, which raises the version). The caller compares it with
    /// the time of its request, so a lease that runs out without a write is seen at once.
    pub async fn lease_until(&self, integration: i64) -> sqlx::Result<Option<i64>> {
        let found = self
            .rows(format!("lease_until {integration}"), || async {
                Ok(vec![
                    db::imports::integration(&self.db, self.tenant, integration)
                        .await?
                        .and_then(|i| i.lease_until),
                ])
            })
            .await?;
        Ok(found.first().copied().flatten())
    }

    /// [`db::unreadable::hours`], cached (unreadable orders' hours raise the version:
    /// migration 0015).
    pub async fn unreadable_hours(
        &self,
        from: &str,
        to: &str,
    ) -> sqlx::Result<Arc<Vec<UnreadableHour>>> {
        self.rows(format!("unreadable_hours {from} {to}"), || {
            db::unreadable::hours(&self.db, self.tenant, from, to)
        })
        .await
    }

    /// [`db::locations::list`], cached.
    pub async fn locations(&self) -> sqlx::Result<Arc<Vec<Location>>> {
        self.rows("locations".into(), || {
            db::locations::list(&self.db, self.tenant)
        })
        .await
    }

    /// [`db::totals::integration_states`], cached.
    pub async fn integration_states(&self) -> sqlx::Result<Arc<Vec<IntegrationState>>> {
        self.rows("integration_states".into(), || {
            db::totals::integration_states(&self.db, self.tenant)
        })
        .await
    }

    /// [`db::totals::location_sums`], cached.
    pub async fn location_sums(
        &self,
        locations: &[i64],
        from: &str,
        to: &str,
    ) -> sqlx::Result<Arc<Vec<LocationSums>>> {
        self.rows(format!("location_sums {locations:?} {from} {to}"), || {
            db::totals::location_sums(&self.db, self.tenant, locations, from, to)
        })
        .await
    }

    /// [`db::totals::net_by_day`], cached.
    pub async fn net_by_day(
        &self,
        locations: &[i64],
        from: &str,
        to: &str,
    ) -> sqlx::Result<Arc<Vec<(String, i64)>>> {
        self.rows(format!("net_by_day {locations:?} {from} {to}"), || {
            db::totals::net_by_day(&self.db, self.tenant, locations, from, to)
        })
        .await
    }

    /// [`db::totals::net_by_hour`], cached.
    pub async fn net_by_hour(
        &self,
        locations: &[i64],
        date: &str,
    ) -> sqlx::Result<Arc<Vec<(i64, i64)>>> {
        self.rows(format!("net_by_hour {locations:?} {date}"), || {
            db::totals::net_by_hour(&self.db, self.tenant, locations, date)
        })
        .await
    }

    /// [`db::totals::net_by_date_hour`], cached.
    pub async fn net_by_date_hour(
        &self,
        locations: &[i64],
        from: &str,
        to: &str,
    ) -> sqlx::Result<Arc<Vec<(String, i64, i64)>>> {
        self.rows(
            format!("net_by_date_hour {locations:?} {from} {to}"),
            || db::totals::net_by_date_hour(&self.db, self.tenant, locations, from, to),
        )
        .await
    }

    /// [`db::totals::hours`], cached.
    pub async fn hours(
        &self,
        locations: &[i64],
        from: &str,
        to: &str,
    ) -> sqlx::Result<Arc<Vec<HourRow>>> {
        self.rows(format!("hours {locations:?} {from} {to}"), || {
            db::totals::hours(&self.db, self.tenant, locations, from, to)
        })
        .await
    }

    /// [`db::totals::days`], cached.
    pub async fn days(
        &self,
        locations: &[i64],
        from: &str,
        to: &str,
    ) -> sqlx::Result<Arc<Vec<DayRow>>> {
        self.rows(format!("days {locations:?} {from} {to}"), || {
            db::totals::days(&self.db, self.tenant, locations, from, to)
        })
        .await
    }

    /// [`db::totals::location_sums_until_hour`], cached.
    pub async fn location_sums_until_hour(
        &self,
        locations: &[i64],
        date: &str,
        last_hour: u32,
    ) -> sqlx::Result<Arc<Vec<LocationSums>>> {
        self.rows(
            format!("location_sums_until_hour {locations:?} {date} {last_hour}"),
            || {
                db::totals::location_sums_until_hour(
                    &self.db,
                    self.tenant,
                    locations,
                    date,
                    last_hour,
                )
            },
        )
        .await
    }
}

/// A row's heap beyond its own size (a date string), for the estimate.
const ROW_HEAP_BYTES: usize = 16;
const ENTRY_OVERHEAD_BYTES: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant: i64, version: i64, query: &str) -> Key {
        Key {
            tenant: TenantId(tenant),
            version,
            local_hour: (NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"), 10),
            query: query.into(),
        }
    }

    fn value(n: i64) -> Arc<dyn Any + Send + Sync> {
        Arc::new(vec![n])
    }

    fn number(cache: &TotalsCache, k: &Key) -> Option<i64> {
        cache
            .get(k)
            .and_then(|v| v.downcast::<Vec<i64>>().ok())
            .map(|v| v[0])
    }

    #[test]
    fn a_newer_version_drops_the_older_entries_of_that_tenant_only() {
        let cache = TotalsCache::new(10_000);
        cache.put(key(1, 1, "a"), value(11), 100);
        cache.put(key(2, 1, "a"), value(21), 100);
        cache.put(key(1, 2, "a"), value(12), 100);
        assert_eq!(number(&cache, &key(1, 1, "a")), None);
        assert_eq!(number(&cache, &key(1, 2, "a")), Some(12));
        assert_eq!(number(&cache, &key(2, 1, "a")), Some(21));
        assert_eq!(cache.usage(), (2, 200));
    }

    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let cache = TotalsCache::new(300);
        cache.put(key(1, 1, "a"), value(1), 100);
        cache.put(key(2, 1, "b"), value(2), 100);
        cache.put(key(3, 1, "c"), value(3), 100);
        // "a" is used again, so "b" is now the least recently used.
        assert_eq!(number(&cache, &key(1, 1, "a")), Some(1));
        cache.put(key(4, 1, "d"), value(4), 100);
        assert_eq!(number(&cache, &key(2, 1, "b")), None);
        assert_eq!(number(&cache, &key(1, 1, "a")), Some(1));
        assert_eq!(number(&cache, &key(4, 1, "d")), Some(4));
        assert_eq!(cache.usage(), (3, 300));
        // Larger than the whole budget: not kept, nothing evicted for it.
        cache.put(key(5, 1, "e"), value(5), 301);
        assert_eq!(number(&cache, &key(5, 1, "e")), None);
        assert_eq!(cache.usage(), (3, 300));
    }
}
