//! Where passwords are checked: a few threads of Cast's own, never more checks at once.
//!
//! Each argon2 check takes about 19 MiB for tens of milliseconds. Run on a general blocking pool
//! with no bound, 150 parallel guesses took 2.7 GB; here at most `SLOTS` run, each on one of
//! `SLOTS` long-lived threads, each reusing one block of argon2 memory, so what checks need is
//! fixed: `SLOTS` × 19 MiB, however many come. A try that finds every slot taken is refused at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::password;

/// Password checks that may run at once.
pub const SLOTS: usize = 2;

struct Job {
    candidate: String,
    phc: String,
    reply: oneshot::Sender<bool>,
    /// Held until the check is done, even when the request that asked has gone: a client that
    /// hangs up cannot make room for more checks than there are threads.
    _permit: OwnedSemaphorePermit,
}

#[derive(Debug, Default)]
struct Counters {
    running: AtomicUsize,
    peak: AtomicUsize,
}

pub struct PasswordChecker {
    slots: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    counters: Arc<Counters>,
}

/// A reserved slot: the check it runs starts at once.
pub struct Slot<'a> {
    checker: &'a PasswordChecker,
    permit: OwnedSemaphorePermit,
}

impl PasswordChecker {
    pub fn new() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let counters = Arc::new(Counters::default());
        for i in 0..SLOTS {
            let queue = queue.clone();
            let counters = counters.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("cast-password-{i}"))
                .spawn(move || work(&queue, &counters));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-checking thread");
            }
        }
        Self {
            slots: Arc::new(Semaphore::new(SLOTS)),
            jobs,
            counters,
        }
    }

    /// A free slot, or `None` when `SLOTS` checks are already running.
    pub fn try_reserve(&self) -> Option<Slot<'_>> {
        let permit = self.slots.clone().try_acquire_owned().ok()?;
        Some(Slot {
            checker: self,
            permit,
        })
    }

    /// The most checks that ever ran at the same moment (for tests and the benchmark).
    pub fn peak_running(&self) -> usize {
        self.counters.peak.load(Ordering::SeqCst)
    }
}

impl Default for PasswordChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Slot<'_> {
    /// True when `candidate` matches the stored hash `phc`.
    pub async fn verify(self, candidate: String, phc: String) -> bool {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            candidate,
            phc,
            reply,
            _permit: self.permit,
        };
        if self.checker.jobs.send(job).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

fn work(queue: &Mutex<mpsc::Receiver<Job>>, counters: &Counters) {
    // This thread's argon2 memory, reused by every check it runs.
    let mut memory = Vec::new();
    loop {
        // The lock is held only while waiting for the next job, never while hashing.
        let job = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else {
            // Every sender is gone: the app stopped.
            return;
        };
        let running = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak.fetch_max(running, Ordering::SeqCst);
        let ok = password::verify_in(&mut memory, &job.candidate, &job.phc);
        counters.running.fetch_sub(1, Ordering::SeqCst);
        let _ = job.reply.send(ok);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_more_than_the_slots_are_handed_out() {
        let checker = PasswordChecker::new();
        let held: Vec<_> = (0..SLOTS).map(|_| checker.try_reserve()).collect();
        assert!(held.iter().all(Option::is_some));
        assert!(checker.try_reserve().is_none(), "every slot is taken");
        drop(held);
        let pw = password::NewPassword::parse("correct horse").expect("valid");
        let phc = password::hash(&pw).expect("hash");
        let slot = checker.try_reserve().expect("free again");
        assert!(slot.verify("correct horse".into(), phc.clone()).await);
        let slot = checker.try_reserve().expect("free again");
        assert!(!slot.verify("wrong horse".into(), phc).await);
        assert!(checker.peak_running() <= SLOTS);
    }
}
