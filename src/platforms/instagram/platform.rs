//! Instagram behind the platform boundary: a Reel's options, the checks of contract 7 before
//! anything is sent, and the step that moves a target on (container, status, publish).

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::context::{Context, InstagramGateway};
use super::media_facts::stand_in;
use super::options::InstagramOptions;
use super::{follow, rules, send};
use crate::media::VideoInfo;
use crate::platforms::{
    Connector, Platform, PlatformId, Problem, Recorder, Stage, StepResult, Summary, TargetJob,
};

pub struct Instagram {
    pub(super) cx: Context,
}

impl Instagram {
    pub fn new(cx: Context) -> Self {
        Self { cx }
    }

    pub fn gateway(&self) -> &InstagramGateway {
        &self.cx.gateway
    }

    /// "Business" or "Creator", as `/me` said when the account connected.
    pub async fn account_type(&self, user_id: &str) -> Option<String> {
        super::profiles::account_type(&self.cx.db, user_id)
            .await
            .ok()
            .flatten()
    }
}

fn converted(problems: Vec<rules::Problem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|p| Problem::new(p.code, p.message))
        .collect()
}

/// The fields' types, each problem with the field it is about.
fn typed(raw: &Map<String, Value>) -> (InstagramOptions, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut o = InstagramOptions::default();
    match raw.get("caption") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => o.caption = s.clone(),
        Some(_) => problems.push(Problem::new(
            "caption",
            "caption must be text (the reel's caption).",
        )),
    }
    match raw.get("share_to_feed") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => o.share_to_feed = *b,
        Some(_) => problems.push(Problem::new(
            "share_to_feed",
            "share_to_feed must be true or false (also show the reel in the feed).",
        )),
    }
    match raw.get("thumb_offset_ms").or_else(|| raw.get("thumb_offset")) {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_u64() {
            Some(ms) => o.thumb_offset_ms = Some(ms),
            None => problems.push(Problem::new(
                "thumb_offset_ms",
                "thumb_offset_ms must be a whole number of milliseconds from the start (the cover frame), 0 or more.",
            )),
        },
    }
    match raw.get("collaborators") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
            o.collaborators = list
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        Some(_) => problems.push(Problem::new(
            "collaborators",
            "collaborators must be a list of Instagram usernames.",
        )),
    }
    (o, problems)
}

impl Platform for Instagram {
    fn id(&self) -> PlatformId {
        PlatformId::Instagram
    }

    fn parse_options(&self, raw: &Map<String, Value>, _now: i64) -> Result<Value, Vec<Problem>> {
        let (options, mut problems) = typed(raw);
        problems.extend(converted(rules::check_options(&options, None)));
        if problems.is_empty() {
            Ok(serde_json::to_value(&options).unwrap_or_default())
        } else {
            Err(problems)
        }
    }

    /// Contract 7 against what the probe says, and the cover frame against the duration. The
    /// index's place and edit lists are read from the file itself before the link is made.
    fn check<'a>(
        &'a self,
        _account_id: &'a str,
        options: &'a Value,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Result<Vec<Problem>, Vec<Problem>>> {
        Box::pin(async move {
            let options: InstagramOptions =
                serde_json::from_value(options.clone()).unwrap_or_default();
            let report = rules::check(&stand_in(video), &options);
            if report.problems.is_empty() {
                Ok(converted(report.warnings))
            } else {
                Err(converted(report.problems))
            }
        })
    }

    fn check_video<'a>(
        &'a self,
        _account_id: &'a str,
        video: &'a VideoInfo,
    ) -> BoxFuture<'a, Vec<Problem>> {
        Box::pin(async move { converted(rules::check_video(&stand_in(video)).problems) })
    }

    fn step<'a>(&'a self, job: &'a TargetJob, rec: &'a dyn Recorder) -> BoxFuture<'a, StepResult> {
        Box::pin(async move {
            match job.stage {
                Stage::Start => send::start(&self.cx, job, rec).await,
                Stage::Continue => send::resume(job, rec).await,
                Stage::Follow => follow::poll(&self.cx, job, rec).await,
                // The permalink comes with the publish: no link is ever awaited.
                Stage::FollowLink => {
                    rec.record(crate::platforms::Event::LinkArrived {
                        url: None,
                        post_id: None,
                    })
                    .await
                }
            }
        })
    }

    fn summary(&self, options: &Value) -> Summary {
        let o: InstagramOptions = serde_json::from_value(options.clone()).unwrap_or_default();
        let title = o.caption.lines().next().unwrap_or_default().to_string();
        let detail = if o.share_to_feed {
            "Reel · also in the feed"
        } else {
            "Reel only"
        };
        Summary {
            title,
            detail: detail.to_string(),
        }
    }

    fn connector(&self) -> &dyn Connector {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_badly_typed_field_is_named_at_once() {
        let raw: Map<String, Value> =
            serde_json::from_str(r#"{"caption":5,"share_to_feed":"yes","thumb_offset_ms":-3}"#)
                .expect("json");
        let (_, problems) = typed(&raw);
        let codes: Vec<&str> = problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["caption", "share_to_feed", "thumb_offset_ms"]);
    }

    #[test]
    fn defaults_share_to_the_feed() {
        let (o, problems) = typed(&Map::new());
        assert!(problems.is_empty());
        assert!(o.share_to_feed);
        assert_eq!(o.thumb_offset_ms, None);
    }
}
