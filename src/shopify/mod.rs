//! The Shopify GraphQL Admin API client: queries, payload types, rate limiting, errors.
//!
//! One [`ShopifyClient`] per integration (shop + credentials). It paces itself from the
//! `extensions.cost` Shopify reports, waits as told on `THROTTLED` and 429, retries 5xx,
//! timeouts and cut connections with backoff, renews client-credentials tokens, and turns
//! every failure into a [`ShopifyError`] that says what a store admin should do.
//!
//! ```no_run
//! # async fn run() -> Result<(), tmas::shopify::ShopifyError> {
//! use tmas::shopify::{ClientConfig, Credentials, ShopifyClient, TimeWindow};
//! let config = ClientConfig::default(); // https://{shop}.myshopify.com, DEFAULT_API_VERSION
//! let store = tmas::domain::store_name::StoreName::parse("my-store").expect("a store name");
//! let client = ShopifyClient::new(&config, &store, Credentials::AccessToken("…".into()))?;
//! let shop = client.shop().await?;
//! let window = TimeWindow { from: chrono::Utc::now() - chrono::Duration::days(1), to: chrono::Utc::now() };
//! let mut cursor: Option<String> = None;
//! loop {
//!     let page = client.fetch_orders_page(&window, cursor.as_deref()).await?;
//!     for order in &page.orders {
//!         let _facts = tmas::domain::facts::order_facts(order);
//!     }
//!     // A worker stores the facts, then checkpoints `page.next_cursor`.
//!     match page.next_cursor { Some(c) => cursor = Some(c), None => break }
//! }
//! # Ok(()) }
//! ```
pub mod bulk;
pub use bulk::export::{BulkOperation, BulkRefused};
pub mod client;
pub mod cost;
pub mod credentials;
pub mod error;
mod orders;
pub mod queries;
pub mod rate_limit;
pub mod retry;
pub mod schema;
pub mod shopifyql;
pub mod types;

pub use client::{ClientConfig, DEFAULT_API_VERSION, DEFAULT_BASE_URL, ShopifyClient};
pub use credentials::Credentials;
pub use error::ShopifyError;
pub use retry::RetryPolicy;
pub use types::{Location, Order, OrdersPage, QueryCost, Shop, TimeWindow};
