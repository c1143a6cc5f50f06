//! Counting the bytes a link actually sent. The count lives in memory while the body streams,
//! so a reader sees the true figure even before the request has finished, and is written to the
//! fetch's row when the body is done or dropped (a fetcher that hangs up mid-file).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use sqlx::SqlitePool;

use super::store;

/// The counters of fetches still streaming, by fetch row id.
#[derive(Default)]
pub struct Meters(Mutex<HashMap<i64, Arc<AtomicU64>>>);

impl Meters {
    fn register(&self, fetch_id: i64) -> Arc<AtomicU64> {
        let counter = Arc::new(AtomicU64::new(0));
        self.lock().insert(fetch_id, counter.clone());
        counter
    }

    /// Every streaming fetch's count at this instant. Take it *before* reading the rows: a
    /// meter leaves this map only after its row holds the final count, so a count is either
    /// here or already in the row read afterwards.
    pub fn snapshot(&self) -> HashMap<i64, u64> {
        self.lock()
            .iter()
            .map(|(id, c)| (*id, c.load(Ordering::SeqCst)))
            .collect()
    }

    fn forget(&self, fetch_id: i64) {
        self.lock().remove(&fetch_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<AtomicU64>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One fetch's counter; writes the final count to the database when dropped.
pub struct Meter {
    fetch_id: i64,
    sent: Arc<AtomicU64>,
    meters: Arc<Meters>,
    db: SqlitePool,
}

impl Meter {
    pub fn start(fetch_id: i64, meters: Arc<Meters>, db: SqlitePool) -> Self {
        let sent = meters.register(fetch_id);
        Self {
            fetch_id,
            sent,
            meters,
            db,
        }
    }

    fn add(&self, n: usize) {
        self.sent.fetch_add(n as u64, Ordering::SeqCst);
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        let (id, sent) = (self.fetch_id, self.sent.load(Ordering::SeqCst));
        let (db, meters) = (self.db.clone(), self.meters.clone());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Shutting down: the row keeps 0, which is what was confirmed.
            meters.forget(id);
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = store::set_fetch_bytes(&db, id, sent).await {
                tracing::warn!(fetch = id, error = %e, "could not record the bytes a link sent");
            }
            // Only now, so a reader never sees the count fall back to the row's 0.
            meters.forget(id);
        });
    }
}

/// A body stream that counts what it hands on.
pub struct Metered<S> {
    inner: S,
    meter: Meter,
}

impl<S> Metered<S> {
    pub fn new(inner: S, meter: Meter) -> Self {
        Self { inner, meter }
    }
}

impl<S> Stream for Metered<S>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            self.meter.add(chunk.len());
        }
        polled
    }
}
