//! What the sandbox is doing right now, in memory: media checks running and chunks being
//! written. Nothing here outlives the process; a restart starts a check again.

use std::collections::HashSet;
use std::sync::Mutex;

/// The publishes whose check is running now, so a status poll does not start a second one;
/// their number is watched, so a test can wait for the checks to end instead of sleeping.
pub struct Checks {
    ids: Mutex<HashSet<String>>,
    running: tokio::sync::watch::Sender<usize>,
}

impl Default for Checks {
    fn default() -> Self {
        Self {
            ids: Mutex::default(),
            running: tokio::sync::watch::channel(0).0,
        }
    }
}

impl Checks {
    pub(super) fn claim(&self, publish_id: &str) -> bool {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = ids.insert(publish_id.to_string());
        self.running.send_replace(ids.len());
        fresh
    }

    /// Called once the check's verdict is recorded.
    pub(super) fn release(&self, publish_id: &str) {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.remove(publish_id);
        self.running.send_replace(ids.len());
    }

    /// Returns once no check is running (at once when none is).
    pub(super) async fn settled(&self) {
        let mut rx = self.running.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

/// Uploads with a chunk being written now: chunks go one after another, never side by side.
#[derive(Default)]
pub struct Busy(Mutex<HashSet<String>>);

pub(super) struct BusyGuard<'a> {
    busy: &'a Busy,
    id: String,
}

impl Busy {
    pub(super) fn claim(&self, id: &str) -> Option<BusyGuard<'_>> {
        let fresh = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
        fresh.then(|| BusyGuard {
            busy: self,
            id: id.to_string(),
        })
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.busy
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}
