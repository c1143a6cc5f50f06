//! The platforms Cast publishes to, each behind the same boundary (`boundary`): its API client
//! (no actix, no SQL), how an account connects and refreshes, its post options and rules, and how
//! a video is sent and followed to a final state.

mod boundary;
mod event;
mod id;
mod problem;
mod registry;

pub mod instagram;
pub mod tiktok;
pub mod youtube;

pub use boundary::{
    Authorization, Connector, ImageFile, Platform, Recorder, Stage, StepResult, Stop, Summary,
    TargetJob, VideoFile,
};
pub use event::{Event, Outcome, Visibility};
pub use id::PlatformId;
pub use problem::Problem;
pub use registry::Platforms;
