//! What the sandbox is doing right now, in memory: media checks running and chunks being
//! written. Nothing here outlives the process; a restart starts a check again.

use std::collections::HashSet;
use std::sync::Mutex;

/// The publishes whose check is running now, so a status poll does not start a second one.
#[derive(Default)]
pub struct Checks(Mutex<HashSet<String>>);

impl Checks {
    pub(super) fn claim(&self, publish_id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(publish_id.to_string())
    }
    pub(super) fn release(&self, publish_id: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(publish_id);
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
