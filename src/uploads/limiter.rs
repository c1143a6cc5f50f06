//! TikTok's per-user rate limits (contract §1), respected across every job of an account: a
//! one-minute sliding window per (account, endpoint), in memory (one Cast process per database).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    CreatorInfo,
    Init,
    Status,
}

impl Endpoint {
    fn per_minute(self) -> usize {
        match self {
            Self::CreatorInfo => 20,
            Self::Init => 6,
            Self::Status => 30,
        }
    }
}

#[derive(Default)]
pub struct RateLimiter {
    calls: Mutex<HashMap<(String, Endpoint), VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Takes a slot now, or says how long until one frees up.
    pub fn acquire(&self, open_id: &str, endpoint: Endpoint) -> Result<(), Duration> {
        self.acquire_at(open_id, endpoint, Instant::now())
    }

    fn acquire_at(&self, open_id: &str, endpoint: Endpoint, now: Instant) -> Result<(), Duration> {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let window = calls.entry((open_id.to_string(), endpoint)).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= endpoint.per_minute() {
            let oldest = window.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        window.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seventh_init_in_a_minute_waits_and_other_accounts_do_not() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(limiter.acquire_at("a", Endpoint::Init, t0).is_ok());
        }
        let wait = limiter
            .acquire_at("a", Endpoint::Init, t0 + Duration::from_secs(10))
            .expect_err("limited");
        assert_eq!(wait, Duration::from_secs(50));
        assert!(limiter.acquire_at("b", Endpoint::Init, t0).is_ok());
        assert!(limiter.acquire_at("a", Endpoint::Status, t0).is_ok());
        assert!(limiter.acquire_at("a", Endpoint::Init, t0 + WINDOW).is_ok());
    }
}
