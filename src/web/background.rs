//! The tasks that run beside the server: how each says why it ended, the stop signal, and the
//! periodic housekeeping.

use std::time::Duration;

use crate::posts::Posts;
use crate::session_store::SqliteSessionStore;
use crate::tus::BrowserUploads;

/// A background task that says why it ended (they loop for ever, so ending at all is news).
pub(super) async fn named(
    name: &'static str,
    task: impl std::future::Future<Output = ()>,
) -> &'static str {
    task.await;
    tracing::error!(task = name, "a background task ended");
    name
}

/// SIGTERM (systemd's stop) or SIGINT (Ctrl-C).
pub(super) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    return std::future::pending().await;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Every ten minutes: forget expired sessions, delete abandoned browser uploads, and delete
/// videos kept past their retention.
pub(super) async fn housekeeping(tus: BrowserUploads, store: SqliteSessionStore, posts: Posts) {
    // The first pass waits a full period: nothing has had time to expire right after start-up.
    let period = Duration::from_secs(600);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        match tus.delete_expired().await {
            Ok(n) if n > 0 => tracing::info!(uploads = n, "abandoned browser uploads deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete abandoned browser uploads"),
        }
        match store.purge_expired().await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
        posts.delete_expired_spools().await;
        if let Err(e) = posts.resume_checks().await {
            tracing::warn!(error = %e, "could not resume the video checks of posts made early");
        }
    }
}
