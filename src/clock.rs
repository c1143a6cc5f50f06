//! The time Cast reads: the system's in production, one a test moves by hand.
//!
//! Every expiry, schedule, backoff and platform cap is judged against this clock, never against
//! `SystemTime::now()` directly, so a test can make an hour pass without waiting an hour.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    /// Milliseconds since the Unix epoch, moved only by `advance` and `set`; every move wakes
    /// whoever sleeps on this clock.
    Manual(AtomicI64, tokio::sync::Notify),
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(Source::System))
    }

    /// A clock that stands still at `start_ms` until the test moves it.
    pub fn manual(start_ms: i64) -> Self {
        Self(Arc::new(Source::Manual(
            AtomicI64::new(start_ms),
            tokio::sync::Notify::new(),
        )))
    }

    /// A manual clock starting at the system's present time.
    pub fn manual_now() -> Self {
        Self::manual(system_ms())
    }

    pub fn is_manual(&self) -> bool {
        matches!(*self.0, Source::Manual(..))
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &*self.0 {
            Source::System => system_ms(),
            Source::Manual(ms, _) => ms.load(Ordering::SeqCst),
        }
    }

    /// Whole seconds since the Unix epoch: how Cast stores timestamps.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves a manual clock forward; a system clock cannot be moved (returns false).
    pub fn advance(&self, by: Duration) -> bool {
        match &*self.0 {
            Source::System => false,
            Source::Manual(ms, moved) => {
                let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
                ms.fetch_add(by, Ordering::SeqCst);
                moved.notify_waiters();
                true
            }
        }
    }

    /// Sets a manual clock; a system clock cannot be set (returns false).
    pub fn set_ms(&self, to: i64) -> bool {
        match &*self.0 {
            Source::System => false,
            Source::Manual(ms, moved) => {
                ms.store(to, Ordering::SeqCst);
                moved.notify_waiters();
                true
            }
        }
    }

    /// Waits until this clock reads `deadline_ms` or later: real time for the system's clock;
    /// for a manual one, until a test moves it that far. Deadlines judged this way (a worker
    /// step's, an idle worker's wake-up) pass in tests without waiting.
    pub async fn sleep_until_ms(&self, deadline_ms: i64) {
        match &*self.0 {
            Source::System => {
                let left = deadline_ms.saturating_sub(system_ms()).max(0);
                tokio::time::sleep(Duration::from_millis(left as u64)).await;
            }
            Source::Manual(ms, moved) => loop {
                // Registered before the check, so a move between the two is not missed.
                let notified = moved.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if ms.load(Ordering::SeqCst) >= deadline_ms {
                    return;
                }
                notified.await;
            },
        }
    }

    /// `sleep_until_ms(now + by)`.
    pub async fn sleep(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        self.sleep_until_ms(self.now_ms().saturating_add(by)).await;
    }
}

fn system_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = Clock::manual(1_000_000);
        assert_eq!(clock.now_ms(), 1_000_000);
        assert_eq!(clock.now(), 1_000);
        assert!(clock.advance(Duration::from_secs(90)));
        assert_eq!(clock.now(), 1_090);
        assert!(clock.set_ms(5_000));
        assert_eq!(clock.now_ms(), 5_000);
    }

    #[tokio::test]
    async fn a_sleep_on_a_manual_clock_ends_when_the_clock_is_moved_past_it() {
        let clock = Clock::manual(1_000_000);
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep(Duration::from_secs(60)).await }
        });
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(30));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "half way is not there");
        clock.advance(Duration::from_secs(30));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("woken by the move")
            .expect("no panic");
    }

    #[test]
    fn the_system_clock_cannot_be_moved() {
        let clock = Clock::system();
        assert!(!clock.advance(Duration::from_secs(1)));
        assert!(clock.now() > 1_700_000_000);
    }
}
