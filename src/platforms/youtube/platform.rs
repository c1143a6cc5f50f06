//! YouTube behind the platform boundary: its options, the checks before anything is sent, and
//! the step that moves a target on (the resumable upload, then processing).

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::context::Context;
use super::options::{PrivacyChoice, YouTubeOptions};
use super::rules::{self, Context as RulesContext};
use super::{follow, parse, send, short};
use crate::media::VideoInfo;
use crate::platforms::{
    Connector, Event, Platform, PlatformId, Problem, Recorder, Stage, StepResult, Summary,
    TargetJob,
};

pub struct YouTube {
    pub(super) cx: Context,
}

impl YouTube {
    pub fn new(cx: Context) -> Self {
        Self { cx }
    }

    pub fn gateway(&self) -> &super::context::YouTubeGateway {
        &self.cx.gateway
    }
}

impl Platform for YouTube {
    fn id(&self) -> PlatformId {
        PlatformId::YouTube
    }

    /// Every problem at once: the fields' types first, then YouTube's metadata rules (4.2).
    /// A schedule is the post's (`publish_at`): Cast holds the target until then and sends it
    /// with the privacy chosen here.
    fn parse_options(&self, raw: &Map<String, Value>, now: i64) -> Result<Value, Vec<Problem>> {
        let (options, mut problems) = parse::options(raw);
        let ctx = RulesContext {
            now_ms: now.saturating_mul(1000),
            publish_at_ms: None,
            assignable_categories: None,
        };
        if let Err(rules) = rules::check(&options, &ctx) {
            // A field already reported as badly typed is not reported again as unanswered.
            let bad: Vec<&str> = problems.iter().map(|p| parse::field_of(p.code)).collect();
            problems.extend(
                rules
                    .into_iter()
                    .filter(|r| !bad.contains(&r.field))
                    .map(|r| Problem::new(r.code, r.message)),
            );
        }
        if problems.is_empty() {
            Ok(serde_json::to_value(&options).unwrap_or_default())
        } else {
            Err(problems)
        }
    }

    /// Whether YouTube will make it a Short (4.3) is advice: the file still goes, as a regular
    /// video when it is not one.
    fn check<'a>(
        &'a self,
        _account_id: &'a str,
        _options: &'a Value,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Result<Vec<Problem>, Vec<Problem>>> {
        Box::pin(async move {
            Ok(short::verdict(video)
                .warning()
                .map(|w| Problem::new(w.code, w.message))
                .into_iter()
                .collect())
        })
    }

    /// YouTube takes any video Cast can probe: nothing on the posting screen blocks it.
    fn check_video<'a>(
        &'a self,
        _account_id: &'a str,
        _video: &'a VideoInfo,
    ) -> BoxFuture<'a, Vec<Problem>> {
        Box::pin(async { Vec::new() })
    }

    fn advice(&self, video: &VideoInfo) -> Vec<String> {
        vec![short::verdict(video).explanation()]
    }

    fn step<'a>(&'a self, job: &'a TargetJob, rec: &'a dyn Recorder) -> BoxFuture<'a, StepResult> {
        Box::pin(async move {
            match job.stage {
                Stage::Start => send::start(&self.cx, job, rec).await,
                Stage::Continue => send::resume(&self.cx, job, rec).await,
                Stage::Follow => follow::poll(&self.cx, job, rec).await,
                // YouTube gives the video's id with the upload: no link is ever awaited.
                Stage::FollowLink => {
                    rec.record(Event::LinkArrived {
                        url: None,
                        post_id: None,
                    })
                    .await
                }
            }
        })
    }

    fn summary(&self, options: &Value) -> Summary {
        let Ok(o) = serde_json::from_value::<YouTubeOptions>(options.clone()) else {
            return Summary::default();
        };
        let privacy = match &o.privacy_status {
            Some(PrivacyChoice::Known(p)) => match p.as_str() {
                "public" => "Public",
                "unlisted" => "Unlisted",
                _ => "Private",
            },
            _ => "",
        };
        let kids = if o.made_for_kids == Some(true) {
            " · Made for kids"
        } else {
            ""
        };
        Summary {
            title: o.title,
            detail: format!("{privacy}{kids}"),
        }
    }

    fn connector(&self) -> &dyn Connector {
        self
    }
}
