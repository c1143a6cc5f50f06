//! Calls per account per rolling hour (`CAST_SANDBOX_INSTAGRAM_CALLS_PER_HOUR`), in memory and
//! on the sandbox's clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::errors::GraphError;

const HOUR_MS: i64 = 3_600_000;

#[derive(Default)]
pub struct CallLimiter(Mutex<HashMap<String, VecDeque<i64>>>);

impl CallLimiter {
    /// Counts this call; refuses it (code 4) while the last hour already holds `limit` calls.
    /// Returns the share of the budget used, in percent, for `X-App-Usage`.
    pub fn check(&self, user_id: &str, limit: u32, now_ms: i64) -> Result<u32, GraphError> {
        let mut calls = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let window = calls.entry(user_id.to_string()).or_default();
        while window.front().is_some_and(|t| *t <= now_ms - HOUR_MS) {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return Err(GraphError::rate_limited());
        }
        window.push_back(now_ms);
        Ok(u32::try_from(window.len() * 100 / (limit.max(1) as usize)).unwrap_or(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_rolls_with_the_clock() {
        let l = CallLimiter::default();
        assert_eq!(l.check("u", 2, 0).expect("1"), 50);
        assert_eq!(l.check("u", 2, 1000).expect("2"), 100);
        assert_eq!(l.check("u", 2, 2000).expect_err("3").code, 4);
        assert!(l.check("v", 2, 2000).is_ok(), "per account");
        assert!(
            l.check("u", 2, HOUR_MS + 1).is_ok(),
            "the first call left the window"
        );
    }
}
