//! TikTok's API as Cast uses it (the contract in `shared/tiktok-api.md`). Knows nothing of actix:
//! the same client talks to TikTok or to the sandbox, which differ only in their base URLs.

#[allow(clippy::module_inception)] // the HTTP client itself, named before the move under client/
pub mod client;
pub mod envelope;
pub mod error;
pub mod oauth;
pub mod photos;
pub mod pkce;
pub mod post_id;
pub mod privacy;
pub mod publish;
pub mod token_answer;
pub mod users;
pub mod videos;

pub use client::TikTokClient;
pub use error::{ErrorKind, TikTokError};
