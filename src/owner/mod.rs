//! The owner: the one person who may use this Cast.

pub mod api_tokens;
pub mod checker;
pub mod device;
pub mod login;
pub mod password;
mod service;
pub mod setup;
pub mod throttle;

pub use service::Owner;

#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hash(String),
}
