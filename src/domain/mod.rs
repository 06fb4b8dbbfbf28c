//! Pure types and rules, no I/O.
pub mod facts;
pub mod money;
