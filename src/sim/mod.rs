//! The Shopify simulator: generated shops served with Shopify's Admin API paths, payloads,
//! pagination, authentication, scopes, cost-based rate limits and errors, for everything
//! TMAS uses. Tests, benchmarks and `tmas demo` embed it with [`spawn`]; the
//! `shopify-sim` binary serves it on its own.
//!
//! # Paths (as Shopify's, under `/{shop}`)
//! - `POST /{shop}/admin/api/{version}/graphql.json`: each document is first validated
//!   against Shopify's Admin API schema, the version compiled into TMAS ([`validate`]), and
//!   refused as Shopify refuses it (HTTP 200, `errors` with message, locations, path and
//!   `extensions.code`). The root fields served are `shop`, `locations`, `orders`,
//!   `order(id:)` (with its sales ledger `agreements`, its `returns`, `edited`,
//!   `returnStatus` and the line items' `currentQuantity`: [`ledger`]), `refund(id:)`, and the bulk operations (`bulkOperationRunQuery`,
//!   `bulkOperationCancel`, `bulkOperation(id:)`, `currentBulkOperation`: [`bulk`]); a field the schema has but the simulator does not render
//!   is refused with `NOT_SIMULATED`. Arguments come from literals or variables, the answer
//!   holds only the selected fields, connections need `first` or `last` (1–250). Every
//!   query is priced from the schema before it runs ([`crate::shopify::cost`]: object 1,
//!   connection 2 + `first` × node, sized list `first` × element, nested sizes multiply,
//!   `pageInfo` 1 or 0 as the shop's [`Pricing`] says) and refused above 1,000 points with
//!   `MAX_COST_EXCEEDED`; the bucket must hold the requested cost (else `THROTTLED`), and the
//!   difference to the actual cost of what came back is given back. Every answer carries
//!   `extensions.cost` and `X-Shopify-API-Version` (the version asked, or the one set).
//! - `GET /{shop}/admin/oauth/access_scopes.json`
//! - `POST /{shop}/admin/oauth/access_token` (`grant_type=client_credentials`, form or JSON)
//!
//! # Control paths (simulator only)
//! - `GET /_sim/shops`: shops, plans, time zones, locations
//! - `GET /_sim/{shop}/expected`: expected totals per location, local date and hour, of the
//!   whole history; `?view=visible`: of only the orders the app can read now
//! - `GET|POST /_sim/{shop}/scopes`: read or replace the app's scopes (`{"scopes": [...]}`)
//! - `GET /_sim/{shop}/stats`: requests seen, throttled, points spent, tokens issued
//! - `GET|POST /_sim/{shop}/faults`: read or replace the shop's [`Faults`] (JSON)
//! - `GET|POST /_sim/{shop}/pricing`: read or replace the shop's [`Pricing`]
//!   (`{"page_info_cost": 0|1, "cost_factor": 1.0}`)
//! - `GET|POST /_sim/{shop}/api_version`: the version answers say they are
//!   (`{"answer": "2026-07"}`, `null` for the version asked)
//! - `GET|POST /_sim/{shop}/bulk`: read or replace the shop's [`BulkSettings`] (export
//!   pace in objects a second, result URL lifetime, bulk faults)
//! - `GET /_sim_files/{shop}/bulk/{id}.jsonl?token=…`: a bulk operation's result file (the
//!   URL `BulkOperation.url` gives)
//! - `POST /_sim/{shop}/expire_tokens`: expire every client-credentials token now
//! - `POST /_sim/{shop}/orders`: add an order ([`OrderSpec`] JSON)
//! - `POST /_sim/{shop}/orders/{id}/refunds`: add a refund ([`RefundSpec`] JSON)
//! - `POST /_sim/{shop}/orders/{id}/cancel`: cancel (`{"at": "…"}`)
//! - `POST /_sim/{shop}/orders/{id}/exchanges`: a return or exchange ([`ExchangeSpec`] JSON)
//! - `POST /_sim/{shop}/orders/{id}/edits`: an order edit ([`EditSpec`] JSON)
//!
//! # Defaults
//! Shops `alpha` (America/Toronto, CAD, Basic), `beta` (Europe/Berlin, EUR, Advanced,
//! prices include tax), `gamma` (Asia/Tokyo, JPY, Plus) and the fixed `examples` shop
//! (DOMAIN.md's worked examples A–E; example G, an exchange on order A, is
//! [`examples::example_g`], made with [`SimHandle::exchange`] or found in
//! [`examples::examples_shop_with_exchange`]). Each shop's token is `shpat_sim_<shop>` and its client
//! ID and secret `sim-<shop>-id` / `sim-<shop>-secret`, unless given on the command line.
//! The app is granted `read_orders` and `read_locations` only: as on Shopify, the orders
//! query then returns only orders created in the last 60 days. Grant `read_all_orders` with
//! [`SimConfig::grant_everywhere`], [`SimConfig::grant`], [`SimHandle::grant_scope`],
//! `POST /_sim/{shop}/scopes` or `shopify-sim --scopes`.

