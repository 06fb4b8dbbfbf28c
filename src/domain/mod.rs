//! Pure types and rules of the product, no I/O. Forms are parsed into these types, so a value
//! that exists is a valid one, and each parse error says what was wrong.

pub mod account;
pub mod coverage;
pub mod facts;
pub mod import_run;
pub mod integration;
pub mod integration_setup;
pub mod ledger;
pub mod location;
pub mod lookalike;
pub mod money;
pub mod order;
pub mod periods;
pub mod reconciliation;
pub mod report;
pub mod sale_facts;
pub mod schedule;
pub mod store_name;
pub mod traffic;
pub mod traffic_rows;
