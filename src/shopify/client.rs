//! The GraphQL Admin API client: authentication, pacing, retries and typed errors around
//! the few queries TMAS sends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::cost::PageInfo;
use super::credentials::{CachedToken, Credentials, TokenAnswer};
use super::error::ShopifyError;
use super::queries;
use super::rate_limit::{CostPacer, throttled_wait};
use super::retry::RetryPolicy;
use super::types::{AccessScopes, Location, QueryCost, Shop, wire};
use crate::domain::store_name::StoreName;

/// The pinned Admin API version: the one whose schema is compiled into TMAS.
pub const DEFAULT_API_VERSION: &str = super::schema::API_VERSION;
/// The response header in which Shopify says which API version answered.
pub const API_VERSION_HEADER: &str = "X-Shopify-API-Version";
/// Where shops live; `{shop}` is replaced by the store name.
pub const DEFAULT_BASE_URL: &str = "https://{shop}.myshopify.com";

/// How to reach Shopify (shared by every integration).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL template with `{shop}`, e.g. `https://{shop}.myshopify.com`.
    pub base_url: String,
    pub api_version: String,
    pub retry: RetryPolicy,
    pub request_timeout: Duration,
    /// Orders per page, at most [`queries::orders_per_page`] (what the schema prices within
    /// [`queries::COST_BUDGET`]); the default asks for as many as fit.
    pub page_size: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_version: DEFAULT_API_VERSION.to_string(),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            page_size: queries::MAX_PAGE_SIZE,
        }
    }
}

/// A client for one shop with one set of credentials.
pub struct ShopifyClient {
    http: reqwest::Client,
    base: String,
    api_version: String,
    credentials: Credentials,
    token: tokio::sync::Mutex<Option<CachedToken>>,
    pacer: Mutex<CostPacer>,
    /// Last requested cost per query, to pace the next identical query before sending it.
    expected_cost: Mutex<HashMap<&'static str, f64>>,
    retry: RetryPolicy,
    /// Orders asked per page: starts at what the schema says fits, and shrinks for good when
    /// Shopify prices a page higher than TMAS did.
    page_size: AtomicU32,
    /// The version Shopify said answered the last call (`X-Shopify-API-Version`).
    answered_version: Mutex<Option<String>>,
    /// Every time the page shrank, for the run's record.
    shrinks: Mutex<Vec<PageShrink>>,
}

/// The orders page was made smaller because Shopify priced it higher than TMAS did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageShrink {
    /// Orders per page before and after.
    pub from: u32,
    pub to: u32,
    /// The page's cost as Shopify counted it, and Shopify's single-query limit.
    pub shopify_cost: u32,
    pub max_cost: u32,
    /// Shopify refused the page (`MAX_COST_EXCEEDED`) and it was asked again smaller; false
    /// when it was answered but priced above TMAS's budget.
    pub refused: bool,
}

impl PageShrink {
    /// What happened, for the import run's record (English; `locales/es.txt` translates it).
    pub fn note(&self) -> String {
        if self.refused {
            format!(
                "Shopify refused a page of {} orders as too costly ({} points, limit {}); TMAS \
                 asked again for {} orders a page, from the same place. Nothing is needed from you.",
                self.from, self.shopify_cost, self.max_cost, self.to
            )
        } else {
            format!(
                "Shopify priced a page of {} orders at {} points, more than TMAS expected; TMAS \
                 now reads {} orders a page to stay 10 % below the limit ({}). Nothing is needed \
                 from you.",
                self.from, self.shopify_cost, self.to, self.max_cost
            )
        }
    }
}

impl std::fmt::Debug for ShopifyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyClient")
            .field("base", &self.base)
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// Finds the scope named in an access-denied message (``…`read_orders`…`` or `read_orders`).
fn scope_in(message: &str) -> String {
    if let Some(start) = message.find('`')
        && let Some(len) = message[start + 1..].find('`')
    {
        return message[start + 1..start + 1 + len].to_string();
    }
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| w.starts_with("read_") || w.starts_with("write_"))
        .unwrap_or("unknown")
        .to_string()
}

