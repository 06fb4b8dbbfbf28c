//! The Shopify simulator.
pub mod examples;
pub mod expected;
pub mod generator;
pub mod model;
