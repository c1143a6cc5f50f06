//! The YouTube sandbox: Google's consent page and OAuth endpoints and the YouTube Data API v3,
//! emulated on Cast's own port (contract section 12).
//!
//! It takes the stricter reading of every point the contract marks Unsure, so a client that
//! works here works against YouTube. It answers in Google's shapes only (`errors`), keeps its
//! own tables (`sandbox_youtube_*`) and pages, reads time from the `Clock` it is given, and asks
//! Cast only one thing, through the `Gate`: is this the owner.

mod api;
mod auth;
mod channels;
mod consent;
mod errors;
mod faults;
mod initiate;
mod media;
mod metadata;
mod oauth;
mod owner;
mod pages;
mod quota;
mod receive;
mod routes;
mod sandbox;
mod session;
mod standalone;
mod state;
mod store;
mod thumbnails;
mod videos;

pub use crate::config::YouTubeSandboxSettings;
pub use sandbox::{YouTubeSandbox, api_base, auth_base, oauth_base};
pub use standalone::{StandaloneYouTube, start_standalone};
pub use state::{CLIENT_ID, CLIENT_SECRET, MOUNT};
