//! The photo init's body (contract §15.2), read strictly: what is not in TikTok's table, or not
//! for this `post_mode`, is refused, so a client that passes here sends what TikTok documents.

use serde_json::{Map, Value};

use super::errors::ApiError;
use super::privacy::PrivacyLevel;
use crate::media::image::MAX_IMAGES;

const MAX_TITLE_UTF16: usize = 90;
const MAX_DESCRIPTION_UTF16: usize = 4000;
/// The bools TikTok lists for `DIRECT_POST` only.
const DIRECT_BOOLS: [&str; 4] = [
    "disable_comment",
    "auto_add_music",
    "brand_content_toggle",
    "brand_organic_toggle",
];

/// A checked photo init.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoInit {
    /// `DIRECT_POST`; otherwise `MEDIA_UPLOAD` (the inbox).
    pub direct: bool,
    /// Set for `DIRECT_POST` only.
    pub privacy: Option<PrivacyLevel>,
    pub images: Vec<String>,
    pub cover_index: usize,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::InvalidParam(message.into())
}

/// Checks a photo init body. `local_origin`: URLs below it may be plain http (contract §12).
pub fn photo_init(
    body: &Map<String, Value>,
    options: &[PrivacyLevel],
    local_origin: Option<&str>,
) -> Result<PhotoInit, ApiError> {
    if body.get("media_type").and_then(Value::as_str) != Some("PHOTO") {
        return Err(invalid("media_type must be PHOTO"));
    }
    let direct = match body.get("post_mode").and_then(Value::as_str) {
        Some("DIRECT_POST") => true,
        Some("MEDIA_UPLOAD") => false,
        _ => return Err(invalid("post_mode must be DIRECT_POST or MEDIA_UPLOAD")),
    };
    let privacy = post_info(body.get("post_info"), direct, options)?;
    let (images, cover_index) = source_info(body.get("source_info"), local_origin)?;
    Ok(PhotoInit {
        direct,
        privacy,
        images,
        cover_index,
    })
}

fn text(obj: &Map<String, Value>, key: &str, max: usize) -> Result<(), ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(t)) if t.encode_utf16().count() <= max => Ok(()),
        Some(Value::String(_)) => Err(invalid(format!(
            "post_info.{key} is longer than {max} UTF-16 code units"
        ))),
        Some(_) => Err(invalid(format!("post_info.{key} must be a string"))),
    }
}

fn post_info(
    value: Option<&Value>,
    direct: bool,
    options: &[PrivacyLevel],
) -> Result<Option<PrivacyLevel>, ApiError> {
    let empty = Map::new();
    let obj = match value {
        None | Some(Value::Null) if !direct => &empty,
        Some(Value::Object(obj)) => obj,
        _ => return Err(invalid("post_info is required and must be an object")),
    };
    text(obj, "title", MAX_TITLE_UTF16)?;
    text(obj, "description", MAX_DESCRIPTION_UTF16)?;
    if !direct {
        if let Some(key) = DIRECT_BOOLS
            .iter()
            .chain(&["privacy_level"])
            .find(|k| obj.contains_key(**k))
        {
            return Err(invalid(format!(
                "post_info.{key} is for DIRECT_POST only; the creator sets it in the app"
            )));
        }
        return Ok(None);
    }
    for key in DIRECT_BOOLS {
        match obj.get(key) {
            None | Some(Value::Null) | Some(Value::Bool(_)) => {}
            Some(_) => return Err(invalid(format!("post_info.{key} must be a boolean"))),
        }
    }
    let mismatch = ApiError::PrivacyLevelOptionMismatch;
    let level = match obj.get("privacy_level") {
        None | Some(Value::Null) => {
            return Err(mismatch("post_info.privacy_level is required".into()));
        }
        Some(Value::String(s)) => PrivacyLevel::parse(s)
            .filter(|p| options.contains(p))
            .ok_or_else(|| {
                mismatch(format!(
                    "privacy_level '{s}' is not among the creator's privacy_level_options"
                ))
            })?,
        Some(_) => return Err(invalid("post_info.privacy_level must be a string")),
    };
    if obj.get("brand_content_toggle") == Some(&Value::Bool(true))
        && level == PrivacyLevel::SelfOnly
    {
        return Err(invalid(
            "Branded content visibility cannot be set to private (SELF_ONLY)",
        ));
    }
    Ok(Some(level))
}

