//! Reading a store's order history through a Shopify bulk export, one module per stage:
//!
//! 1. [`export`]: start the export of a window's orders (with their line items, refunds
//!    list and sales ledger), poll it, cancel it;
//! 2. [`pre_read`]: while Shopify exports, read what the file cannot carry — the places of
//!    refunds ([`refund_pre_read`]) and of returns ([`return_places`]) — with the points
//!    the rate limit would otherwise refill unused;
//! 3. [`stage`]: download the file into an on-disk stage, so memory does not grow with it;
//! 4. [`assemble`]: put each order's children (line items, agreements, sales) back in it;
//! 5. [`reader`]: hand out whole orders a batch at a time, after the follow-ups
//!    ([`follow_ups`]: refunds' lines and transactions, several refunds a query) and the
//!    returns' places the pre-read did not hold.

pub mod assemble;
pub mod export;
pub mod follow_ups;
pub mod pre_read;
pub mod reader;
pub mod refund_pre_read;
pub mod return_places;
pub mod stage;
