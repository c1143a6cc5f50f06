//! The posting screen's two server calls: check the uploaded video, and publish it.
//! The video arrived over tus (`/uploads/tus/`); from here it takes the same domain path
//! (`Uploads::submit`) as the multipart API, with the same checks.

use actix_web::{HttpResponse, web};
use askama::Template as _;
use serde::Deserialize;

use crate::media;
use crate::uploads::post::RawPost;
use crate::uploads::spool::SpooledFile;
use crate::uploads::{Problem, UploadError};
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::templates::{PostErrorsPartial, VideoCheckPartial};

#[derive(Deserialize)]
pub struct CheckQuery {
    upload_id: String,
    open_id: Option<String>,
}

/// Probes the finished browser upload and says at once whether TikTok would take it.
pub async fn post_check(
    state: web::Data<AppState>,
    query: web::Query<CheckQuery>,
) -> Result<VideoCheckPartial, AppError> {
    let q = query.into_inner();
    let file = state
        .tus
        .finished(&q.upload_id)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| {
            AppError::unprocessable(
                "upload_unfinished",
                "The video has not finished uploading to Cast yet.",
            )
        })?;
    let account = state.accounts.resolve(q.open_id.as_deref()).await?;
    let max = state
        .accounts
        .creator_info(&account.open_id)
        .await?
        .max_video_post_duration_sec;
    let path = file.path.clone();
    let probed = web::block(move || media::probe::probe(&path)).await?;
    Ok(match probed {
        Ok(info) => {
            let problems: Vec<String> = media::rules::check(&info, max)
                .iter()
                .map(|p| p.message())
                .collect();
            let summary = format!(
                "{}×{}, {:.0} fps, {}, {}, {:.1} MB",
                info.width,
                info.height,
                info.fps,
                crate::web::handlers::post_form::duration_label(
                    info.duration_ms.div_ceil(1000) as u32
                ),
                info.codec.name(),
                info.size as f64 / 1e6
            );
            VideoCheckPartial {
                ok: problems.is_empty(),
                summary,
                problems,
            }
        }
        Err(e) => VideoCheckPartial {
            ok: false,
            summary: String::new(),
            problems: vec![e.to_string()],
        },
    })
}

#[derive(Deserialize)]
pub struct PostForm {
    open_id: Option<String>,
    upload_id: Option<String>,
    title: Option<String>,
    privacy_level: Option<String>,
    allow_comment: Option<String>,
    allow_duet: Option<String>,
    allow_stitch: Option<String>,
    commercial: Option<String>,
    brand_organic_toggle: Option<String>,
    brand_content_toggle: Option<String>,
    is_aigc: Option<String>,
    mode: Option<String>,
    publish_at_local: Option<String>,
    tz_offset_min: Option<String>,
}

fn ticked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.is_empty() && v != "0")
}

fn bool_str(b: bool) -> Option<String> {
    Some(if b { "true" } else { "false" }.to_string())
}

/// The screen's words become the API's fields: "Allow comment" unticked is `disable_comment`.
fn raw_post(f: &PostForm) -> Result<RawPost, Problem> {
    let commercial = ticked(&f.commercial);
    let (mode, publish_at) = match f.mode.as_deref().unwrap_or("now") {
        "inbox" => ("inbox", None),
        "schedule" => (
            "direct",
            Some(local_to_rfc3339(
                f.publish_at_local.as_deref(),
                f.tz_offset_min.as_deref(),
            )?),
        ),
        _ => ("direct", None),
    };
    Ok(RawPost {
        title: f.title.clone(),
        privacy_level: if mode == "inbox" {
            None
        } else {
            f.privacy_level.clone().filter(|p| !p.is_empty())
        },
        mode: Some(mode.to_string()),
        open_id: f.open_id.clone(),
        disable_comment: bool_str(!ticked(&f.allow_comment)),
        disable_duet: bool_str(!ticked(&f.allow_duet)),
        disable_stitch: bool_str(!ticked(&f.allow_stitch)),
        brand_content_toggle: bool_str(commercial && ticked(&f.brand_content_toggle)),
        brand_organic_toggle: bool_str(commercial && ticked(&f.brand_organic_toggle)),
        is_aigc: bool_str(ticked(&f.is_aigc)),
        publish_at,
    })
}

/// The browser's UTC offset in minutes (east positive), as the posting screen sends it.
/// Real offsets run from -12:00 to +14:00; anything outside ±18:00 (what `time` accepts), or not
/// a number, means the page could not tell the time zone: scheduling in UTC instead would post
/// at the wrong hour without a word.
fn parse_offset(offset_min: Option<&str>) -> Result<time::UtcOffset, Problem> {
    let bad = |shown: &str| {
        Problem::new(
            "invalid_tz_offset",
            format!(
                "Cast could not tell your time zone (tz_offset_min '{shown}' is not an offset in minutes between -1080 and 1080), so it cannot schedule the post. Reload the page and choose the time again."
            ),
        )
    };
    let raw = offset_min.map(str::trim).unwrap_or_default();
    let shown: String = raw.chars().take(24).collect();
    let minutes: i64 = raw.parse().map_err(|_| bad(&shown))?;
    if minutes.abs() > 18 * 60 {
        return Err(bad(&shown));
    }
    let seconds = i32::try_from(minutes * 60).map_err(|_| bad(&shown))?;
    time::UtcOffset::from_whole_seconds(seconds).map_err(|_| bad(&shown))
}

