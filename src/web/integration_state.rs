//! An integration's state in plain words, as the dashboard and the imports page show it.

/// The plain words for an integration's state at this instant: "Importing" only while a run
/// runs (a worker holds the lease and the run is recorded as running), "Connected" between
/// runs.
pub fn status_now(status: &str, running: bool) -> &'static str {
    match status {
        "draft" => "Setup not finished",
        "active" if running => "Importing",
        "active" => "Connected",
        "deactivated" => "Switched off",
        "attention" => "Needs attention",
        _ => "Unknown state",
    }
}
