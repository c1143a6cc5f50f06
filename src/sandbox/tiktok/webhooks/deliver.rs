//! Sends due deliveries over real HTTP, one after another in queue order, and retries those not
//! answered 200 with exponential backoff for `CAST_SANDBOX_WEBHOOK_RETRY_SECS`, each retry with
//! its first signature: the same `t`, the harder case (contract §12, §13 point 21).

use super::super::SandboxState;
use super::sender::Sender;
use super::{sign, store};

/// Deliveries sent per step; the rest wait for the next.
const BATCH: i64 = 100;
/// The first retry waits this long, doubling up to `BACKOFF_CAP`.
const BACKOFF_FIRST_MS: i64 = 1_000;
const BACKOFF_CAP_MS: i64 = 5 * 60 * 1_000;

/// How one attempt ended.
enum Answer {
    Status(u16),
    NoAnswer(String),
}

/// Sends every delivery due now; returns how many attempts were made.
pub async fn due(state: &SandboxState, sender: &Sender, url: &str) -> Result<usize, sqlx::Error> {
    let now = state.now_ms();
    let due = store::due(&state.db, now, BATCH).await?;
    let mut made = 0;
    for d in due {
        let signature = d.signature.clone().unwrap_or_else(|| {
            let secret = sender.signing_secret();
            sign::signature(&secret, now.div_euclid(1000), &d.body)
        });
        let attempt = d.attempts.saturating_add(1);
        let answer = post(sender, url, &signature, &d.body).await;
        let (answered, error) = match &answer {
            Answer::Status(s) => (Some(*s), None),
            Answer::NoAnswer(e) => (None, Some(e.as_str())),
        };
        let (state_after, next) = if answered == Some(200) {
            ("delivered", None)
        } else {
            let deadline = d.first_due_ms.saturating_add(
                i64::try_from(sender.settings.retry_for.as_millis()).unwrap_or(i64::MAX / 2),
            );
            match retry_at(now, attempt, deadline) {
                Some(at) => ("pending", Some(at)),
                None => ("given_up", None),
            }
        };
        tracing::info!(
            event = %d.event,
            attempt,
            answered = ?answered,
            state = state_after,
            "sandbox: webhook sent"
        );
        store::record_attempt(
            &state.db,
            &store::Attempt {
                delivery_id: d.id,
                attempt,
                signature: &signature,
                answered,
                error,
                sent_ms: now,
            },
            state_after,
            next,
        )
        .await?;
        made += 1;
    }
    Ok(made)
}

async fn post(sender: &Sender, url: &str, signature: &str, body: &str) -> Answer {
    let sent = sender
        .http
        .post(url)
        .header("Content-Type", "application/json")
        .header(sign::HEADER, signature)
        .body(body.to_string())
        .send()
        .await;
    match sent {
        Ok(res) => Answer::Status(res.status().as_u16()),
        Err(e) => Answer::NoAnswer(if e.is_timeout() {
            "no answer in time".into()
        } else if e.is_connect() {
            "cannot connect".into()
        } else {
            "the request failed".into()
        }),
    }
}

/// When to retry after `attempt` failed ones, or `None` once `deadline` has passed; the last
/// retry lands on the deadline.
fn retry_at(now: i64, attempt: i64, deadline: i64) -> Option<i64> {
    if now >= deadline {
        return None;
    }
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = BACKOFF_FIRST_MS
        .saturating_mul(1_i64 << doublings)
        .min(BACKOFF_CAP_MS);
    Some(now.saturating_add(wait).min(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_a_second_doubling_to_five_minutes_until_the_deadline() {
        assert_eq!(retry_at(0, 1, 600_000), Some(1_000));
        assert_eq!(retry_at(0, 2, 600_000), Some(2_000));
        assert_eq!(retry_at(0, 4, 600_000), Some(8_000));
        assert_eq!(retry_at(0, 30, 600_000), Some(BACKOFF_CAP_MS));
        assert_eq!(retry_at(599_500, 12, 600_000), Some(600_000));
        assert_eq!(retry_at(600_000, 13, 600_000), None);
    }
}
