//! What YouTube's steps, checks and connector share: the client, the gateway every call for a
//! channel goes through, and the settings.

use std::time::Duration;

use sqlx::SqlitePool;

use super::auth::YouTubeAuth;
use super::client::YouTubeClient;
use super::error::{ErrorKind, YouTubeError};
use super::upload::ChunkSize;
use crate::accounts::{AccountError, AccountKey, Accounts, Gateway, GatewayError};
use crate::platforms::{Event, PlatformId, Stop};

/// The longest one call through the gateway may take: a chunk's own bound (its size at a slow
/// uplink's pace, `Timeouts::for_upload`) plus a refresh before it.
const CALL_BOUND: Duration = Duration::from_secs(8 * 60);

pub type YouTubeGateway = Gateway<YouTubeAuth>;
pub type CallFailure = GatewayError<YouTubeError>;

#[derive(Debug, Clone)]
pub struct YouTubeSettings {
    /// `YOUTUBE_CHUNK_SIZE`.
    pub chunk_size: ChunkSize,
    /// `DATA_DIR`: where the covers picked on the posting screen are (`media::cover`).
    pub data_dir: std::path::PathBuf,
}

#[derive(Clone)]
pub struct Context {
    pub client: YouTubeClient,
    pub gateway: YouTubeGateway,
    pub db: SqlitePool,
    pub settings: YouTubeSettings,
}

impl Context {
    pub fn new(
        client: YouTubeClient,
        accounts: Accounts,
        db: SqlitePool,
        settings: YouTubeSettings,
    ) -> Self {
        let gateway = Gateway::new(
            accounts,
            YouTubeAuth {
                client: client.clone(),
                db: db.clone(),
            },
            CALL_BOUND,
        );
        Self {
            client,
            gateway,
            db,
            settings,
        }
    }

    pub fn accounts(&self) -> &Accounts {
        self.gateway.accounts()
    }

    pub fn key(&self, channel_id: &str) -> AccountKey {
        AccountKey::new(PlatformId::YouTube, channel_id)
    }
}

/// Unix seconds from Unix milliseconds, rounded up (a wait never ends early).
pub fn secs_ceil(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// YouTube's refusal as an event, before commit: a wait for a daily cap, trouble when trying
/// again can help, a refusal when not.
pub fn event_for(e: &YouTubeError) -> Event {
    let message = e.to_string();
    match &e.kind {
        ErrorKind::WaitUntil { until_ms, .. } => Event::Wait {
            until: secs_ceil(*until_ms),
            code: e.reason.clone(),
            message,
        },
        ErrorKind::Retryable { retry_after } => Event::Trouble {
            code: e.reason.clone(),
            message,
            retry_after: *retry_after,
        },
        ErrorKind::AccessTokenRejected => Event::trouble(&e.reason, message),
        ErrorKind::RestartSession => Event::session_lost(&e.reason, message),
        ErrorKind::Reconnect(_) => Event::refused("needs_reconnect", message),
        ErrorKind::Permanent => Event::refused(&e.reason, message),
    }
}

pub fn account_event(e: AccountError) -> Event {
    match e {
        AccountError::NeedsReconnect(_) => Event::refused("needs_reconnect", e.to_string()),
        AccountError::NotFound(_) | AccountError::NoAccount(_) | AccountError::Ambiguous(_) => {
            Event::refused(
                "account_gone",
                "This YouTube channel is no longer connected. Connect it again, then retry.",
            )
        }
        AccountError::Platform { code, message, .. } => Event::trouble(&code, message),
        other => Event::trouble(
            "internal",
            format!("Cast could not read the channel's sign-in: {other}"),
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
            format!("YouTube did not answer within {} s.", d.as_secs()),
        ),
        GatewayError::Platform(e) => event_for(&e),
        GatewayError::Account(a) => account_event(a),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::youtube::Cap;

    #[test]
    fn a_daily_cap_is_a_wait_until_its_instant_rounded_up() {
        let e = YouTubeError::new(
            ErrorKind::WaitUntil {
                until_ms: 1_000_001,
                cap: Cap::DailyUploads,
            },
            "rateLimitExceeded",
            "Video Uploads per day",
        );
        match event_for(&e) {
            Event::Wait { until, message, .. } => {
                assert_eq!(until, 1001);
                assert!(message.contains("midnight Pacific"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_dead_session_starts_over_and_a_5xx_is_trouble() {
        let gone = YouTubeError::new(ErrorKind::RestartSession, "notFound", "");
        assert!(matches!(event_for(&gone), Event::SessionLost { .. }));
        let busy = YouTubeError::retryable("backendError", "");
        assert!(matches!(event_for(&busy), Event::Trouble { .. }));
        let bad = YouTubeError::permanent("invalidTitle", "");
        assert!(matches!(event_for(&bad), Event::Refused { .. }));
    }
}
