//! Reading a video upload from a script: multipart, streamed to disk (never held in memory),
//! cut off when it stalls, refused before a byte when the disk cannot hold it. Shared by
//! `POST /api/posts` and the seed endpoint.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::posts::spool::{self, SpooledFile};
use crate::posts::{PostError, Posts, TargetProblem};
use crate::slow_body::{BodyError, SlowBodyGuard};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// Text fields are short; the longest (a title of 2200 UTF-16 units, or the targets' JSON) fits.
const TEXT_FIELD_LIMIT: usize = 64 * 1024;
const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Image parts read before a request is cut off (a carousel takes 35).
const IMAGE_PARTS_LIMIT: usize = 100;

fn multipart_error(e: MultipartError) -> AppError {
    if let MultipartError::Payload(PayloadError::Io(io)) = &e
        && io.kind() == std::io::ErrorKind::TimedOut
    {
        return AppError::TooSlow(io.to_string());
    }
    // MultipartError is !Send: keep only its words.
    AppError::bad_request(
        "bad_multipart",
        format!("The upload could not be read: {e}"),
    )
}

/// The request body, cut off if it stalls; multipart reads it as a plain payload stream.
pub fn guarded(state: &AppState, req: &HttpRequest, payload: web::Payload) -> Multipart {
    let body = SlowBodyGuard::new(payload, state.config.limits.stalled_client).map(|chunk| {
        chunk.map_err(|e| match e {
            BodyError::Stalled(s) => {
                PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, s))
            }
            BodyError::Read(e) => e,
        })
    });
    Multipart::new(req.headers(), body)
}

/// Refuses before reading a byte when the video announced cannot fit beside the disk's reserve
/// (without a `Content-Length`, at least the reserve must be free).
pub fn ensure_room(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    state.disk.ensure_room(
        &state.posts.settings().spool_dir,
        declared,
        state.config.limits.disk_reserve_bytes,
    )?;
    Ok(())
}

pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok(k) if !k.is_empty() && k.len() <= 200 => Ok(Some(k.to_string())),
        _ => Err(AppError::bad_request(
            "bad_idempotency_key",
            "Idempotency-Key must be 1 to 200 visible ASCII characters.",
        )),
    }
}

/// 422 naming every problem, each with its code (and its target, unless `with_target` is off):
/// a script can act on all of them at once.
pub fn rejection(req: &HttpRequest, problems: &[TargetProblem], with_target: bool) -> HttpResponse {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let first = problems.first().map(|p| p.code).unwrap_or("invalid");
    let message: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    let listed: Vec<serde_json::Value> = problems
        .iter()
        .map(|p| {
            let mut v = serde_json::json!({"code": p.code, "message": p.message});
            if with_target && let Some(t) = p.target {
                v["target"] = serde_json::json!(t);
            }
            v
        })
        .collect();
    HttpResponse::UnprocessableEntity().json(serde_json::json!({
        "error": {
            "code": first,
            "message": message.join(" "),
            "problems": listed,
            "request_id": request_id,
        }
    }))
}

/// A post's form as read: its text fields, the video, or the images of a photo post.
pub struct PostForm {
    pub fields: Vec<(String, String)>,
    pub video: Option<SpooledFile>,
    pub images: Vec<SpooledFile>,
}

/// Reads every field; the video goes straight to disk. On any error nothing is left on disk.
pub async fn read_form(
    posts: &Posts,
    payload: &mut Multipart,
) -> Result<(Vec<(String, String)>, Option<SpooledFile>), AppError> {
    let form = read_post_form(posts, payload, false).await?;
    Ok((form.fields, form.video))
}

/// `read_form`, taking `image` parts too when `images` is on (each to its own spool file).
pub async fn read_post_form(
    posts: &Posts,
    payload: &mut Multipart,
    images: bool,
) -> Result<PostForm, AppError> {
    let mut form = PostForm {
        fields: Vec::new(),
        video: None,
        images: Vec::new(),
    };
    let result = read_fields(posts, payload, &mut form, images, None).await;
    if result.is_err() {
        for f in form.video.take().into_iter().chain(form.images.drain(..)) {
            spool::remove(&f.path).await;
        }
    }
    result.map(|_| form)
}

