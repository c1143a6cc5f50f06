//! `POST /api/posts` relayed while its body arrives. A script that sends `targets` and
//! `video_size` (the video's exact length in bytes) before its `video` part has the post accepted
//! as the video begins, and each target starts at its platform while the body still arrives. The
//! part is written into a tus upload of the declared size (`posts::api_arrival`), so the check at
//! its end, the relay and the abandon path are the browser upload's.

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use futures_util::TryStreamExt as _;

use super::multipart::rejection;
use crate::posts::{PostError, PostRequest, PostView, Posts, TargetProblem};
use crate::tus::TusError;
use crate::web::error::AppError;
use crate::web::state::AppState;

/// A form worth relaying: it names its targets and the video's length before the video, and
/// is not a browser upload's post.
pub(super) fn wants_relay(fields: &[(String, String)]) -> bool {
    let has = |n: &str| fields.iter().any(|(k, _)| k == n);
    has("targets") && has("video_size") && !has("upload_id")
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn declared_size(fields: &[(String, String)]) -> Result<u64, TargetProblem> {
    let raw = field(fields, "video_size").unwrap_or_default().trim();
    raw.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        let shown: String = raw.chars().take(24).collect();
        TargetProblem::post(
            "invalid_video_size",
            format!(
                "video_size must be the video's exact length in bytes, a whole number above 0, not '{shown}'. Leave it out to have Cast read the whole video first."
            ),
        )
    })
}

/// The tus upload's metadata: the part's name and type.
fn metadata(video: &Field) -> String {
    let name = video
        .content_disposition()
        .and_then(|d| d.get_filename())
        .unwrap_or("video.mp4")
        .to_string();
    let mime = video
        .content_type()
        .map(|m| m.essence_str().to_string())
        .unwrap_or_else(|| "video/mp4".into());
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!("filename {},filetype {}", b64(&name), b64(&mime))
}

fn answer(status: StatusCode, view: &PostView) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "post": view }))
}

/// Accepts the post as its video begins, then writes the part into its upload while the
/// targets send what has arrived. Answers once the body has ended: 202 with the post, or 422
/// when the video part did not match `video_size` (the post is then failed, nothing posted).
pub(super) async fn relay_create(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut Multipart,
    fields: Vec<(String, String)>,
    video: Field,
    key: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut problems = Vec::new();
    let size = declared_size(&fields).map_err(|p| problems.push(p)).ok();
    let targets = crate::posts::parse_targets(field(&fields, "targets").unwrap_or_default())
        .unwrap_or_else(|p| {
            problems.extend(p);
            Vec::new()
        });
    let Some(size) = size.filter(|_| problems.is_empty()) else {
        return Ok(rejection(req, &problems, true));
    };
    let upload = match state
        .tus
        .create(Some(&size.to_string()), Some(&metadata(&video)))
        .await
    {
        Ok(u) => u,
        Err(e) => {
            let refused = TargetProblem::post("video_refused", e.to_string());
            return Ok(rejection(req, &[refused], false));
        }
    };
    let request = PostRequest {
        targets,
        publish_at: field(&fields, "publish_at").map(str::to_string),
    };
    // Dropped with this future when the connection dies hard or Cast stops: the post is settled
    // from what arrived rather than left waiting for a body that cannot come. Armed before the
    // post is stored, so no moment is left uncovered (with no post, it has nothing to do).
    let guard = Receiving::new(&state.posts, &upload.id);
    let admitted = state
        .posts
        .submit_arriving(&upload.id, &request, key.as_deref())
        .await;
    let view = match admitted {
        Ok((view, true)) => view,
        // The same key's post, made meanwhile by a request that raced this one.
        Ok((view, false)) => {
            guard.done();
            unused(state, &upload.id).await;
            return Ok(answer(StatusCode::OK, &view));
        }
        Err(PostError::Rejected(problems)) => {
            guard.done();
            unused(state, &upload.id).await;
            return Ok(rejection(req, &problems, true));
        }
        Err(e) => {
            guard.done();
            // The post may have been stored before the error: it is failed, not left waiting.
            abandon(state, &upload.id).await;
            return Err(e.into());
        }
    };
    let ended = receive(state, &upload.id, video, size).await;
    guard.done();
    // Settled in a task of its own, so a connection dying now cannot stop a check half-way;
    // and before the parts after the video are read, so a slow end of the body holds up nothing.
    let settling = actix_web::rt::spawn(settle(
        state.posts.clone(),
        upload.id.clone(),
        view.id.clone(),
        ended,
    ));
    // Parts after the video are not read for a relayed post: the post was made before them.
    while let Ok(Some(mut rest)) = payload.try_next().await {
        while let Ok(Some(_)) = rest.try_next().await {}
    }
    let refusal = settling.await.map_err(|e| {
        tracing::warn!(error = %e, "the relayed video's settling task ended early");
        AppError::from(PostError::Probe(
            "Cast could not finish checking the video.".into(),
        ))
    })?;
    let view = state.posts.get(&view.id).await?;
    match refusal {
        None => Ok(answer(StatusCode::ACCEPTED, &view)),
        Some(problem) => Ok(rejection(req, &[problem], false)),
    }
}

