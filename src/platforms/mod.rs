//! The platforms Cast publishes to, each behind the same boundary: its API client (no actix, no
//! SQL), how an account connects and refreshes, its post options and rules, and how a video is
//! sent and followed to a final state.

pub mod instagram;
pub mod tiktok;
pub mod youtube;
