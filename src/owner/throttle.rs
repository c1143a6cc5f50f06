//! Login throttling: how many wrong passwords a client, and everyone together, may try, and how
//! long each must wait before the next. Delays grow with each failure up to a cap and never
//! become a lockout, so the owner coming back after an attack waits minutes at most.
//!
//! An attempt is counted when it is let through, before its password is checked: parallel
//! guesses cannot all slip in while the first ones are still being hashed.
//!
//! Kept in memory. Persisting it would write to disk for every anonymous guess (state for
//! strangers, and a write that fails on a full disk); a restart, the only thing that forgets it,
//! is the owner's to make. A changed password (`cast set-password`) clears it: see `Login`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// How many failures pass freely, and how the wait grows after them.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub free_failures: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

/// One client (an address, a /64, or a browser that logged in before): 5 tries, then 1 s, 2 s,
/// 4 s, … up to 5 minutes between tries.
pub const PER_CLIENT: Policy = Policy {
    free_failures: 5,
    first_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(5 * 60),
};

/// Everyone together. There is one owner, so many addresses failing is itself the signal:
/// 20 tries, then the same doubling up to 2 minutes between any two tries.
pub const GLOBAL: Policy = Policy {
    free_failures: 20,
    first_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(2 * 60),
};

/// The global count forgives one failure this often, so a past attack fades by itself.
const GLOBAL_FORGIVE_EVERY_MS: i64 = 10 * 60 * 1000;
/// A client's record is forgotten this long after its last try.
const FORGET_AFTER_MS: i64 = 24 * 3600 * 1000;
/// Bounds memory whatever the number of addresses an attacker has.
const MAX_RECORDS: usize = 4096;

/// Who is trying, as far as throttling is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// An IPv4 address, or the /64 network of an IPv6 address: one subscriber gets a whole /64,
    /// so keying on the full address would give an attacker endless fresh keys.
    Address(IpAddr),
    /// A browser carrying a valid "logged in here before" cookie: judged on its own record only,
    /// so the owner gets in even while strangers exhaust the global budget.
    Device(String),
}

impl Key {
    pub fn address(ip: IpAddr) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into()),
            },
            v4 => v4,
        };
        Self::Address(ip)
    }

    fn counts_globally(&self) -> bool {
        matches!(self, Self::Address(_))
    }
}

/// Why a try was refused, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub retry_after: Duration,
    /// True when it is everyone's budget that ran out, not this client's.
    pub everyone: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Record {
    failures: u32,
    last_ms: i64,
}

impl Record {
    /// Milliseconds until the next try is allowed (0: now).
    fn wait_ms(&self, policy: &Policy, now_ms: i64) -> i64 {
        if self.failures < policy.free_failures {
            return 0;
        }
        let doublings = (self.failures - policy.free_failures).min(30);
        let delay = policy
            .first_delay
            .saturating_mul(1u32 << doublings)
            .min(policy.max_delay);
        let delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        (self.last_ms.saturating_add(delay_ms) - now_ms).max(0)
    }
}

#[derive(Debug, Default)]
struct State {
    clients: HashMap<Key, Record>,
    global: Record,
    /// When the global count last forgave a failure.
    forgiven_ms: i64,
}

impl State {
    fn forgive(&mut self, now_ms: i64) {
        if self.global.failures == 0 {
            self.forgiven_ms = now_ms;
            return;
        }
        let periods = (now_ms - self.forgiven_ms).max(0) / GLOBAL_FORGIVE_EVERY_MS;
        let forgiven = u32::try_from(periods).unwrap_or(u32::MAX);
        self.global.failures = self.global.failures.saturating_sub(forgiven);
        self.forgiven_ms += periods * GLOBAL_FORGIVE_EVERY_MS;
    }

    fn make_room(&mut self, now_ms: i64) {
        if self.clients.len() < MAX_RECORDS {
            return;
        }
        self.clients
            .retain(|_, r| now_ms - r.last_ms < FORGET_AFTER_MS);
        if self.clients.len() >= MAX_RECORDS {
            // Dropping the quietest half gives those clients a fresh start; the global budget
            // still holds them back.
            let mut lasts: Vec<i64> = self.clients.values().map(|r| r.last_ms).collect();
            lasts.sort_unstable();
            let cutoff = lasts[lasts.len() / 2];
            self.clients.retain(|_, r| r.last_ms > cutoff);
        }
    }
}

/// A try that was let through and counted as a failure until `Throttle::succeeded` says otherwise.
#[derive(Debug)]
pub struct Ticket {
    key: Key,
}

#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<State>,
}

impl Throttle {
    /// Lets a try through and counts it, or says how long to wait. Check and count happen under
    /// one lock, so of many parallel tries only those the budget allows get through.
    pub fn begin(&self, key: Key, now_ms: i64) -> Result<Ticket, Wait> {
        let Ok(mut s) = self.state.lock() else {
            // A panic elsewhere poisoned the lock: refusing is the safe answer.
            return Err(Wait {
                retry_after: PER_CLIENT.max_delay,
                everyone: true,
            });
        };
        s.forgive(now_ms);
        if s.clients
            .get(&key)
            .is_some_and(|r| now_ms - r.last_ms >= FORGET_AFTER_MS)
        {
            s.clients.remove(&key);
        }
        let client_wait = s
            .clients
            .get(&key)
            .map_or(0, |r| r.wait_ms(&PER_CLIENT, now_ms));
        let global_wait = if key.counts_globally() {
            s.global.wait_ms(&GLOBAL, now_ms)
        } else {
            0
        };
        let wait = client_wait.max(global_wait);
        if wait > 0 {
            return Err(Wait {
                retry_after: Duration::from_millis(wait.unsigned_abs()).max(Duration::from_secs(1)),
                everyone: global_wait > client_wait,
            });
        }
        s.make_room(now_ms);
        let r = s.clients.entry(key.clone()).or_default();
        r.failures += 1;
        r.last_ms = now_ms;
        if key.counts_globally() {
            s.global.failures += 1;
            s.global.last_ms = now_ms;
        }
        Ok(Ticket { key })
    }

