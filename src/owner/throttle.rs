//! Login throttling: wrong passwords slow down, then lock the address out for a while.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before any delay.
const FREE_FAILURES: u32 = 3;
/// Failures after which the address is locked out.
const LOCKOUT_AFTER: u32 = 10;
const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Try the password now.
    Allow,
    /// Refuse without checking; try again after this long.
    LockedOut(Duration),
}

#[derive(Debug)]
struct Record {
    failures: u32,
    last: Instant,
}

/// Kept in memory: a restart forgets it, which costs an attacker a restart they cannot cause.
#[derive(Debug, Default)]
pub struct Throttle {
    records: Mutex<HashMap<IpAddr, Record>>,
}

impl Throttle {
    pub fn check(&self, ip: IpAddr) -> Verdict {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Verdict {
        let Ok(mut map) = self.records.lock() else {
            return Verdict::Allow;
        };
        map.retain(|_, r| now.duration_since(r.last) < WINDOW);
        match map.get(&ip) {
            Some(r) if r.failures >= LOCKOUT_AFTER => {
                let elapsed = now.duration_since(r.last);
                if elapsed < LOCKOUT {
                    Verdict::LockedOut(LOCKOUT - elapsed)
                } else {
                    Verdict::Allow
                }
            }
            _ => Verdict::Allow,
        }
    }

    /// Records a wrong password; returns how long to wait before answering, which slows guessing.
    pub fn failed(&self, ip: IpAddr) -> Duration {
        let Ok(mut map) = self.records.lock() else {
            return Duration::ZERO;
        };
        let r = map.entry(ip).or_insert(Record {
            failures: 0,
            last: Instant::now(),
        });
        r.failures += 1;
        r.last = Instant::now();
        delay_for(r.failures)
    }

    pub fn succeeded(&self, ip: IpAddr) {
        if let Ok(mut map) = self.records.lock() {
            map.remove(&ip);
        }
    }
}

fn delay_for(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        Duration::ZERO
    } else {
        // 0.5 s, 1 s, 2 s, … capped at 4 s: enough to make guessing slow, short enough not to annoy.
        Duration::from_millis((250u64 << (failures - FREE_FAILURES).min(4)).min(4000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_the_address_is_locked_out() {
        let t = Throttle::default();
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let delays: Vec<Duration> = (0..LOCKOUT_AFTER).map(|_| t.failed(ip)).collect();
        assert_eq!(delays[0], Duration::ZERO);
        assert!(delays[4] > delays[3]);
        assert!(matches!(t.check(ip), Verdict::LockedOut(_)));
        assert_eq!(t.check(other), Verdict::Allow);
        assert_eq!(
            t.check_at(ip, Instant::now() + LOCKOUT + Duration::from_secs(1)),
            Verdict::Allow
        );
    }

    #[test]
    fn a_success_clears_the_record() {
        let t = Throttle::default();
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..LOCKOUT_AFTER {
            t.failed(ip);
        }
        t.succeeded(ip);
        assert_eq!(t.check(ip), Verdict::Allow);
    }
}
