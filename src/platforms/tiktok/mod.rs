//! TikTok (Content Posting API, direct post or inbox draft); the contract is
//! `shared/tiktok-api.md`. `client` is the API and knows no actix and no SQL; the rest is how
//! TikTok plugs into Cast: its options and rules, the gateway's view of it (`auth`), how an
//! account connects, and the steps that send a video and follow it to a final state.

mod auth;
pub mod chunk_plan;
pub mod client;
mod connect;
mod context;
mod fail_reason;
mod flags;
mod follow;
mod notes;
pub mod options;
mod photo_rules;
mod photos;
mod platform;
mod pull;
pub mod rules;
mod send;
pub mod webhook;

pub use connect::REQUIRED_SCOPES;
pub use context::{Context, TikTokSettings};
pub use platform::TikTok;
