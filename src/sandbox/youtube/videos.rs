//! `videos.list` (contract section 6) and the `video` resource as the sandbox shows it: the state
//! is computed from the clock, `uploaded`/`processing` until the processing delay has passed,
//! then the verdict decided when the last byte arrived.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::api::{self, Query};
use super::auth::TO_READ;
use super::errors::GoogleError;
use super::state::YouTubeState;
use super::store::videos::{self, Video};
use crate::config::youtube_sandbox::FaultStep;

const VIDEO_PARTS: [&str; 14] = [
    "id",
    "snippet",
    "status",
    "contentDetails",
    "fileDetails",
    "processingDetails",
    "player",
    "recordingDetails",
    "statistics",
    "suggestions",
    "topicDetails",
    "liveStreamingDetails",
    "localizations",
    "paidProductPlacementDetails",
];
/// Parts only the video's owner is shown.
const OWNER_ONLY: [&str; 3] = ["fileDetails", "processingDetails", "suggestions"];

/// Where a video stands at `now`.
pub struct State {
    pub upload_status: &'static str,
    pub failure_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub processing_status: &'static str,
    pub processing_failure_reason: Option<&'static str>,
    /// (partsTotal, partsProcessed, timeLeftMs) while processing.
    pub progress: Option<(u64, u64, i64)>,
    pub privacy: String,
    pub publish_at: Option<String>,
}

