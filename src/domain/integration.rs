//! An integration's states as typed values, read once from their columns: its status, the
//! wizard step a draft stopped at, the kind of its credentials and the run asked for outside
//! its schedule. Each is stored as a word; everything above the storage compares the values,
//! never the words.

use std::fmt;

/// A stored word that names no known state (a newer release wrote it, or a hand edit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownState {
    what: &'static str,
    value: String,
}

/// Reads one of `all` by its stored word (shared by the domain's other stored states).
pub(super) fn by_word<T: Copy>(
    all: &[T],
    word: impl Fn(T) -> &'static str,
    what: &'static str,
    value: &str,
) -> Result<T, UnknownState> {
    all.iter()
        .copied()
        .find(|v| word(*v) == value)
        .ok_or_else(|| UnknownState {
            what,
            value: value.to_string(),
        })
}

/// Where an integration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationStatus {
    /// The setup wizard is not finished.
    Draft,
    /// Imports run on schedule.
    Active,
    /// Switched off by an admin: nothing is imported.
    Deactivated,
    /// Stopped by a problem an admin must fix (credentials rejected, a scope missing).
    Attention,
}

impl IntegrationStatus {
    pub const ALL: [IntegrationStatus; 4] = [
        IntegrationStatus::Draft,
        IntegrationStatus::Active,
        IntegrationStatus::Deactivated,
        IntegrationStatus::Attention,
    ];

    /// The stored word (`integrations.status`), also the page's CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationStatus::Draft => "draft",
            IntegrationStatus::Active => "active",
            IntegrationStatus::Deactivated => "deactivated",
            IntegrationStatus::Attention => "attention",
        }
    }

    pub fn parse(value: &str) -> Result<IntegrationStatus, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "integration status", value)
    }
}

impl TryFrom<String> for IntegrationStatus {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        IntegrationStatus::parse(&value)
    }
}

impl fmt::Display for IntegrationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a draft's setup wizard stands: the page it resumes at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WizardStep {
    General,
    Locations,
    Confirm,
    Schedule,
    Finish,
    /// The wizard is finished: the integration was activated.
    Done,
}

impl WizardStep {
    /// The wizard's pages in order.
    pub const PAGES: [WizardStep; 5] = [
        WizardStep::General,
        WizardStep::Locations,
        WizardStep::Confirm,
        WizardStep::Schedule,
        WizardStep::Finish,
    ];

    /// The stored word (`integrations.wizard_step`), also the page's address.
    pub fn as_str(self) -> &'static str {
        match self {
            WizardStep::General => "general",
            WizardStep::Locations => "locations",
            WizardStep::Confirm => "confirm",
            WizardStep::Schedule => "schedule",
            WizardStep::Finish => "finish",
            WizardStep::Done => "done",
        }
    }

    pub fn parse(value: &str) -> Result<WizardStep, UnknownState> {
        let all = [Self::PAGES.as_slice(), &[WizardStep::Done]].concat();
        by_word(&all, Self::as_str, "wizard step", value)
    }

    /// 1-based position among the pages; a finished wizard counts as the first page, as a
    /// step no page shows.
    pub fn number(self) -> usize {
        Self::PAGES
            .iter()
            .position(|s| *s == self)
            .map_or(1, |i| i + 1)
    }

    /// Whether this step has a page of the wizard.
    pub fn has_page(self) -> bool {
        self != WizardStep::Done
    }
}

impl TryFrom<String> for WizardStep {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        WizardStep::parse(&value)
    }
}

/// How an integration signs in to Shopify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// An Admin API access token of a custom app.
    AccessToken,
    /// A Dev Dashboard app's client ID and secret, exchanged for expiring tokens.
    ClientCredentials,
}

impl CredentialKind {
    pub const ALL: [CredentialKind; 2] = [
        CredentialKind::AccessToken,
        CredentialKind::ClientCredentials,
    ];

    /// The stored word (`integrations.credential_kind`), also the form's value.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AccessToken => "access_token",
            CredentialKind::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(value: &str) -> Result<CredentialKind, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "credential kind", value)
    }
}

impl TryFrom<String> for CredentialKind {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        CredentialKind::parse(&value)
    }
}

/// An import asked for outside the schedule (`integrations.run_requested`); the worker's
/// next claim runs it. The SQL that sets a request on a state change writes the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunRequest {
    /// The first import after the wizard: the backfill from its first day.
    Initial,
    /// Catching up at once after credentials were fixed.
    CatchUp,
    /// "Import now".
    Manual,
    /// "Re-import history" from a chosen day.
    Backfill,
}

impl RunRequest {
    pub const ALL: [RunRequest; 4] = [
        RunRequest::Initial,
        RunRequest::CatchUp,
        RunRequest::Manual,
        RunRequest::Backfill,
    ];

    /// The stored word, also bound in queries.
    pub fn as_str(self) -> &'static str {
        match self {
            RunRequest::Initial => "initial",
            RunRequest::CatchUp => "catch_up",
            RunRequest::Manual => "manual",
            RunRequest::Backfill => "backfill",
        }
    }

    pub fn parse(value: &str) -> Result<RunRequest, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "run request", value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_their_stored_words_and_nothing_else() {
        for status in IntegrationStatus::ALL {
            assert_eq!(IntegrationStatus::parse(status.as_str()), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        let unknown = IntegrationStatus::parse("paused").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown integration status \"paused\"");
        assert!(IntegrationStatus::parse("Active").is_err());
    }

    #[test]
    fn wizard_steps_in_order() {
        let numbers: Vec<usize> = WizardStep::PAGES.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
        assert_eq!(WizardStep::Done.number(), 1);
        assert!(!WizardStep::Done.has_page());
        for step in WizardStep::PAGES {
            assert_eq!(WizardStep::parse(step.as_str()), Ok(step));
            assert!(step.has_page());
        }
        assert_eq!(WizardStep::parse("done"), Ok(WizardStep::Done));
        assert!(WizardStep::parse("payment").is_err());
    }

    #[test]
    fn credential_kinds_read_their_stored_words() {
        for kind in CredentialKind::ALL {
            assert_eq!(CredentialKind::parse(kind.as_str()), Ok(kind));
        }
        let unknown = CredentialKind::parse("password").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown credential kind \"password\"");
    }

    #[test]
    fn run_requests_read_their_stored_words() {
        for request in RunRequest::ALL {
            assert_eq!(RunRequest::parse(request.as_str()), Ok(request));
        }
        let words: Vec<&str> = RunRequest::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(words, ["initial", "catch_up", "manual", "backfill"]);
        let unknown = RunRequest::parse("nightly").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown run request \"nightly\"");
        assert!(RunRequest::parse("").is_err());
    }
}
