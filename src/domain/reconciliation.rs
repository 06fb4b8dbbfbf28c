//! The daily check against Shopify's own report: where an integration's check stands, as
//! stored in `reconciliation_checks.state` and compared as a value above the storage.

use super::integration::{UnknownState, by_word};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckState {
    /// Scheduled, not run yet.
    Never,
    /// Compared: the days hold both sides' figures.
    Done,
    /// The app lacks the read_reports scope.
    NoScope,
    /// Shopify's report could not be read.
    ParseError,
    /// Shopify's report lacks a column the check needs.
    MissingColumn,
    /// Shopify throttled the report: tried again soon.
    Throttled,
    /// Shopify could not be asked: tried again soon.
    Failed,
}

impl CheckState {
    pub const ALL: [CheckState; 7] = [
        CheckState::Never,
        CheckState::Done,
        CheckState::NoScope,
        CheckState::ParseError,
        CheckState::MissingColumn,
        CheckState::Throttled,
        CheckState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Never => "never",
            CheckState::Done => "done",
            CheckState::NoScope => "no_scope",
            CheckState::ParseError => "parse_error",
            CheckState::MissingColumn => "missing_column",
            CheckState::Throttled => "throttled",
            CheckState::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Result<CheckState, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "check state", value)
    }

    /// A check that could not finish but may recover by itself soon.
    pub fn retries_soon(self) -> bool {
        matches!(self, CheckState::Throttled | CheckState::Failed)
    }
}

impl TryFrom<String> for CheckState {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        CheckState::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_states_read_their_stored_words() {
        for state in CheckState::ALL {
            assert_eq!(CheckState::parse(state.as_str()), Ok(state));
        }
        let unknown = CheckState::parse("skipped").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown check state \"skipped\"");
        let soon: Vec<_> = CheckState::ALL
            .into_iter()
            .filter(|s| s.retries_soon())
            .collect();
        assert_eq!(soon, [CheckState::Throttled, CheckState::Failed]);
    }
}
