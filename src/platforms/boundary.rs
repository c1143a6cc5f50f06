//! The boundary between the publishing core and each platform. The core (`posts`) knows only
//! these types: it never matches on which platform a target is for, nor knows whether the
//! platform is real or emulated.
//!
//! A platform plugs in by implementing `Platform` (options, checks, steps) and `Connector` (how an
//! account connects), and is registered in `Platforms` by the app factory.

use std::path::PathBuf;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::event::Event;
use super::id::PlatformId;
use super::problem::Problem;
use crate::accounts::{Account, AccountError};
use crate::media::VideoInfo;
use crate::media::image::ImageInfo;

/// The video a target sends: the post's one file, as it lies in the spool.
#[derive(Debug, Clone)]
pub struct VideoFile {
    pub path: PathBuf,
    pub size: u64,
    pub content_type: String,
    pub sha256: String,
}

/// One image of a photo post (a TikTok carousel), as it lies in the spool, in the owner's order.
#[derive(Debug, Clone)]
pub struct ImageFile {
    pub path: PathBuf,
    pub size: u64,
    pub content_type: String,
    pub sha256: String,
    pub width: u64,
    pub height: u64,
}

/// What the platform must do for a target now, from the target's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Nothing at the platform yet (or the upload must start over): create it and send.
    Start,
    /// The platform has the upload (`remote_id`) but not all of the file, or its session is
    /// gone and Cast must first ask whether the whole file arrived.
    Continue,
    /// Committed: ask how processing goes, until a final answer or the platform's bound.
    Follow,
    /// Published, its post id not given yet: ask for it, slowly.
    FollowLink,
}

/// One target as its platform sees it for one step: the account, its options (as the platform
/// normalised them), the video, and what was recorded so far. `session` is a credential (an
/// upload URL): `Debug` leaves it out.
#[derive(Clone)]
pub struct TargetJob {
    pub id: String,
    pub post_id: String,
    pub account_id: String,
    pub options: Value,
    pub video: VideoFile,
    /// A photo post's images (then `video` is the first of them); empty for a video post.
    pub images: Vec<ImageFile>,
    pub stage: Stage,
    pub remote_id: Option<String>,
    pub session: Option<String>,
    pub session_expires_at: Option<i64>,
    pub bytes_sent: u64,
    /// The platform's own notes (`Event::Initialised` / `Event::Progress`).
    pub progress: Value,
    /// When the platform got everything (the processing bound counts from here).
    pub committed_at: Option<i64>,
    /// Polls since commit (or since publishing, while the link is awaited).
    pub polls: u32,
    pub link_pending_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

impl std::fmt::Debug for TargetJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetJob")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("stage", &self.stage)
            .field("remote_id", &self.remote_id)
            .field("bytes_sent", &self.bytes_sent)
            .finish_non_exhaustive()
    }
}

/// Why a step stopped before its end.
#[derive(Debug)]
pub enum Stop {
    /// Record this event and end the step (trouble, a refusal, a wait…).
    Event(Event),
    /// The target changed meanwhile (the owner cancelled it): leave it be.
    Gone,
    /// Cast could not record what happened; the step ends and the target is taken up again.
    Store(String),
}

impl From<Event> for Stop {
    fn from(e: Event) -> Self {
        Self::Event(e)
    }
}

/// How a platform records what happens during a step. Each event goes through the state machine
/// and is written at once, guarded on the state it expects, so a cancelled target answers `Gone`.
pub trait Recorder: Send + Sync {
    fn record(&self, event: Event) -> BoxFuture<'_, Result<(), Stop>>;
    /// The app's clock, Unix seconds.
    fn now(&self) -> i64;
    /// The app's clock, Unix milliseconds.
    fn now_ms(&self) -> i64;
    /// True once the step should end at the next safe point (after the chunk in flight): Cast
    /// is stopping, or the step used its time slice. The target is taken up again from there.
    fn should_yield(&self) -> bool;
    /// Post ids other targets of the same account already hold (a lookup by caption must not
    /// take one of them).
    fn other_post_ids(&self) -> BoxFuture<'_, Result<Vec<String>, Stop>>;
    /// Waits until the video's first `end` bytes are on disk (at once for a finished video; a
    /// video still uploading is read as it arrives). `Ok(false)`: the step should end first
    /// (Cast stops, or the slice is used); the target is taken up again from what was sent.
    fn arrived(&self, end: u64) -> BoxFuture<'_, Result<bool, Stop>>;
    /// Waits until the video has passed Cast's check: what commits a post (the last chunk)
    /// comes after this, so a video that fails it is never published. `Ok(false)` as above; a
    /// failed check is a refusal with its words.
    fn checked(&self) -> BoxFuture<'_, Result<bool, Stop>>;
}

