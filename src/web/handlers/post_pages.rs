//! A post's page (each target's live status, polled by HTMX until nothing moves), the owner's
//! actions on one target, and History.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template as _;
use serde::Deserialize;

use crate::accounts::AccountStatus;
use crate::links::Links;
use crate::platforms::PlatformId;
use crate::platforms::instagram::notes::size_label;
use crate::posts::history::PostDetail;
use crate::web::error::AppError;
use crate::web::handlers::{layout, see_other};
use crate::web::middleware::is_htmx;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::{HistoryPage, PostCard, PostPage, PostStatusPartial, TargetCard};

/// HTMX stops polling when a poll answers 286 (its documented stop signal).
const STOP_POLLING: u16 = 286;
const PAGE_SIZE: u32 = 20;

fn card(detail: PostDetail) -> PostCard {
    let PostDetail {
        view,
        title,
        targets,
        video_kept,
    } = detail;
    PostCard {
        id: view.id.clone(),
        title,
        created_at: view.created_at,
        size: view.video.size,
        video_kept,
        cards: targets
            .into_iter()
            .map(|t| TargetCard {
                platform_name: t.view.platform.name(),
                view: t.view,
                account: t.account,
                summary: t.summary,
                post_id: view.id.clone(),
                publish_at: view.publish_at,
                fetched: None,
            })
            .collect(),
    }
}

/// "Instagram fetched 212 MB in 6 requests" on each target a platform fetched from a link.
async fn with_fetches(links: &Links, mut post: PostCard) -> PostCard {
    for c in post.cards.iter_mut() {
        if !links.links(&c.view.id).await.is_ok_and(|l| !l.is_empty()) {
            continue;
        }
        if let Ok(s) = links.summary(&c.view.id).await {
            c.fetched = Some(format!(
                "{} fetched {} in {} request{}.",
                c.platform_name,
                size_label(s.bytes),
                s.requests,
                if s.requests == 1 { "" } else { "s" }
            ));
        }
    }
    post
}

pub async fn post_show(
    state: web::Data<AppState>,
    links: web::Data<Links>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<PostPage, AppError> {
    let detail = state.posts.detail(&path.into_inner()).await?;
    let post = with_fetches(&links, card(detail)).await;
    let again = if post.can_post_again() {
        let taken: Vec<(PlatformId, &str)> = post
            .cards
            .iter()
            .map(|c| (c.view.platform, c.view.account.as_str()))
            .collect();
        state
            .accounts
            .list()
            .await?
            .into_iter()
            .filter(|a| a.status == AccountStatus::Active)
            .filter(|a| !taken.contains(&(a.platform, a.account_id.as_str())))
            .collect()
    } else {
        Vec::new()
    };
    Ok(PostPage {
        layout: layout(&state, &session),
        post,
        csrf: session.csrf_token(),
        again,
    })
}

/// The status fragment the page polls.
pub async fn post_status_show(
    state: web::Data<AppState>,
    links: web::Data<Links>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let detail = state.posts.detail(&path.into_inner()).await?;
    fragment(&with_fetches(&links, card(detail)).await, &session, true)
}

fn fragment(
    post: &PostCard,
    session: &TypedSession,
    may_stop: bool,
) -> Result<HttpResponse, AppError> {
    let status = if may_stop && post.poll_every().is_none() {
        StatusCode::from_u16(STOP_POLLING).unwrap_or(StatusCode::OK)
    } else {
        StatusCode::OK
    };
    let html = PostStatusPartial {
        post,
        csrf: &session.csrf_token(),
    }
    .render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Retry and Cancel answer the fragment to HTMX (200, so polling resumes for a retried target),
/// and Post/Redirect/Get to a plain form.
async fn after_action(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    post_id: &str,
) -> Result<HttpResponse, AppError> {
    if is_htmx(req) {
        let detail = state.posts.detail(post_id).await?;
        return fragment(&card(detail), session, false);
    }
    Ok(see_other(&format!("/posts/{post_id}")))
}

/// Retry, Check again, or (with the form's `resend=1`, behind its own button) Send again.
pub async fn target_retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (post_id, target_id) = path.into_inner();
    let resend = url::form_urlencoded::parse(&body).any(|(k, v)| k == "resend" && v == "1");
    state.posts.retry(&post_id, &target_id, resend).await?;
    after_action(&req, &state, &session, &post_id).await
}

pub async fn target_cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (post_id, target_id) = path.into_inner();
    state.posts.cancel(&post_id, &target_id).await?;
    after_action(&req, &state, &session, &post_id).await
}

/// `/uploads/{id}` (links from before posts had targets): the post the upload belongs to.
pub async fn upload_show(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let upload = state.posts.upload(&path.into_inner()).await?;
    Ok(see_other(&format!("/posts/{}", upload.post_id)))
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    before: Option<String>,
}

pub async fn history_show(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<HistoryQuery>,
) -> Result<HistoryPage, AppError> {
    let (posts, older) = state
        .posts
        .history(PAGE_SIZE, query.before.as_deref())
        .await?;
    Ok(HistoryPage {
        layout: layout(&state, &session),
        posts,
        older,
        first_page: query.before.is_none(),
    })
}
