//! The sandbox's fetcher (contract section 14): after a container is made, and once
//! `CAST_SANDBOX_INSTAGRAM_FETCH_DELAY_MS` has passed on the sandbox's clock, it reads
//! `robots.txt`, fetches the video (and cover) like Meta's servers, judges the file with Cast's
//! probe, and records the outcome on the container.
//!
//! A fetch starts lazily, when the container is next looked at (status, publish, the listing)
//! or when `settle` is called, so no timer runs and a moved test clock is all it takes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::State;
use super::answers::What;
use super::download::Download;
use super::judge::{self, Refusal};
use super::robots;
use super::settings::{Answer, Step};
use super::store::containers::{self, Container, Failure};

pub const USER_AGENT: &str =
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";

/// The fetches running now.
pub struct Running {
    ids: Mutex<HashSet<String>>,
    count: watch::Sender<usize>,
}

impl Default for Running {
    fn default() -> Self {
        Self {
            ids: Mutex::default(),
            count: watch::channel(0).0,
        }
    }
}

impl Running {
    fn begin(&self, id: &str) {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
        self.count.send_modify(|n| *n += 1);
    }

    fn end(&self, id: &str) {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        self.count.send_modify(|n| *n = n.saturating_sub(1));
    }

    fn is_running(&self, id: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }
}

/// Ends a fetch's bookkeeping however its task ends (even by panic).
struct Guard(Arc<State>, String);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetches.end(&self.1);
    }
}

/// Starts every due fetch, then waits until none is running.
pub async fn settle(state: &Arc<State>) {
    if let Err(e) = start_due(state).await {
        tracing::warn!(error = %e, "instagram sandbox: cannot list due fetches");
    }
    let mut rx = state.fetches.count.subscribe();
    let _ = rx.wait_for(|n| *n == 0).await;
}

async fn start_due(state: &Arc<State>) -> Result<(), sqlx::Error> {
    let before = state.now_ms() - State::ms(state.settings.fetch_delay);
    for c in containers::due(&state.db, before).await? {
        start(state, &c).await?;
    }
    Ok(())
}

/// Brings a container up to date before anyone reads it: starts its fetch when due, and fails
/// one whose fetch outlived the timeout with no task behind it (lost to a restart).
pub async fn refresh(state: &Arc<State>, c: Container) -> Result<Container, sqlx::Error> {
    let now = state.now_ms();
    match c.fetch_state.as_str() {
        "pending" if now >= c.created_ms + State::ms(state.settings.fetch_delay) => {
            start(state, &c).await?;
        }
        "fetching"
            if !state.fetches.is_running(&c.container_id)
                && c.fetch_started_ms.unwrap_or(now) + State::ms(state.settings.fetch_timeout)
                    <= now =>
        {
            let msg = "It took too long to download the media.";
            containers::set_failed(
                &state.db,
                &c.container_id,
                now,
                None,
                None,
                &Failure {
                    code: -2,
                    subcode: 2207003,
                    message: "The media took too long to download.",
                    user_msg: msg,
                },
            )
            .await?;
        }
        _ => return Ok(c),
    }
    Ok(containers::by_id(&state.db, &c.container_id)
        .await?
        .unwrap_or(c))
}

async fn start(state: &Arc<State>, c: &Container) -> Result<(), sqlx::Error> {
    // The deadline runs from the claim, not from when the task first runs: a test (or a busy
    // machine) may move the clock between the two.
    let started = state.now_ms();
    if !containers::claim_fetch(&state.db, &c.container_id, started).await? {
        return Ok(());
    }
    state.fetches.begin(&c.container_id);
    let guard = Guard(state.clone(), c.container_id.clone());
    let c = c.clone();
    tokio::spawn(async move {
        let state = guard.0.clone();
        run(&state, &c, started).await;
        drop(guard);
    });
    Ok(())
}