/// Maps an HTTP status Shopify uses for a final answer to its typed error.
fn status_error(status: StatusCode, body: &[u8]) -> Option<ShopifyError> {
    let text = String::from_utf8_lossy(body);
    match status.as_u16() {
        401 => Some(ShopifyError::CredentialsRejected),
        402 => Some(ShopifyError::ShopUnavailable {
            reason: "payment required: the store is frozen".into(),
        }),
        403 => Some(ShopifyError::ScopeMissing {
            scope: scope_in(&text),
        }),
        404 => Some(ShopifyError::ShopNotFound),
        423 => Some(ShopifyError::ShopUnavailable {
            reason: "the store is locked".into(),
        }),
        _ => None,
    }
}

enum Attempt {
    Done(Value, Option<QueryCost>),
    /// Wait this long; the cost, when Shopify sent one, updates the pacer.
    Throttled(Duration, Option<QueryCost>),
    Transient(String),
    Malformed(String),
    Unauthorized,
    Failed(ShopifyError),
}

impl ShopifyClient {
    /// A client for `shop` (the store name, as in `{shop}.myshopify.com`).
    pub fn new(
        config: &ClientConfig,
        shop: &StoreName,
        credentials: Credentials,
    ) -> Result<Self, ShopifyError> {
        Self::with_http(
            config,
            shop,
            credentials,
            http_client(config.request_timeout)?,
        )
    }

    /// A client for `shop` that sends through `http` (from [`http_client`]): a worker shares
    /// one among all its runs, so connections are reused and the TLS roots loaded once.
    pub fn with_http(
        config: &ClientConfig,
        shop: &StoreName,
        credentials: Credentials,
        http: reqwest::Client,
    ) -> Result<Self, ShopifyError> {
        if !config.base_url.contains("{shop}") {
            return Err(ShopifyError::Config(
                "the Shopify URL must contain {shop}".into(),
            ));
        }
        Ok(ShopifyClient {
            http,
            base: config
                .base_url
                .replace("{shop}", shop.as_str())
                .trim_end_matches('/')
                .to_string(),
            api_version: config.api_version.clone(),
            credentials,
            token: tokio::sync::Mutex::new(None),
            pacer: Mutex::new(CostPacer::default()),
            expected_cost: Mutex::new(HashMap::new()),
            retry: config.retry,
            page_size: AtomicU32::new(config.page_size.clamp(1, queries::orders_per_page())),
            answered_version: Mutex::new(None),
            shrinks: Mutex::new(Vec::new()),
        })
    }

    /// The API version this client asks for.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The version Shopify said answered the last call, when it said one.
    pub fn answered_version(&self) -> Option<String> {
        self.answered_version.lock().ok().and_then(|v| v.clone())
    }

    /// The version Shopify answered with when it is not the one asked for (Shopify answers
    /// with its oldest supported version once the asked one is retired).
    pub fn version_mismatch(&self) -> Option<String> {
        self.answered_version()
            .filter(|v| !v.eq_ignore_ascii_case(&self.api_version))
    }

    fn note_version(&self, answered: Option<&str>) {
        let Some(answered) = answered.map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        let Ok(mut seen) = self.answered_version.lock() else {
            return;
        };
        if seen.as_deref() != Some(answered) {
            if !answered.eq_ignore_ascii_case(&self.api_version) {
                tracing::warn!(
                    asked = %self.api_version,
                    answered,
                    "Shopify answered with another API version than the one TMAS asks for: the \
                     asked version is retired or not yet released. Upgrade TMAS to a release \
                     that pins a supported version, or set --shopify-api-version to one."
                );
            }
            *seen = Some(answered.to_string());
        }
    }

    /// Orders asked per page now.
    pub fn page_size(&self) -> u32 {
        self.page_size.load(Ordering::Relaxed)
    }

