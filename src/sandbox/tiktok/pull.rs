//! PULL_FROM_URL, as TikTok does it (contract §15.1, §12 "Pulls and photos"): the sandbox
//! fetches the `video_url` itself over real HTTP, follows no redirect, gives up after
//! `CAST_SANDBOX_PULL_TIMEOUT_SECS`, reports `downloaded_bytes` meanwhile, and then checks what
//! it got exactly as it checks an upload. A pull that fails ends in `FAILED` with
//! `video_pull_failed`.

use std::time::Duration;

use actix_web::web;
use futures_util::StreamExt as _;
use tokio::io::AsyncWriteExt as _;

use super::SandboxState;
use super::processing;
use super::store::publishes;

/// What a fetcher announces itself as.
const USER_AGENT: &str = "TikTok-Sandbox-Pull";

#[derive(Debug, thiserror::Error)]
enum PullError {
    #[error("the link answered HTTP {0}")]
    Status(u16),
    #[error("the link did not answer with a video (Content-Type {0})")]
    NotVideo(String),
    #[error("the download did not finish within {0} s")]
    TooSlow(u64),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Starts fetching `url` for `publish_id` in the background. The fetch counts as a running
/// check, so a test waits for it as for a media check, without sleeping.
pub fn start(state: &web::Data<SandboxState>, publish_id: &str, url: &str) {
    if !state.checks.claim(publish_id) {
        return;
    }
    let state = state.clone();
    let publish_id = publish_id.to_string();
    let url = url.to_string();
    tokio::spawn(async move {
        let timeout = state.settings.pull_timeout;
        let outcome = tokio::time::timeout(timeout, fetch(&state, &publish_id, &url)).await;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some(PullError::TooSlow(timeout.as_secs())),
        };
        if let Some(e) = failure {
            tracing::info!(%publish_id, error = %e, "sandbox: the pull failed");
            let now = state.now_ms();
            if let Err(e) =
                publishes::pull_failed(&state.db, &publish_id, "video_pull_failed", now).await
            {
                tracing::error!(%publish_id, error = %e, "sandbox: cannot record the failed pull");
            }
        }
        state.checks.release(&publish_id);
        // With the bytes in, the media check runs as after an upload's last chunk.
        match publishes::by_id(&state.db, &publish_id).await {
            Ok(Some(p)) if p.state == publishes::PROCESSING => processing::schedule(&state, &p),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(%publish_id, error = %e, "sandbox: cannot read the pulled publish")
            }
        }
    });
}

async fn fetch(state: &SandboxState, publish_id: &str, url: &str) -> Result<(), PullError> {
    let Some(publish) = publishes::by_id(&state.db, publish_id).await? else {
        return Ok(());
    };
    let client = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        // TikTok follows no redirect: a 3xx is a failed pull (§15.1).
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let res = client.get(url).send().await?;
    let status = res.status().as_u16();
    if status != 200 {
        return Err(PullError::Status(status));
    }
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !content_type.starts_with("video/") {
        return Err(PullError::NotVideo(content_type));
    }
    let path = processing::video_path(state, &publish.upload_id);
    tokio::fs::create_dir_all(&state.files_dir).await?;
    let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(&path).await?);
    let mut stream = res.bytes_stream();
    let mut received: u64 = 0;
    let mut reported: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        file.write_all(&chunk).await?;
        received += chunk.len() as u64;
        // `downloaded_bytes` moves about every 8 MB, not on every network read.
        if received - reported >= 8 << 20 {
            publishes::pulling(&state.db, publish_id, received).await?;
            reported = received;
        }
    }
    file.flush().await?;
    file.get_ref().sync_all().await?;
    publishes::pulled(
        &state.db,
        publish_id,
        received,
        &content_type,
        state.now_ms(),
    )
    .await?;
    tracing::info!(%publish_id, bytes = received, "sandbox: pulled the video");
    Ok(())
}
