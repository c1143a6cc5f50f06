//! A request body that must keep coming: at least `MIN_BYTES` in every period, or it is cut off.
//!
//! A per-read idle timeout alone lets a client hold a connection forever by sending one byte
//! just inside each timeout; counting bytes per period catches that trickle too. 32 KiB per
//! 20 s (the default period) is 1.6 KB/s, far below the slowest phone upload worth waiting for.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

pub const MIN_BYTES: u64 = 32 * 1024;

/// The body stopped (or crawled) for a whole period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the upload was too slow: less than 32 KiB arrived in {} seconds, so Cast closed the connection. Check the connection and try again; what arrived is kept",
    .0.as_secs()
)]
pub struct Stalled(pub Duration);

/// What a guarded body yields on failure: the stall, or the underlying stream's own error.
#[derive(Debug)]
pub enum BodyError<E> {
    Stalled(Stalled),
    Read(E),
}

impl<E: std::fmt::Display> std::fmt::Display for BodyError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stalled(s) => s.fmt(f),
            Self::Read(e) => e.fmt(f),
        }
    }
}

pub struct SlowBodyGuard<S> {
    inner: S,
    period: Duration,
    window_bytes: u64,
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

impl<S> SlowBodyGuard<S> {
    pub fn new(inner: S, period: Duration) -> Self {
        let deadline = Instant::now() + period;
        Self {
            inner,
            period,
            window_bytes: 0,
            deadline,
            timer: Box::pin(tokio::time::sleep_until(deadline)),
            done: false,
        }
    }
}

impl<S, E> Stream for SlowBodyGuard<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, BodyError<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            if Instant::now() >= this.deadline {
                if this.window_bytes < MIN_BYTES {
                    this.done = true;
                    return Poll::Ready(Some(Err(BodyError::Stalled(Stalled(this.period)))));
                }
                this.window_bytes = 0;
                this.deadline = Instant::now() + this.period;
                this.timer.as_mut().reset(this.deadline);
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    this.window_bytes += bytes.len() as u64;
                    return Poll::Ready(Some(Ok(bytes)));
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(BodyError::Read(e)))),
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            match this.timer.as_mut().poll(cx) {
                // The period ended while waiting: judge it at the top of the loop.
                Poll::Ready(()) => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_off_after_one_period() {
        // One byte every two seconds, forever.
        let trickle = Box::pin(futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), ()))
        }));
        let mut body = SlowBodyGuard::new(trickle, Duration::from_secs(20));
        let started = Instant::now();
        let mut got = 0;
        let end = loop {
            match body.next().await {
                Some(Ok(b)) => got += b.len(),
                other => break other,
            }
        };
        assert!(matches!(end, Some(Err(BodyError::Stalled(_)))));
        assert!(got <= 10, "{got} bytes before the cut");
        assert!(started.elapsed() <= Duration::from_secs(21));
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_goes_through() {
        let chunks =
            Box::pin(futures_util::stream::iter((0..100).map(|_| {
                Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 64 * 1024]))
            })));
        let body = SlowBodyGuard::new(chunks, Duration::from_secs(20));
        let all: Vec<_> = body.collect().await;
        assert_eq!(all.len(), 100);
        assert!(all.iter().all(Result::is_ok));
    }
}
