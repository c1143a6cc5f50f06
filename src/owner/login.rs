//! Logging in as the owner, safely on the open internet: the password check, bounded in how many
//! run at once, behind the throttle that counts each try before it is checked.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::SqlitePool;

use super::checker::PasswordChecker;
use super::device::Devices;
use super::throttle::{Key, Throttle, Wait};
use super::{OwnerError, password};
use crate::clock::Clock;

/// What a try came to.
#[derive(Debug)]
pub enum Outcome {
    /// The password was right. `device` is the browser's "logged in here before" token to keep.
    LoggedIn { device: String },
    /// The password was wrong (or none is set yet).
    Wrong,
    /// Not checked; try again after `retry_after`.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every password-checking slot is busy.
    Busy,
    /// This client has had too many wrong passwords lately.
    TooManyFromHere(Duration),
    /// Everyone together has: Cast is being guessed at from many places.
    TooManyEverywhere(Duration),
}

impl Refusal {
    pub fn retry_after(&self) -> Duration {
        match self {
            Self::Busy => Duration::from_secs(1),
            Self::TooManyFromHere(d) | Self::TooManyEverywhere(d) => *d,
        }
    }

    /// For `Retry-After`: whole seconds, rounded up so that waiting that long is enough.
    pub fn retry_after_secs(&self) -> u64 {
        u64::try_from(self.retry_after().as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1)
    }

    pub fn message(&self) -> String {
        let wait = wait_words(self.retry_after());
        match self {
            Self::Busy => {
                "Cast is checking other passwords right now. Try again in a second.".into()
            }
            Self::TooManyFromHere(_) => format!(
                "Too many wrong passwords. Try again in {wait}, or reset the password on the server with `cast set-password`."
            ),
            Self::TooManyEverywhere(_) => format!(
                "Too many wrong passwords from many places: someone may be guessing. Try again in {wait}, or reset the password on the server with `cast set-password`."
            ),
        }
    }
}

fn wait_words(d: Duration) -> String {
    let secs = d.as_secs().max(1);
    if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

pub struct Login {
    throttle: Throttle,
    checker: PasswordChecker,
    devices: Devices,
    clock: Clock,
    db: SqlitePool,
    /// The stored hash the throttle's records were made against: a new one (`cast set-password`
    /// in another process) wipes them, so the owner gets in at once with the new password.
    seen_hash: Mutex<Option<String>>,
}

impl Login {
    pub fn new(db: SqlitePool, devices: Devices, clock: Clock) -> Self {
        Self {
            db,
            throttle: Throttle::default(),
            checker: PasswordChecker::new(),
            devices,
            clock,
            seen_hash: Mutex::new(None),
        }
    }

    /// Tries `candidate` for the client at `ip`, who may carry a device token from an earlier login.
    pub async fn attempt(
        &self,
        ip: IpAddr,
        device: Option<&str>,
        candidate: String,
    ) -> Result<Outcome, OwnerError> {
        let Some(phc) = password::stored_hash(&self.db).await? else {
            return Ok(Outcome::Wrong);
        };
        self.forget_if_changed(&phc);
        let known = device.and_then(|t| self.devices.recognise(t));
        let key = match &known {
            Some(id) => Key::Device(id.clone()),
            None => Key::address(ip),
        };
        let Some(slot) = self.checker.try_reserve() else {
            return Ok(Outcome::Refused(Refusal::Busy));
        };
        let ticket = match self.throttle.begin(key, self.clock.now_ms()) {
            Ok(ticket) => ticket,
            Err(Wait {
                retry_after,
                everyone,
            }) => {
                return Ok(Outcome::Refused(if everyone {
                    Refusal::TooManyEverywhere(retry_after)
                } else {
                    Refusal::TooManyFromHere(retry_after)
                }));
            }
        };
        if !slot.verify(candidate, phc).await {
            return Ok(Outcome::Wrong);
        }
        self.throttle.succeeded(ticket);
        let device = match (known, device) {
            (Some(_), Some(token)) => token.to_string(),
            _ => self.devices.issue(),
        };
        Ok(Outcome::LoggedIn { device })
    }

    /// The most password checks that ran at once since start.
    pub fn peak_concurrent_checks(&self) -> usize {
        self.checker.peak_running()
    }

    fn forget_if_changed(&self, phc: &str) {
        let Ok(mut seen) = self.seen_hash.lock() else {
            return;
        };
        if seen.as_deref() != Some(phc) {
            if seen.is_some() {
                tracing::info!("the owner password changed: wrong-password counts cleared");
            }
            self.throttle.reset();
            *seen = Some(phc.to_string());
        }
    }
}
