//! Per-user rate limits over a sliding minute (contract section 1), kept in memory.
//!
//! Counted per creator (`open_id`) rather than per token, the stricter reading: refreshing the
//! token does not reset the count. Times are the sandbox clock's milliseconds.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::errors::ApiError;

const WINDOW_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    UserInfo,
    CreatorInfo,
    DirectInit,
    InboxInit,
    Status,
    VideoList,
}

impl Limit {
    fn per_minute(self) -> usize {
        match self {
            Self::UserInfo | Self::VideoList => 600,
            Self::CreatorInfo => 20,
            Self::DirectInit | Self::InboxInit => 6,
            Self::Status => 30,
        }
    }
}

#[derive(Default)]
pub struct RateLimiter {
    calls: Mutex<HashMap<(String, Limit), VecDeque<i64>>>,
}

impl RateLimiter {
    /// Counts this call, or refuses it with 429 when the last minute already holds the limit.
    /// Refused calls are not counted, so a client that backs off gets through again.
    pub fn admit(&self, open_id: &str, limit: Limit, now_ms: i64) -> Result<(), ApiError> {
        if self.admit_at(open_id, limit, now_ms) {
            Ok(())
        } else {
            Err(ApiError::RateLimitExceeded)
        }
    }

    fn admit_at(&self, open_id: &str, limit: Limit, now: i64) -> bool {
        // A poisoned lock only means another request panicked mid-count; the counts are still usable.
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let window = calls.entry((open_id.to_string(), limit)).or_default();
        while window
            .front()
            .is_some_and(|t| now - *t >= WINDOW_MS || *t > now)
        {
            window.pop_front();
        }
        if window.len() >= limit.per_minute() {
            return false;
        }
        window.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seventh_init_in_a_minute_is_refused_and_the_window_slides() {
        let limiter = RateLimiter::default();
        let start = 1_000_000;
        let at = |secs: i64| start + secs * 1000;
        for i in 0..6 {
            assert!(limiter.admit_at("a", Limit::DirectInit, at(i)));
        }
        assert!(!limiter.admit_at("a", Limit::DirectInit, at(30)));
        // Another creator, or another kind of call, has its own budget.
        assert!(limiter.admit_at("b", Limit::DirectInit, at(30)));
        assert!(limiter.admit_at("a", Limit::InboxInit, at(30)));
        // One minute after the first call, one slot is free again.
        assert!(limiter.admit_at("a", Limit::DirectInit, at(60)));
        assert!(!limiter.admit_at("a", Limit::DirectInit, at(60)));
    }
}
