//! How long to wait before trying again: exponential with jitter for failures, a gentle ramp for
//! status polls (contract §7: start about 2 s, cap about 30 s).

use std::time::Duration;

use rand::Rng as _;

/// Failures tried again at most this many times in a row before the job fails.
pub const MAX_ATTEMPTS: u32 = 6;
const BASE: Duration = Duration::from_secs(2);
const CAP: Duration = Duration::from_secs(5 * 60);

/// The wait before attempt `attempt + 1` (attempt counts from 1), honouring `Retry-After`.
pub fn retry_delay(attempt: u32, retry_after: Option<Duration>) -> Duration {
    let exp = BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(CAP);
    // Up to +25 %: jobs failing together (one TikTok outage) do not all come back together.
    let jitter = rand::rng().random_range(0.0..=0.25);
    let delay = exp.mul_f64(1.0 + jitter);
    retry_after.map_or(delay, |r| delay.max(r))
}

/// The wait before status poll `polls + 1`: 2 s, 3 s, 4.5 s … up to 30 s.
pub fn poll_delay(polls: u32) -> Duration {
    let secs = 2.0 * 1.5f64.powi(polls.min(10) as i32);
    Duration::from_secs_f64(secs.min(30.0))
}

/// Whole seconds, rounded up: `run_at` is stored in seconds.
pub fn secs_ceil(d: Duration) -> i64 {
    d.as_secs_f64().ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_grow_exponentially_within_the_jitter() {
        for (attempt, base) in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0)] {
            let d = retry_delay(attempt, None).as_secs_f64();
            assert!((base..=base * 1.25).contains(&d), "{attempt}: {d}");
        }
        assert!(retry_delay(30, None) <= CAP.mul_f64(1.25));
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let d = retry_delay(1, Some(Duration::from_secs(90)));
        assert_eq!(d, Duration::from_secs(90));
    }

    #[test]
    fn polls_start_at_two_seconds_and_cap_at_thirty() {
        assert_eq!(poll_delay(0), Duration::from_secs(2));
        assert_eq!(poll_delay(1), Duration::from_secs(3));
        assert_eq!(poll_delay(50), Duration::from_secs(30));
        assert_eq!(secs_ceil(Duration::from_millis(2100)), 3);
    }
}
