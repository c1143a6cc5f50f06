//! Cast's integration tests: one binary, a real server per test on a random port, a fresh data folder each.

mod helpers;
mod history;
mod instagram_client;
mod instagram_helpers;
mod instagram_sandbox_connect;
mod instagram_sandbox_fetch;
mod instagram_sandbox_publish;
mod media_helpers;

mod auth;
mod browser;
mod config_errors;
mod connect;
mod links;
mod sandbox_consent;
mod sandbox_creator;
mod sandbox_faults;
mod sandbox_helpers;
mod sandbox_large;
mod sandbox_oauth;
mod sandbox_publish;
mod sandbox_standalone;
mod sandbox_status;
mod sandbox_upload;
mod tokens;
mod tus;
mod uploads_checks;
mod uploads_helpers;
mod uploads_publish;
mod uploads_resilience;
