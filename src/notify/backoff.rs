//! When to try a failed delivery again: 30 s, doubling up to an hour between tries, with jitter so
//! that notifications failing together (one outage) do not all come back together; given up a day
//! after the event, when the news is stale and the settings page already shows the failure.

use std::time::Duration;

use rand::Rng as _;

const FIRST: Duration = Duration::from_secs(30);
const CAP: Duration = Duration::from_secs(60 * 60);
/// A notification older than this is not sent any more.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The wait after `failures` failed tries in a row (counting from 1), before jitter.
fn base_delay(failures: u32) -> Duration {
    FIRST
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(CAP)
}

/// When to try again (Unix seconds), or `None` to give up. The last try lands on the deadline.
pub fn retry_at(now: i64, created_at: i64, failures: u32) -> Option<i64> {
    let deadline = created_at.saturating_add(GIVE_UP_AFTER.as_secs() as i64);
    if now >= deadline {
        return None;
    }
    let jitter = rand::rng().random_range(0.0..=0.25);
    let wait = base_delay(failures).mul_f64(1.0 + jitter);
    Some(
        now.saturating_add(wait.as_secs_f64().ceil() as i64)
            .min(deadline),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_thirty_seconds_to_an_hour() {
        assert_eq!(base_delay(1), Duration::from_secs(30));
        assert_eq!(base_delay(2), Duration::from_secs(60));
        assert_eq!(base_delay(5), Duration::from_secs(480));
        assert_eq!(base_delay(8), CAP);
        assert_eq!(base_delay(40), CAP);
    }

    #[test]
    fn each_retry_falls_within_its_jitter() {
        for failures in 1..12 {
            let base = base_delay(failures).as_secs() as i64;
            let at = retry_at(1_000, 1_000, failures).expect("not yet given up");
            let wait = at - 1_000;
            assert!(
                (base..=base + base / 4 + 1).contains(&wait),
                "{failures}: {wait}"
            );
        }
    }

    #[test]
    fn a_day_after_the_event_it_gives_up_with_a_last_try_on_the_deadline() {
        let day = GIVE_UP_AFTER.as_secs() as i64;
        assert_eq!(retry_at(day - 10, 0, 20), Some(day));
        assert_eq!(retry_at(day, 0, 21), None);
    }
}