    /// Makes the page smaller for every later page and records why.
    pub(super) fn shrink_page(&self, shrink: PageShrink) {
        self.page_size.fetch_min(shrink.to, Ordering::Relaxed);
        tracing::warn!(
            from = shrink.from,
            to = shrink.to,
            shopify_cost = shrink.shopify_cost,
            max_cost = shrink.max_cost,
            refused = shrink.refused,
            "Shopify prices the orders page higher than TMAS does: smaller pages from now on"
        );
        if let Ok(mut s) = self.shrinks.lock() {
            s.push(shrink);
        }
    }

    /// The page shrinks since the last call (for the import run's record).
    pub fn take_page_shrinks(&self) -> Vec<PageShrink> {
        self.shrinks
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }

    fn graphql_url(&self) -> String {
        format!("{}/admin/api/{}/graphql.json", self.base, self.api_version)
    }

    /// The shop's name, currency, time zone, tax setting and plan.
    pub async fn shop(&self) -> Result<Shop, ShopifyError> {
        let (data, _) = self
            .graphql::<wire::ShopData>("shop", queries::SHOP, json!({}))
            .await?;
        let s = data.shop;
        Ok(Shop {
            name: s.name,
            currency_code: s.currency_code,
            iana_timezone: s.iana_timezone,
            taxes_included: s.taxes_included,
            plan_display_name: s.plan.public_display_name,
            shopify_plus: s.plan.shopify_plus,
        })
    }

