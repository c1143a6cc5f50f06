//! The cover the owner picked on the posting screen, set as the video's thumbnail once YouTube
//! processed it (contract 7: only after `succeeded`). A thumbnail that fails never fails the
//! post: the video is already up, so what went wrong is noted and logged.

use super::auth::endpoint;
use super::context::Context;
use super::options::YouTubeOptions;
use crate::accounts::GatewayError;
use crate::media::cover::{self, CoverId};
use crate::platforms::TargetJob;

/// What became of the cover: `None` when none was picked, else what to note on the target.
pub async fn apply(cx: &Context, job: &TargetJob, video_id: &str) -> Option<String> {
    let options: YouTubeOptions = serde_json::from_value(job.options.clone()).ok()?;
    let id = CoverId::parse(options.thumbnail.as_deref()?)?;
    let image = cover::path(&cx.settings.data_dir, &id);
    let client = &cx.client;
    let image = &image;
    let answer = cx
        .gateway
        .call(&job.account_id, endpoint::THUMBNAIL, |t| async move {
            client.set_thumbnail(&t, video_id, image).await
        })
        .await;
    Some(match answer {
        Ok(()) => "set".to_string(),
        Err(e) => {
            let why = match e {
                GatewayError::Platform(y) => y.to_string(),
                other => other.to_string(),
            };
            tracing::warn!(video_id, error = %why, "YouTube did not take the picked cover as the thumbnail");
            format!("YouTube did not take the picked cover as the thumbnail: {why}")
        }
    })
}
