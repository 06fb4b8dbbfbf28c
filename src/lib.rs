//! TMAS: imports Shopify POS sales into per-location, per-hour retail analytics.
pub mod domain;
pub mod shopify;
pub mod sim;