//!
//! # Where the simulator is still more lenient than Shopify
//! - The pricing follows Shopify's published rules; what they leave open (`pageInfo`, lists
//!   without a size, which count as one element) is a [`Pricing`] setting or a stated
//!   choice. Read `extensions.cost.requestedQueryCost` once against a development store.
//! - Named fragments are refused by its executor (TMAS sends none), though the schema
//!   accepts them; inline fragments with a type condition are served (the sales ledger's
//!   `... on ProductSale { lineItem { id } }`).
//! - Search terms other than `updated_at` are ignored; `sortKey` is assumed to be
//!   `UPDATED_AT`.

pub mod bulk;
pub mod control;
pub mod examples;
pub mod expected;
pub mod faults;
pub mod generator;
pub mod graphql;
pub mod ledger;
pub mod model;
pub mod render;
pub mod search;
pub mod server;
pub mod shopifyql;
pub mod state;
pub mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use tokio::net::TcpListener;

pub use bulk::{BulkFaults, BulkSettings};
pub use control::{
    EditSpec, ExchangeSpec, LateDiscountSpec, LineSpec, OrderSpec, RefundLineSpec, RefundSpec,
    SimError,
};
pub use examples::{EXAMPLES_SHOP, ORDER_A, STORE_01, STORE_02};
pub use expected::{BucketKey, ExpectedTotals, HourlyTotals};
pub use faults::Faults;
pub use generator::ShopSpec;
pub use model::{Channel, Plan, SimRefund, SimShop, SimTransaction};
pub use state::{Pricing, SimStats};

use state::{Bucket, ShopState, SimState};

/// Scopes a simulated app is granted unless its shop is given others.
pub const DEFAULT_SCOPES: [&str; 2] = ["read_orders", "read_locations"];
/// The scope that lifts Shopify's 60-day limit on the orders an app can read.
pub const ALL_ORDERS_SCOPE: &str = "read_all_orders";
/// The scope an app needs to read an order's returns (where an exchange happened).
pub const RETURNS_SCOPE: &str = "read_returns";
/// Without [`ALL_ORDERS_SCOPE`], the orders query returns only orders created in this many
/// last days; older ones are left out without any error, as Shopify does.
pub const RECENT_ORDERS_DAYS: i64 = 60;
/// Lifetime of client-credentials tokens, as Shopify's (about 24 h).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(86_399);

/// What to serve.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// Generated shops.
    pub shops: Vec<ShopSpec>,
    /// Also serve the fixed `examples` shop.
    pub examples: bool,
    /// One access token for every shop (default: `shpat_sim_<shop>`).
    pub token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub token_lifetime: Duration,
    /// Scopes granted to the app on every shop not named in `shop_scopes`
    /// (default [`DEFAULT_SCOPES`]: no `read_all_orders`, so only the last 60 days of orders).
    pub scopes: Vec<String>,
    /// Scopes of particular shops, by shop name.
    pub shop_scopes: BTreeMap<String, Vec<String>>,
}

