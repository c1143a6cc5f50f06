//! Taking a photo post in (a TikTok carousel): 1 to 35 images instead of a video. Each image is
//! judged by its bytes as TikTok would (`media::image`) before anything is stored, each target
//! is checked by its platform (only TikTok takes photos), then the post, its images and its
//! targets are stored in one transaction. Anything refused leaves nothing behind.

use super::core::Core;
use super::error::{PostError, TargetProblem};
use super::images::{self, ImageRow};
use super::intake::{self, Key, PostRequest};
use super::model::{Notice, PostView};
use super::repository::{self, NewPost, NewTarget};
use super::spool::{self, SpooledFile};
use crate::media::image::{self, ImageInfo, MAX_IMAGES};

/// Checks everything and stores the photo post; on any refusal every image is deleted.
pub async fn submit(
    core: &Core,
    request: &PostRequest,
    files: Vec<SpooledFile>,
    key: Key<'_>,
) -> Result<(PostView, bool), PostError> {
    let result = admit(core, request, &files, key).await;
    if !matches!(result, Ok((_, true))) {
        for f in &files {
            spool::remove(&f.path).await;
        }
    }
    if let Ok((view, true)) = &result {
        tracing::info!(post_id = %view.id, images = files.len(), "photo post queued");
        core.wake.notify_one();
    }
    result
}

/// Each image judged as TikTok judges it, or every refusal, naming the image by its place.
async fn check_images(files: &[SpooledFile]) -> Result<Vec<ImageInfo>, Vec<TargetProblem>> {
    if files.len() > MAX_IMAGES {
        return Err(vec![TargetProblem::post(
            "too_many_images",
            format!(
                "A TikTok photo post takes 1 to {MAX_IMAGES} images; this one has {}. Leave some out, or make two posts.",
                files.len()
            ),
        )]);
    }
    let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
    let judged = tokio::task::spawn_blocking(move || {
        paths
            .iter()
            .map(|p| image::check_file(p))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| vec![TargetProblem::post("internal", e.to_string())])?;
    let mut infos = Vec::new();
    let mut problems = Vec::new();
    for (i, r) in judged.into_iter().enumerate() {
        match r {
            Ok(info) => infos.push(info),
            Err(refusal) => problems.push(TargetProblem::post(
                refusal.code(),
                format!("Image {} of {}: {refusal}.", i + 1, files.len()),
            )),
        }
    }
    if problems.is_empty() {
        Ok(infos)
    } else {
        Err(problems)
    }
}

/// Each parsed target checked by its platform against the images.
async fn check_targets(
    core: &Core,
    parsed: &[intake::Parsed],
    infos: &[ImageInfo],
    one_target_id: Option<&str>,
) -> Result<Vec<NewTarget>, Vec<TargetProblem>> {
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for (i, t) in parsed.iter().enumerate() {
        let Some(platform) = core.platforms.get(t.platform) else {
            continue;
        };
        match platform.check_photos(&t.account, &t.options, infos).await {
            Ok(warnings) => {
                let warnings: Vec<Notice> = warnings
                    .into_iter()
                    .map(|w| Notice {
                        code: w.code.to_string(),
                        message: w.message,
                    })
                    .collect();
                targets.push(NewTarget {
                    id: one_target_id
                        .map(str::to_string)
                        .unwrap_or_else(|| crate::crypto::random_token(12)),
                    platform: t.platform,
                    account_id: t.account.clone(),
                    options: t.options.to_string(),
                    warnings: serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into()),
                });
            }
            Err(refusals) => problems.extend(refusals.into_iter().map(|p| TargetProblem::of(i, p))),
        }
    }
    if problems.is_empty() {
        Ok(targets)
    } else {
        Err(problems)
    }
}

async fn admit(
    core: &Core,
    request: &PostRequest,
    files: &[SpooledFile],
    key: Key<'_>,
) -> Result<(PostView, bool), PostError> {
    if let Some(view) = intake::existing(core, key).await? {
        return Ok((view, false));
    }
    let Some(first) = files.first() else {
        return Err(PostError::rejected(
            "missing_images",
            "Attach 1 to 35 images as `image` fields.",
        ));
    };
    let now = core.now();
    // Every problem at once: the targets' and the images'.
    let parsed = intake::parse_all(core, request, now).await;
    let infos = check_images(files).await;
    let ((parsed, publish_at), infos) = match (parsed, infos) {
        (Ok(p), Ok(i)) => (p, i),
        (p, i) => {
            let mut problems = i.err().unwrap_or_default();
            problems.extend(p.err().unwrap_or_default());
            return Err(PostError::Rejected(problems));
        }
    };
    let one_target_id = (parsed.len() == 1).then_some(first.id.as_str());
    let targets = check_targets(core, &parsed, &infos, one_target_id)
        .await
        .map_err(PostError::Rejected)?;
    let rows: Vec<ImageRow> = files
        .iter()
        .zip(&infos)
        .enumerate()
        .map(|(i, (f, info))| ImageRow {
            position: i as i64,
            file_path: f.path.display().to_string(),
            content_type: info.format.mime().to_string(),
            size: f.size as i64,
            sha256: f.sha256.clone(),
            width: info.width as i64,
            height: info.height as i64,
        })
        .collect();
    let (idempotency_key, browser_upload_id) = key.columns();
    let total: u64 = files.iter().map(|f| f.size).sum();
    let post = NewPost {
        id: &first.id,
        file_path: &first.path.display().to_string(),
        content_type: infos[0].format.mime(),
        size: total,
        sha256: &first.sha256,
        video_info: "{}",
        idempotency_key,
        browser_upload_id,
        publish_at,
        now,
    };
    let mut tx = core.db.begin().await?;
    let created = repository::insert(&mut tx, &post, &targets).await?;
    if created {
        images::insert(&mut tx, &first.id, &rows).await?;
    }
    tx.commit().await?;
    if !created {
        let view = intake::existing(core, key)
            .await?
            .ok_or(PostError::NotFound)?;
        return Ok((view, false));
    }
    let stored = repository::find_post(&core.db, &first.id)
        .await?
        .ok_or(PostError::NotFound)?;
    let targets = repository::targets_of(&core.db, &first.id).await?;
    Ok((PostView::new(&stored, &targets).with_images(&rows), true))
}
