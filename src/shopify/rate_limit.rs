//! Client-side model of Shopify's cost bucket, fed by `extensions.cost`, so requests are
//! paced to run near the allowed rate without being throttled.

use std::time::{Duration, Instant};

use super::types::QueryCost;

/// What the client last learned about the bucket.
#[derive(Debug, Clone, Default)]
pub struct CostPacer {
    state: Option<Known>,
}

#[derive(Debug, Clone, Copy)]
struct Known {
    available: f64,
    maximum: f64,
    restore_rate: f64,
    at: Instant,
}

impl CostPacer {
    /// Records the bucket as Shopify reported it with an answer.
    pub fn observe(&mut self, cost: &QueryCost, now: Instant) {
        let t = cost.throttle_status;
        self.state = Some(Known {
            available: t.currently_available,
            maximum: t.maximum_available,
            restore_rate: t.restore_rate,
            at: now,
        });
    }

    /// How long to wait before sending a query expected to cost `requested` points.
    pub fn wait_before(&self, requested: f64, now: Instant) -> Duration {
        let Some(k) = self.state else {
            return Duration::ZERO;
        };
        if k.restore_rate <= 0.0 {
            return Duration::ZERO;
        }
        let elapsed = now.saturating_duration_since(k.at).as_secs_f64();
        let available = (k.available + elapsed * k.restore_rate).min(k.maximum);
        // A query can never need more than a full bucket.
        let needed = requested.min(k.maximum);
        if available >= needed {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((needed - available) / k.restore_rate)
        }
    }

    /// The points the bucket holds at `now` as last learned (`None` before any answer).
    pub fn available(&self, now: Instant) -> Option<f64> {
        let k = self.state?;
        let elapsed = now.saturating_duration_since(k.at).as_secs_f64();
        Some((k.available + elapsed * k.restore_rate.max(0.0)).min(k.maximum))
    }

    /// Records that a query was sent (its requested cost leaves the bucket at once, as on
    /// Shopify), so back-to-back calls pace themselves before the answer arrives.
    pub fn spend(&mut self, requested: f64, now: Instant) {
        if let Some(k) = &mut self.state {
            let elapsed = now.saturating_duration_since(k.at).as_secs_f64();
            k.available =
                ((k.available + elapsed * k.restore_rate).min(k.maximum) - requested).max(0.0);
            k.at = now;
        }
    }
}

impl CostPacer {
    /// Gives back points spent on a request that failed without an answer (5xx, cut
    /// connection, unreadable body): Shopify charges a query it ran, and these were not run
    /// or not answered, so holding them back would only delay the retry.
    pub fn refund(&mut self, points: f64) {
        if let Some(k) = &mut self.state {
            k.available = (k.available + points).min(k.maximum);
        }
    }
}

/// How long a THROTTLED answer says to wait: the missing points at the restore rate.
pub fn throttled_wait(cost: &QueryCost) -> Duration {
    let t = cost.throttle_status;
    if t.restore_rate <= 0.0 {
        return Duration::from_secs(1);
    }
    let missing =
        (cost.requested_query_cost.min(t.maximum_available) - t.currently_available).max(0.0);
    // A little slack so the bucket really holds the points when the request arrives.
    Duration::from_secs_f64(missing / t.restore_rate + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::types::ThrottleStatus;

    fn cost(requested: f64, available: f64) -> QueryCost {
        QueryCost {
            requested_query_cost: requested,
            actual_query_cost: None,
            throttle_status: ThrottleStatus {
                maximum_available: 2000.0,
                currently_available: available,
                restore_rate: 100.0,
            },
        }
    }

    #[test]
    fn waits_for_missing_points() {
        let now = Instant::now();
        let mut p = CostPacer::default();
        assert_eq!(p.wait_before(752.0, now), Duration::ZERO);
        p.observe(&cost(752.0, 252.0), now);
        let w = p.wait_before(752.0, now);
        assert!((w.as_secs_f64() - 5.0).abs() < 1e-6);
        assert_eq!(
            p.wait_before(752.0, now + Duration::from_secs(6)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_failed_request_gives_its_points_back() {
        let now = Instant::now();
        let mut p = CostPacer::default();
        p.observe(&cost(978.0, 1000.0), now);
        p.spend(978.0, now);
        assert!(p.wait_before(978.0, now) > Duration::from_secs(9));
        p.refund(978.0);
        assert_eq!(p.wait_before(978.0, now), Duration::ZERO);
        p.refund(5000.0);
        assert_eq!(
            p.wait_before(2000.0, now),
            Duration::ZERO,
            "never above the bucket"
        );
    }

    #[test]
    fn throttled_wait_uses_restore_rate() {
        let w = throttled_wait(&cost(752.0, 552.0));
        assert!((w.as_secs_f64() - 2.05).abs() < 1e-6);
    }
}
