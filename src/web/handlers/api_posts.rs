//! The JSON API for posts: one video to one or more targets (multipart, streamed to disk), a
//! post's state, the newest posts, and the owner's actions on one target.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::api_relay::{relay_create, wants_relay};
use super::multipart::{
    PostRead, ensure_room, guarded, idempotency_key, read_post_form_or_relay, rejection,
    resend_flag,
};
use crate::links::Links;
use crate::posts::spool::SpooledFile;
use crate::posts::{
    PostError, PostRequest, PostView, TargetProblem, parse_target_list, parse_targets,
};
use crate::web::error::AppError;
use crate::web::state::AppState;

fn post_json(status: StatusCode, view: &PostView) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "post": view }))
}

/// `POST /api/posts`: multipart `video` (or `upload_id`: a browser upload, finished or still
/// arriving), `targets` (a JSON array) and `publish_at`, with an optional `Idempotency-Key`.
/// With `targets` and `video_size` before `video`, the post starts while the video arrives
/// (`api_relay`). 202 with the post, 200 with an earlier one of the same key, or
/// 422 naming every problem of every target.
#[utoipa::path(post, path = "/api/posts", tag = "posts", request_body(content = crate::web::openapi::schemas::PostForm, content_type = "multipart/form-data"), params(("Idempotency-Key" = Option<String>, Header, description = "The same key returns the same post")), responses((status = 202, description = "Accepted; each target is published once", body = crate::web::openapi::schemas::PostAnswer), (status = 200, description = "An earlier post of the same Idempotency-Key", body = crate::web::openapi::schemas::PostAnswer), (status = 422, description = "Every problem of every target, by index", body = crate::web::openapi::schemas::ErrorAnswer), (status = 401, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn post_create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let key = idempotency_key(&req)?;
    if let Some(k) = &key
        && let Some(view) = state.posts.by_idempotency_key(k).await?
    {
        // A repeated submit (a client retry): the same post, and the body is not read.
        return Ok(post_json(StatusCode::OK, &view));
    }
    ensure_room(&state, &req)?;
    let mut payload = guarded(&state, &req, payload);
    let form = match read_post_form_or_relay(&state.posts, &mut payload, &wants_relay).await? {
        PostRead::Whole(form) => form,
        PostRead::VideoArriving { fields, video } => {
            return relay_create(&req, &state, &mut payload, fields, video, key).await;
        }
    };
    let (fields, file, images) = (form.fields, form.video, form.images);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut problems = Vec::new();
    let targets = match field("targets") {
        None => {
            problems.push(TargetProblem::post(
                "missing_targets",
                "Send `targets`: a JSON array of {\"platform\", \"account\", …options}.",
            ));
            Vec::new()
        }
        Some(raw) => parse_targets(&raw).unwrap_or_else(|p| {
            problems.extend(p);
            Vec::new()
        }),
    };
    if !images.is_empty() {
        return photos_create(
            &req,
            &state,
            problems,
            targets,
            field("publish_at"),
            file,
            images,
            key,
        )
        .await;
    }
    let upload_id = field("upload_id").filter(|v| !v.trim().is_empty());
    let file = match (file, upload_id) {
        (Some(file), None) => file,
        (None, Some(upload_id)) => {
            let request = PostRequest {
                targets,
                publish_at: field("publish_at"),
            };
            return upload_create(&req, &state, problems, &request, upload_id.trim()).await;
        }
        (Some(file), Some(_)) => {
            crate::posts::spool::remove(&file.path).await;
            problems.insert(
                0,
                TargetProblem::post(
                    "two_videos",
                    "Send either the `video` field or `upload_id`, not both.",
                ),
            );
            return Ok(rejection(&req, &problems, true));
        }
        (None, None) => {
            problems.insert(
                0,
                TargetProblem::post(
                    "missing_video",
                    "Attach the video as the `video` field or name a browser upload as `upload_id` (or, for a TikTok photo post, send 1 to 35 `image` fields).",
                ),
            );
            return Ok(rejection(&req, &problems, true));
        }
    };
    if !problems.is_empty() {
        crate::posts::spool::remove(&file.path).await;
        return Ok(rejection(&req, &problems, true));
    }
    let request = PostRequest {
        targets,
        publish_at: field("publish_at"),
    };
    match state.posts.submit(&request, file, key.as_deref()).await {
        Ok((view, true)) => Ok(post_json(StatusCode::ACCEPTED, &view)),
        Ok((view, false)) => Ok(post_json(StatusCode::OK, &view)),
        Err(PostError::Rejected(problems)) => Ok(rejection(&req, &problems, true)),
        Err(e) => Err(e.into()),
    }
}

