//! What a run is and how it went: what started it, how far it got, and how it can fail.
//! Shared by the paged read, the bulk read and the run that chooses between them.

use crate::db::imports::Outcome;
pub use crate::domain::import_run::Trigger;
use crate::shopify::ShopifyError;

#[derive(Debug, thiserror::Error)]
pub(super) enum RunError {
    #[error("{0}")]
    Shopify(#[from] ShopifyError),
    #[error("TMAS could not store the imported data; the import is retried at its next run.")]
    Database(#[from] sqlx::Error),
    #[error(
        "The stored credentials cannot be read with this server's secret key. Enter the \
         app's credentials again."
    )]
    Credentials,
    #[error("Another worker took this import over (this worker's lease expired).")]
    LeaseLost,
    #[error("The worker was stopped during this import; it resumes at the next run.")]
    Stopped,
    #[error("The import stopped on an internal error; it is retried at its next run.")]
    Panicked,
    #[error(
        "An administrator canceled this import. Orders already written stay counted and none \
         is counted twice; the next import continues from what is complete, and a re-import \
         of history reads the rest."
    )]
    Canceled,
    #[error(
        "The integration was deactivated or deleted while this import ran, so the import \
         stopped (and its Shopify bulk export, if any, was canceled). Orders already written \
         stay counted."
    )]
    IntegrationStopped,
    #[error(
        "Shopify denied the bulk export access to the store's orders. In Shopify, give the \
         app the read_orders access scope (and read_all_orders for orders older than 60 \
         days) and approve it, then save the app's credentials again in TMAS to resume \
         imports."
    )]
    BulkAccessDenied,
}

impl RunError {
    pub(super) fn outcome(&self) -> Outcome {
        match self {
            RunError::Shopify(e) if e.is_attention_needed() => Outcome::NeedsAttention,
            RunError::Credentials | RunError::BulkAccessDenied => Outcome::NeedsAttention,
            _ => Outcome::Failed,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub(super) struct Progress {
    pub(super) pages: i64,
    pub(super) orders_read: i64,
    pub(super) orders_stored: i64,
    /// "name (id): field: problem" of each order this run could not read.
    pub(super) unreadable: Vec<String>,
}