/// Settles the post once its body has ended: `None` when it goes on (its video checked or being
/// checked), or the problem to answer with when it failed (its key then freed).
async fn settle(
    posts: Posts,
    upload_id: String,
    post_id: String,
    ended: Result<(), String>,
) -> Option<TargetProblem> {
    let settled = match &ended {
        Ok(()) => posts.upload_finished(&upload_id).await.map(|()| true),
        Err(why) => posts.arriving_cut(&upload_id, why).await,
    };
    match (&ended, &settled) {
        // The body was wrong and the post failed with it.
        (Err(why), Ok(true)) => return Some(TargetProblem::post("video_cut", why.clone())),
        // Its check had begun: every declared byte was in, and the post goes on.
        (Err(_), Ok(false)) => {
            tracing::info!(upload_id, "the body ended wrong after its whole video");
        }
        // The body was wrong whatever became of the post: the script is told so.
        (Err(why), Err(e)) => {
            tracing::warn!(upload_id, error = %e, "could not fail the post of a cut body");
            return Some(TargetProblem::post("video_cut", why.clone()));
        }
        (Ok(()), Err(e)) => {
            tracing::warn!(upload_id, error = %e, "could not check the relayed video yet");
        }
        (Ok(()), Ok(_)) => {}
    }
    match posts.arrival_refused(&post_id).await {
        Ok(Some(reason)) => Some(TargetProblem::post("video_refused", reason)),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(post_id, error = %e, "could not read the relayed video's check");
            None
        }
    }
}

/// The post of a body being received; settled in the background if its handler is dropped.
struct Receiving {
    posts: Option<Posts>,
    upload_id: String,
}

impl Receiving {
    fn new(posts: &Posts, upload_id: &str) -> Self {
        Self {
            posts: Some(posts.clone()),
            upload_id: upload_id.to_string(),
        }
    }

    /// The handler settled the post itself.
    fn done(mut self) {
        self.posts = None;
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        let Some(posts) = self.posts.take() else {
            return;
        };
        let upload_id = std::mem::take(&mut self.upload_id);
        // With no runtime left (Cast is stopping), the next start fails the post instead.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = posts.arrival_abandoned(&upload_id).await {
                    tracing::warn!(upload_id, error = %e, "could not settle a broken-off body");
                }
            });
        }
    }
}

/// Fails the post of the upload, if one was stored, and lets go of the upload.
async fn abandon(state: &AppState, upload_id: &str) {
    let why = "Cast could not accept the post as its video began.";
    if let Err(e) = state.posts.arriving_cut(upload_id, why).await {
        tracing::warn!(upload_id, error = %e, "could not fail the post of an unused upload");
    }
    unused(state, upload_id).await;
}

async fn unused(state: &AppState, upload_id: &str) {
    if let Err(e) = state.tus.remove(upload_id).await
        && !matches!(e, TusError::NotFound)
    {
        tracing::warn!(upload_id, error = %e, "could not delete an unused upload");
    }
}

/// The part, written into the upload as it arrives; `Err` says how it ended wrong.
async fn receive(state: &AppState, upload_id: &str, video: Field, size: u64) -> Result<(), String> {
    if let Err(e) = state.posts.upload_progressed(upload_id).await {
        tracing::warn!(error = %e, "could not wake the targets relaying this upload");
    }
    let body = Box::pin(
        video.map_err(|e| TusError::BadRequest(format!("the request could not be read: {e}"))),
    );
    let appended = state.tus.append(upload_id, 0, body).await;
    if let Err(e) = state.posts.upload_progressed(upload_id).await {
        tracing::warn!(error = %e, "could not wake the targets relaying this upload");
    }
    match appended {
        Ok(u) if u.completed_at.is_some() => Ok(()),
        Ok(u) => Err(format!(
            "The video part ended after {} bytes, but video_size said {size}.",
            u.received
        )),
        Err(TusError::PastLength) => Err(format!(
            "The video part is longer than the {size} bytes video_size announced."
        )),
        Err(e) => {
            let got = state.tus.get(upload_id).await.map_or(0, |u| u.received);
            Err(format!(
                "The request was cut off after {got} of the video's {size} bytes ({e})."
            ))
        }
    }
}
