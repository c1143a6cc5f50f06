//! TikTok behind the platform boundary: its options, the checks against fresh creator info,
//! and the step that moves a target on (send, then follow).

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::client::ErrorKind;
use super::client::users::CreatorInfo;
use super::context::{CallFailure, Context};
use super::options::{PostMode, TikTokOptions};
use super::{follow, photo_rules, photos, rules, send};
use crate::accounts::GatewayError;
use crate::media::VideoInfo;
use crate::media::image::ImageInfo;
use crate::platforms::{
    Connector, Platform, PlatformId, Problem, Recorder, Stage, StepResult, Summary, TargetJob,
};

pub struct TikTok {
    pub(super) cx: Context,
}

impl TikTok {
    pub fn new(cx: Context) -> Self {
        Self { cx }
    }

    /// Creator info for the posting screen, through the account's gateway (rate limits hold).
    pub async fn creator_info(&self, open_id: &str) -> Result<CreatorInfo, CallFailure> {
        self.cx.creator_info(open_id).await
    }

    /// TikTok has said this app is unaudited (direct posts private only).
    pub async fn is_unaudited(&self) -> Result<bool, sqlx::Error> {
        self.cx.is_unaudited().await
    }

    pub fn gateway(&self) -> &super::context::TikTokGateway {
        &self.cx.gateway
    }
}

/// A failed creator info call, as the one problem of this target.
fn unavailable(e: CallFailure) -> Problem {
    match e {
        GatewayError::Platform(t) if t.kind == ErrorKind::CannotPostNow => {
            Problem::new("cannot_post_now", t.to_string())
        }
        GatewayError::Platform(t) => Problem::new("tiktok_unavailable", t.to_string()),
        GatewayError::Wait(d) => Problem::new(
            "rate_limited",
            format!(
                "TikTok allows only so many requests a minute for this account: try again in {} s.",
                d.as_secs().max(1)
            ),
        ),
        GatewayError::TimedOut(_) => Problem::new(
            "tiktok_unavailable",
            "TikTok did not answer when Cast asked what this account may post. Try again.",
        ),
        GatewayError::Account(a) => Problem::new("account", a.to_string()),
    }
}

impl Platform for TikTok {
    fn id(&self) -> PlatformId {
        PlatformId::TikTok
    }

    fn parse_options(&self, raw: &Map<String, Value>, _now: i64) -> Result<Value, Vec<Problem>> {
        TikTokOptions::parse(raw).map(|o| o.to_value())
    }

    fn check<'a>(
        &'a self,
        account_id: &'a str,
        options: &'a Value,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Result<Vec<Problem>, Vec<Problem>>> {
        Box::pin(async move {
            let options = TikTokOptions::from_value(options).map_err(|p| vec![p])?;
            let creator = self
                .cx
                .creator_info(account_id)
                .await
                .map_err(|e| vec![unavailable(e)])?;
            let mut problems: Vec<Problem> =
                crate::media::rules::check(video, creator.max_video_post_duration_sec)
                    .iter()
                    .map(|p| Problem::new(p.code(), p.message()))
                    .collect();
            let unaudited = self
                .cx
                .is_unaudited()
                .await
                .map_err(|e| vec![Problem::new("internal", e.to_string())])?;
            problems.extend(rules::check(&options, &creator, unaudited));
            problems.extend(photo_rules::check_video(&options));
            if problems.is_empty() {
                Ok(Vec::new())
            } else {
                Err(problems)
            }
        })
    }

    fn check_photos<'a>(
        &'a self,
        account_id: &'a str,
        options: &'a Value,
        images: &'a [ImageInfo],
    ) -> BoxFuture<'a, Result<Vec<Problem>, Vec<Problem>>> {
        Box::pin(async move {
            let options = TikTokOptions::from_value(options).map_err(|p| vec![p])?;
            let pull_ready = self.cx.settings.pull_prefix.is_some() && self.cx.links.is_some();
            let mut problems = photo_rules::check(&options, images.len(), pull_ready);
            if !pull_ready {
                // Nothing else matters until TikTok can fetch the images at all.
                return Err(problems);
            }
            let creator = self
                .cx
                .creator_info(account_id)
                .await
                .map_err(|e| vec![unavailable(e)])?;
            let unaudited = self
                .cx
                .is_unaudited()
                .await
                .map_err(|e| vec![Problem::new("internal", e.to_string())])?;
            let photo = photo_rules::without_video_switches(&options);
            problems.extend(rules::check(&photo, &creator, unaudited));
            if problems.is_empty() {
                Ok(Vec::new())
            } else {
                Err(problems)
            }
        })
    }

    fn check_video<'a>(
        &'a self,
        account_id: &'a str,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Vec<Problem>> {
        Box::pin(async move {
            match self.cx.creator_info(account_id).await {
                Ok(creator) => {
                    crate::media::rules::check(video, creator.max_video_post_duration_sec)
                        .iter()
                        .map(|p| Problem::new(p.code(), p.message()))
                        .collect()
                }
                Err(e) => vec![unavailable(e)],
            }
        })
    }

    fn step<'a>(&'a self, job: &'a TargetJob, rec: &'a dyn Recorder) -> BoxFuture<'a, StepResult> {
        Box::pin(async move {
            if !job.images.is_empty() {
                return photos::step(&self.cx, job, rec).await;
            }
            match job.stage {
                Stage::Start => send::start(&self.cx, job, rec).await,
                Stage::Continue => send::resume(&self.cx, job, rec).await,
                Stage::Follow => follow::poll(&self.cx, job, rec).await,
                Stage::FollowLink => follow::follow_link(&self.cx, job, rec).await,
            }
        })
    }

    fn summary(&self, options: &Value) -> Summary {
        let Ok(o) = TikTokOptions::from_value(options) else {
            return Summary::default();
        };
        let detail = match (o.mode, o.privacy_level) {
            (PostMode::Inbox, _) => "Draft for the TikTok inbox".to_string(),
            (PostMode::Direct, Some(p)) => format!("Direct post · {}", p.label()),
            (PostMode::Direct, None) => "Direct post".to_string(),
        };
        Summary {
            title: o.title.as_str().to_string(),
            detail,
        }
    }

    fn connector(&self) -> &dyn Connector {
        self
    }
}