    /// Every location, active or not.
    pub async fn locations(&self) -> Result<Vec<Location>, ShopifyError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let (data, _) = self
                .graphql::<wire::LocationsData>(
                    "locations",
                    queries::LOCATIONS,
                    json!({ "first": queries::MAX_PAGE_SIZE, "after": after }),
                )
                .await?;
            for l in data.locations.nodes {
                out.push(Location::try_from(l)?);
            }
            match data.locations.page_info {
                Some(p) if p.has_next_page => match p.end_cursor {
                    Some(c) => after = Some(c),
                    None => return Err(malformed("locations page without endCursor")),
                },
                _ => return Ok(out),
            }
        }
    }

    /// The access scopes granted to the app (`read_orders`, …).
    pub async fn access_scopes(&self) -> Result<Vec<String>, ShopifyError> {
        let url = format!("{}/admin/oauth/access_scopes.json", self.base);
        let value = self
            .with_retries(
                |token| self.http.get(&url).header(TOKEN_HEADER, token),
                false,
            )
            .await?
            .0;
        let s: AccessScopes = serde_json::from_value(value)
            .map_err(|e| malformed(format!("access_scopes.json: {e}")))?;
        Ok(s.access_scopes.into_iter().map(|h| h.handle).collect())
    }

    /// The HTTP client, for reading a bulk operation's result file (not the Admin API).
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(super) async fn graphql<T: DeserializeOwned>(
        &self,
        name: &'static str,
        query: &'static str,
        variables: Value,
    ) -> Result<(T, Option<QueryCost>), ShopifyError> {
        let url = self.graphql_url();
        let body = json!({ "query": query, "variables": variables });
        // Until Shopify has priced this query once, pace it by TMAS's own pessimistic count.
        let known = self
            .expected_cost
            .lock()
            .ok()
            .and_then(|m| m.get(name).copied());
        let expected = known.unwrap_or_else(|| {
            queries::priced(query, &variables, PageInfo::Object)
                .min(u64::from(queries::MAX_QUERY_COST)) as f64
        });
        let (data, cost) = self
            .with_retries_paced(
                |token| self.http.post(&url).header(TOKEN_HEADER, token).json(&body),
                true,
                expected,
            )
            .await?;
        if let Some(c) = cost {
            // Shopify's own count of what this query requested and used: the pacer's next
            // estimate, and the evidence when Shopify prices differently from TMAS.
            tracing::debug!(
                query = name,
                requested = c.requested_query_cost,
                actual = c.actual_query_cost,
                "shopify query cost"
            );
            if let Ok(mut m) = self.expected_cost.lock() {
                m.insert(name, c.requested_query_cost);
            }
        }
        let parsed =
            serde_json::from_value(data).map_err(|e| malformed(format!("{name} data: {e}")))?;
        Ok((parsed, cost))
    }

    async fn with_retries(
        &self,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
        graphql: bool,
    ) -> Result<(Value, Option<QueryCost>), ShopifyError> {
        self.with_retries_paced(build, graphql, 0.0).await
    }

    /// Sends a request until it succeeds, fails for good, or runs out of retries.
    async fn with_retries_paced(
        &self,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
        graphql: bool,
        expected_cost: f64,
    ) -> Result<(Value, Option<QueryCost>), ShopifyError> {
        let mut failures = 0u32;
        let mut throttled = 0u32;
        let mut renewed = false;
        let mut last_malformed: Option<String> = None;
        // Points held for a request that came back without an answer Shopify charged for.
        let give_back = || {
            if graphql
                && expected_cost > 0.0
                && let Ok(mut p) = self.pacer.lock()
            {
                p.refund(expected_cost);
            }
        };
        loop {
            if graphql && expected_cost > 0.0 {
                self.wait_for_points(expected_cost).await;
            }
            let token = self.access_token().await?;
            let attempt = self.attempt(build(&token), graphql).await;
            let problem = match attempt {
                Attempt::Done(v, cost) => {
                    self.observe_bucket(cost);
                    return Ok((v, cost));
                }
                Attempt::Failed(e) => return Err(e),
                Attempt::Unauthorized => {
                    // A client-credentials token may have expired early or been rotated:
                    // get a new one once before concluding the credentials are rejected.
                    if matches!(self.credentials, Credentials::ClientCredentials { .. }) && !renewed
                    {
                        renewed = true;
                        *self.token.lock().await = None;
                        give_back();
                        continue;
                    }
                    return Err(ShopifyError::CredentialsRejected);
                }
                Attempt::Throttled(wait, cost) => {
                    throttled += 1;
                    self.wait_out_throttle(wait, cost, throttled).await?;
                    continue;
                }
                Attempt::Transient(detail) => detail,
                Attempt::Malformed(detail) => {
                    last_malformed = Some(detail.clone());
                    detail
                }
            };
            give_back();
            if failures >= self.retry.max_retries {
                return Err(retries_exhausted(last_malformed, failures, problem));
            }
            tracing::debug!(attempt = failures, %problem, "shopify call failed, retrying");
            tokio::time::sleep(self.retry.backoff(failures)).await;
            failures += 1;
        }
    }

    /// The points Shopify's bucket holds now, as the pacer last learned it (`None` before
    /// the first answer with a cost).
    pub(crate) fn points_available(&self) -> Option<f64> {
        self.pacer
            .lock()
            .ok()
            .and_then(|p| p.available(Instant::now()))
    }

    /// Tells the pacer the bucket as Shopify reported it with an answer.
    fn observe_bucket(&self, cost: Option<QueryCost>) {
        if let (Some(c), Ok(mut p)) = (cost, self.pacer.lock()) {
            p.observe(&c, Instant::now());
        }
    }

    /// After the `throttled`-th THROTTLED answer to one request: waits as long as Shopify
    /// asked (at most the policy's longest wait), or gives up past the policy's count.
    async fn wait_out_throttle(
        &self,
        wait: Duration,
        cost: Option<QueryCost>,
        throttled: u32,
    ) -> Result<(), ShopifyError> {
        // The bucket as Shopify sees it now: the pacer will not add a second wait on top of
        // this one.
        self.observe_bucket(cost);
        if throttled > self.retry.max_throttle_waits {
            return Err(ShopifyError::RateLimited);
        }
        tracing::debug!(wait_ms = wait.as_millis() as u64, "shopify throttled");
        tokio::time::sleep(wait.min(self.retry.max_throttle_wait)).await;
        Ok(())
    }

    /// Waits until the pacer's bucket holds `expected_cost` points (never longer than a
    /// throttle wait), then spends them.
    async fn wait_for_points(&self, expected_cost: f64) {
        let wait = self.pacer.lock().map_or(Duration::ZERO, |p| {
            p.wait_before(expected_cost, Instant::now())
        });
        if !wait.is_zero() {
            tokio::time::sleep(wait.min(self.retry.max_throttle_wait)).await;
        }
        if let Ok(mut p) = self.pacer.lock() {
            p.spend(expected_cost, Instant::now());
        }
    }

    /// One request and what its answer means: HTTP statuses here, a GraphQL answer's
    /// errors and data in [`graphql_attempt`].
    async fn attempt(&self, request: reqwest::RequestBuilder, graphql: bool) -> Attempt {
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Transient(describe(&e)),
        };
        let status = response.status();
        if graphql {
            self.note_version(
                response
                    .headers()
                    .get(API_VERSION_HEADER)
                    .and_then(|v| v.to_str().ok()),
            );
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        // A connection cut mid-body surfaces here.
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Transient(describe(&e)),
        };
        if status == StatusCode::UNAUTHORIZED {
            return Attempt::Unauthorized;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Attempt::Throttled(retry_after.unwrap_or(Duration::from_secs(1)), None);
        }
        if status.is_server_error() {
            return Attempt::Transient(format!("HTTP {status}"));
        }
        if let Some(e) = status_error(status, &body) {
            return Attempt::Failed(e);
        }
        if !status.is_success() {
            return Attempt::Failed(malformed(format!("unexpected HTTP {status}")));
        }
        let value: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return Attempt::Malformed(format!("body is not JSON: {e}")),
        };
        if !graphql {
            return Attempt::Done(value, None);
        }
        graphql_attempt(value)
    }

    /// The token to send: the fixed one, or a cached client-credentials token renewed
    /// before it expires.
    async fn access_token(&self) -> Result<String, ShopifyError> {
        let (client_id, client_secret) = match &self.credentials {
            Credentials::AccessToken(t) => return Ok(t.clone()),
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => (client_id, client_secret),
        };
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && t.is_fresh(Instant::now())
        {
            return Ok(t.token.clone());
        }
        let url = format!("{}/admin/oauth/access_token", self.base);
        let mut failures = 0u32;
        loop {
            let sent = self
                .http
                .post(&url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", client_secret.as_str()),
                ])
                .send()
                .await;
            let problem = match sent {
                Err(e) => describe(&e),
                Ok(r) => {
                    let status = r.status();
                    match r.bytes().await {
                        Err(e) => describe(&e),
                        Ok(_) if status.is_server_error() => format!("HTTP {status}"),
                        Ok(_) if status == StatusCode::TOO_MANY_REQUESTS => {
                            format!("HTTP {status}")
                        }
                        Ok(body) if status.is_success() => {
                            let answer: TokenAnswer = serde_json::from_slice(&body)
                                .map_err(|e| malformed(format!("access token answer: {e}")))?;
                            let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(86_399));
                            let token = answer.access_token.clone();
                            *cached = Some(CachedToken::new(
                                answer.access_token,
                                lifetime,
                                Instant::now(),
                            ));
                            return Ok(token);
                        }
                        Ok(body) => {
                            // 400 invalid_client and friends: the ID or secret is wrong.
                            return Err(status_error(status, &body)
                                .filter(|e| !matches!(e, ShopifyError::ScopeMissing { .. }))
                                .unwrap_or(ShopifyError::CredentialsRejected));
                        }
                    }
                }
            };
            if failures >= self.retry.max_retries {
                return Err(ShopifyError::Transient {
                    attempts: failures + 1,
                    detail: problem,
                });
            }
            tokio::time::sleep(self.retry.backoff(failures)).await;
            failures += 1;
        }
    }
}

