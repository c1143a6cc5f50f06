//! Sending TikTok webhooks to Cast as TikTok does, and watching what Cast makes of them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cast::platforms::tiktok::webhook::{PublishEvent, RemovalReason, Step, WebhookEffects};
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::sandbox::API;
use crate::helpers::{TestApp, extract_csrf};

pub const SANDBOX_SECRET: &str = "cast-sandbox-secret";

/// `TikTok-Signature` for `body` signed at `t`, computed here independently of Cast's code.
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},s={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook body as TikTok sends it: `content` is a JSON string inside the JSON.
pub fn body(event: &str, create_time: i64, open_id: &str, content: Value) -> String {
    json!({
        "client_key": "cast-sandbox",
        "event": event,
        "create_time": create_time,
        "user_openid": open_id,
        "content": content.to_string(),
    })
    .to_string()
}

/// POSTs `body` to Cast's receiver with `signature` (if any), from a client with no cookies:
/// TikTok has no login. Returns the status and the answer.
pub async fn deliver(app: &TestApp, signature: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url("/webhooks/tiktok"))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("TikTok-Signature", s);
    }
    let res = req.send().await.expect("webhook request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("answer");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Delivers `body` signed now with the sandbox's secret.
pub async fn deliver_signed(app: &TestApp, body: &str) -> (u16, Value) {
    let t = app.clock.now();
    deliver(app, Some(&sign(SANDBOX_SECRET, t, body)), body).await
}

/// How many events Cast stored.
pub async fn stored(app: &TestApp) -> usize {
    app.tiktok_webhooks
        .stored()
        .await
        .expect("stored events")
        .len()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Publish(String, PublishEvent),
    Removed(String, RemovalReason),
}

/// Where one target stands, moved only forward as the core promises to: enough to show that
/// events applied in the order they came leave the target where TikTok's record does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// 0 processing, 1 in the inbox, 2 published, 3 failed.
    pub stage: u8,
    pub post_id: Option<String>,
    pub public: bool,
}

/// A `WebhookEffects` that records every call, can fail the first few on purpose, and keeps
/// one forward-only `Target` per publish.
#[derive(Default)]
pub struct Recorder {
    pub calls: Mutex<Vec<Call>>,
    pub targets: Mutex<std::collections::HashMap<String, Target>>,
    fail_first: AtomicUsize,
}

impl Recorder {
    pub fn failing_first(n: usize) -> Self {
        let r = Self::default();
        r.fail_first.store(n, Ordering::SeqCst);
        r
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("lock").clone()
    }

    pub fn target(&self, publish_id: &str) -> Target {
        self.targets
            .lock()
            .expect("lock")
            .get(publish_id)
            .cloned()
            .unwrap_or_default()
    }

    fn should_fail(&self) -> bool {
        self.fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl WebhookEffects for Recorder {
    async fn publish_event(&self, publish_id: &str, event: PublishEvent) -> anyhow::Result<()> {
        if self.should_fail() {
            anyhow::bail!("the core is busy");
        }
        self.calls
            .lock()
            .expect("lock")
            .push(Call::Publish(publish_id.into(), event.clone()));
        let mut targets = self.targets.lock().expect("lock");
        let t = targets.entry(publish_id.into()).or_default();
        match event {
            PublishEvent::InboxDelivered => t.stage = t.stage.max(1),
            PublishEvent::Complete => t.stage = t.stage.max(2),
            PublishEvent::Failed { .. } if t.stage < 2 => t.stage = 3,
            PublishEvent::Failed { .. } => {}
            PublishEvent::PubliclyAvailable { post_id } => {
                t.stage = t.stage.max(2);
                t.public = true;
                t.post_id = t.post_id.take().or(post_id);
            }
            PublishEvent::NoLongerPublic { post_id } => {
                t.public = false;
                t.post_id = t.post_id.take().or(post_id);
            }
        }
        Ok(())
    }

    async fn authorization_removed(
        &self,
        open_id: &str,
        reason: RemovalReason,
    ) -> anyhow::Result<()> {
        if self.should_fail() {
            anyhow::bail!("the core is busy");
        }
        self.calls
            .lock()
            .expect("lock")
            .push(Call::Removed(open_id.into(), reason));
        Ok(())
    }
}

/// Steps a processor over Cast's stored events until nothing is due; returns the steps taken.
pub async fn apply_all(app: &TestApp, recorder: &std::sync::Arc<Recorder>) -> Vec<Step> {
    let processor = app.tiktok_webhooks.processor(recorder.clone());
    let mut steps = Vec::new();
    loop {
        match processor.step().await.expect("processor step") {
            Step::Idle => return steps,
            step => steps.push(step),
        }
        assert!(steps.len() < 100, "the processor never ran dry: {steps:?}");
    }
}

/// Every delivery attempt the sandbox made, as its owner's listing shows them.
pub async fn deliveries(app: &TestApp) -> Vec<Value> {
    let res = app.get(&format!("{API}/_/webhooks")).await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json list")
}

/// Steps the sandbox's webhooks until `done` holds for what it sent. App time never moves
/// here; between passes the sandbox's media checks (on threads of their own) are awaited.
pub async fn sent_until(app: &TestApp, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let sandbox = app
        .tiktok_sandbox
        .as_ref()
        .expect("TikTok runs against the sandbox");
    let mut sent = Vec::new();
    for _ in 0..500 {
        sandbox.step_webhooks().await.expect("webhook step");
        sent = deliveries(app).await;
        if done(&sent) {
            return sent;
        }
        sandbox.checks_settled().await;
    }
    panic!("the sandbox never sent what was expected: {sent:#?}");
}

pub fn names(sent: &[Value]) -> Vec<&str> {
    sent.iter()
        .map(|d| d["event"].as_str().expect("event"))
        .collect()
}

/// Presses a button of the sandbox's posts page (the creator in the TikTok app).
pub async fn press(app: &TestApp, action: &str) -> u16 {
    let page = app.get_text(&format!("{API}/_/")).await;
    assert!(
        page.contains(action) || page.contains(&action.replace('~', "&#126;")),
        "{page}"
    );
    let csrf = extract_csrf(&page).expect("csrf");
    app.post_form(action, &[("csrf_token", &csrf)])
        .await
        .status()
        .as_u16()
}
