//! The owner's view of what "TikTok" received (`/sandbox/tiktok/_/...`): JSON, a page with each
//! video playable, and the inbox's "post from the app" button. Owner-only, through the gate.

use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT_RANGES, CONTENT_RANGE, RANGE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::errors::PageError;
use super::pages::{PostRow, PostsPage};
use super::store::images;
use super::store::publishes::{self, Publish, SEND_TO_USER_INBOX};
use super::{MOUNT, SandboxState, processing};
use crate::sandbox::gate::Visitor;

/// The owner's form token, or the response a stranger gets instead.
async fn owner(state: &SandboxState, req: &HttpRequest) -> Result<String, HttpResponse> {
    match state.gate.check(req).await {
        Visitor::Owner { csrf_token } => Ok(csrf_token),
        Visitor::Stranger(res) => Err(res),
    }
}

/// Every publish, each brought up to date first.
async fn current(state: &web::Data<SandboxState>) -> Result<Vec<Publish>, PageError> {
    let mut out = Vec::new();
    for p in publishes::all(&state.db).await? {
        out.push(processing::resolve(state, p).await?);
    }
    Ok(out)
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<SandboxState>,
) -> Result<HttpResponse, PageError> {
    // A listing for scripts: a stranger is told so in JSON, never sent to a login page.
    if owner(&state, &req).await.is_err() {
        return Ok(HttpResponse::Unauthorized().json(json!({
            "error": {"code": "unauthenticated", "message": "Log in to Cast to see what the sandbox received."}
        })));
    }
    let mut posts: Vec<Value> = Vec::new();
    for p in current(&state).await? {
        let view = processing::view(&p);
        // For a carousel, what arrived of each image, in order (the sandbox's own addition).
        let (photos, cover) = if p.media_type == "PHOTO" {
            let list = images::of(&state.db, &p.publish_id).await?;
            let shown: Vec<Value> = list
                .iter()
                .map(|i| json!({"size": i.size, "sha256": i.sha256}))
                .collect();
            (
                Some(shown),
                images::cover_index(&state.db, &p.publish_id).await?,
            )
        } else {
            (None, None)
        };
        posts.push(json!({
            "publish_id": p.publish_id,
            "open_id": p.open_id,
            "username": p.username,
            "mode": p.mode,
            "media_type": p.media_type,
            "source": p.source,
            "size": p.received_bytes,
            "sha256": p.sha256.as_deref().filter(|s| !s.is_empty()),
            "images": photos,
            "photo_cover_index": cover,
            "post_info": p.post_info.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
            "status": view.status,
            "fail_reason": view.fail_reason,
            // Strings: 19-digit ids do not survive a JSON reader's doubles.
            "post_ids": view.post_ids.iter().map(i64::to_string).collect::<Vec<_>>(),
            "downgraded": p.downgraded,
            "created_at": p.created_ms / 1000,
        }));
    }
    Ok(HttpResponse::Ok().json(posts))
}