const TOKEN_HEADER: &str = "X-Shopify-Access-Token";

/// The error a request ends with once its retries are spent: the last malformed answer if
/// there was one (Shopify answered, TMAS could not read it), else the last transient failure.
fn retries_exhausted(
    last_malformed: Option<String>,
    failures: u32,
    problem: String,
) -> ShopifyError {
    match last_malformed {
        Some(context) => ShopifyError::MalformedResponse { context },
        None => ShopifyError::Transient {
            attempts: failures + 1,
            detail: problem,
        },
    }
}

/// What a GraphQL answer means: its first error (throttled, a scope missing, too costly,
/// the shop inactive, Shopify's own failure), else its data.
fn graphql_attempt(value: Value) -> Attempt {
    let envelope: wire::GraphqlResponse<Value> = match serde_json::from_value(value) {
        Ok(v) => v,
        Err(e) => return Attempt::Malformed(format!("not a GraphQL answer: {e}")),
    };
    let cost = envelope.extensions.and_then(|e| e.cost);
    if let Some(errors) = envelope.errors.as_ref().and_then(Value::as_array)
        && let Some(first) = errors.first()
    {
        return graphql_error(errors, first, cost);
    }
    match envelope.data {
        Some(data) if !data.is_null() => Attempt::Done(data, cost),
        _ => Attempt::Malformed("GraphQL answer without data".into()),
    }
}

