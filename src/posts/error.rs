//! What can go wrong with a post, for the web layer to turn into answers in one place.

use super::model::CorruptRow;
use super::spool::SpoolError;
use crate::accounts::AccountError;

/// One thing wrong with a request, and which target it is about (its 0-based index in the
/// request; None for the post itself, e.g. the video).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TargetProblem {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<usize>,
}

impl TargetProblem {
    pub fn post(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            target: None,
        }
    }

    pub fn of(target: usize, p: crate::platforms::Problem) -> Self {
        Self {
            code: p.code,
            message: p.message,
            target: Some(target),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The request or the video breaks a platform's rules: nothing was queued.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "))]
    Rejected(Vec<TargetProblem>),
    #[error("No post has that id.")]
    NotFound,
    /// A page cursor (`before=`) that names nothing.
    #[error("{0}")]
    UnknownCursor(String),
    /// The target is not in a state that allows this (e.g. cancelling a published one).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Corrupt(#[from] CorruptRow),
    #[error("the video check stopped unexpectedly: {0}")]
    Probe(String),
}

impl PostError {
    pub fn rejected(code: &'static str, message: impl Into<String>) -> Self {
        Self::Rejected(vec![TargetProblem::post(code, message)])
    }
}
