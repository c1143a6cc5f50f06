//! What Instagram's steps, checks and connector share: the client, the gateway every call for
//! an account goes through, the public links Meta fetches from, and how a failed call becomes
//! an event of the target.

use std::time::Duration;

use sqlx::SqlitePool;

use super::auth::InstagramAuth;
use super::client::InstagramClient;
use super::error::{ErrorKind, InstagramError};
use crate::accounts::{AccountError, AccountKey, Accounts, Gateway, GatewayError};
use crate::clock::Clock;
use crate::links::Links;
use crate::platforms::{Event, PlatformId, Stop};

/// The longest one call through the gateway may take: the client's own 60 s plus a refresh.
const CALL_BOUND: Duration = Duration::from_secs(150);
/// How long Cast waits out a spent publishing quota before it asks again (contract 8: the
/// window's oldest post is not known, so Cast asks again rather than guess).
pub const QUOTA_WAIT: Duration = Duration::from_secs(3600);

pub type InstagramGateway = Gateway<InstagramAuth>;
pub type CallFailure = GatewayError<InstagramError>;

#[derive(Clone)]
pub struct Context {
    pub client: InstagramClient,
    pub gateway: InstagramGateway,
    pub db: SqlitePool,
    pub links: Links,
}

impl Context {
    pub fn new(client: InstagramClient, accounts: Accounts, db: SqlitePool, links: Links) -> Self {
        let clock: Clock = accounts.clock().clone();
        let gateway = Gateway::new(
            accounts,
            InstagramAuth {
                client: client.clone(),
                db: db.clone(),
                clock,
            },
            CALL_BOUND,
        );
        Self {
            client,
            gateway,
            db,
            links,
        }
    }

    pub fn accounts(&self) -> &Accounts {
        self.gateway.accounts()
    }

    pub fn key(&self, user_id: &str) -> AccountKey {
        AccountKey::new(PlatformId::Instagram, user_id)
    }
}

/// Instagram's refusal as an event: a wait for the quota, trouble when trying again can help,
/// a refusal with Meta's words when not.
pub fn event_for(e: &InstagramError, now: i64) -> Event {
    let code = e.reason.unwrap_or("instagram").to_string();
    let code = match (e.code, e.subcode) {
        (_, Some(sub)) => format!("instagram_{sub}"),
        (Some(c), None) => format!("instagram_{c}"),
        _ => code,
    };
    let message = e.to_string();
    match e.kind {
        ErrorKind::Retry => Event::Trouble {
            code,
            message,
            retry_after: e.retry_after,
        },
        ErrorKind::Wait { until_ms } => Event::Wait {
            until: until_ms
                .map(|ms| ms.div_euclid(1000) + 1)
                .unwrap_or(now + QUOTA_WAIT.as_secs() as i64),
            code,
            message,
        },
        ErrorKind::Reconnect => Event::refused("needs_reconnect", message),
        ErrorKind::NewContainer | ErrorKind::Permanent => Event::refused(&code, message),
    }
}

pub fn account_event(e: AccountError) -> Event {
    match e {
        AccountError::NeedsReconnect(_) => Event::refused("needs_reconnect", e.to_string()),
        AccountError::NotFound(_) | AccountError::NoAccount(_) | AccountError::Ambiguous(_) => {
            Event::refused(
                "account_gone",
                "This Instagram account is no longer connected. Connect it again, then retry.",
            )
        }
        AccountError::Platform { code, message, .. } => Event::trouble(&code, message),
        other => Event::trouble(
            "internal",
            format!("Cast could not read the account's sign-in: {other}"),
        ),
    }
}

/// What a failed call means for the target it was made for. `now`: the app clock, seconds.
pub fn stop(e: CallFailure, now: i64) -> Stop {
    Stop::Event(match e {
        GatewayError::Wait(d) => Event::Pause {
            until: now + d.as_secs_f64().ceil() as i64,
        },
        GatewayError::TimedOut(d) => Event::trouble(
            "timeout",
            format!("Instagram did not answer within {} s.", d.as_secs()),
        ),
        GatewayError::Platform(e) => event_for(&e, now),
        GatewayError::Account(a) => account_event(a),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(code: i64, sub: i64) -> InstagramError {
        InstagramError::meta(400, Some(code), Some(sub), "m".into(), false)
    }

    #[test]
    fn the_quota_waits_and_permanent_refusals_keep_metas_code() {
        match event_for(&meta(9, 2207042), 100) {
            Event::Wait { until, code, .. } => {
                assert_eq!(until, 3700);
                assert_eq!(code, "instagram_2207042");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            event_for(&meta(352, 2207026), 0),
            Event::Refused { .. }
        ));
        assert!(matches!(
            event_for(&meta(9007, 2207027), 0),
            Event::Trouble { .. }
        ));
    }
}