/// The attempt a GraphQL error makes of the answer, by its code (the first code given).
fn graphql_error(errors: &[Value], first: &Value, cost: Option<QueryCost>) -> Attempt {
    let code = errors
        .iter()
        .filter_map(|e| e.pointer("/extensions/code").and_then(Value::as_str))
        .next()
        .unwrap_or("");
    let message = first
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match code {
        "THROTTLED" => Attempt::Throttled(
            cost.as_ref().map_or(Duration::from_secs(1), throttled_wait),
            cost,
        ),
        "ACCESS_DENIED" => Attempt::Failed(ShopifyError::ScopeMissing {
            scope: errors
                .iter()
                .find_map(|e| {
                    e.pointer("/extensions/requiredAccess")
                        .and_then(Value::as_str)
                        .map(scope_in)
                })
                .unwrap_or_else(|| scope_in(&message)),
        }),
        "MAX_COST_EXCEEDED" => {
            let number = |key: &str| {
                errors
                    .iter()
                    .find_map(|e| e.pointer(&format!("/extensions/{key}")))
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0) as u32
            };
            Attempt::Failed(ShopifyError::QueryTooCostly {
                cost: number("cost"),
                max: number("maxCost"),
            })
        }
        "SHOP_INACTIVE" => Attempt::Failed(ShopifyError::ShopUnavailable {
            reason: "the store is inactive".into(),
        }),
        "INTERNAL_SERVER_ERROR" => Attempt::Transient(message),
        _ => Attempt::Failed(malformed(format!("GraphQL error: {message}"))),
    }
}

/// The HTTP client TMAS talks to Shopify with. Building one loads the TLS roots and starts an
/// empty connection pool, so a process that makes many [`ShopifyClient`]s (the worker) builds
/// it once and hands it to [`ShopifyClient::with_http`]. Its connections belong to the Tokio
/// runtime that opened them: share it within one runtime only.
pub fn http_client(request_timeout: Duration) -> Result<reqwest::Client, ShopifyError> {
    reqwest::Client::builder()
        .timeout(request_timeout)
        .connect_timeout(request_timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("tmas/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ShopifyError::Config(format!("HTTP client: {e}")))
}

pub(super) fn malformed(context: impl Into<String>) -> ShopifyError {
    ShopifyError::MalformedResponse {
        context: context.into(),
    }
}

/// A transport error, described without its URL (which holds nothing secret, but is noise).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_body() || e.is_decode() {
        "connection cut while reading the answer".into()
    } else {
        "connection failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_scope_names() {
        assert_eq!(
            scope_in(
                "Access denied for orders field. Required access: `read_orders` access scope."
            ),
            "read_orders"
        );
        assert_eq!(
            scope_in("[API] This action requires merchant approval for read_locations scope."),
            "read_locations"
        );
        assert_eq!(scope_in("nope"), "unknown");
    }

    #[test]
    fn takes_a_parsed_store_name() {
        let c = ClientConfig::default();
        let shop = StoreName::parse("my-shop").unwrap();
        let client = ShopifyClient::new(&c, &shop, Credentials::AccessToken("t".into())).unwrap();
        assert_eq!(client.base, "https://my-shop.myshopify.com");
        // What is not a store name never reaches an address.
        assert!(StoreName::parse("evil.com/x").is_err());
    }
}
