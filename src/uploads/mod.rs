//! The upload job: what a user asks to post, checked before anything is queued; the durable
//! queue (the `uploads` row is the queue); and the worker that sends the file to TikTok in chunks
//! and follows TikTok's processing to a final state. Knows nothing of HTTP: handlers call
//! `Uploads`' functions and render what they return.

pub mod backoff;
pub mod chunk_plan;
pub mod flags;
mod init;
pub mod job;
pub mod lifecycle;
pub mod limiter;
mod link;
mod poll;
pub mod post;
pub mod repository;
pub mod rules;
pub mod service;
pub mod spool;
mod transfer;
pub mod worker;

pub use job::{Job, JobState, UploadView};
pub use lifecycle::Action;
pub use service::{UploadSettings, Uploads};
pub use worker::ExecutionOutcome;

/// One thing wrong with an upload request, with a stable `code` for scripts and a `message`
/// saying what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The request or the video breaks TikTok's rules: nothing was queued.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "))]
    Rejected(Vec<Problem>),
    #[error("No upload has that id.")]
    NotFound,
    /// The job is not in a state that allows this (e.g. cancelling a published post).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Spool(#[from] spool::SpoolError),
    #[error(transparent)]
    Account(#[from] crate::accounts::AccountError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Corrupt(#[from] job::CorruptRow),
    #[error("the video check stopped unexpectedly: {0}")]
    Probe(String),
}

impl UploadError {
    pub fn rejected(code: &'static str, message: impl Into<String>) -> Self {
        Self::Rejected(vec![Problem::new(code, message)])
    }
}