/// The `upload_id` branch of `POST /api/posts`: a browser (tus) upload, finished or still
/// arriving (the posting screen's path).
async fn upload_create(
    req: &HttpRequest,
    state: &AppState,
    problems: Vec<TargetProblem>,
    request: &PostRequest,
    upload_id: &str,
) -> Result<HttpResponse, AppError> {
    if !problems.is_empty() {
        return Ok(rejection(req, &problems, true));
    }
    match state.posts.submit_browser_upload(upload_id, request).await {
        Ok((view, true)) => Ok(post_json(StatusCode::ACCEPTED, &view)),
        Ok((view, false)) => Ok(post_json(StatusCode::OK, &view)),
        Err(PostError::Rejected(problems)) => Ok(rejection(req, &problems, true)),
        Err(e) => Err(e.into()),
    }
}

/// The photo post branch of `POST /api/posts`: `image` parts instead of `video`.
#[allow(clippy::too_many_arguments)]
async fn photos_create(
    req: &HttpRequest,
    state: &AppState,
    mut problems: Vec<TargetProblem>,
    targets: Vec<crate::posts::TargetRequest>,
    publish_at: Option<String>,
    video: Option<SpooledFile>,
    images: Vec<SpooledFile>,
    key: Option<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(video) = video {
        crate::posts::spool::remove(&video.path).await;
        problems.insert(
            0,
            TargetProblem::post(
                "video_and_images",
                "Send either one `video` or 1 to 35 `image` fields (a TikTok photo post), not both.",
            ),
        );
    }
    if !problems.is_empty() {
        for image in &images {
            crate::posts::spool::remove(&image.path).await;
        }
        return Ok(rejection(req, &problems, true));
    }
    let request = PostRequest {
        targets,
        publish_at,
    };
    match state
        .posts
        .submit_photos(&request, images, key.as_deref())
        .await
    {
        Ok((view, true)) => Ok(post_json(StatusCode::ACCEPTED, &view)),
        Ok((view, false)) => Ok(post_json(StatusCode::OK, &view)),
        Err(PostError::Rejected(problems)) => Ok(rejection(req, &problems, true)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/posts/{id}/targets` with `{"targets": [...], "publish_at"?}`: the post's video to
/// more accounts (the same target objects as `POST /api/posts`). 202 with the whole post, 422
/// naming every problem by its index in this request's `targets`, 409 once the video is gone.
#[utoipa::path(post, path = "/api/posts/{id}/targets", tag = "posts", params(("id" = String, Path)), request_body(content = crate::web::openapi::schemas::MoreTargets, content_type = "application/json"), responses((status = 202, description = "Added; each new target is published once, the others are untouched", body = crate::web::openapi::schemas::PostAnswer), (status = 422, description = "Every problem of every new target, by index (an account already a target is one)", body = crate::web::openapi::schemas::ErrorAnswer), (status = 409, description = "The video is no longer kept on this server", body = crate::web::openapi::schemas::ErrorAnswer), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn targets_add(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let refused =
        |message: String| rejection(&req, &[TargetProblem::post("invalid_body", message)], false);
    let mut value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(refused(format!(
                "Send JSON like {{\"targets\": [{{\"platform\": \"youtube\", \"account\": \"…\", …}}]}}: {e}"
            )));
        }
    };
    let Some(raw) = value.get_mut("targets").map(serde_json::Value::take) else {
        return Ok(refused(
            "Send `targets`: a JSON array of {\"platform\", \"account\", …options}, as for POST /api/posts."
                .into(),
        ));
    };
    let targets = match parse_target_list(raw) {
        Ok(t) => t,
        Err(problems) => return Ok(rejection(&req, &problems, true)),
    };
    let request = PostRequest {
        targets,
        publish_at: value
            .get("publish_at")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    };
    match state.posts.add_targets(&id, &request).await {
        Ok(view) => Ok(post_json(StatusCode::ACCEPTED, &view)),
        Err(PostError::Rejected(problems)) => Ok(rejection(&req, &problems, true)),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/posts/{id}", tag = "posts", params(("id" = String, Path)), responses((status = 200, body = crate::web::openapi::schemas::PostAnswer), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn post_show(
    state: web::Data<AppState>,
    links: web::Data<Links>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.posts.get(&id).await?;
    let mut post = serde_json::to_value(&view).unwrap_or_default();
    // A target a platform fetched from a public link (Instagram) shows what was fetched.
    if let Some(targets) = post["targets"].as_array_mut() {
        for t in targets {
            let Some(target_id) = t["id"].as_str().map(str::to_string) else {
                continue;
            };
            if links.links(&target_id).await.is_ok_and(|l| !l.is_empty()) {
                let fetches: Vec<serde_json::Value> = links
                    .fetches(&target_id)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| {
                        serde_json::json!({"at": f.at, "method": f.method, "range": f.range,
                            "status": f.status, "bytes": f.bytes, "user_agent": f.user_agent})
                    })
                    .collect();
                t["fetches"] = serde_json::Value::Array(fetches);
            }
        }
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "post": post })))
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<u32>,
    before: Option<String>,
}

/// `GET /api/posts?limit=20&before=<id>`: newest first; `next_before` pages on.
#[utoipa::path(get, path = "/api/posts", tag = "posts", params(("limit" = Option<u32>, Query, description = "1 to 100, 20 by default"), ("before" = Option<String>, Query, description = "A post id: the posts older than it")), responses((status = 200, body = crate::web::openapi::schemas::PostsPage), (status = 401, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn posts_list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let posts = state.posts.list(limit, query.before.as_deref()).await?;
    let next = (posts.len() == limit as usize)
        .then(|| posts.last().map(|p| p.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "posts": posts, "next_before": next })))
}

/// `POST /api/posts/{id}/targets/{target_id}/retry`, with no body or `{"resend": true}`.
/// Without `resend`, a target whose video the platform already has is only checked again; it is
/// never sent a second time.
#[utoipa::path(post, path = "/api/posts/{id}/targets/{target_id}/retry", tag = "posts", params(("id" = String, Path), ("target_id" = String, Path)), request_body(content = Option<crate::web::openapi::schemas::RetryBody>), responses((status = 202, body = crate::web::openapi::schemas::PostAnswer), (status = 409, description = "Not retryable in its state", body = crate::web::openapi::schemas::ErrorAnswer), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn target_retry(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (post_id, target_id) = path.into_inner();
    let resend = resend_flag(&body)?;
    let view = state.posts.retry(&post_id, &target_id, resend).await?;
    Ok(post_json(StatusCode::ACCEPTED, &view))
}

#[utoipa::path(post, path = "/api/posts/{id}/targets/{target_id}/cancel", tag = "posts", params(("id" = String, Path), ("target_id" = String, Path)), responses((status = 200, body = crate::web::openapi::schemas::PostAnswer), (status = 409, description = "Already final", body = crate::web::openapi::schemas::ErrorAnswer), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn target_cancel(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (post_id, target_id) = path.into_inner();
    let view = state.posts.cancel(&post_id, &target_id).await?;
    Ok(post_json(StatusCode::OK, &view))
}