fn default_scopes() -> Vec<String> {
    DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
}

impl SimConfig {
    /// Grants `scope` on every shop (e.g. [`ALL_ORDERS_SCOPE`] for tests that read history
    /// older than 60 days).
    pub fn grant_everywhere(mut self, scope: &str) -> Self {
        for scopes in std::iter::once(&mut self.scopes).chain(self.shop_scopes.values_mut()) {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        self
    }

    /// Grants `scope` on one shop (on top of the default scopes if the shop had none of its
    /// own).
    pub fn grant(mut self, shop: &str, scope: &str) -> Self {
        let scopes = self
            .shop_scopes
            .entry(shop.to_string())
            .or_insert_with(|| self.scopes.clone());
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
        self
    }

    /// The default shops with `days` of history ending on `end_date`.
    pub fn with_defaults(seed: u64, days: u32, end_date: NaiveDate) -> Self {
        let mut alpha = ShopSpec::new("alpha", chrono_tz::America::Toronto, "CAD", end_date);
        alpha.days = days;
        let mut beta = ShopSpec::new("beta", chrono_tz::Europe::Berlin, "EUR", end_date);
        beta.days = days;
        beta.taxes_included = true;
        beta.tax_rate_bp = 1900;
        beta.plan = Plan::Advanced;
        beta.orders_per_day = 40;
        let mut gamma = ShopSpec::new("gamma", chrono_tz::Asia::Tokyo, "JPY", end_date);
        gamma.days = days;
        gamma.tax_rate_bp = 1000;
        gamma.plan = Plan::Plus;
        gamma.orders_per_day = 30;
        SimConfig {
            seed,
            shops: vec![alpha, beta, gamma],
            examples: true,
            token: None,
            client_id: None,
            client_secret: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            scopes: default_scopes(),
            shop_scopes: BTreeMap::new(),
        }
    }

    /// Only the examples shop (fast to start).
    pub fn examples_only() -> Self {
        SimConfig {
            seed: 0,
            shops: Vec::new(),
            examples: true,
            token: None,
            client_id: None,
            client_secret: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            scopes: default_scopes(),
            shop_scopes: BTreeMap::new(),
        }
    }

    /// Builds the state every server of this config starts from.
    fn build(&self) -> SimState {
        let mut state = SimState::default();
        let mut shops: Vec<SimShop> = self
            .shops
            .iter()
            .map(|spec| generator::generate(spec, self.seed))
            .collect();
        if self.examples {
            shops.push(examples::examples_shop());
        }
        for (i, shop) in shops.into_iter().enumerate() {
            let name = shop.name.clone();
            let (maximum, restore) = shop.plan.limits();
            state.shops.insert(
                name.clone(),
                ShopState {
                    token: self
                        .token
                        .clone()
                        .unwrap_or_else(|| format!("shpat_sim_{name}")),
                    client_id: self
                        .client_id
                        .clone()
                        .unwrap_or_else(|| format!("sim-{name}-id")),
                    client_secret: self
                        .client_secret
                        .clone()
                        .unwrap_or_else(|| format!("sim-{name}-secret")),
                    scopes: self.shop_scopes.get(&name).unwrap_or(&self.scopes).clone(),
                    issued: Vec::new(),
                    token_lifetime: self.token_lifetime,
                    faults: Faults::default(),
                    bucket: Bucket::new(maximum, restore),
                    rng: Xoshiro256PlusPlus::seed_from_u64(self.seed ^ ((i as u64 + 1) * 0x9e37)),
                    stats: SimStats::default(),
                    pricing: Pricing::default(),
                    answer_version: None,
                    bulk: bulk::BulkState::default(),
                    refund_index: Default::default(),
                    shop,
                },
            );
        }
        state
    }
}

/// The earliest and latest `updatedAt` of a shop's orders.
pub type UpdatedRange = (DateTime<Utc>, DateTime<Utc>);

/// A running simulator: its address and its controls.
#[derive(Clone)]
pub struct SimHandle {
    pub addr: SocketAddr,
    state: server::Shared,
    shutdown: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Starts a simulator on 127.0.0.1 with a free port.
pub async fn spawn(config: SimConfig) -> SimHandle {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding a free loopback port works on any machine that runs tests");
    spawn_on(config, listener)
}

/// Starts a simulator on a bound listener (the binary binds `--bind`).
pub fn spawn_on(config: SimConfig, listener: TcpListener) -> SimHandle {
    let addr = listener
        .local_addr()
        .expect("a bound listener has a local address");
    let state: server::Shared = Arc::new(Mutex::new(config.build()));
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let app = server::router(state.clone());
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.notified().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "shopify simulator stopped");
        }
    });
    SimHandle {
        addr,
        state,
        shutdown,
    }
}

