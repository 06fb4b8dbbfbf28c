//! Failures the simulator can be told to produce, per shop, so tests and demos can show how
//! TMAS copes.

use serde::{Deserialize, Serialize};

/// The faults of one shop. Set them with `SimHandle::set_faults` or `POST /_sim/{shop}/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// The next N GraphQL requests are answered `THROTTLED` (HTTP 200, Shopify's shape).
    pub throttled_next: u32,
    /// The next N requests are answered HTTP 429 with a `Retry-After` header.
    pub too_many_requests_next: u32,
    /// Seconds a storm asks clients to wait (Retry-After, and the points a THROTTLED answer
    /// says are missing at the restore rate).
    pub retry_after_secs: f64,
    /// Share (0..=1) of requests answered with a 5xx.
    pub server_error_rate: f64,
    /// Share of requests whose connection is cut half way through the answer.
    pub cut_rate: f64,
    /// Share of answers whose body is malformed JSON.
    pub malformed_rate: f64,
    /// Delay before every answer, in milliseconds.
    pub delay_ms: u64,
    /// The access token and any client-credentials tokens are revoked (401), as after an
    /// uninstall.
    pub revoked: bool,
    /// The shop is locked (423).
    pub locked: bool,
    /// The shop is frozen for non-payment (402).
    pub frozen: bool,
    /// The shop is inactive (closed, paused or deactivated): GraphQL calls are answered with
    /// HTTP 200 and a single error whose `extensions.code` is `SHOP_INACTIVE`, no data.
    pub inactive: bool,
    /// Scopes taken away from the app (`read_orders` → ACCESS_DENIED on orders).
    pub missing_scopes: Vec<String>,
    /// Every Admin API call is refused with HTTP 403 naming this scope, as Shopify answers
    /// an app whose access to a resource the merchant has not approved.
    pub forbidden_scope: Option<String>,
    /// Answers a query that reads the deprecated money scalars (`RefundLineItem.subtotal`,
    /// `totalTax`, `price`, `OrderTransaction.amount`) as an API version that has removed
    /// them would: `undefinedField`, no data.
    pub no_deprecated_money: bool,
    /// Not a fault: switches the cost-based rate limit off (for fast tests and the unthrottled
    /// benchmark). Costs are still reported.
    pub unlimited: bool,
    /// Shopify's sales report (`shopifyqlQuery`) differs from its sales on these local days
    /// (`YYYY-MM-DD`): each location's net sales there are 10.00 higher.
    pub report_differs_on: Vec<String>,
    /// ShopifyQL columns the `sales` schema no longer has: a query naming one gets a parse
    /// error saying so.
    pub shopifyql_missing_columns: Vec<String>,
    /// Warnings every ShopifyQL answer carries (`parseWarnings`).
    pub shopifyql_warnings: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttled_next: 0,
            too_many_requests_next: 0,
            retry_after_secs: 1.0,
            server_error_rate: 0.0,
            cut_rate: 0.0,
            malformed_rate: 0.0,
            delay_ms: 0,
            revoked: false,
            locked: false,
            frozen: false,
            inactive: false,
            missing_scopes: Vec::new(),
            forbidden_scope: None,
            no_deprecated_money: false,
            unlimited: false,
            report_differs_on: Vec::new(),
            shopifyql_missing_columns: Vec::new(),
            shopifyql_warnings: Vec::new(),
        }
    }
}
