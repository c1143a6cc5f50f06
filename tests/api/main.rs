//! Cast's integration tests: one binary, a real server per test on a random port, a fresh data folder each.

mod helpers;

mod auth;
mod config_errors;
mod tokens;
