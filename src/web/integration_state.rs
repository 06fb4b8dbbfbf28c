//! An integration's state in plain words, as the dashboard and the imports page show it.

use crate::domain::integration::IntegrationStatus;

/// The plain words for an integration's state at this instant: "Importing" only while a run
/// runs (a worker holds the lease and the run is recorded as running), "Connected" between
/// runs.
pub fn status_now(status: IntegrationStatus, running: bool) -> &'static str {
    match status {
        IntegrationStatus::Draft => "Setup not finished",
        IntegrationStatus::Active if running => "Importing",
        IntegrationStatus::Active => "Connected",
        IntegrationStatus::Deactivated => "Switched off",
        IntegrationStatus::Attention => "Needs attention",
    }
}
