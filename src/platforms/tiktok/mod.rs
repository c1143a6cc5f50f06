//! TikTok (Content Posting API, direct post or inbox draft); the contract is
//! `shared/tiktok-api.md`.

pub mod client;
pub mod webhook;
