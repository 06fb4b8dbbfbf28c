//! How often and how long to retry transient failures (5xx, timeouts, cut connections).

use std::time::Duration;

use rand::RngExt;

/// Bounded exponential backoff with jitter; configurable so tests run fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt for transient failures.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How many throttled answers (THROTTLED, 429) one call rides out before giving up.
    pub max_throttle_waits: u32,
    /// Longest single wait a throttled answer may impose.
    pub max_throttle_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_throttle_waits: 50,
            max_throttle_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Short delays for tests and benchmarks.
    pub fn fast() -> Self {
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(50),
            max_throttle_waits: 500,
            max_throttle_wait: Duration::from_secs(30),
        }
    }

    /// Delay before retry number `attempt` (0-based): base × 2^attempt, capped, with "equal
    /// jitter" (half fixed, half random) so many clients do not retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        let jitter: f64 = rand::rng().random_range(0.0..1.0);
        half + half.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let d0 = p.backoff(0);
        assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
        let d3 = p.backoff(3);
        assert!(d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(800));
        assert!(p.backoff(30) <= Duration::from_secs(1));
    }
}
