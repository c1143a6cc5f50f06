//! Notices the moments that time brings (processing ends, a post id shows) as they pass.
//!
//! The sandbox computes statuses lazily, when someone asks; TikTok sends its webhooks whether
//! or not anyone polls, and a Cast that trusts webhooks polls less. So each tick brings every
//! watched publish up to date itself (`processing::resolve`, as a status fetch would) and queues
//! the events whose moments have passed. Moments made by a person (revoke, the posts page's
//! buttons) are queued where they happen instead.

use actix_web::web;

use super::super::store::publishes;
use super::super::{SandboxState, processing};
use super::moments::{self, Moment};
use super::sender::Sender;
use super::{body, store};

/// Publishes older than this are no longer watched: their events would be past TikTok's retries.
const WATCH_FOR_MS: i64 = 72 * 60 * 60 * 1000;

/// Queues the events of every moment that has passed since the last tick; returns how many.
pub async fn notice(
    state: &web::Data<SandboxState>,
    sender: &Sender,
) -> Result<usize, sqlx::Error> {
    let now = state.now_ms();
    let mut queued = 0;
    for publish_id in store::watched(&state.db, now.saturating_sub(WATCH_FOR_MS)).await? {
        let Some(found) = publishes::by_id(&state.db, &publish_id).await? else {
            continue;
        };
        let p = processing::resolve(state, found).await?;
        let (due, settled) = moments::passed(
            &p,
            state.settings.processing,
            state.settings.post_id_after,
            now,
        );
        let mut fresh = Vec::new();
        for m in &due {
            let content = content(sender, &p, m);
            let body = body::envelope(m.event, m.at_ms, &p.open_id, &content);
            if let Some(id) = store::insert_event(
                &state.db,
                &m.key(&p.publish_id),
                m.event,
                Some(&p.publish_id),
                &body,
                now,
            )
            .await?
            {
                fresh.push(id);
            }
        }
        queued += fresh.len();
        sender.queue(&state.db, state.now_ms(), &fresh).await?;
        if settled {
            store::settle(&state.db, &p.publish_id, now).await?;
        }
    }
    Ok(queued)
}

/// The event's fields, `content` before it is turned into a string.
fn content(sender: &Sender, p: &publishes::Publish, m: &Moment) -> serde_json::Value {
    let mut c = serde_json::json!({
        "publish_id": p.publish_id,
        "publish_type": body::publish_type(&p.mode, p.downgraded),
    });
    if let Some(map) = c.as_object_mut() {
        if let Some(reason) = &m.reason {
            map.insert("reason".into(), reason.as_str().into());
        }
        if let Some(id) = m.post_id {
            map.insert(
                "post_id".into(),
                body::post_id_value(id, sender.next_post_id_as_string()),
            );
        }
    }
    c
}