impl SimHandle {
    /// The base URL template for the client: `http://127.0.0.1:PORT/{shop}`.
    pub fn base_url(&self) -> String {
        format!("http://{}/{{shop}}", self.addr)
    }

    /// Stops serving.
    pub fn shutdown(&self) {
        self.shutdown.notify_waiters();
    }

    fn with<T>(
        &self,
        shop: &str,
        f: impl FnOnce(&mut ShopState) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = s
            .shops
            .get_mut(shop)
            .ok_or_else(|| SimError::UnknownShop(shop.to_string()))?;
        f(st)
    }

    pub fn shop_names(&self) -> Vec<String> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.shops.keys().cloned().collect()
    }

    /// The shop's access token.
    pub fn token(&self, shop: &str) -> Result<String, SimError> {
        self.with(shop, |st| Ok(st.token.clone()))
    }

    /// The shop's client ID and secret.
    pub fn client_credentials(&self, shop: &str) -> Result<(String, String), SimError> {
        self.with(shop, |st| {
            Ok((st.client_id.clone(), st.client_secret.clone()))
        })
    }

    /// Expected totals per (location, local date, hour) from the shop's own model.
    /// With the app's scopes: returns are placed as DOMAIN.md says for an app that may
    /// read them (`read_returns`) or not.
    pub fn expected_totals(&self, shop: &str) -> Result<ExpectedTotals, SimError> {
        self.with(shop, |st| {
            Ok(expected::visible_expected_totals(
                &st.shop,
                None,
                st.granted_scopes().iter().any(|s| s == RETURNS_SCOPE),
            ))
        })
    }

    /// Expected totals of only the orders the app can read now: without `read_all_orders`,
    /// those created in the last 60 days (see [`RECENT_ORDERS_DAYS`]).
    pub fn visible_expected_totals(&self, shop: &str) -> Result<ExpectedTotals, SimError> {
        self.with(shop, |st| {
            Ok(expected::visible_expected_totals(
                &st.shop,
                st.orders_cutoff(Utc::now()),
                st.granted_scopes().iter().any(|s| s == RETURNS_SCOPE),
            ))
        })
    }

    /// Scopes granted to the app on the shop (before `Faults::missing_scopes`).
    pub fn scopes(&self, shop: &str) -> Result<Vec<String>, SimError> {
        self.with(shop, |st| Ok(st.scopes.clone()))
    }

    /// Replaces the scopes granted to the app on the shop.
    pub fn set_scopes(&self, shop: &str, scopes: Vec<String>) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.scopes = scopes;
            Ok(())
        })
    }

    /// Grants one more scope on the shop (e.g. [`ALL_ORDERS_SCOPE`]).
    pub fn grant_scope(&self, shop: &str, scope: &str) -> Result<(), SimError> {
        self.with(shop, |st| {
            if !st.scopes.iter().any(|s| s == scope) {
                st.scopes.push(scope.to_string());
            }
            Ok(())
        })
    }

    /// The shop's IANA time zone.
    pub fn time_zone(&self, shop: &str) -> Result<chrono_tz::Tz, SimError> {
        self.with(shop, |st| Ok(st.shop.time_zone))
    }

    /// Number of orders the shop holds (all channels, tests included).
    pub fn order_count(&self, shop: &str) -> Result<usize, SimError> {
        self.with(shop, |st| Ok(st.shop.orders.len()))
    }

    /// The earliest and latest `updatedAt` of the shop's orders.
    pub fn updated_range(&self, shop: &str) -> Result<Option<UpdatedRange>, SimError> {
        self.with(shop, |st| {
            Ok(st
                .shop
                .orders
                .first()
                .zip(st.shop.orders.last())
                .map(|(a, b)| (a.updated_at, b.updated_at)))
        })
    }

    /// Numeric ids of the shop's locations, with whether each is active.
    pub fn locations(&self, shop: &str) -> Result<Vec<(i64, bool)>, SimError> {
        self.with(shop, |st| {
            Ok(st.shop.locations.iter().map(|l| (l.id, l.active)).collect())
        })
    }

    pub fn faults(&self, shop: &str) -> Result<Faults, SimError> {
        self.with(shop, |st| Ok(st.faults.clone()))
    }

    pub fn set_faults(&self, shop: &str, faults: Faults) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.faults = faults;
            Ok(())
        })
    }

    /// The shop's bulk operation settings: export pace, URL lifetime, faults.
    pub fn bulk_settings(&self, shop: &str) -> Result<BulkSettings, SimError> {
        self.with(shop, |st| Ok(st.bulk.settings.clone()))
    }

    /// Replaces the shop's bulk operation settings (for operations created from now on).
    pub fn set_bulk(&self, shop: &str, settings: BulkSettings) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.bulk.settings = settings;
            Ok(())
        })
    }

    /// The shop's bulk operations, oldest first, as (id, status) now.
    pub fn bulk_operations(&self, shop: &str) -> Result<Vec<(String, String)>, SimError> {
        self.with(shop, |st| {
            let now = Instant::now();
            Ok(st
                .bulk
                .ops
                .iter_mut()
                .map(|op| {
                    op.advance(now);
                    (op.gid(), op.status_name().to_string())
                })
                .collect())
        })
    }

    /// Changes the shop's faults in place.
    pub fn update_faults(&self, shop: &str, f: impl FnOnce(&mut Faults)) -> Result<(), SimError> {
        self.with(shop, |st| {
            f(&mut st.faults);
            Ok(())
        })
    }

    /// Sets the lifetime of client-credentials tokens issued from now on.
    pub fn set_token_lifetime(&self, shop: &str, lifetime: Duration) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.token_lifetime = lifetime;
            Ok(())
        })
    }

    /// Expires every client-credentials token now (the next call with one gets a 401).
    pub fn expire_tokens(&self, shop: &str) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.issued.clear();
            Ok(())
        })
    }

    /// Replaces the shop's cost bucket (size and restore rate per second), full.
    pub fn set_rate_limit(
        &self,
        shop: &str,
        maximum: f64,
        restore_rate: f64,
    ) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.bucket = Bucket::new(maximum, restore_rate);
            Ok(())
        })
    }

    /// Refills the shop's cost bucket (between benchmark phases).
    pub fn reset_bucket(&self, shop: &str) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.bucket.available = st.bucket.maximum;
            st.bucket.at = Instant::now();
            Ok(())
        })
    }

    /// The points in the shop's cost bucket now (what an app could still spend at once).
    pub fn bucket_available(&self, shop: &str) -> Result<f64, SimError> {
        self.with(shop, |st| {
            st.bucket.refill(Instant::now());
            Ok(st.bucket.available)
        })
    }

    /// How the shop prices queries.
    pub fn pricing(&self, shop: &str) -> Result<Pricing, SimError> {
        self.with(shop, |st| Ok(st.pricing))
    }

    /// Changes how the shop prices queries (e.g. `pageInfo` free, or costlier than TMAS
    /// thinks).
    pub fn set_pricing(&self, shop: &str, pricing: Pricing) -> Result<(), SimError> {
        pricing.check().map_err(SimError::Invalid)?;
        self.with(shop, |st| {
            st.pricing = pricing;
            Ok(())
        })
    }

    /// Makes every answer of the shop say it is API `version` (`None`: the version asked).
    pub fn set_answer_version(&self, shop: &str, version: Option<String>) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.answer_version = version;
            Ok(())
        })
    }

    pub fn stats(&self, shop: &str) -> Result<SimStats, SimError> {
        self.with(shop, |st| Ok(st.stats.clone()))
    }

    pub fn reset_stats(&self, shop: &str) -> Result<(), SimError> {
        self.with(shop, |st| {
            st.stats = SimStats::default();
            Ok(())
        })
    }

    /// Opens another active retail location (a shop of many stores); returns its numeric id.
    pub fn add_location(&self, shop: &str, name: &str) -> Result<i64, SimError> {
        self.with(shop, |st| Ok(control::add_location(&mut st.shop, name)))
    }

    /// Adds an order; returns its numeric id.
    pub fn add_order(&self, shop: &str, spec: &OrderSpec) -> Result<i64, SimError> {
        self.with(shop, |st| control::add_order(&mut st.shop, spec))
    }

    /// Adds a refund to an order; returns the refund's numeric id.
    pub fn add_refund(
        &self,
        shop: &str,
        order_id: i64,
        spec: &RefundSpec,
    ) -> Result<i64, SimError> {
        self.with(shop, |st| control::add_refund(&mut st.shop, order_id, spec))
    }

    /// A copy of the shop's model (what it sold and took back), for tests that check the
    /// history holds the cases they are about.
    pub fn shop_model(&self, shop: &str) -> Result<model::SimShop, SimError> {
        self.with(shop, |st| Ok(st.shop.clone()))
    }

    /// Makes an order's payload unreadable (its first line's price is not a decimal), or
    /// readable again, without changing its `updatedAt`: what a shop TMAS cannot read
    /// looks like. The expected totals still count the order.
    pub fn set_garbled(&self, shop: &str, order_id: i64, garbled: bool) -> Result<(), SimError> {
        self.with(shop, |st| {
            let order = st
                .shop
                .orders
                .iter_mut()
                .find(|o| o.id == order_id)
                .ok_or(SimError::UnknownOrder(order_id))?;
            order.garbled = garbled;
            Ok(())
        })
    }

    /// Makes every line of the order say `skew` more units in `currentQuantity` than its
    /// ledger holds: an order whose views disagree, which TMAS counts by its ledger and
    /// lists for support. The expected totals (from the events) do not change.
    pub fn set_current_quantity_skew(
        &self,
        shop: &str,
        order_id: i64,
        skew: i64,
    ) -> Result<(), SimError> {
        self.with(shop, |st| {
            let order = st
                .shop
                .orders
                .iter_mut()
                .find(|o| o.id == order_id)
                .ok_or(SimError::UnknownOrder(order_id))?;
            order.quantity_skew = skew;
            Ok(())
        })
    }

    /// Records a return on an order (a POS exchange, a return with a restocking fee), with
    /// its refund when money goes back; returns the return's numeric id.
    pub fn exchange(
        &self,
        shop: &str,
        order_id: i64,
        spec: &ExchangeSpec,
    ) -> Result<i64, SimError> {
        self.with(shop, |st| control::exchange(&mut st.shop, order_id, spec))
    }

    /// Edits an order (items added, units removed, a discount given later); returns the
    /// edit's numeric id.
    pub fn edit_order(&self, shop: &str, order_id: i64, spec: &EditSpec) -> Result<i64, SimError> {
        self.with(shop, |st| control::edit_order(&mut st.shop, order_id, spec))
    }

    /// Cancels an order at `at`.
    pub fn cancel_order(
        &self,
        shop: &str,
        order_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), SimError> {
        self.with(shop, |st| control::cancel_order(&mut st.shop, order_id, at))
    }
}
