//! The JSON API for uploads: post a video (multipart, streamed to disk), look at jobs, retry, cancel.
//! Each handler parses its input, calls one `Uploads` function, and renders the result.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt as _;
use serde::Deserialize;

use crate::uploads::post::RawPost;
use crate::uploads::spool::{self, SpooledFile};
use crate::uploads::{Problem, UploadError, UploadView, Uploads};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// Text fields are short; the longest, the title, is 2200 UTF-16 units (at most 8800 bytes).
const TEXT_FIELD_LIMIT: usize = 16 * 1024;
const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

fn multipart_error(e: MultipartError) -> AppError {
    // MultipartError is !Send: keep only its words.
    AppError::bad_request(
        "bad_multipart",
        format!("The upload could not be read: {e}"),
    )
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
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

fn upload_json(status: actix_web::http::StatusCode, view: &UploadView) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "upload": view }))
}

/// 422 naming every problem, each with its code: a script can act on all of them at once.
fn rejection(req: &HttpRequest, problems: &[Problem]) -> HttpResponse {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let first = problems.first().map(|p| p.code).unwrap_or("invalid");
    let message: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    HttpResponse::UnprocessableEntity().json(serde_json::json!({
        "error": {
            "code": first,
            "message": message.join(" "),
            "problems": problems,
            "request_id": request_id,
        }
    }))
}

/// `POST /api/tiktok/upload-video`: 202 with the queued job, or 422 naming what TikTok would refuse.
pub async fn upload_create(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let key = idempotency_key(&req)?;
    if let Some(k) = &key {
        // A repeated submit (double click, client retry): the same job, and the body is not read.
        if let Some(view) = state.uploads.by_idempotency_key(k).await? {
            return Ok(upload_json(actix_web::http::StatusCode::OK, &view));
        }
    }
    let (raw, file) = read_form(&state.uploads, &mut payload).await?;
    let Some(file) = file else {
        return Ok(rejection(
            &req,
            &[Problem::new(
                "missing_video",
                "Attach the video as the `video` field.",
            )],
        ));
    };
    match state.uploads.submit(&raw, file, key.as_deref()).await {
        Ok((view, true)) => Ok(upload_json(actix_web::http::StatusCode::ACCEPTED, &view)),
        Ok((view, false)) => Ok(upload_json(actix_web::http::StatusCode::OK, &view)),
        Err(UploadError::Rejected(problems)) => Ok(rejection(&req, &problems)),
        Err(e) => Err(e.into()),
    }
}

/// Reads every field; the video goes straight to disk. On any error nothing is left on disk.
async fn read_form(
    uploads: &Uploads,
    payload: &mut Multipart,
) -> Result<(RawPost, Option<SpooledFile>), AppError> {
    let mut raw = RawPost::default();
    let mut file: Option<SpooledFile> = None;
    let result = read_fields(uploads, payload, &mut raw, &mut file).await;
    if result.is_err()
        && let Some(f) = file.take()
    {
        spool::remove(&f.path).await;
    }
    result.map(|()| (raw, file))
}

async fn read_fields(
    uploads: &Uploads,
    payload: &mut Multipart,
    raw: &mut RawPost,
    file: &mut Option<SpooledFile>,
) -> Result<(), AppError> {
    while let Some(mut field) = payload.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "video" {
            if file.is_some() {
                return Err(AppError::bad_request(
                    "two_videos",
                    "Send one video per upload.",
                ));
            }
            let mut writer = uploads.receive().await?;
            while let Some(bytes) = field.try_next().await.map_err(multipart_error)? {
                writer.write(&bytes).await.map_err(UploadError::from)?;
            }
            *file = Some(writer.finish().await.map_err(UploadError::from)?);
        } else {
            let value = read_text(&mut field, &name).await?;
            // Unknown fields (a form's csrf_token, a submit button) are ignored.
            raw.set(&name, value);
        }
    }
    Ok(())
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

pub async fn upload_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.uploads.get(&id).await?;
    Ok(upload_json(actix_web::http::StatusCode::OK, &view))
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<u32>,
    before: Option<String>,
}

/// `GET /api/uploads?limit=20&before=<id>`: newest first; `next_before` pages on.
pub async fn uploads_list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let uploads = state.uploads.list(limit, query.before.as_deref()).await?;
    let next = (uploads.len() == limit as usize)
        .then(|| uploads.last().map(|u| u.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "uploads": uploads, "next_before": next })))
}

/// The optional body of `POST /api/uploads/{id}/retry`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    /// Send the file again even though TikTok acknowledged it (may post it twice).
    #[serde(default)]
    resend: bool,
}

/// `POST /api/uploads/{id}/retry`, with no body or `{"resend": true}`. Without `resend`, a job
/// whose video TikTok already has is only checked again; it is never sent a second time.
pub async fn upload_retry(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let body: RetryBody = if body.iter().all(u8::is_ascii_whitespace) {
        RetryBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::bad_request(
                "bad_retry_body",
                format!("Send no body, or {{\"resend\": true}} to send the video again: {e}"),
            )
        })?
    };
    let view = state.uploads.retry(&id, body.resend).await?;
    Ok(upload_json(actix_web::http::StatusCode::ACCEPTED, &view))
}

pub async fn upload_cancel(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.uploads.cancel(&id).await?;
    Ok(upload_json(actix_web::http::StatusCode::OK, &view))
}
