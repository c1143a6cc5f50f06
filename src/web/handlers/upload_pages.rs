//! An upload's status page (polled by HTMX until a final state) and the History page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template as _;
use serde::Deserialize;

use crate::uploads::{Action, JobState, UploadView};
use crate::web::error::AppError;
use crate::web::handlers::{layout, see_other};
use crate::web::middleware::is_htmx;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::{HistoryPage, UploadCard, UploadPage, UploadStatusPartial};

/// HTMX stops polling when a poll answers 286 (its documented stop signal).
const STOP_POLLING: u16 = 286;
const PAGE_SIZE: u32 = 20;

async fn card(state: &AppState, view: UploadView) -> UploadCard {
    let account = state.accounts.find(&view.open_id).await.ok().flatten();
    let username = account
        .as_ref()
        .map(|a| a.username.clone())
        .unwrap_or_default();
    let handle = account
        .as_ref()
        .map(|a| a.handle())
        .unwrap_or_else(|| view.open_id.clone());
    UploadCard::new(view, handle, username, state.config.tiktok.is_emulated())
}

pub async fn upload_show(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<UploadPage, AppError> {
    let view = state.uploads.get(&path.into_inner()).await?;
    Ok(UploadPage {
        layout: layout(&state, &session),
        card: card(&state, view).await,
        csrf: session.csrf_token(),
    })
}

/// The status fragment the page polls.
pub async fn upload_status_show(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.uploads.get(&path.into_inner()).await?;
    status_fragment(&state, &session, view).await
}

async fn status_fragment(
    state: &AppState,
    session: &TypedSession,
    view: UploadView,
) -> Result<HttpResponse, AppError> {
    let card = card(state, view).await;
    let status = if card.poll_every().is_none() {
        StatusCode::from_u16(STOP_POLLING).unwrap_or(StatusCode::OK)
    } else {
        StatusCode::OK
    };
    let html = UploadStatusPartial {
        card: &card,
        csrf: &session.csrf_token(),
    }
    .render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Retry and Cancel answer the fragment to HTMX, and Post/Redirect/Get to a plain form.
async fn after_action(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    view: UploadView,
) -> Result<HttpResponse, AppError> {
    if is_htmx(req) {
        let mut res = status_fragment(state, session, view).await?;
        // A just-retried job is active again: answer 200 so polling resumes.
        *res.status_mut() = StatusCode::OK;
        return Ok(res);
    }
    Ok(see_other(&format!("/uploads/{}", view.id)))
}

/// Retry, Check again, or (with the form's `resend=1`, behind its own button) Send again.
pub async fn upload_retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let resend = url::form_urlencoded::parse(&body).any(|(k, v)| k == "resend" && v == "1");
    let view = state.uploads.retry(&path.into_inner(), resend).await?;
    after_action(&req, &state, &session, view).await
}

pub async fn upload_cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = state.uploads.cancel(&path.into_inner()).await?;
    after_action(&req, &state, &session, view).await
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
    // One more than a page tells whether an older page exists.
    let mut views = state
        .uploads
        .list(PAGE_SIZE + 1, query.before.as_deref())
        .await?;
    let older = if views.len() > PAGE_SIZE as usize {
        views.truncate(PAGE_SIZE as usize);
        views.last().map(|v| v.id.clone())
    } else {
        None
    };
    let mut cards = Vec::with_capacity(views.len());
    for v in views {
        cards.push(card(&state, v).await);
    }
    Ok(HistoryPage {
        layout: layout(&state, &session),
        cards,
        older,
        first_page: query.before.is_none(),
    })
}

impl UploadCard {
    pub fn new(view: UploadView, handle: String, username: String, sandbox: bool) -> Self {
        let percent = view
            .bytes_sent
            .saturating_mul(100)
            .checked_div(view.size)
            .unwrap_or(0)
            .min(100);
        let post_url = post_url(&view, &username, sandbox);
        let can = |a: Action| view.actions.contains(&a);
        Self {
            is_final: view.state.is_final(),
            can_retry: can(Action::Retry),
            can_check_again: can(Action::CheckAgain),
            can_send_again: can(Action::SendAgain),
            can_cancel: can(Action::Cancel),
            percent,
            post_url,
            handle,
            view,
        }
    }

    /// The step the upload is at, in words.
    pub fn headline(&self) -> String {
        match self.view.state {
            JobState::Scheduled => "Scheduled".into(),
            JobState::Queued => "Waiting to start".into(),
            JobState::Uploading => format!("Uploading to TikTok {}%", self.percent),
            JobState::Processing => {
                "TikTok is processing the video (this can take a few minutes)".into()
            }
            JobState::Published if self.view.awaiting_link => {
                "Published; TikTok has not given the link yet".into()
            }
            JobState::Published => "Published".into(),
            JobState::InInbox => "In your TikTok inbox".into(),
            JobState::Failed => "Failed".into(),
            JobState::Cancelled => "Cancelled".into(),
        }
    }

    /// 0 waiting, 1 uploading, 2 processing, 3 done: for the step list.
    pub fn step(&self) -> u8 {
        match self.view.state {
            JobState::Scheduled | JobState::Queued | JobState::Cancelled => 0,
            JobState::Uploading => 1,
            JobState::Processing => 2,
            JobState::Published | JobState::InInbox | JobState::Failed => 3,
        }
    }

    /// Whether the page keeps asking for news: while the job moves, and (slowly) while a
    /// published post's link is awaited.
    pub fn poll_every(&self) -> Option<&'static str> {
        if !self.is_final {
            Some("every 2s")
        } else if self.view.awaiting_link {
            Some("every 30s")
        } else {
            None
        }
    }
}

/// The post's link: the video once TikTok gave its id, else the creator's profile (a post
/// without an id, a private one, or one whose id TikTok never gave).
fn post_url(view: &UploadView, username: &str, sandbox: bool) -> Option<String> {
    if !matches!(view.state, JobState::Published) {
        return None;
    }
    if sandbox {
        return Some("/sandbox/tiktok/_/".to_string());
    }
    Some(match view.post_ids.first() {
        // Ids are digit strings (`tiktok::post_id`), safe in a path.
        Some(id) => format!("https://www.tiktok.com/@{username}/video/{id}"),
        None => format!("https://www.tiktok.com/@{username}"),
    })
}
