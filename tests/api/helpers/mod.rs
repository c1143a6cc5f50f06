//! The tests' one set of helpers: `app` starts Cast (manual clock and worker unless a test asks
//! for a live one) and walks the owner's steps; `posts` posts videos through the API and steps
//! the worker; `sandbox` talks to the TikTok sandbox as TikTok's clients do; `browser` drives a
//! real Chromium; `youtube`, `notify` and `process` serve their own tests.

pub mod app;
pub mod browser;
pub mod notify;
pub mod posts;
pub mod process;
pub mod sandbox;
pub mod youtube;

pub use app::*;
