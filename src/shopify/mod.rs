//! The Shopify GraphQL Admin API client: queries, payload types, rate limiting, errors.
pub mod client;
pub mod credentials;
pub mod error;
pub mod queries;
pub mod rate_limit;
pub mod retry;
pub mod types;

pub use client::{ClientConfig, DEFAULT_API_VERSION, DEFAULT_BASE_URL, ShopifyClient};
pub use credentials::Credentials;
pub use error::ShopifyError;
pub use retry::RetryPolicy;
pub use types::{Location, Order, OrdersPage, QueryCost, Shop, TimeWindow};
