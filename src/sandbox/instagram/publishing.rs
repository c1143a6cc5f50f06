//! Reels containers and their publishing (contract sections 4, 6, 8 and 14), strictly: only
//! `REELS`, only US-ASCII https URLs on a domain (BASE_URL excepted), the caption's limits at
//! creation, 400 containers and `CAST_SANDBOX_INSTAGRAM_PUBLISH_QUOTA` posts a day, and
//! `media_publish` only on a `FINISHED` container.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::caller::Caller;
use super::errors::GraphError;
use super::oauth::injected_graph;
use super::params::ContainerParams;
use super::settings::{Answer, Step};
use super::status::{StatusCode, status_code};
use super::store::containers::{self, Container, NewContainer};
use super::{State, fetcher, ids};

const DAY_MS: i64 = 86_400_000;
const MAX_CONTAINERS_PER_DAY: i64 = 400;

pub const MEDIA_FIELDS: &[&str] = &[
    "id",
    "permalink",
    "caption",
    "media_type",
    "media_product_type",
    "timestamp",
    "username",
    "shortcode",
];

fn can_publish(caller: &Caller) -> Result<(), GraphError> {
    if !caller.has("instagram_business_content_publish") {
        return Err(GraphError::permission(
            "Application does not have permission for this action (instagram_business_content_publish was not granted)",
        ));
    }
    if caller.account_type == "PERSONAL" {
        return Err(GraphError::permission(
            "The user is not an Instagram professional account: personal accounts cannot publish through the API",
        ));
    }
    Ok(())
}

fn injected(state: &State, step: Step) -> Result<bool, GraphError> {
    match state.faults.take(step) {
        None => Ok(false),
        Some(Answer::Lost) => Ok(true),
        Some(answer) => Err(injected_graph(answer)),
    }
}

/// `POST /{user_id}/media`: a Reels container. Returns the answer and whether to lose it.
pub async fn create(
    state: &Arc<State>,
    caller: &Caller,
    p: &HashMap<String, String>,
) -> Result<(Value, bool), GraphError> {
    can_publish(caller)?;
    let lose = injected(state, Step::Create)?;
    let c = ContainerParams::parse(state, p)?;
    let now = state.now_ms();
    if containers::created_since(&state.db, &caller.user_id, now - DAY_MS).await?
        >= MAX_CONTAINERS_PER_DAY
    {
        return Err(GraphError::new(
            9,
            None,
            "(#9) This account has created the maximum of 400 containers in 24 hours.",
        ));
    }
    let id = ids::container_id();
    containers::insert(
        &state.db,
        &NewContainer {
            container_id: &id,
            user_id: &caller.user_id,
            video_url: &c.video_url,
            cover_url: c.cover_url.as_deref(),
            caption: &c.caption,
            share_to_feed: c.share_to_feed,
            thumb_offset: c.thumb_offset,
            collaborators: c.collaborators.as_deref(),
            created_ms: now,
        },
    )
    .await?;
    tracing::info!(container = %id, user_id = %caller.user_id, "instagram sandbox: container created");
    Ok((json!({ "id": id }), lose))
}

/// `POST /{user_id}/media_publish` with `creation_id`.
pub async fn publish(
    state: &Arc<State>,
    caller: &Caller,
    p: &HashMap<String, String>,
) -> Result<(Value, bool), GraphError> {
    can_publish(caller)?;
    let lose = injected(state, Step::Publish)?;
    let id = p
        .get("creation_id")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| GraphError::param("The parameter creation_id is required"))?;
    let c = containers::by_id(&state.db, id)
        .await?
        .filter(|c| c.user_id == caller.user_id)
        .ok_or_else(|| GraphError::meta(24, 2207006))?;
    let c = fetcher::refresh(state, c).await?;
    let now = state.now_ms();
    match status_code(&c, now, &state.settings) {
        // What Meta answers here is undocumented (Unsure 9): the sandbox's choice.
        StatusCode::Published => return Err(GraphError::meta(24, 2207008)),
        StatusCode::Error => return Err(failure(&c)),
        StatusCode::Expired => return Err(GraphError::meta(-2, 2207020)),
        StatusCode::InProgress => return Err(GraphError::meta(9007, 2207027)),
        StatusCode::Finished => {}
    }
    let window_start = now - DAY_MS;
    if containers::published_since(&state.db, &caller.user_id, window_start).await?
        >= i64::from(state.settings.publish_quota)
    {
        return Err(GraphError::meta(9, 2207042));
    }
    // Whether Meta reads the video again at publish is undocumented (Unsure 15): the sandbox
    // does, so a link revoked at FINISHED fails here.
    if let Err(why) = still_there(state, &c).await {
        return Err(GraphError::meta(9004, 2207052).with_user_msg(format!(
            "The media could not be fetched from this URI: {}. {why}",
            c.video_url
        )));
    }
    let media_id = ids::media_id();
    if !containers::publish(
        &state.db,
        &c.container_id,
        &media_id,
        &ids::shortcode(),
        now,
    )
    .await?
    {
        return Err(GraphError::meta(24, 2207008));
    }
    tracing::info!(container = %c.container_id, media = %media_id, "instagram sandbox: reel published");
    Ok((json!({ "id": media_id }), lose))
}

