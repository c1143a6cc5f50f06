//! Cast: a self-hosted publisher for TikTok.
//!
//! Data flows one way: `web` (HTTP, HTML, JSON) → domain (`owner`, `media`, `uploads`) →
//! adapters (`db`, the TikTok client). `sandbox` is TikTok itself, emulated.

pub mod accounts;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod data_dir;
pub mod db;
pub mod disk;
pub mod doctor;
pub mod links;
pub mod notify;
pub mod owner;
pub mod platforms;
pub mod sandbox;
pub mod session_store;
pub mod slow_body;
pub mod telemetry;
pub mod tiktok;
pub mod tus;
pub mod uploads;
pub mod web;

pub use config::Config;
pub use web::{Application, Runtime};
pub mod media;