fn row(p: &Publish) -> PostRow {
    let view = processing::view(p);
    let post_info: Value = p
        .post_info
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let created = time::OffsetDateTime::from_unix_timestamp(p.created_ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let complete = p.received_bytes == p.video_size;
    PostRow {
        publish_id: p.publish_id.clone(),
        username: p.username.clone(),
        open_id: p.open_id.clone(),
        mode: p.mode.clone(),
        title: post_info
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        privacy_level: p.privacy_level.clone().unwrap_or_default(),
        size: p.received_bytes,
        sha256: p.sha256.clone().unwrap_or_default(),
        status: view.status.to_string(),
        status_class: match view.status {
            "PUBLISH_COMPLETE" => "ok",
            "FAILED" => "err",
            _ => "warn",
        },
        fail_reason: view.fail_reason.unwrap_or_default(),
        post_ids: view
            .post_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        created,
        avatar_url: format!("{}/v2/user/avatar/{}.svg", MOUNT, p.open_id),
        video_url: complete.then(|| format!("{}/_/video/{}", MOUNT, p.publish_id)),
        post_action: (p.state == SEND_TO_USER_INBOX)
            .then(|| format!("{}/_/drafts/{}/post", MOUNT, p.publish_id)),
    }
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<SandboxState>,
) -> Result<HttpResponse, PageError> {
    let csrf_token = match owner(&state, &req).await {
        Ok(token) => token,
        Err(stranger) => return Ok(stranger),
    };
    let posts = current(&state).await?.iter().map(row).collect();
    let html = askama::Template::render(&PostsPage {
        mount: MOUNT,
        csrf_token,
        posts,
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The creator taps the inbox notification and posts the draft from the TikTok app.
pub async fn post_draft(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if let Err(stranger) = owner(&state, &req).await {
        return Ok(stranger);
    }
    let sent = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !state.gate.form_token_ok(&req, &sent) {
        return Ok(HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("TikTok sandbox: this form has expired. Reload the page and try again."));
    }
    let publish_id = path.into_inner();
    if !publishes::post_draft(
        &state.db,
        &publish_id,
        processing::new_post_id(),
        state.now_ms(),
    )
    .await?
    {
        return Err(PageError::Conflict(
            "Only a draft waiting in the creator's inbox can be posted.".into(),
        ));
    }
    tracing::info!(%publish_id, "sandbox: inbox draft posted from the app");
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("{}/_/", MOUNT)))
        .finish())
}

/// A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else means the whole file.
fn byte_range(value: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let range = match (a.trim(), b.trim()) {
        ("", n) => n
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| (len.saturating_sub(n), len.saturating_sub(1))),
        (a, "") => a.parse::<u64>().ok().map(|a| (a, len.saturating_sub(1))),
        (a, b) => a
            .parse::<u64>()
            .ok()
            .zip(b.parse::<u64>().ok())
            .map(|(a, b)| (a, b.min(len.saturating_sub(1)))),
    };
    Some(range.filter(|(a, b)| a <= b && *a < len).ok_or(()))
}

/// Serves a received video with its upload's content type, honouring one `Range` so browsers can seek.
pub async fn video(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if let Err(stranger) = owner(&state, &req).await {
        return Ok(stranger);
    }
    let publish = publishes::by_id(&state.db, &path.into_inner())
        .await?
        .ok_or(PageError::NotFound)?;
    let mut file =
        match tokio::fs::File::open(processing::video_path(&state, &publish.upload_id)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(PageError::NotFound),
            Err(e) => return Err(PageError::internal(e)),
        };
    let len = file.metadata().await.map_err(PageError::internal)?.len();
    let content_type = publish.content_type.unwrap_or_else(|| "video/mp4".into());
    let range = req
        .headers()
        .get(RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| byte_range(v, len));
    let (status, first, last) = match range {
        None => (StatusCode::OK, 0, len.saturating_sub(1)),
        Some(Ok((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Some(Err(())) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((CONTENT_RANGE, format!("bytes */{len}")))
                .finish());
        }
    };
    let count = if len == 0 { 0 } else { last - first + 1 };
    file.seek(std::io::SeekFrom::Start(first))
        .await
        .map_err(PageError::internal)?;
    let stream = tokio_util::io::ReaderStream::new(file.take(count));
    let mut res = HttpResponse::build(status);
    res.content_type(content_type)
        .insert_header((ACCEPT_RANGES, "bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        res.insert_header((CONTENT_RANGE, format!("bytes {first}-{last}/{len}")));
    }
    Ok(res.body(SizedStream::new(count, stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some(Ok((0, 99))));
        assert_eq!(byte_range("bytes=900-", 1000), Some(Ok((900, 999))));
        assert_eq!(byte_range("bytes=-100", 1000), Some(Ok((900, 999))));
        assert_eq!(byte_range("bytes=0-5000", 1000), Some(Ok((0, 999))));
        assert_eq!(byte_range("bytes=1000-", 1000), Some(Err(())));
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), None);
        assert_eq!(byte_range("items=0-1", 1000), None);
    }
}
