//! The Shopify simulator.
