//! Instagram (Instagram API with Instagram Login): the contract is `shared/instagram-api.md`.
//!
//! The client knows no actix and no SQL. Connecting an account is `authorize_url`, then
//! `exchange_code`, `long_lived_token`, `me` and `Account::ensure_professional`; publishing a
//! reel is `rules::check`, `publishing_limit`, `create_reel_container` (from a public link),
//! `container_status` until `FINISHED`, then `publish_settled`. Every failure is one
//! `InstagramError` whose `kind` says what to do next.

pub mod account;
pub mod client;
pub mod error;
mod explain;
pub mod ids;
pub mod media;
pub mod oauth;
pub mod options;
pub mod publish;
mod redact;
pub mod rules;

pub use account::{Account, AccountType};
pub use client::{
    DEFAULT_GRAPH_VERSION, Endpoints, InstagramClient, SANDBOX_APP_ID, SANDBOX_APP_SECRET, SCOPES,
};
pub use error::{ErrorDetail, ErrorKind, InstagramError, Origin};
pub use media::{ContainerState, ContainerStatus, MediaItem, PublishingLimit, ReelRequest};
pub use oauth::{LongLivedToken, ShortLivedToken};
pub use options::InstagramOptions;
pub use publish::{PublishRequest, Published};
