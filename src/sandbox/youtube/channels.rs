//! `channels.list mine=true` and `videoCategories.list` (contract section 3).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::api::{self, Query};
use super::auth::TO_READ;
use super::errors::GoogleError;
use super::state::YouTubeState;
use super::store::accounts;
use crate::config::youtube_sandbox::FaultStep;

const CHANNEL_PARTS: [&str; 10] = [
    "id",
    "snippet",
    "contentDetails",
    "statistics",
    "status",
    "brandingSettings",
    "localizations",
    "topicDetails",
    "auditDetails",
    "contentOwnerDetails",
];

const FILTERS: &str =
    "forHandle, forUsername, id, idParam, managedByMe, mine, mySubscribers, categoryId";

pub async fn list(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, GoogleError> {
    let caller = api::admit(&state, &req, Some(FaultStep::Channels), 1).await?;
    caller.require(&TO_READ)?;
    let q = Query::parse(&req)?;
    let parts = q.parts(&CHANNEL_PARTS)?;
    match q.get("mine") {
        Some("true") => {}
        Some(other) => {
            return Err(GoogleError::bad_request(
                "invalidParameter",
                format!("mine must be true, not '{other}'."),
            ));
        }
        // The sandbox emulates only what Cast asks: the caller's own channel.
        None => return Err(GoogleError::missing_parameter(FILTERS)),
    }
    let mut body = json!({
        "kind": "youtube#channelListResponse",
        "etag": api::etag(),
        "pageInfo": {"totalResults": 0, "resultsPerPage": 5},
    });
    let account = accounts::account(&state.db, &caller.account_id).await?;
    // A Google account without a channel: 200 with no `items` key at all (contract section 3).
    if let Some(account) = account.filter(|a| a.has_channel) {
        body["pageInfo"]["totalResults"] = json!(1);
        body["items"] = json!([channel(&state, &account, &parts)]);
    }
    Ok(HttpResponse::Ok().json(body))
}

fn channel(state: &YouTubeState, a: &accounts::Account, parts: &[String]) -> Value {
    let id = a.channel_id.clone().unwrap_or_default();
    let mut item = json!({"kind": "youtube#channel", "etag": api::etag(), "id": id});
    let published = jiff::Timestamp::from_second(a.created_ms.div_euclid(1000))
        .map(|t| t.to_string())
        .unwrap_or_default();
    for part in parts {
        match part.as_str() {
            "snippet" => {
                let avatar = state.avatar_url(&id);
                let thumb = |size: u32| json!({"url": format!("{avatar}?s={size}"), "width": size, "height": size});
                item["snippet"] = json!({
                    "title": a.name,
                    "description": "",
                    "customUrl": a.handle,
                    "publishedAt": published,
                    "thumbnails": {"default": thumb(88), "medium": thumb(240), "high": thumb(800)},
                    "localized": {"title": a.name, "description": ""},
                });
            }
            "contentDetails" => {
                let uploads = format!("UU{}", id.get(2..).unwrap_or(""));
                item["contentDetails"] =
                    json!({"relatedPlaylists": {"likes": "", "uploads": uploads}});
            }
            "status" => {
                item["status"] = json!({"privacyStatus": "public", "isLinked": true, "longUploadsStatus": "allowed", "madeForKids": false});
            }
            "statistics" => {
                item["statistics"] = json!({"viewCount": "0", "subscriberCount": "0", "hiddenSubscriberCount": false, "videoCount": "0"});
            }
            _ => {}
        }
    }
    item
}

/// The categories YouTube lists for the US: (id, title, assignable).
pub const CATEGORIES: [(&str, &str, bool); 32] = [
    ("1", "Film & Animation", true),
    ("2", "Autos & Vehicles", true),
    ("10", "Music", true),
    ("15", "Pets & Animals", true),
    ("17", "Sports", true),
    ("18", "Short Movies", false),
    ("19", "Travel & Events", true),
    ("20", "Gaming", true),
    ("21", "Videoblogging", false),
    ("22", "People & Blogs", true),
    ("23", "Comedy", true),
    ("24", "Entertainment", true),
    ("25", "News & Politics", true),
    ("26", "Howto & Style", true),
    ("27", "Education", true),
    ("28", "Science & Technology", true),
    ("29", "Nonprofits & Activism", true),
    ("30", "Movies", false),
    ("31", "Anime/Animation", false),
    ("32", "Action/Adventure", false),
    ("33", "Classics", false),
    ("34", "Comedy", false),
    ("35", "Documentary", false),
    ("36", "Drama", false),
    ("37", "Family", false),
    ("38", "Foreign", false),
    ("39", "Horror", false),
    ("40", "Sci-Fi/Fantasy", false),
    ("41", "Thriller", false),
    ("42", "Shorts", false),
    ("43", "Shows", false),
    ("44", "Trailers", false),
];

pub fn assignable(id: &str) -> bool {
    CATEGORIES.iter().any(|(c, _, ok)| *c == id && *ok)
}

pub async fn categories(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, GoogleError> {
    let caller = api::admit(&state, &req, None, 1).await?;
    caller.require(&TO_READ)?;
    let q = Query::parse(&req)?;
    q.parts(&["snippet", "id"])?;
    let ids: Option<Vec<&str>> = q.get("id").map(|v| v.split(',').collect());
    match (q.get("regionCode"), &ids) {
        (None, None) => return Err(GoogleError::missing_parameter("id, regionCode")),
        (Some(r), _) if r.len() != 2 || !r.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Err(GoogleError::bad_request(
                "invalidRegionCode",
                "regionCode must be an ISO 3166-1 alpha-2 code, such as US.",
            ));
        }
        _ => {}
    }
    let items: Vec<Value> = CATEGORIES
        .iter()
        .filter(|(id, _, _)| ids.as_ref().is_none_or(|want| want.contains(id)))
        .map(|(id, title, ok)| json!({
            "kind": "youtube#videoCategory",
            "etag": api::etag(),
            "id": id,
            "snippet": {"title": title, "assignable": ok, "channelId": "UCBR8-60-B28hp2BmDPdntcQ"},
        }))
        .collect();
    Ok(HttpResponse::Ok().json(
        json!({"kind": "youtube#videoCategoryListResponse", "etag": api::etag(), "items": items}),
    ))
}
