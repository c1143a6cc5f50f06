//! Cast: a self-hosted publisher for short videos.
//!
//! Data flows one way: `web` (HTTP, HTML, JSON) → domain (`owner`, `accounts`, `posts`,
//! `media`) → `platforms` (each an API client plus how it connects and sends, behind one
//! boundary) → adapters (`db`, HTTP). The emulators (`sandbox`) stand beside Cast; `config`
//! is a leaf that imports nothing of the app. See docs/ARCHITECTURE.md.

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
pub mod posts;
pub mod sandbox;
pub mod session_store;
pub mod slow_body;
pub mod telemetry;
pub mod tus;
pub mod web;

pub use config::Config;
pub use web::{Application, Runtime};
pub mod media;