/// A step: `Ok` when everything that happened was recorded.
pub type StepResult = Result<(), Stop>;

/// What the pages and lists show of a target's options.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub title: String,
    /// E.g. "Direct post · Only me", "Draft for the TikTok inbox".
    pub detail: String,
}

/// A platform Cast publishes to.
pub trait Platform: Send + Sync + 'static {
    fn id(&self) -> PlatformId;

    /// The target's options from the API's JSON object (without `platform` and `account`):
    /// every problem at once, or the normalised options, stored as JSON.
    fn parse_options(&self, raw: &Map<String, Value>, now: i64) -> Result<Value, Vec<Problem>>;

    /// Checks one target against the probed video and fresh facts about the account (TikTok's
    /// creator info): `Err` refusals, `Ok` advice that does not block ("not a Short").
    fn check<'a>(
        &'a self,
        account_id: &'a str,
        options: &'a Value,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Result<Vec<Problem>, Vec<Problem>>>;

    /// Checks one target of a photo post (1 to 35 images, already judged as images). A
    /// platform that takes no photo posts refuses it, which is every platform but TikTok.
    fn check_photos<'a>(
        &'a self,
        _account_id: &'a str,
        _options: &'a Value,
        _images: &'a [ImageInfo],
    ) -> BoxFuture<'a, Result<Vec<Problem>, Vec<Problem>>> {
        let name = self.id().name();
        Box::pin(async move {
            Err(vec![Problem::new(
                "photos_not_supported",
                format!(
                    "{name} does not take photo posts through Cast: only TikTok does. Post these images to TikTok only, or post a video to {name}."
                ),
            )])
        })
    }

    /// What the video alone (with the account's facts, e.g. its longest allowed video) says,
    /// for the posting screen before any option is chosen: the problems, if any.
    fn check_video<'a>(
        &'a self,
        account_id: &'a str,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Vec<Problem>>;

    /// What the posting screen tells the owner of the video before sending that blocks nothing
    /// (YouTube: whether it will be a Short, and why not), one sentence each.
    fn advice(&self, _video: &VideoInfo) -> Vec<String> {
        Vec::new()
    }

    /// Moves the target one step on, recording each event as it happens through `rec`.
    fn step<'a>(&'a self, job: &'a TargetJob, rec: &'a dyn Recorder) -> BoxFuture<'a, StepResult>;

    fn summary(&self, options: &Value) -> Summary;

    fn connector(&self) -> &dyn Connector;
}

/// How an account of a platform connects (OAuth with PKCE), and disconnects.
pub trait Connector: Send + Sync {
    /// Where to send the owner for an attempt with this `state`, and the PKCE verifier to keep
    /// on the server until the platform sends them back.
    fn authorize(&self, state: &str) -> Result<Authorization, AccountError>;

    /// The platform sent the owner back with `code`: exchange it with the attempt's verifier,
    /// store the account (sealed tokens, profile) and return it.
    fn finish<'a>(
        &'a self,
        code: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<Account, AccountError>>;

    /// Revokes Cast's access at the platform (best effort) and forgets the tokens.
    fn disconnect<'a>(&'a self, account_id: &'a str) -> BoxFuture<'a, Result<(), AccountError>>;
}

/// The start of a connection attempt.
pub struct Authorization {
    pub url: String,
    /// A secret: kept sealed beside the attempt's state, never sent anywhere but the platform.
    pub verifier: String,
}
