//! Instagram (Instagram API with Instagram Login): the contract is `shared/instagram-api.md`.
//!
//! The client knows no actix and no SQL. Connecting an account is `authorize_url`, then
//! `exchange_code`, `long_lived_token`, `me` and `Account::ensure_professional`; publishing a
//! reel is `rules::check`, `publishing_limit`, `create_reel_container` (from a public link),
//! `container_status` until `FINISHED`, then `publish_settled`. Every failure is one
//! `InstagramError` whose `kind` says what to do next.

pub mod account;
mod auth;
pub mod client;
mod connect;
mod context;
pub mod error;
mod explain;
mod follow;
pub mod ids;
pub mod media;
mod media_facts;
pub mod notes;
pub mod oauth;
pub mod options;
mod platform;
mod profiles;
pub mod publish;
mod redact;
pub mod rules;
mod send;

pub use account::{Account, AccountType};
pub use auth::token_pair;
pub use client::{
    DEFAULT_GRAPH_VERSION, Endpoints, InstagramClient, SANDBOX_APP_ID, SANDBOX_APP_SECRET, SCOPES,
};
pub use connect::DISCONNECT_NOTE;
pub use context::{Context, InstagramGateway};
pub use error::{ErrorDetail, ErrorKind, InstagramError, Origin};
pub use media::{ContainerState, ContainerStatus, MediaItem, PublishingLimit, ReelRequest};
pub use oauth::{LongLivedToken, ShortLivedToken};
pub use options::InstagramOptions;
pub use platform::Instagram;
pub use publish::{PublishRequest, Published};