/// `2026-12-01T18:30` typed in the owner's time zone (offset from the browser) → RFC 3339 UTC.
fn local_to_rfc3339(local: Option<&str>, offset_min: Option<&str>) -> Result<String, Problem> {
    let bad = || Problem::new("invalid_publish_at", "Choose the date and time to publish.");
    let local = local
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let at = time::PrimitiveDateTime::parse(local.get(..16).unwrap_or(local), &fmt)
        .map_err(|_| bad())?;
    let offset = parse_offset(offset_min)?;
    at.assume_offset(offset)
        .to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|_| bad())
}

/// Publishes: answers HTMX with a redirect to the upload's live status, or with the problems
/// beside the button. The uploaded video stays on the server when the form is refused, so
/// fixing the form never means uploading again.
pub async fn post_submit(
    state: web::Data<AppState>,
    form: web::Form<PostForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let raw = match raw_post(&form) {
        Ok(raw) => raw,
        Err(problem) => return refused(vec![problem]),
    };
    let upload_id = form
        .upload_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or_default();
    // Keyed by the browser upload: a repeated Publish (a late double click, a form sent again
    // after a lost answer) finds the job it made. Looked up before the browser upload, which
    // is deleted once it became a job, so "pick a video" never invites posting it twice.
    let key = format!("tus:{upload_id}");
    if !upload_id.is_empty()
        && let Some(view) = state.uploads.by_idempotency_key(&key).await?
    {
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", format!("/uploads/{}", view.id)))
            .finish());
    }
    let Some(file) = state
        .tus
        .finished(upload_id)
        .await
        .map_err(AppError::internal)?
    else {
        return refused(vec![Problem::new(
            "upload_unfinished",
            "Pick a video and wait until it has uploaded to Cast.",
        )]);
    };
    let spooled = link_into_spool(&state, &file.path, file.size).await?;
    match state.uploads.submit(&raw, spooled, Some(&key)).await {
        Ok((view, _)) => {
            // The job has its own copy now; the browser upload is done with.
            if let Err(e) = state.tus.remove(upload_id).await {
                tracing::warn!(upload_id, error = %e, "could not delete the finished browser upload");
            }
            Ok(HttpResponse::Ok()
                .insert_header(("HX-Redirect", format!("/uploads/{}", view.id)))
                .finish())
        }
        Err(UploadError::Rejected(problems)) => refused(problems),
        Err(e) => Err(e.into()),
    }
}

/// A hard link (same folder tree, no copy of gigabytes) under the spool's naming, with its checksum.
async fn link_into_spool(
    state: &AppState,
    source: &std::path::Path,
    size: u64,
) -> Result<SpooledFile, AppError> {
    let dir = state.uploads.settings().spool_dir.clone();
    let id = crate::crypto::random_token(12);
    let target = dir.join(format!("{id}.video"));
    let src = source.to_path_buf();
    let dst = target.clone();
    let sha256 = web::block(move || -> std::io::Result<String> {
        std::fs::create_dir_all(dst.parent().unwrap_or(std::path::Path::new(".")))?;
        std::fs::hard_link(&src, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?;
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        let mut file = std::fs::File::open(&dst)?;
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(sha2::Digest::finalize(hasher)))
    })
    .await?
    .map_err(AppError::internal)?;
    Ok(SpooledFile {
        id,
        path: target,
        size,
        sha256,
    })
}

fn refused(problems: Vec<Problem>) -> Result<HttpResponse, AppError> {
    let html = PostErrorsPartial {
        problems: &problems,
    }
    .render()?;
    Ok(HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .insert_header(("HX-Retarget", "#post-errors"))
        .insert_header(("HX-Reswap", "outerHTML"))
        .body(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_becomes_utc() {
        assert_eq!(
            local_to_rfc3339(Some("2026-12-01T18:30"), Some("60")).expect("valid"),
            "2026-12-01T17:30:00Z"
        );
        assert_eq!(
            local_to_rfc3339(Some("2026-12-01T18:30"), Some("-300")).expect("valid"),
            "2026-12-01T23:30:00Z"
        );
        assert!(local_to_rfc3339(Some("tomorrow"), Some("0")).is_err());
        assert!(local_to_rfc3339(None, Some("0")).is_err());
    }

    #[test]
    fn a_bad_time_zone_offset_is_a_problem_not_utc() {
        for bad in [
            None,
            Some(""),
            Some("abc"),
            Some("-2147483648"),
            Some("1081"),
            Some("99999999999999999999"),
        ] {
            let p = local_to_rfc3339(Some("2026-12-01T18:30"), bad).expect_err("refused");
            assert_eq!(p.code, "invalid_tz_offset", "{bad:?}");
            assert!(p.message.contains("time zone"));
        }
        assert!(local_to_rfc3339(Some("2026-12-01T18:30"), Some("840")).is_ok());
    }
}
