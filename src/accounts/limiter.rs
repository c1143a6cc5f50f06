//! A platform's per-account rate limits, respected across every caller: a one-minute sliding
//! window per (account, endpoint), in memory (one Cast process per database). Times are the
//! app clock's milliseconds, so a test that moves the clock frees the slots.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

const WINDOW_MS: i64 = 60_000;

#[derive(Default)]
pub struct RateLimiter {
    calls: Mutex<HashMap<(String, &'static str), VecDeque<i64>>>,
}

impl RateLimiter {
    /// Takes one of `per_minute` slots of `endpoint` for `account` at `now_ms`, or says how long
    /// until one frees up.
    pub fn acquire(
        &self,
        account: &str,
        endpoint: &'static str,
        per_minute: usize,
        now_ms: i64,
    ) -> Result<(), Duration> {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let window = calls.entry((account.to_string(), endpoint)).or_default();
        // A clock set back (a test, or the system's) must not hold slots for ever.
        while window
            .front()
            .is_some_and(|t| now_ms - *t >= WINDOW_MS || *t > now_ms)
        {
            window.pop_front();
        }
        if window.len() >= per_minute {
            let oldest = window.front().copied().unwrap_or(now_ms);
            let wait = (WINDOW_MS - (now_ms - oldest)).max(0);
            return Err(Duration::from_millis(wait as u64));
        }
        window.push_back(now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seventh_call_in_a_minute_waits_and_other_accounts_do_not() {
        let limiter = RateLimiter::default();
        let t0 = 1_000_000;
        for _ in 0..6 {
            assert!(limiter.acquire("a", "init", 6, t0).is_ok());
        }
        let wait = limiter
            .acquire("a", "init", 6, t0 + 10_000)
            .expect_err("limited");
        assert_eq!(wait, Duration::from_secs(50));
        assert!(limiter.acquire("b", "init", 6, t0).is_ok());
        assert!(limiter.acquire("a", "status", 30, t0).is_ok());
        assert!(limiter.acquire("a", "init", 6, t0 + WINDOW_MS).is_ok());
    }
}
