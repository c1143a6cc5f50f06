//! The seed API, kept for scripts written against it: `POST /api/tiktok/upload-video` makes a
//! post with one TikTok target, and `/api/uploads/...` show and act on targets ("uploads"),
//! with the same JSON as before posts had targets.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::multipart::{ensure_room, guarded, idempotency_key, read_form, rejection, resend_flag};
use crate::platforms::tiktok::options;
use crate::platforms::{PlatformId, Problem};
use crate::posts::{PostError, TargetProblem, UploadView};
use crate::web::error::AppError;
use crate::web::state::AppState;

fn upload_json(status: StatusCode, view: &UploadView) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "upload": view }))
}

fn problems(ps: Vec<Problem>) -> Vec<TargetProblem> {
    ps.into_iter()
        .map(|p| TargetProblem::post(p.code, p.message))
        .collect()
}

/// `POST /api/tiktok/upload-video`: 202 with the queued upload, or 422 naming what TikTok
/// would refuse.
pub async fn upload_create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let key = idempotency_key(&req)?;
    if let Some(k) = &key
        && let Some(post) = state.posts.by_idempotency_key(k).await?
        && let Some(first) = post.targets.first()
    {
        // A repeated submit (double click, client retry): the same upload, and the body is not read.
        let view = state.posts.upload(&first.id).await?;
        return Ok(upload_json(StatusCode::OK, &view));
    }
    ensure_room(&state, &req)?;
    let mut payload = guarded(&state, &req, payload);
    let (fields, file) = read_form(&state.posts, &mut payload).await?;
    let Some(file) = file else {
        return Ok(rejection(
            &req,
            &[TargetProblem::post(
                "missing_video",
                "Attach the video as the `video` field.",
            )],
            false,
        ));
    };
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    // Unknown fields (a form's csrf_token, a submit button) are ignored, as they always were.
    let tiktok_fields = fields
        .iter()
        .filter(|(n, _)| options::FIELDS.contains(&n.as_str()))
        .map(|(n, v)| (n.as_str(), v.as_str()));
    let options = match options::from_form(tiktok_fields) {
        Ok(o) => o,
        Err(ps) => {
            crate::posts::spool::remove(&file.path).await;
            return Ok(rejection(&req, &problems(ps), false));
        }
    };
    let submitted = state
        .posts
        .submit_one(
            PlatformId::TikTok,
            get("open_id").as_deref(),
            options,
            get("publish_at"),
            file,
            key.as_deref(),
        )
        .await;
    match submitted {
        Ok((post, created)) => {
            let first = post.targets.first().ok_or(AppError::NotFound)?;
            let view = state.posts.upload(&first.id).await?;
            let status = if created {
                StatusCode::ACCEPTED
            } else {
                StatusCode::OK
            };
            Ok(upload_json(status, &view))
        }
        Err(PostError::Rejected(problems)) => Ok(rejection(&req, &problems, false)),
        Err(e) => Err(e.into()),
    }
}

pub async fn upload_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.posts.upload(&id).await?;
    Ok(upload_json(StatusCode::OK, &view))
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
    let uploads = state.posts.uploads(limit, query.before.as_deref()).await?;
    let next = (uploads.len() == limit as usize)
        .then(|| uploads.last().map(|u| u.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "uploads": uploads, "next_before": next })))
}

/// `POST /api/uploads/{id}/retry`, with no body or `{"resend": true}`.
pub async fn upload_retry(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let resend = resend_flag(&body)?;
    let view = state.posts.retry_upload(&id, resend).await?;
    Ok(upload_json(StatusCode::ACCEPTED, &view))
}

pub async fn upload_cancel(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.posts.cancel_upload(&id).await?;
    Ok(upload_json(StatusCode::OK, &view))
}
