//! The posting screen's Publish in Photos mode: a TikTok carousel of 1 to 35 images, sent with
//! the form as multipart (images are small beside a video, so they need no resumable upload).
//! The form's words become the API's options, as for a video, with the photo post's own: the
//! description and the cover image. The post takes the same domain path as `POST /api/posts`
//! with `image` parts, with the same checks.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::multipart::{ensure_room, guarded, read_post_form};
use super::post_submit::{Form, refused, request};
use crate::platforms::PlatformId;
use crate::posts::spool::{self, SpooledFile};
use crate::posts::{PostError, PostRequest, TargetProblem};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// The form as a photo post: TikTok targets carry the description and the cover's place, and
/// none of a video's switches (Duet, Stitch and a cover frame do not apply to photos).
pub(super) fn photo_request(form: &Form) -> Result<PostRequest, crate::platforms::Problem> {
    let mut request = request(form)?;
    let description = form.get("description").unwrap_or_default().trim();
    let cover = form.get("photo_cover_index").map(str::trim).unwrap_or("0");
    for t in &mut request.targets {
        if t.platform != PlatformId::TikTok.as_str() {
            continue;
        }
        for video_only in ["disable_duet", "disable_stitch", "video_cover_timestamp_ms"] {
            t.options.remove(video_only);
        }
        if !description.is_empty() {
            t.options
                .insert("description".into(), Value::String(description.into()));
        }
        // Unreadable: passed on as sent, so the check names the field.
        let index = cover
            .parse::<u32>()
            .map_or_else(|_| Value::String(cover.into()), Value::from);
        t.options.insert("photo_cover_index".into(), index);
    }
    Ok(request)
}

/// A page's key for one set of picked images, so a second press of Publish (a double tap, a
/// retried request over a flaky tunnel) answers with the first post instead of making another.
fn screen_key(form: &Form) -> Option<String> {
    let k = form.get("photos_key")?.trim();
    let fits =
        (16..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    fits.then(|| format!("screen-photos:{k}"))
}

async fn discard(images: &[SpooledFile]) {
    for image in images {
        spool::remove(&image.path).await;
    }
}

/// Publishes the photos: answers HTMX with a redirect to the post's live status, or with the
/// problems beside the button (the images are not kept: the page still has them).
pub async fn post_photos(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    ensure_room(&state, &req)?;
    let mut payload = guarded(&state, &req, payload);
    let read = read_post_form(&state.posts, &mut payload, true).await?;
    let images = read.images;
    if let Some(video) = read.video {
        spool::remove(&video.path).await;
    }
    let form = Form(read.fields);
    let request = match photo_request(&form) {
        Ok(r) => r,
        Err(problem) => {
            discard(&images).await;
            let problem = TargetProblem::post(problem.code, problem.message);
            return refused(&state, &[], vec![problem]).await;
        }
    };
    if images.is_empty() {
        let problem = TargetProblem::post(
            "missing_images",
            "Pick 1 to 35 JPEG or WebP images for the photo post.",
        );
        return refused(&state, &request.targets, vec![problem]).await;
    }
    let key = screen_key(&form);
    match state
        .posts
        .submit_photos(&request, images, key.as_deref())
        .await
    {
        Ok((view, _)) => Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", format!("/posts/{}", view.id)))
            .finish()),
        Err(PostError::Rejected(problems)) => refused(&state, &request.targets, problems).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_tiktok_block_in_photos_mode_carries_the_description_and_cover_but_no_video_switches() {
        let r = photo_request(&form(&[
            ("kind", "photos"),
            ("title", "Three days"),
            ("description", "  Lisbon, in order  "),
            ("photo_cover_index", "2"),
            ("thumb_offset_ms", "1500"),
            ("target", "0"),
            ("account_0", "tiktok:alice"),
            ("t0_privacy_level", "SELF_ONLY"),
            ("t0_allow_duet", "1"),
        ]))
        .expect("valid");
        let o = &r.targets[0].options;
        assert_eq!(o["title"], "Three days");
        assert_eq!(o["description"], "Lisbon, in order");
        assert_eq!(o["photo_cover_index"], 2);
        assert_eq!(o["disable_comment"], true);
        for gone in ["disable_duet", "disable_stitch", "video_cover_timestamp_ms"] {
            assert!(!o.contains_key(gone), "{gone} is for videos");
        }
    }

    #[test]
    fn an_unreadable_cover_place_is_passed_on_for_the_check_to_name() {
        let r = photo_request(&form(&[
            ("photo_cover_index", "first"),
            ("target", "0"),
            ("account_0", "tiktok:alice"),
        ]))
        .expect("valid");
        assert_eq!(r.targets[0].options["photo_cover_index"], "first");
    }

    #[test]
    fn only_a_plain_key_of_sensible_length_makes_a_second_press_the_same_post() {
        let key = |k: &str| screen_key(&form(&[("photos_key", k)]));
        assert_eq!(
            key("0f6c1c1e-6d8a-4c3b-9d43-2b1f0c9a7e55").as_deref(),
            Some("screen-photos:0f6c1c1e-6d8a-4c3b-9d43-2b1f0c9a7e55")
        );
        for bad in ["", "short", "has space in it here", &"x".repeat(65)] {
            assert_eq!(key(bad), None, "{bad:?}");
        }
    }
}