async fn run(state: &Arc<State>, c: &Container, started: i64) {
    tracing::info!(container = %c.container_id, "instagram sandbox: fetching the video");
    let outcome = fetch_and_judge(state, c, started).await;
    let now = state.now_ms();
    let written = match &outcome {
        Ok((size, sha, duration)) => {
            containers::set_fetched(&state.db, &c.container_id, now, *size, sha, *duration)
                .await
                .map(|_| true)
        }
        Err((refusal, received)) => {
            let meta = super::errors::GraphError::meta(refusal.code, refusal.subcode);
            containers::set_failed(
                &state.db,
                &c.container_id,
                now,
                received.as_ref().map(|r| r.0),
                received.as_ref().map(|r| r.1.as_str()),
                &Failure {
                    code: refusal.code,
                    subcode: refusal.subcode,
                    message: &meta.message,
                    user_msg: &refusal.user_msg,
                },
            )
            .await
        }
    };
    match (&outcome, written) {
        (Ok(_), Ok(_)) => {
            tracing::info!(container = %c.container_id, "instagram sandbox: video fetched and accepted")
        }
        (Err((r, _)), Ok(_)) => {
            tracing::info!(container = %c.container_id, code = r.code, subcode = r.subcode, reason = %r.user_msg, "instagram sandbox: container failed")
        }
        (_, Err(e)) => {
            tracing::error!(container = %c.container_id, error = %e, "instagram sandbox: cannot record the fetch")
        }
    }
}

type Outcome = Result<(i64, String, i64), (Refusal, Option<(i64, String)>)>;

async fn fetch_and_judge(state: &Arc<State>, c: &Container, started: i64) -> Outcome {
    let deadline = started + State::ms(state.settings.fetch_timeout);
    let fault = match state.faults.take(Step::Fetch) {
        Some(Answer::Link(f)) => Some(f),
        _ => None,
    };
    robots_allow(state, &c.video_url)
        .await
        .map_err(|r| (r, None))?;
    let video_path = state.files_dir.join(format!("{}.video", c.container_id));
    let video = Download {
        state,
        container_id: &c.container_id,
        url: &c.video_url,
        what: What::Video,
        fault,
        deadline_ms: deadline,
        dest: &video_path,
    }
    .run()
    .await
    .map_err(|r| (r, None))?;
    let received = Some((
        i64::try_from(video.size).unwrap_or(i64::MAX),
        video.sha256.clone(),
    ));
    if let Some(cover_url) = &c.cover_url {
        fetch_cover(state, c, cover_url, deadline)
            .await
            .map_err(|r| (r, received.clone()))?;
    }
    // With a cover, Meta ignores thumb_offset (section 4).
    let thumb = if c.cover_url.is_some() {
        None
    } else {
        c.thumb_offset
    };
    let path = video_path.clone();
    let duration = tokio::task::spawn_blocking(move || judge::video(&path, thumb))
        .await
        .map_err(|e| {
            (
                Refusal::new(
                    -1,
                    2207053,
                    format!("There was an unknown error checking the media ({e})."),
                ),
                received.clone(),
            )
        })?
        .map_err(|r| (r, received.clone()))?;
    Ok((
        i64::try_from(video.size).unwrap_or(i64::MAX),
        video.sha256,
        duration,
    ))
}

/// The cover (`cover_url`): a plain fetch of a JPEG of at most 8 MiB.
async fn fetch_cover(
    state: &State,
    c: &Container,
    url: &str,
    deadline_ms: i64,
) -> Result<(), Refusal> {
    let dest = state
        .files_dir
        .join(format!("{}.cover.jpg", c.container_id));
    let cover = Download {
        state,
        container_id: &c.container_id,
        url,
        what: What::Cover,
        fault: None,
        deadline_ms,
        dest: &dest,
    }
    .run()
    .await?;
    judge::cover(&cover.head, cover.size)
}

/// Meta's crawler honours robots.txt ("Restricted by robots.txt"); a missing one allows all.
async fn robots_allow(state: &State, url: &str) -> Result<(), Refusal> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Err(Refusal::new(
            9004,
            2207052,
            format!("The media could not be fetched from this URI: {url}."),
        ));
    };
    let robots_url = format!("{}/robots.txt", parsed.origin().ascii_serialization());
    let res = state
        .http
        .get(&robots_url)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await;
    let text = match res {
        Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
        _ => return Ok(()),
    };
    if robots::allowed(&text, parsed.path()) {
        Ok(())
    } else {
        Err(Refusal::new(
            9004,
            2207052,
            format!(
                "The media could not be fetched from this URI: {url}. Restricted by robots.txt: {robots_url} disallows {} for {}.",
                parsed.path(),
                robots::AGENT
            ),
        ))
    }
}
