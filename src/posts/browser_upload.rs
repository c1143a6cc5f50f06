//! A finished browser (tus) upload taken into a post: linked into the spool (no copy of
//! gigabytes), hashed, submitted like any post, and the browser upload deleted once the post
//! has its own copy. A refused form leaves the upload in place, so fixing the form never means
//! uploading again; a repeated Publish of the same upload finds the post it made.

use super::core::Core;
use super::error::PostError;
use super::intake::{self, Key, PostRequest};
use super::model::PostView;
use crate::accounts::AccountKey;
use crate::media::VideoInfo;

/// What the posting screen says of a picked video, before any option is chosen.
pub struct VideoCheck {
    /// None when the file is not a video Cast can read (`problems` says why).
    pub info: Option<VideoInfo>,
    /// For a person; each names its account when several were asked about.
    pub problems: Vec<String>,
    /// The platforms asked, by name ("TikTok").
    pub platforms: Vec<&'static str>,
    /// What the platforms say that blocks nothing (YouTube's Short verdict), once per platform:
    /// the platform's id (`youtube`) and the sentence.
    pub advice: Vec<(&'static str, String)>,
}

/// Probes a finished browser upload and asks each account's platform what it says of it.
pub async fn check(
    core: &Core,
    upload_id: &str,
    accounts: &[AccountKey],
) -> Result<VideoCheck, PostError> {
    let file = core
        .tus
        .finished(upload_id)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            PostError::rejected(
                "upload_unfinished",
                "The video has not finished uploading to Cast yet.",
            )
        })?;
    let path = file.path.clone();
    let probed = tokio::task::spawn_blocking(move || crate::media::probe::probe(&path))
        .await
        .map_err(|e| PostError::Probe(e.to_string()))?;
    let mut platforms: Vec<&'static str> = Vec::new();
    for key in accounts {
        if core.platforms.get(key.platform).is_some() && !platforms.contains(&key.platform.name()) {
            platforms.push(key.platform.name());
        }
    }
    let info = match probed {
        Ok(info) => info,
        Err(e) => {
            return Ok(VideoCheck {
                info: None,
                problems: vec![e.to_string()],
                platforms,
                advice: Vec::new(),
            });
        }
    };
    let mut problems = Vec::new();
    let mut advice: Vec<(&'static str, String)> = Vec::new();
    for key in accounts {
        let Some(platform) = core.platforms.get(key.platform) else {
            continue;
        };
        for said in platform.advice(&info) {
            let said = (key.platform.as_str(), said);
            if !advice.contains(&said) {
                advice.push(said);
            }
        }
        let found = platform.check_video(&key.id, &info).await;
        let name = if accounts.len() > 1 {
            core.accounts
                .find(key)
                .await
                .ok()
                .flatten()
                .map(|a| format!("{}: ", a.label()))
                .unwrap_or_default()
        } else {
            String::new()
        };
        problems.extend(found.into_iter().map(|p| format!("{name}{}", p.message)));
    }
    Ok(VideoCheck {
        info: Some(info),
        problems,
        platforms,
        advice,
    })
}

pub async fn submit(
    core: &Core,
    upload_id: &str,
    request: &PostRequest,
) -> Result<(PostView, bool), PostError> {
    let key = Key::BrowserUpload(upload_id);
    // Looked up before the browser upload, which is deleted once it became a post, so "pick a
    // video" never invites posting it twice.
    if let Some(view) = intake::existing(core, key).await? {
        return Ok((view, false));
    }
    let finished = core.tus.finished(upload_id).await.map_err(|e| {
        tracing::warn!(upload_id, error = %e, "could not read the browser upload");
        PostError::rejected(
            "upload_unfinished",
            "Pick a video and wait until it has uploaded to Cast.",
        )
    })?;
    let Some(file) = finished else {
        // Still arriving: accepted now, checked when the last bytes land (see `relay`).
        if let Some(accepted) =
            super::relay::admit_unfinished(core, upload_id, request, None, false).await?
        {
            return Ok(accepted);
        }
        return Err(PostError::rejected(
            "upload_unfinished",
            "Pick a video and wait until it has uploaded to Cast.",
        ));
    };
    let spooled = super::relay_file::link_into_spool(core, &file.path, file.size).await?;
    let result = intake::submit(core, request, spooled, key).await;
    if let Ok((_, true)) = &result
        && let Err(e) = core.tus.remove(upload_id).await
    {
        tracing::warn!(upload_id, error = %e, "could not delete the finished browser upload");
    }
    result
}