    /// The password was right: the client starts afresh, and its try is taken off the global count.
    pub fn succeeded(&self, ticket: Ticket) {
        if let Ok(mut s) = self.state.lock() {
            s.clients.remove(&ticket.key);
            if ticket.key.counts_globally() {
                s.global.failures = s.global.failures.saturating_sub(1);
            }
        }
    }

    /// Forgets everything (the password was changed on the server).
    pub fn reset(&self) {
        if let Ok(mut s) = self.state.lock() {
            *s = State::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    fn addr(s: &str) -> Key {
        Key::address(s.parse().expect("address"))
    }

    #[test]
    fn a_client_gets_its_free_tries_then_waits_longer_each_time() {
        let t = Throttle::default();
        for _ in 0..PER_CLIENT.free_failures {
            assert!(t.begin(addr("192.0.2.1"), T0).is_ok());
        }
        let wait = t
            .begin(addr("192.0.2.1"), T0)
            .expect_err("the budget is spent");
        assert_eq!(wait.retry_after, Duration::from_secs(1));
        assert!(!wait.everyone);
        assert!(
            t.begin(addr("192.0.2.2"), T0).is_ok(),
            "another address is not held back"
        );
        assert!(t.begin(addr("192.0.2.1"), T0 + 1_000).is_ok());
        let wait = t.begin(addr("192.0.2.1"), T0 + 1_000).expect_err("waits");
        assert_eq!(wait.retry_after, Duration::from_secs(2));
    }

    #[test]
    fn the_wait_stops_growing_at_its_cap() {
        let t = Throttle::default();
        let mut now = T0;
        for _ in 0..40 {
            match t.begin(addr("192.0.2.1"), now) {
                Ok(_) => {}
                Err(w) => {
                    assert!(w.retry_after <= PER_CLIENT.max_delay);
                    now += i64::try_from(w.retry_after.as_millis()).expect("ms");
                }
            }
        }
        let _ = t.begin(addr("192.0.2.1"), now);
        let wait = t.begin(addr("192.0.2.1"), now).expect_err("waits");
        assert_eq!(wait.retry_after, PER_CLIENT.max_delay);
        now += 5 * 60 * 1000;
        assert!(
            t.begin(addr("192.0.2.1"), now).is_ok(),
            "never locked out for good"
        );
    }

    #[test]
    fn many_addresses_share_one_global_budget() {
        let t = Throttle::default();
        for i in 0..GLOBAL.free_failures {
            assert!(t.begin(addr(&format!("198.51.100.{i}")), T0).is_ok());
        }
        let wait = t
            .begin(addr("203.0.113.9"), T0)
            .expect_err("everyone waits");
        assert!(wait.everyone);
        assert!(
            t.begin(Key::Device("owner-browser".into()), T0).is_ok(),
            "a browser that logged in before is judged on its own record"
        );
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_by_the_ipv4() {
        assert_eq!(
            addr("2001:db8:1:2::1"),
            addr("2001:db8:1:2:ffff:eeee:dddd:cccc")
        );
        assert_ne!(addr("2001:db8:1:2::1"), addr("2001:db8:1:3::1"));
        assert_eq!(addr("::ffff:192.0.2.7"), addr("192.0.2.7"));
    }

    #[test]
    fn a_success_clears_the_client_and_a_reset_clears_everyone() {
        let t = Throttle::default();
        for _ in 0..PER_CLIENT.free_failures - 1 {
            t.begin(addr("192.0.2.1"), T0).expect("free");
        }
        let ticket = t.begin(addr("192.0.2.1"), T0).expect("last free try");
        t.succeeded(ticket);
        for _ in 0..PER_CLIENT.free_failures {
            t.begin(addr("192.0.2.1"), T0).expect("a fresh start");
        }
        assert!(t.begin(addr("192.0.2.1"), T0).is_err());
        t.reset();
        assert!(t.begin(addr("192.0.2.1"), T0).is_ok());
    }

    #[test]
    fn the_global_count_fades_after_an_attack() {
        let t = Throttle::default();
        for i in 0..GLOBAL.free_failures + 5 {
            let _ = t.begin(
                addr(&format!("198.51.100.{i}")),
                T0 + i64::from(i) * 200_000,
            );
        }
        let later = T0 + 24 * 3600 * 1000;
        assert!(t.begin(addr("203.0.113.9"), later).is_ok());
    }

    #[test]
    fn memory_is_bounded_whatever_the_number_of_addresses() {
        let t = Throttle::default();
        for i in 0..(MAX_RECORDS as u32 * 3) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = t.begin(Key::address(ip), T0 + i64::from(i));
        }
        let len = t.state.lock().expect("lock").clients.len();
        assert!(len <= MAX_RECORDS, "{len} records");
    }
}
