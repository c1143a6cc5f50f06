//! The owner's view of what "Instagram" received (`/sandbox/instagram/_/...`): the JSON listing
//! with the SHA-256 of every fetched video and the fetcher's requests, a page with each video
//! playable, and the accounts' avatars.

use actix_web::body::SizedStream;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::errors::PageError;
use super::pages::{PostRow, PostsPage};
use super::status::{status_code, status_text};
use super::store::{accounts, containers};
use super::{MOUNT, State, fetcher};
use crate::sandbox::gate::Visitor;

async fn owner(state: &State, req: &HttpRequest) -> Result<(), HttpResponse> {
    match state.gate.check(req).await {
        Visitor::Owner { .. } => Ok(()),
        Visitor::Stranger(res) => Err(res),
    }
}

/// Every container, brought up to date (a due fetch starts), newest first.
async fn current(state: &web::Data<State>) -> Result<Vec<containers::Container>, sqlx::Error> {
    let arc = state.clone().into_inner();
    let mut out = Vec::new();
    for c in containers::all(&state.db).await? {
        out.push(fetcher::refresh(&arc, c).await?);
    }
    Ok(out)
}

fn ms_to_secs(ms: Option<i64>) -> Value {
    ms.map(|m| json!(m.div_euclid(1000))).unwrap_or(Value::Null)
}

pub async fn list(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, PageError> {
    if let Err(res) = owner(&state, &req).await {
        return Ok(res);
    }
    let now = state.now_ms();
    let mut out = Vec::new();
    for c in current(&state).await? {
        let code = status_code(&c, now, &state.settings);
        let fetches: Vec<Value> = containers::fetches(&state.db, &c.container_id)
            .await?
            .iter()
            .map(|f| json!({ "what": f.what, "method": f.method, "range": f.range, "status": f.status, "bytes": f.bytes, "at": f.at_ms.div_euclid(1000), "at_ms": f.at_ms }))
            .collect();
        let error = c.error_code.map(|code| {
            json!({
                "code": code,
                "subcode": c.error_subcode,
                "message": c.error_message,
                "error_user_msg": c.error_user_msg,
            })
        });
        out.push(json!({
            "container_id": c.container_id,
            "user_id": c.user_id,
            "media_id": c.media_id,
            "status_code": code.as_str(),
            "status": status_text(code, &c, state.settings.verbose_status),
            "caption": c.caption,
            "share_to_feed": c.share_to_feed,
            "thumb_offset": c.thumb_offset,
            "collaborators": c.collaborators.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
            "duration_ms": c.duration_ms,
            "video_url": c.video_url,
            "cover_url": c.cover_url,
            "size": c.size,
            "sha256": c.sha256,
            "fetches": fetches,
            "error": error,
            "permalink": c.shortcode.as_ref().filter(|_| c.media_id.is_some()).map(|s| format!("https://www.instagram.com/reel/{s}/")),
            "created_at": c.created_ms.div_euclid(1000),
            "published_at": ms_to_secs(c.published_ms),
        }));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}

pub async fn page(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, PageError> {
    if let Err(res) = owner(&state, &req).await {
        return Ok(res);
    }
    let now = state.now_ms();
    let mut posts = Vec::new();
    for c in current(&state).await? {
        let code = status_code(&c, now, &state.settings);
        let username = accounts::account(&state.db, &c.user_id)
            .await?
            .map(|a| a.username)
            .unwrap_or_default();
        let fetches = containers::fetches(&state.db, &c.container_id).await?;
        let bytes: i64 = fetches.iter().map(|f| f.bytes).sum();
        posts.push(PostRow {
            container_id: c.container_id.clone(),
            username,
            status_code: code.as_str().into(),
            caption: c.caption.clone(),
            size: c
                .size
                .map(|s| format!("{s} bytes"))
                .unwrap_or_else(|| "nothing yet".into()),
            sha256: c.sha256.clone().unwrap_or_default(),
            fetches: format!("{bytes} bytes in {} requests", fetches.len()),
            error: c.error_user_msg.clone().unwrap_or_default(),
            permalink: c
                .shortcode
                .as_ref()
                .filter(|_| c.media_id.is_some())
                .map(|s| format!("https://www.instagram.com/reel/{s}/"))
                .unwrap_or_default(),
            video_url: c
                .sha256
                .as_ref()
                .map(|_| format!("{MOUNT}/_/video/{}", c.container_id)),
        });
    }
    let html = askama::Template::render(&PostsPage {
        listing: format!("{MOUNT}/_/posts"),
        posts,
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The fetched video, for the page's player (whole file; the player copes).
pub async fn video(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if let Err(res) = owner(&state, &req).await {
        return Ok(res);
    }
    let id = path.into_inner();
    let Some(c) = containers::by_id(&state.db, &id).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let file = match tokio::fs::File::open(
        state.files_dir.join(format!("{}.video", c.container_id)),
    )
    .await
    {
        Ok(f) => f,
        Err(_) => return Ok(HttpResponse::NotFound().finish()),
    };
    let len = file.metadata().await.map_err(PageError::internal)?.len();
    Ok(HttpResponse::Ok()
        .content_type("video/mp4")
        .body(SizedStream::new(
            len,
            tokio_util::io::ReaderStream::new(file),
        )))
}

/// `profile_picture_url`: public, as Meta's CDN URLs are.
pub async fn avatar(
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user_id = path.into_inner().trim_end_matches(".svg").to_string();
    let Some(account) = accounts::account(&state.db, &user_id).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let initial = account
        .username
        .chars()
        .next()
        .unwrap_or('?')
        .to_ascii_uppercase();
    let hue = account
        .user_id
        .bytes()
        .fold(0u32, |h, b| (h * 31 + u32::from(b)) % 360);
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="150" height="150" viewBox="0 0 150 150"><rect width="150" height="150" rx="75" fill="hsl({hue},60%,50%)"/><text x="75" y="98" font-size="72" text-anchor="middle" fill="#fff" font-family="sans-serif">{initial}</text></svg>"##
    );
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}
