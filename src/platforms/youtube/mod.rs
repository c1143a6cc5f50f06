//! YouTube (Data API v3 and Google OAuth); the contract is `shared/youtube-api.md`.
//!
//! The client knows no actix and no SQL: it takes its bases, credentials and clock, and answers
//! with typed values or one `YouTubeError` whose `kind` says what to do next. The pure rules
//! (`rules`, `short`) judge a target before anything is sent.

mod auth;
mod channels;
mod classify;
mod client;
mod connect;
mod context;
mod cover;
mod error;
mod follow;
mod grants;
mod notes;
mod oauth;
pub mod options;
pub mod pacific;
mod parse;
mod platform;
pub mod rules;
mod send;
pub mod short;
mod thumbnails;
mod upload;
mod videos;

pub use channels::{Category, Channel};
pub use client::{Credentials, Endpoints, Timeouts, YouTubeClient};
pub use connect::REQUIRED_SCOPES;
pub use context::{Context, YouTubeGateway, YouTubeSettings};
pub use error::{Cap, ErrorKind, ReconnectReason, YouTubeError};
pub use oauth::{
    Authorization, Grant, Refreshed, SCOPE_READONLY, SCOPE_UPLOAD, SCOPES, missing_scopes_error,
};
pub use options::{Privacy, PrivacyChoice, YouTubeOptions};
pub use platform::YouTube;
pub use thumbnails::MAX_THUMBNAIL_BYTES;
pub use upload::{CHUNK_UNIT, ChunkSize, Progress, Resume, Upload, UploadSession, UploadedVideo};
pub use videos::{Outcome, VideoState, Visibility, watch_url};
