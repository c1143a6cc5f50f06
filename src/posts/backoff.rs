//! How long to wait before trying again.
//!
//! Temporary trouble at a platform (429, 5xx, network errors, timeouts) is waited out for about
//! an hour before a target fails: a person expects an outage of a few minutes to delay a post,
//! not to fail it, and one minute of trouble must not fail every queued target. How often a
//! platform is asked while it processes is the platform's own cadence (it says when in each
//! event); these are the core's.

use std::time::Duration;

use rand::Rng as _;

/// The wait after each failure in a row: 15 s, 30 s, 1, 2, 4 and 8 minutes, then 15 minutes
/// three times, about 61 minutes in all. The failure after the last wait ends the job.
pub const RETRY_SCHEDULE_SECS: [u64; 9] = [15, 30, 60, 120, 240, 480, 900, 900, 900];
/// Failures in a row before a job fails: the first try and one after each wait.
pub const MAX_ATTEMPTS: u32 = RETRY_SCHEDULE_SECS.len() as u32 + 1;
/// The schedule in words, for messages.
pub const SCHEDULE_TEXT: &str =
    "after 15 s, 30 s, 1, 2, 4 and 8 minutes, then every 15 minutes, for about an hour";

/// The wait after failure number `attempt` (counted from 1), honouring `Retry-After`.
pub fn retry_delay(attempt: u32, retry_after: Option<Duration>) -> Duration {
    let index = attempt.saturating_sub(1) as usize;
    let base = RETRY_SCHEDULE_SECS[index.min(RETRY_SCHEDULE_SECS.len() - 1)];
    // Up to +10 %: jobs failing together (one TikTok outage) do not all come back together.
    let jitter = rand::rng().random_range(0.0..=0.10);
    let delay = Duration::from_secs(base).mul_f64(1.0 + jitter);
    retry_after.map_or(delay, |r| delay.max(r))
}

/// Trouble while a committed upload is followed: asked again no sooner than this.
pub const FOLLOW_TROUBLE: Duration = Duration::from_secs(15);

/// A published post whose link is awaited is first asked about again after this.
pub const FIRST_LINK_ASK: Duration = Duration::from_secs(60);

/// Whole seconds, rounded up: `run_at` is stored in seconds.
pub fn secs_ceil(d: Duration) -> i64 {
    d.as_secs_f64().ceil() as i64
}

/// "15 s", "2 minutes": for "Cast will try again in …".
pub fn words(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=89 => format!("{} s", secs.max(1)),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_waits_about_an_hour_in_all() {
        let total: u64 = RETRY_SCHEDULE_SECS.iter().sum();
        assert!((55 * 60..=65 * 60).contains(&total), "{total}");
        assert_eq!(MAX_ATTEMPTS, 10);
        // A minute of trouble costs a job at most three of its ten attempts.
        let first_minute = RETRY_SCHEDULE_SECS
            .iter()
            .scan(0, |t, d| {
                *t += d;
                Some(*t)
            })
            .take_while(|t| *t <= 60)
            .count();
        assert_eq!(first_minute, 2);
    }

    #[test]
    fn retries_follow_the_schedule_within_the_jitter() {
        for (attempt, base) in [(1, 15.0), (2, 30.0), (6, 480.0), (9, 900.0), (30, 900.0)] {
            let d = retry_delay(attempt, None).as_secs_f64();
            assert!((base..=base * 1.1).contains(&d), "{attempt}: {d}");
        }
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let d = retry_delay(1, Some(Duration::from_secs(90)));
        assert_eq!(d, Duration::from_secs(90));
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(secs_ceil(Duration::from_millis(2100)), 3);
        assert_eq!(secs_ceil(Duration::from_secs(15)), 15);
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(words(Duration::from_secs(15)), "15 s");
        assert_eq!(words(Duration::from_secs(120)), "2 minutes");
        assert_eq!(words(Duration::from_secs(905)), "16 minutes");
    }
}
