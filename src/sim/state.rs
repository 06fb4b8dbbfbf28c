//! The simulator's mutable state per shop: model, credentials, cost bucket, faults, stats.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::shopify::cost::PageInfo;

use super::faults::Faults;
use super::model::SimShop;

/// Shopify refuses single queries that could cost more than this.
pub const MAX_QUERY_COST: f64 = 1000.0;

/// A leaky bucket of query-cost points, as Shopify keeps per app and store.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub maximum: f64,
    pub restore_rate: f64,
    pub available: f64,
    pub at: Instant,
}

impl Bucket {
    pub fn new(maximum: f64, restore_rate: f64) -> Self {
        Bucket {
            maximum,
            restore_rate,
            available: maximum,
            at: Instant::now(),
        }
    }

    pub fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.available = (self.available + elapsed * self.restore_rate).min(self.maximum);
        self.at = now;
    }
}

/// How the simulator prices queries, where Shopify leaves room for doubt. Set it with
/// `SimHandle::set_pricing`, `POST /_sim/{shop}/pricing` or `shopify-sim --page-info-cost`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pricing {
    /// Points for a selected `pageInfo`: 1 (priced as an object, the default) or 0.
    pub page_info_cost: u8,
    /// Every requested cost is multiplied by this (rounded up): a Shopify that prices
    /// higher than TMAS's own count (1.0: the documented rules).
    pub cost_factor: f64,
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            page_info_cost: 1,
            cost_factor: 1.0,
        }
    }
}

impl Pricing {
    pub fn page_info(&self) -> PageInfo {
        if self.page_info_cost == 0 {
            PageInfo::Free
        } else {
            PageInfo::Object
        }
    }

    /// Whether this is a pricing the simulator can apply.
    pub fn check(&self) -> Result<(), String> {
        if self.page_info_cost > 1 {
            return Err("page_info_cost must be 0 or 1".into());
        }
        if !(self.cost_factor.is_finite() && (0.1..=100.0).contains(&self.cost_factor)) {
            return Err("cost_factor must be between 0.1 and 100".into());
        }
        Ok(())
    }
}

/// What the simulator has seen, for tests and benchmarks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimStats {
    pub graphql_requests: u64,
    pub throttled: u64,
    pub too_many_requests: u64,
    pub server_errors: u64,
    pub cut: u64,
    pub malformed: u64,
    pub unauthorized: u64,
    pub tokens_issued: u64,
    /// Σ actualQueryCost of answered queries.
    pub points_spent: f64,
    /// Refunds answered with their lines or transactions, by `refund(id:)` and within
    /// orders: how a test sees that no refund is read twice, and where each was read.
    pub refunds_served_by_id: u64,
    pub refunds_served_in_orders: u64,
}

pub struct ShopState {
    pub shop: SimShop,
    pub token: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// Client-credentials tokens and when they stop working.
    pub issued: Vec<(String, Instant)>,
    pub token_lifetime: Duration,
    pub faults: Faults,
    pub bucket: Bucket,
    pub rng: Xoshiro256PlusPlus,
    pub stats: SimStats,
    pub pricing: Pricing,
    /// The API version every answer says it is (`X-Shopify-API-Version`), as Shopify does
    /// when the asked version is retired; `None`: the version asked.
    pub answer_version: Option<String>,
    /// Bulk query operations, their pace and faults.
    pub bulk: super::bulk::BulkState,
    /// Where each refund was last seen (refund id → order index, refund index), so that
    /// `refund(id:)` does not search a million orders; checked on use and rebuilt when the
    /// orders have moved.
    pub refund_index: std::collections::HashMap<i64, (usize, usize)>,
}

impl ShopState {
    pub fn granted_scopes(&self) -> Vec<String> {
        self.scopes
            .iter()
            .filter(|s| !self.faults.missing_scopes.contains(s))
            .cloned()
            .collect()
    }

    /// The oldest `createdAt` the orders query returns: Shopify shows an app without the
    /// `read_all_orders` scope only orders created in the last 60 days. `None`: no limit.
    pub fn orders_cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self
            .granted_scopes()
            .iter()
            .any(|s| s == super::ALL_ORDERS_SCOPE)
        {
            None
        } else {
            Some(now - chrono::Duration::days(super::RECENT_ORDERS_DAYS))
        }
    }

    pub fn authorized(&mut self, token: Option<&str>, now: Instant) -> bool {
        if self.faults.revoked {
            return false;
        }
        let Some(token) = token else {
            return false;
        };
        self.issued.retain(|(_, until)| *until > now);
        token == self.token || self.issued.iter().any(|(t, _)| t == token)
    }
}

#[derive(Default)]
pub struct SimState {
    pub shops: BTreeMap<String, ShopState>,
}
