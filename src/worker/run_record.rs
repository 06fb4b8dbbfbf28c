//! What a run is and how it went: what started it, how far it got, and how it can fail.
//! Shared by the paged read, the bulk read and the run that chooses between them.

use crate::db::imports::Outcome;
use crate::domain::integration::RunRequest;
use crate::shopify::ShopifyError;

/// What started a run, as recorded in `import_runs.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
    Backfill,
    Initial,
    /// A scheduled run after a failed one, or the first after credentials were fixed.
    CatchUp,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Backfill => "backfill",
            Trigger::Initial => "initial",
            Trigger::CatchUp => "catch_up",
        }
    }

    /// What starts a run: the request, else a catch-up after a run that did not succeed.
    pub(super) fn of(requested: Option<RunRequest>, last_outcome: Option<Outcome>) -> Trigger {
        match requested {
            Some(RunRequest::Manual) => Trigger::Manual,
            Some(RunRequest::Backfill) => Trigger::Backfill,
            Some(RunRequest::Initial) => Trigger::Initial,
            Some(RunRequest::CatchUp) => Trigger::CatchUp,
            None => match last_outcome {
                Some(Outcome::Failed | Outcome::NeedsAttention) => Trigger::CatchUp,
                Some(Outcome::Succeeded) | None => Trigger::Schedule,
            },
        }
    }
}

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
