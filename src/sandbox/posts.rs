//! The owner's view of what "TikTok" received (`/sandbox/tiktok/_/...`): JSON, a page with each
//! video playable, and the inbox's "post from the app" button. Owner-only in Cast.

use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT_RANGES, CONTENT_RANGE, RANGE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::pages::{PostRow, PostsPage};
use super::store::publishes::{self, Publish, SEND_TO_USER_INBOX};
use super::{SandboxState, processing, routes};
use crate::web::error::AppError;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::Layout;

/// Every publish, each brought up to date first.
async fn current(state: &web::Data<SandboxState>) -> Result<Vec<Publish>, AppError> {
    let mut out = Vec::new();
    for p in publishes::all(&state.db).await? {
        out.push(processing::resolve(state, p).await?);
    }
    Ok(out)
}

pub async fn list(state: web::Data<SandboxState>) -> Result<HttpResponse, AppError> {
    let posts: Vec<Value> = current(&state)
        .await?
        .iter()
        .map(|p| {
            let view = processing::view(p);
            json!({
                "publish_id": p.publish_id,
                "open_id": p.open_id,
                "username": p.username,
                "mode": p.mode,
                "size": p.received_bytes,
                "sha256": p.sha256.as_deref().filter(|s| !s.is_empty()),
                "post_info": p.post_info.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
                "status": view.status,
                "fail_reason": view.fail_reason,
                // Strings: 19-digit ids do not survive a JSON reader's doubles.
                "post_ids": view.post_ids.iter().map(i64::to_string).collect::<Vec<_>>(),
                "downgraded": p.downgraded,
                "created_at": p.created_ms / 1000,
            })
        })
        .collect();
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
        avatar_url: format!("{}/v2/user/avatar/{}.svg", routes::MOUNT, p.open_id),
        video_url: complete.then(|| format!("{}/_/video/{}", routes::MOUNT, p.publish_id)),
        post_action: (p.state == SEND_TO_USER_INBOX)
            .then(|| format!("{}/_/drafts/{}/post", routes::MOUNT, p.publish_id)),
    }
}

pub async fn page(
    state: web::Data<SandboxState>,
    app: Option<web::Data<AppState>>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    let layout = match &app {
        Some(app) => crate::web::handlers::layout(app, &session),
        None => Layout::new(true, false, session.csrf_token()),
    };
    let posts = current(&state).await?.iter().map(row).collect();
    let html = askama::Template::render(&PostsPage { layout, posts })?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The creator taps the inbox notification and posts the draft from the TikTok app.
pub async fn post_draft(
    state: web::Data<SandboxState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let publish_id = path.into_inner();
    if !publishes::post_draft(
        &state.db,
        &publish_id,
        processing::new_post_id(),
        state.now_ms(),
    )
    .await?
    {
        return Err(AppError::Conflict {
            code: "not_in_inbox",
            message: "Only a draft waiting in the creator's inbox can be posted.".into(),
        });
    }
    tracing::info!(%publish_id, "sandbox: inbox draft posted from the app");
    Ok(crate::web::handlers::see_other(&format!(
        "{}/_/",
        routes::MOUNT
    )))
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
) -> Result<HttpResponse, AppError> {
    let publish = publishes::by_id(&state.db, &path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    let mut file =
        match tokio::fs::File::open(processing::video_path(&state, &publish.upload_id)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
            Err(e) => return Err(AppError::internal(e)),
        };
    let len = file.metadata().await.map_err(AppError::internal)?.len();
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
        .map_err(AppError::internal)?;
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