pub fn state_of(state: &YouTubeState, v: &Video, now_ms: i64) -> State {
    let delay = i64::try_from(state.settings.processing.as_millis()).unwrap_or(i64::MAX / 2);
    let elapsed = now_ms.saturating_sub(v.received_ms).max(0);
    let resource: Value = serde_json::from_str(&v.resource).unwrap_or(Value::Null);
    let mut privacy = resource["status"]["privacyStatus"]
        .as_str()
        .unwrap_or("private")
        .to_string();
    let mut publish_at = resource["status"]["publishAt"].as_str().map(str::to_string);
    if state.settings.lock_private {
        // Unverified projects until November 2026: locked private, whatever was asked (section 9).
        privacy = "private".into();
        publish_at = None;
    }
    let mut s = State {
        upload_status: "uploaded",
        failure_reason: None,
        rejection_reason: None,
        processing_status: "processing",
        processing_failure_reason: None,
        progress: None,
        privacy,
        publish_at,
    };
    if elapsed < delay {
        let total = 1000u64;
        let done = u64::try_from(elapsed.saturating_mul(1000) / delay.max(1)).unwrap_or(0);
        s.progress = Some((total, done, delay - elapsed));
    } else if !v.verdict.is_empty() {
        s.upload_status = "failed";
        s.failure_reason = Some(v.verdict.clone());
        s.processing_status = "failed";
        s.processing_failure_reason = Some(if v.verdict == "uploadAborted" {
            "uploadFailed"
        } else {
            "transcodeFailed"
        });
    } else if let Some(r) = &v.rejection {
        s.upload_status = "rejected";
        s.rejection_reason = Some(r.clone());
        s.processing_status = "terminated";
    } else {
        s.upload_status = "processed";
        s.processing_status = "succeeded";
        let due = s
            .publish_at
            .as_deref()
            .and_then(|at| at.parse::<jiff::Timestamp>().ok())
            .is_some_and(|at| at.as_millisecond() <= now_ms);
        if due {
            s.privacy = "public".into();
            s.publish_at = None;
        }
    }
    s
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// `PT2S`, `PT3M5S`: the duration as YouTube writes it.
fn iso_duration(ms: i64) -> String {
    let secs = (ms + 500) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// The resource with the parts asked for; `is_owner` adds the owner-only parts.
pub fn resource(
    state: &YouTubeState,
    v: &Video,
    parts: &[String],
    is_owner: bool,
    now_ms: i64,
) -> Value {
    let st = state_of(state, v, now_ms);
    let asked: Value = serde_json::from_str(&v.resource).unwrap_or(Value::Null);
    let mut item = json!({"kind": "youtube#video", "etag": api::etag(), "id": v.id});
    let done = st.upload_status == "processed";
    for part in parts {
        match part.as_str() {
            "snippet" => {
                let snippet = &asked["snippet"];
                let thumb = state.thumbnail_url(&v.id);
                let mut out = json!({
                    "publishedAt": rfc3339(v.received_ms),
                    "channelId": v.channel_id,
                    "title": snippet["title"],
                    "description": snippet["description"],
                    "thumbnails": {"default": {"url": thumb, "width": 120, "height": 90}},
                    "categoryId": snippet["categoryId"],
                    "liveBroadcastContent": "none",
                    "localized": {"title": snippet["title"], "description": snippet["description"]},
                });
                if snippet["tags"].is_array() {
                    out["tags"] = snippet["tags"].clone();
                }
                item["snippet"] = out;
            }
            "status" => {
                let status = &asked["status"];
                let mut out = json!({
                    "uploadStatus": st.upload_status,
                    "privacyStatus": st.privacy,
                    "license": status["license"],
                    "embeddable": status["embeddable"],
                    "publicStatsViewable": status["publicStatsViewable"],
                    "madeForKids": status["selfDeclaredMadeForKids"],
                });
                // containsSyntheticMedia is left out on purpose: it "reads absent" (contract 4.2).
                if is_owner {
                    out["selfDeclaredMadeForKids"] = status["selfDeclaredMadeForKids"].clone();
                }
                if let Some(r) = &st.failure_reason {
                    out["failureReason"] = json!(r);
                }
                if let Some(r) = &st.rejection_reason {
                    out["rejectionReason"] = json!(r);
                }
                if let Some(at) = &st.publish_at {
                    out["publishAt"] = json!(at);
                }
                item["status"] = out;
            }
            "processingDetails" if is_owner => {
                let available = if done { "available" } else { "notAvailable" };
                let mut out = json!({
                    "processingStatus": st.processing_status,
                    "fileDetailsAvailability": "available",
                    "processingIssuesAvailability": available,
                    "tagSuggestionsAvailability": available,
                    "editorSuggestionsAvailability": available,
                    "thumbnailsAvailability": available,
                });
                if let Some((total, processed, left)) = st.progress {
                    out["processingProgress"] = json!({"partsTotal": total.to_string(), "partsProcessed": processed.to_string(), "timeLeftMs": left.to_string()});
                }
                if let Some(r) = st.processing_failure_reason {
                    out["processingFailureReason"] = json!(r);
                }
                item["processingDetails"] = out;
            }
            "contentDetails" => {
                let duration = if done { v.duration_ms.unwrap_or(0) } else { 0 };
                let hd = v.height.unwrap_or(0).min(v.width.unwrap_or(0)) >= 720;
                item["contentDetails"] = json!({
                    "duration": if done { iso_duration(duration) } else { "P0D".to_string() },
                    "dimension": "2d",
                    "definition": if hd { "hd" } else { "sd" },
                    "caption": "false",
                    "licensedContent": false,
                    "contentRating": {},
                    "projection": "rectangular",
                });
            }
            "fileDetails" if is_owner => {
                item["fileDetails"] = json!({"fileSize": v.size.to_string(), "fileType": "video", "container": if v.content_type.contains("quicktime") { "mov" } else { "mp4" }});
            }
            "statistics" if done => {
                item["statistics"] = json!({"viewCount": "0", "likeCount": "0", "favoriteCount": "0", "commentCount": "0"});
            }
            _ => {}
        }
    }
    item
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, GoogleError> {
    let caller = api::admit(&state, &req, Some(FaultStep::Status), 1).await?;
    caller.require(&TO_READ)?;
    let q = Query::parse(&req)?;
    let parts = q.parts(&VIDEO_PARTS)?;
    let Some(ids) = q.get("id") else {
        return Err(GoogleError::missing_parameter("chart, id, myRated"));
    };
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    if ids.len() > 50 {
        return Err(GoogleError::bad_request(
            "invalidValue",
            "At most 50 ids at once.",
        ));
    }
    let now = state.now_ms();
    let mut items = Vec::new();
    for id in ids {
        let Some(video) = videos::by_id(&state.db, id).await? else {
            continue;
        };
        let is_owner = caller.channel_id.as_deref() == Some(video.channel_id.as_str());
        let st = state_of(&state, &video, now);
        // Others see a video only once it is public.
        let public = st.upload_status == "processed" && st.privacy == "public";
        if !is_owner && !public {
            continue;
        }
        let shown: Vec<String> = parts
            .iter()
            .filter(|p| is_owner || !OWNER_ONLY.contains(&p.as_str()))
            .cloned()
            .collect();
        items.push(resource(&state, &video, &shown, is_owner, now));
    }
    Ok(HttpResponse::Ok().json(json!({
        "kind": "youtube#videoListResponse",
        "etag": api::etag(),
        "items": items,
        "pageInfo": {"totalResults": items.len(), "resultsPerPage": items.len()},
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_as_youtube_writes_them() {
        assert_eq!(iso_duration(2_000), "PT2S");
        assert_eq!(iso_duration(185_000), "PT3M5S");
        assert_eq!(iso_duration(3_600_000), "PT1H");
        assert_eq!(iso_duration(0), "PT0S");
    }
}
