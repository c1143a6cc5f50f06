//! Cast's integration tests: one binary, a real server per test on a random port, a fresh data folder each.

mod helpers;
mod history;

mod auth;
mod browser;
mod config_errors;
mod connect;
mod connect_pkce;
mod exactly_once;
mod sandbox_consent;
mod sandbox_creator;
mod sandbox_faults;
mod sandbox_forms;
mod sandbox_helpers;
mod sandbox_large;
mod sandbox_oauth;
mod sandbox_publish;
mod sandbox_standalone;
mod sandbox_status;
mod sandbox_upload;
mod tiktok_answers;
mod tiktok_trouble;
mod tokens;
mod tus;
mod uploads_checks;
mod uploads_helpers;
mod uploads_publish;
mod uploads_resilience;
mod youtube_client;
mod youtube_client_connect;
mod youtube_helpers;
mod youtube_sandbox_faults;
mod youtube_sandbox_oauth;
mod youtube_sandbox_processing;
mod youtube_sandbox_upload;
