//! How long to wait before trying again.
//!
//! Temporary trouble at TikTok (429, 5xx, network errors, timeouts) is waited out for about an
//! hour before a job fails: a person expects an outage of a few minutes to delay a post, not to
//! fail it, and one minute of trouble must not fail every queued job. Status polls ramp gently
//! (contract §7: start about 2 s, cap about 30 s), and a post's late link is asked for slowly
//! (every minute, backing off to every 15 minutes, for at most 24 hours).

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

/// The wait before status poll `polls + 1`: 2 s, 3 s, 4.5 s … up to 30 s.
pub fn poll_delay(polls: u32) -> Duration {
    let secs = 2.0 * 1.5f64.powi(polls.min(10) as i32);
    Duration::from_secs_f64(secs.min(30.0))
}

/// How long a published public post's link is waited for (contract §7).
pub const LINK_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The wait before asking for a post's link again: 1, 2, 4, 8 minutes, then every 15.
pub fn link_delay(asked: u32) -> Duration {
    Duration::from_secs((60u64 << asked.min(4)).min(15 * 60))
}

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
    fn polls_start_at_two_seconds_and_cap_at_thirty() {
        assert_eq!(poll_delay(0), Duration::from_secs(2));
        assert_eq!(poll_delay(1), Duration::from_secs(3));
        assert_eq!(poll_delay(50), Duration::from_secs(30));
        assert_eq!(secs_ceil(Duration::from_millis(2100)), 3);
    }

    #[test]
    fn links_are_asked_for_every_minute_then_every_fifteen() {
        assert_eq!(link_delay(0), Duration::from_secs(60));
        assert_eq!(link_delay(3), Duration::from_secs(480));
        assert_eq!(link_delay(4), Duration::from_secs(900));
        assert_eq!(link_delay(400), Duration::from_secs(900));
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(words(Duration::from_secs(15)), "15 s");
        assert_eq!(words(Duration::from_secs(120)), "2 minutes");
        assert_eq!(words(Duration::from_secs(905)), "16 minutes");
    }
}