/// Says, from the text fields read so far, whether to stop at the `video` part.
pub type StopAtVideo = dyn Fn(&[(String, String)]) -> bool;

/// Where reading a post's form stopped.
pub enum PostRead {
    /// Every part was read; the files are in the spool.
    Whole(PostForm),
    /// The `video` part begins, after text fields for which `relay` said yes: the caller reads
    /// the part itself (see `api_relay`). Nothing is in the spool.
    VideoArriving {
        fields: Vec<(String, String)>,
        video: Field,
    },
}

/// `read_post_form`, stopping at the `video` part when the text fields read before it make
/// `relay` say yes (and no image came first).
pub async fn read_post_form_or_relay(
    posts: &Posts,
    payload: &mut Multipart,
    relay: &StopAtVideo,
) -> Result<PostRead, AppError> {
    let mut form = PostForm {
        fields: Vec::new(),
        video: None,
        images: Vec::new(),
    };
    let result = read_fields(posts, payload, &mut form, true, Some(relay)).await;
    if result.is_err() {
        for f in form.video.take().into_iter().chain(form.images.drain(..)) {
            spool::remove(&f.path).await;
        }
    }
    Ok(match result? {
        Some(video) => PostRead::VideoArriving {
            fields: form.fields,
            video,
        },
        None => PostRead::Whole(form),
    })
}

/// One file part straight to the spool.
async fn spool_part(posts: &Posts, field: &mut Field) -> Result<SpooledFile, AppError> {
    let mut writer = posts.receive().await?;
    while let Some(bytes) = field.try_next().await.map_err(multipart_error)? {
        writer.write(&bytes).await.map_err(PostError::from)?;
    }
    Ok(writer.finish().await.map_err(PostError::from)?)
}

async fn read_fields(
    posts: &Posts,
    payload: &mut Multipart,
    form: &mut PostForm,
    images: bool,
    relay: Option<&StopAtVideo>,
) -> Result<Option<Field>, AppError> {
    let (fields, file) = (&mut form.fields, &mut form.video);
    while let Some(mut field) = payload.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "image" && images {
            // A few past a carousel's 35 are refused by the intake, with the count; far more is
            // not a mistake worth spooling.
            if form.images.len() >= IMAGE_PARTS_LIMIT {
                return Err(AppError::bad_request(
                    "too_many_images",
                    "A TikTok photo post takes 1 to 35 images.",
                ));
            }
            let image = spool_part(posts, &mut field).await?;
            form.images.push(image);
        } else if name == "video" {
            if file.is_none() && form.images.is_empty() && relay.is_some_and(|r| r(fields)) {
                return Ok(Some(field));
            }
            if file.is_some() {
                return Err(AppError::bad_request(
                    "two_videos",
                    "Send one video per post.",
                ));
            }
            *file = Some(spool_part(posts, &mut field).await?);
        } else {
            let value = read_text(&mut field, &name).await?;
            fields.push((name, value));
        }
    }
    Ok(None)
}

async fn read_text(field: &mut Field, name: &str) -> Result<String, AppError> {
    let mut buf = Vec::new();
    while let Some(bytes) = field.try_next().await.map_err(multipart_error)? {
        if buf.len() + bytes.len() > TEXT_FIELD_LIMIT {
            return Err(AppError::bad_request(
                "field_too_long",
                format!("The field `{name}` is too long."),
            ));
        }
        buf.extend_from_slice(&bytes);
    }
    String::from_utf8(buf).map_err(|_| {
        AppError::bad_request("bad_text", format!("The field `{name}` is not UTF-8 text."))
    })
}

/// The optional body of a retry: none, or `{"resend": true}`.
pub fn resend_flag(body: &[u8]) -> Result<bool, AppError> {
    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct RetryBody {
        /// Send the file again even though the platform has it (may post it twice).
        #[serde(default)]
        resend: bool,
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(false);
    }
    let parsed: RetryBody = serde_json::from_slice(body).map_err(|e| {
        AppError::bad_request(
            "bad_retry_body",
            format!("Send no body, or {{\"resend\": true}} to send the video again: {e}"),
        )
    })?;
    Ok(parsed.resend)
}
