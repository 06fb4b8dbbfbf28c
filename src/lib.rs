//! TMAS: imports Shopify POS sales into multi-tenant, per-location, per-hour retail analytics.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod demo_traffic;
pub mod domain;
pub mod error;
pub mod housekeeping;
pub mod i18n;
pub mod mail;
pub mod password;
pub mod private_files;
pub mod secret_key;
pub mod server;
pub mod session_store;
pub mod shopify;
pub mod sim;
pub mod startup;
pub mod state;
pub mod totals_cache;
pub mod traffic_file;
pub mod web;
pub mod worker;
pub mod worker_id;
