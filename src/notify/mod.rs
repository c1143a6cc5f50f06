//! Telling the owner how a post ended, without them watching: ntfy pushes, a signed webhook, email.
//!
//! `Notifier::notify(event)` only writes to an outbox table (one row per event and channel) and
//! returns, so a notifier that is down never delays or loses a post. The delivery task sends due
//! rows and retries failures with backoff for up to a day; `Notifier::status()` says per channel
//! what went through and what did not, and `send_test` backs the settings page's "send a test".

pub mod backoff;
pub mod email;
pub mod error;
pub mod event;
pub mod http;
pub mod notifier;
pub mod ntfy;
pub mod outbox;
pub mod webhook;

pub use crate::config::notify::{Channel, NotifySettings};
pub use error::{NotifyError, SendError};
pub use event::{Event, EventKind, Payload, Target};
pub use notifier::{ChannelStatus, Notifier};
