//! An import run's stored states as typed values: what started it (`import_runs.trigger`),
//! where it stands (`outcome`: running, or how it ended), how it read Shopify (`read_mode`)
//! and where its bulk read is (`bulk_phase`); and what a new run starts as.

use super::integration::{RunRequest, UnknownState, by_word};

/// What started a run.
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
    pub const ALL: [Trigger; 5] = [
        Trigger::Schedule,
        Trigger::Manual,
        Trigger::Backfill,
        Trigger::Initial,
        Trigger::CatchUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Backfill => "backfill",
            Trigger::Initial => "initial",
            Trigger::CatchUp => "catch_up",
        }
    }

    pub fn parse(value: &str) -> Result<Trigger, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "run trigger", value)
    }

    /// What starts a run: the request, else a catch-up after a run that did not succeed.
    pub fn of(requested: Option<RunRequest>, last_outcome: Option<Outcome>) -> Trigger {
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

    /// A first import or a re-import of history: it reads days the totals may not hold yet.
    pub fn reads_history(self) -> bool {
        matches!(self, Trigger::Initial | Trigger::Backfill)
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    NeedsAttention,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Succeeded, Outcome::Failed, Outcome::NeedsAttention];

    /// The word stored once the run ended.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::NeedsAttention => "needs_attention",
        }
    }

    pub fn parse(value: &str) -> Result<Outcome, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "run outcome", value)
    }
}

/// Where a run stands (`import_runs.outcome`): running, or ended with an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    Ended(Outcome),
}

impl RunState {
    /// The stored word: 'running', or the outcome's.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Ended(outcome) => outcome.as_str(),
        }
    }

    pub fn parse(value: &str) -> Result<RunState, UnknownState> {
        match value {
            "running" => Ok(RunState::Running),
            ended => Outcome::parse(ended).map(RunState::Ended),
        }
    }

    pub fn is_running(self) -> bool {
        self == RunState::Running
    }
}

impl TryFrom<String> for RunState {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        RunState::parse(&value)
    }
}

impl TryFrom<String> for Trigger {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Trigger::parse(&value)
    }
}

/// How a run read Shopify (`import_runs.read_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Page by page.
    Paged,
    /// Through a Shopify bulk export.
    Bulk,
}

impl ReadMode {
    pub const ALL: [ReadMode; 2] = [ReadMode::Paged, ReadMode::Bulk];

    pub fn as_str(self) -> &'static str {
        match self {
            ReadMode::Paged => "paged",
            ReadMode::Bulk => "bulk",
        }
    }

    pub fn parse(value: &str) -> Result<ReadMode, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "read mode", value)
    }
}

impl TryFrom<String> for ReadMode {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        ReadMode::parse(&value)
    }
}

/// Where a bulk read stands (`import_runs.bulk_phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkPhase {
    /// No bulk read under way (a paged run, or one that ended); stored as ''.
    Idle,
    /// Shopify exports the orders.
    Exporting,
    /// TMAS writes the exported orders.
    Writing,
}

impl BulkPhase {
    pub const ALL: [BulkPhase; 3] = [BulkPhase::Idle, BulkPhase::Exporting, BulkPhase::Writing];

    pub fn as_str(self) -> &'static str {
        match self {
            BulkPhase::Idle => "",
            BulkPhase::Exporting => "exporting",
            BulkPhase::Writing => "writing",
        }
    }

    pub fn parse(value: &str) -> Result<BulkPhase, UnknownState> {
        by_word(&Self::ALL, Self::as_str, "bulk phase", value)
    }
}

impl TryFrom<String> for BulkPhase {
    type Error = UnknownState;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        BulkPhase::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_read_their_stored_words() {
        for trigger in Trigger::ALL {
            assert_eq!(Trigger::parse(trigger.as_str()), Ok(trigger));
        }
        let unknown = Trigger::parse("cron").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown run trigger \"cron\"");
        // A request starts a run of its own kind under the same word.
        for request in RunRequest::ALL {
            assert_eq!(Trigger::of(Some(request), None).as_str(), request.as_str());
        }
    }

    #[test]
    fn a_run_after_one_that_did_not_succeed_catches_up() {
        assert_eq!(Trigger::of(None, None), Trigger::Schedule);
        assert_eq!(
            Trigger::of(None, Some(Outcome::Succeeded)),
            Trigger::Schedule
        );
        assert_eq!(Trigger::of(None, Some(Outcome::Failed)), Trigger::CatchUp);
        assert_eq!(
            Trigger::of(None, Some(Outcome::NeedsAttention)),
            Trigger::CatchUp
        );
        // A request wins over the last outcome.
        assert_eq!(
            Trigger::of(Some(RunRequest::Manual), Some(Outcome::Failed)),
            Trigger::Manual
        );
    }

    #[test]
    fn outcomes_and_run_states_read_their_stored_words() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Ok(outcome));
            let ended = RunState::Ended(outcome);
            assert_eq!(RunState::parse(ended.as_str()), Ok(ended));
            assert!(!ended.is_running());
        }
        assert_eq!(RunState::parse("running"), Ok(RunState::Running));
        assert_eq!(RunState::Running.as_str(), "running");
        let unknown = RunState::parse("canceled").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown run outcome \"canceled\"");
        // A finished run's outcome is never 'running'.
        assert!(Outcome::parse("running").is_err());
    }

    #[test]
    fn read_modes_and_bulk_phases_read_their_stored_words() {
        for mode in ReadMode::ALL {
            assert_eq!(ReadMode::parse(mode.as_str()), Ok(mode));
        }
        for phase in BulkPhase::ALL {
            assert_eq!(BulkPhase::parse(phase.as_str()), Ok(phase));
        }
        assert_eq!(BulkPhase::parse(""), Ok(BulkPhase::Idle));
        let unknown = ReadMode::parse("").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown read mode \"\"");
        let unknown = BulkPhase::parse("polling").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown bulk phase \"polling\"");
    }
}