fn source_info(
    value: Option<&Value>,
    local_origin: Option<&str>,
) -> Result<(Vec<String>, usize), ApiError> {
    let Some(Value::Object(obj)) = value else {
        return Err(invalid("source_info is required and must be an object"));
    };
    if obj.get("source").and_then(Value::as_str) != Some("PULL_FROM_URL") {
        return Err(invalid("source_info.source must be PULL_FROM_URL"));
    }
    let Some(Value::Array(list)) = obj.get("photo_images") else {
        return Err(invalid(
            "source_info.photo_images must be a list of image URLs",
        ));
    };
    if list.is_empty() || list.len() > MAX_IMAGES {
        return Err(invalid(format!(
            "source_info.photo_images must hold 1 to {MAX_IMAGES} URLs, not {}",
            list.len()
        )));
    }
    let images = list
        .iter()
        .map(|v| match v.as_str() {
            Some(u) if acceptable_url(u, local_origin) => Ok(u.to_string()),
            _ => Err(invalid(
                "each of source_info.photo_images must be an https URL",
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cover = obj
        .get("photo_cover_index")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("source_info.photo_cover_index is required"))?;
    let cover_index = usize::try_from(cover)
        .ok()
        .filter(|c| *c < images.len())
        .ok_or_else(|| {
            invalid(format!(
                "source_info.photo_cover_index {cover} is out of range: there are {} images",
                images.len()
            ))
        })?;
    Ok((images, cover_index))
}

fn acceptable_url(u: &str, local_origin: Option<&str>) -> bool {
    let Ok(parsed) = url::Url::parse(u) else {
        return false;
    };
    parsed.scheme() == "https" || local_origin.is_some_and(|o| u.starts_with(&format!("{o}/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALL: [PrivacyLevel; 2] = [PrivacyLevel::PublicToEveryone, PrivacyLevel::SelfOnly];

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("an object")
    }

    fn direct(images: usize, cover: usize) -> Value {
        let urls: Vec<String> = (0..images)
            .map(|i| format!("https://cast.example/m/t/photo-{i}.jpg"))
            .collect();
        json!({
            "media_type": "PHOTO",
            "post_mode": "DIRECT_POST",
            "post_info": {"title": "t", "description": "d", "privacy_level": "SELF_ONLY"},
            "source_info": {"source": "PULL_FROM_URL", "photo_images": urls, "photo_cover_index": cover},
        })
    }

    #[test]
    fn a_direct_carousel_of_three_is_taken() {
        let init = photo_init(&body(direct(3, 2)), &ALL, None).expect("valid");
        assert!(init.direct);
        assert_eq!(init.privacy, Some(PrivacyLevel::SelfOnly));
        assert_eq!((init.images.len(), init.cover_index), (3, 2));
    }

    #[test]
    fn zero_or_thirty_six_images_are_refused() {
        assert!(photo_init(&body(direct(0, 0)), &ALL, None).is_err());
        assert!(photo_init(&body(direct(36, 0)), &ALL, None).is_err());
        assert!(photo_init(&body(direct(35, 34)), &ALL, None).is_ok());
    }

    #[test]
    fn the_cover_index_must_name_one_of_the_images() {
        assert!(photo_init(&body(direct(3, 3)), &ALL, None).is_err());
        let mut b = body(direct(3, 0));
        b["source_info"]
            .as_object_mut()
            .expect("obj")
            .remove("photo_cover_index");
        assert!(photo_init(&b, &ALL, None).is_err());
    }

    #[test]
    fn title_and_description_limits_count_utf16_units() {
        let mut b = body(direct(1, 0));
        b["post_info"]["title"] = json!("😀".repeat(45));
        assert!(photo_init(&b, &ALL, None).is_ok());
        b["post_info"]["title"] = json!("😀".repeat(45) + "a");
        assert!(photo_init(&b, &ALL, None).is_err());
        b["post_info"]["title"] = json!("t");
        b["post_info"]["description"] = json!("a".repeat(4001));
        assert!(photo_init(&b, &ALL, None).is_err());
    }

    #[test]
    fn direct_needs_an_offered_privacy_level() {
        let mut b = body(direct(1, 0));
        b["post_info"]["privacy_level"] = json!("FOLLOWER_OF_CREATOR");
        let e = photo_init(&b, &ALL, None).unwrap_err();
        assert_eq!(e.code(), "privacy_level_option_mismatch");
    }

    #[test]
    fn the_inbox_takes_no_direct_only_fields() {
        let mut b = body(direct(2, 0));
        b["post_mode"] = json!("MEDIA_UPLOAD");
        assert!(photo_init(&b, &ALL, None).is_err());
        b["post_info"] = json!({"title": "t", "description": "d"});
        let init = photo_init(&b, &ALL, None).expect("inbox");
        assert!(!init.direct);
        assert_eq!(init.privacy, None);
    }

    #[test]
    fn only_photo_and_the_two_modes_are_known() {
        let mut b = body(direct(1, 0));
        b["media_type"] = json!("VIDEO");
        assert!(photo_init(&b, &ALL, None).is_err());
        let mut b = body(direct(1, 0));
        b["post_mode"] = json!("DIRECT POST");
        assert!(photo_init(&b, &ALL, None).is_err());
    }

    #[test]
    fn plain_http_is_taken_only_below_the_local_origin() {
        let mut b = body(direct(1, 0));
        b["source_info"]["photo_images"] = json!(["http://127.0.0.1:1/m/t/photo-1.jpg"]);
        assert!(photo_init(&b, &ALL, None).is_err());
        assert!(photo_init(&b, &ALL, Some("http://127.0.0.1:1")).is_ok());
    }
}
