//! Photo posts (contract §15.2): one init naming 1 to 35 image URLs that TikTok pulls, then the
//! status is followed as for videos. The body is built apart from the call so its rules are
//! tested without a server.

use serde::Serialize;
use serde_json::{Value, json};

use super::client::TikTokClient;
use super::error::TikTokError;
use super::privacy::PrivacyLevel;
use super::publish::Init;

pub const MAX_PHOTO_TITLE_UTF16: usize = 90;
pub const MAX_PHOTO_DESCRIPTION_UTF16: usize = 4000;

/// What the creator chose for a direct photo post; the inbox variant takes none of it.
#[derive(Debug, Clone, Serialize)]
pub struct DirectPhotoInfo {
    pub privacy_level: PrivacyLevel,
    pub disable_comment: bool,
    pub auto_add_music: bool,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
}

/// A photo init. `direct: None` sends to the creator's inbox (`MEDIA_UPLOAD`).
#[derive(Debug, Clone)]
pub struct PhotoInit<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub direct: Option<&'a DirectPhotoInfo>,
    pub image_urls: &'a [String],
    pub cover_index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoInitError {
    #[error("a TikTok photo title is at most 90 characters (UTF-16 units); it has {0}")]
    TitleTooLong(usize),
    #[error("a TikTok photo description is at most 4000 characters (UTF-16 units); it has {0}")]
    DescriptionTooLong(usize),
    #[error("a TikTok photo post takes 1 to 35 images, not {0}")]
    ImageCount(usize),
    #[error("the cover is image {index}, but there are only {count} (counted from 0)")]
    CoverOutOfRange { index: usize, count: usize },
}

impl PhotoInit<'_> {
    /// The body TikTok documents, or why Cast must not send it.
    pub fn body(&self) -> Result<Value, PhotoInitError> {
        let title = self.title.encode_utf16().count();
        if title > MAX_PHOTO_TITLE_UTF16 {
            return Err(PhotoInitError::TitleTooLong(title));
        }
        let description = self.description.encode_utf16().count();
        if description > MAX_PHOTO_DESCRIPTION_UTF16 {
            return Err(PhotoInitError::DescriptionTooLong(description));
        }
        let count = self.image_urls.len();
        if count == 0 || count > crate::media::image::MAX_IMAGES {
            return Err(PhotoInitError::ImageCount(count));
        }
        if self.cover_index >= count {
            return Err(PhotoInitError::CoverOutOfRange {
                index: self.cover_index,
                count,
            });
        }
        let mut info = match self.direct {
            Some(d) => serde_json::to_value(d).unwrap_or_else(|_| json!({})),
            None => json!({}),
        };
        if let Value::Object(map) = &mut info {
            if !self.title.is_empty() {
                map.insert("title".into(), json!(self.title));
            }
            if !self.description.is_empty() {
                map.insert("description".into(), json!(self.description));
            }
        }
        Ok(json!({
            "media_type": "PHOTO",
            "post_mode": if self.direct.is_some() { "DIRECT_POST" } else { "MEDIA_UPLOAD" },
            "post_info": info,
            "source_info": {
                "source": "PULL_FROM_URL",
                "photo_images": self.image_urls,
                "photo_cover_index": self.cover_index,
            },
        }))
    }
}

impl TikTokClient {
    /// `POST /v2/post/publish/content/init/`: no upload URL comes back, TikTok pulls the images.
    pub async fn init_photo(&self, access_token: &str, body: &Value) -> Result<Init, TikTokError> {
        self.post_json(access_token, "/v2/post/publish/content/init/", body)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(n: usize) -> Vec<String> {
        (1..=n)
            .map(|i| format!("https://cast.example/m/tok/photo-{i}.jpg"))
            .collect()
    }

    const DIRECT: DirectPhotoInfo = DirectPhotoInfo {
        privacy_level: PrivacyLevel::SelfOnly,
        disable_comment: true,
        auto_add_music: false,
        brand_content_toggle: false,
        brand_organic_toggle: false,
    };

    #[test]
    fn a_direct_photo_body_carries_the_choices_and_the_cover() {
        let images = urls(3);
        let body = PhotoInit {
            title: "Trip",
            description: "Three days #travel",
            direct: Some(&DIRECT),
            image_urls: &images,
            cover_index: 1,
        }
        .body()
        .expect("valid");
        assert_eq!(body["media_type"], "PHOTO");
        assert_eq!(body["post_mode"], "DIRECT_POST");
        assert_eq!(body["post_info"]["privacy_level"], "SELF_ONLY");
        assert_eq!(body["post_info"]["disable_comment"], true);
        assert_eq!(body["post_info"]["title"], "Trip");
        assert_eq!(body["source_info"]["source"], "PULL_FROM_URL");
        assert_eq!(body["source_info"]["photo_images"], json!(images));
        assert_eq!(body["source_info"]["photo_cover_index"], 1);
    }

    #[test]
    fn the_inbox_body_has_only_title_and_description() {
        let images = urls(1);
        let body = PhotoInit {
            title: "",
            description: "d",
            direct: None,
            image_urls: &images,
            cover_index: 0,
        }
        .body()
        .expect("valid");
        assert_eq!(body["post_mode"], "MEDIA_UPLOAD");
        assert_eq!(body["post_info"], json!({"description": "d"}));
    }

    #[test]
    fn limits_are_checked_before_sending() {
        let images = urls(2);
        let base = PhotoInit {
            title: "",
            description: "",
            direct: None,
            image_urls: &images,
            cover_index: 0,
        };
        let long_title = "é".repeat(91);
        let t = PhotoInit {
            title: &long_title,
            ..base.clone()
        };
        assert_eq!(t.body().unwrap_err(), PhotoInitError::TitleTooLong(91));
        let long = "a".repeat(4001);
        let d = PhotoInit {
            description: &long,
            ..base.clone()
        };
        assert_eq!(
            d.body().unwrap_err(),
            PhotoInitError::DescriptionTooLong(4001)
        );
        let c = PhotoInit {
            cover_index: 2,
            ..base.clone()
        };
        assert!(matches!(
            c.body(),
            Err(PhotoInitError::CoverOutOfRange { .. })
        ));
        let many = urls(36);
        let m = PhotoInit {
            image_urls: &many,
            ..base
        };
        assert_eq!(m.body().unwrap_err(), PhotoInitError::ImageCount(36));
    }
}