/// The error that explains an ERROR container, as `media_publish` gives it.
fn failure(c: &Container) -> GraphError {
    let (code, sub) = (
        c.error_code.unwrap_or(-1),
        c.error_subcode.unwrap_or(2207053),
    );
    let mut e = GraphError::meta(code, sub);
    if let Some(msg) = &c.error_message {
        e.message = msg.clone();
    }
    if let Some(user) = c.error_user_msg.as_ref().filter(|m| !m.is_empty()) {
        e.user_msg = user.clone();
    }
    e
}

/// One `HEAD` at publish: the link must still answer 200 with the same length.
async fn still_there(state: &State, c: &Container) -> Result<(), String> {
    let res = state
        .http
        .head(&c.video_url)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(|_| "Cast sandbox: the link could not be reached again at publish.".to_string())?;
    let status = res.status().as_u16();
    let len = res
        .headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if status != 200 {
        return Err(format!(
            "Cast sandbox: at publish the link answered HEAD with HTTP {status}; keep it alive until media_publish returns."
        ));
    }
    if len != c.size {
        return Err(
            "Cast sandbox: the file behind the link changed between the fetch and the publish."
                .into(),
        );
    }
    Ok(())
}

pub fn media_fields(c: &Container, username: &str) -> Map<String, Value> {
    let shortcode = c.shortcode.clone().unwrap_or_default();
    let timestamp = c
        .published_ms
        .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok())
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]+0000"
            ))
            .ok()
        })
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("id".into(), json!(c.media_id));
    m.insert(
        "permalink".into(),
        json!(format!("https://www.instagram.com/reel/{shortcode}/")),
    );
    m.insert("caption".into(), json!(c.caption));
    m.insert("media_type".into(), json!("VIDEO"));
    m.insert("media_product_type".into(), json!("REELS"));
    m.insert("timestamp".into(), json!(timestamp));
    m.insert("username".into(), json!(username));
    m.insert("shortcode".into(), json!(shortcode));
    m
}

/// `GET /{user_id}/content_publishing_limit`: posts published in the rolling day, and the cap.
pub async fn limit(
    state: &State,
    caller: &Caller,
    p: &HashMap<String, String>,
) -> Result<Value, GraphError> {
    if let Some(answer) = state.faults.take(Step::Limit) {
        return Err(injected_graph(answer));
    }
    let now = state.now_ms();
    let mut since = now - DAY_MS;
    if let Some(s) = p.get("since").filter(|s| !s.is_empty()) {
        let s: i64 = s
            .parse()
            .map_err(|_| GraphError::param("since must be a Unix time"))?;
        if s * 1000 < since {
            return Err(GraphError::param("since must be no older than 24 hours"));
        }
        since = s * 1000;
    }
    let asked: Vec<&str> = p
        .get("fields")
        .map(|f| f.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if let Some(bad) = asked
        .iter()
        .find(|f| !f.is_empty() && !["quota_usage", "config", "rate_limit_settings"].contains(f))
    {
        return Err(GraphError::nonexisting_field(bad, "ContentPublishingLimit"));
    }
    let usage = containers::published_since(&state.db, &caller.user_id, since).await?;
    let mut item = Map::new();
    if asked.is_empty() || asked.contains(&"quota_usage") {
        item.insert("quota_usage".into(), json!(usage));
    }
    // The docs ask for rate_limit_settings and get config back; the sandbox does the same.
    if asked.contains(&"config") || asked.contains(&"rate_limit_settings") {
        item.insert(
            "config".into(),
            json!({ "quota_total": state.settings.publish_quota, "quota_duration": 86400 }),
        );
    }
    Ok(json!({ "data": [Value::Object(item)] }))
}

/// `GET /{user_id}/media`: the account's published reels, newest first.
pub async fn list(
    state: &State,
    caller: &Caller,
    p: &HashMap<String, String>,
) -> Result<Value, GraphError> {
    let asked: Vec<&str> = p
        .get("fields")
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = asked.iter().find(|f| !MEDIA_FIELDS.contains(f)) {
        return Err(GraphError::nonexisting_field(bad, "IGMedia"));
    }
    let limit = p
        .get("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let items: Vec<Value> = containers::published_of(&state.db, &caller.user_id, limit)
        .await?
        .iter()
        .map(|c| {
            let all = media_fields(c, &caller.username);
            let mut out = Map::new();
            out.insert("id".into(), all.get("id").cloned().unwrap_or(Value::Null));
            for f in &asked {
                if let Some(v) = all.get(*f) {
                    out.insert((*f).to_string(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    Ok(json!({ "data": items }))
}
