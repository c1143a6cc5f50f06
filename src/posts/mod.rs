//! The publishing core: a post (one video) and its targets (a platform account and that
//! platform's options), each target its own durable job. It knows only the platform boundary
//! (`crate::platforms`): never which platform a target is for, nor whether it is emulated.
//!
//! `state` is the job state machine, `repository` the SQL (the target row is the queue),
//! `intake` takes a post in, `worker` moves targets on, `transition` applies one event, `heard` applies what a platform
//! says outside a step (a webhook).

mod actions;
mod again;
mod api_arrival;
mod arrival;
pub mod backoff;
pub mod browser_upload;
mod core;
mod error;
mod heard;
pub mod history;
pub mod images;
pub mod intake;
pub mod legacy;
pub mod model;
mod paused;
mod photos;
mod recorder;
mod relay;
mod relay_file;
mod repository;
mod service;
pub mod spool;
pub mod state;
mod transition;
mod unsettled;
mod worker;

pub use again::VIDEO_GONE;
pub use core::PostSettings;
pub use error::{PostError, TargetProblem};
pub use heard::Heard;
pub use intake::{PostRequest, TargetRequest, parse_target_list, parse_targets};
pub use legacy::UploadView;
pub use model::{PostView, TargetView};
pub use service::Posts;
pub use state::{Action, TargetState};
pub use worker::{ExecutionOutcome, STOP_GRACE};
