//! Reels containers (contract sections 4, 5, 6 and 8): create one from a URL, read its status,
//! publish it, read the permalink, and the account's publishing quota.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::client::{InstagramClient, int, text};
use super::error::{ErrorKind, InstagramError};
use super::ids::Id;
use super::oauth::single;
use super::options::InstagramOptions;
use crate::config::Secret;

/// What the container is doing (section 5), read from `status_code` and, failing that, from
/// the first word of `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    InProgress,
    Finished,
    Published,
    Error,
    Expired,
    /// A value Cast does not know: poll again, within the job's overall limit.
    Unknown(String),
}

impl ContainerState {
    fn parse(raw: &str) -> Self {
        let word = raw
            .trim()
            .split([':', ' ', '.'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match word.as_str() {
            "IN_PROGRESS" | "IN" | "INPROGRESS" => Self::InProgress,
            "FINISHED" => Self::Finished,
            "PUBLISHED" => Self::Published,
            "ERROR" => Self::Error,
            "EXPIRED" => Self::Expired,
            _ => Self::Unknown(raw.trim().to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    pub container_id: String,
    pub state: ContainerState,
    /// Free text (never parsed as an enum), kept to show.
    pub status: Option<String>,
    /// A 7-digit `error code NNNNNNN` found in `status`, when there is one.
    pub error_subcode: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaItem {
    pub id: String,
    pub caption: Option<String>,
    pub permalink: Option<String>,
    pub timestamp: Option<String>,
    pub media_product_type: Option<String>,
}

/// `content_publishing_limit` (section 8). Never hard-code the cap: read `quota_total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishingLimit {
    pub quota_usage: u32,
    pub quota_total: Option<u32>,
    pub quota_duration: Option<Duration>,
}

impl PublishingLimit {
    pub fn exhausted(&self) -> bool {
        self.quota_total.is_some_and(|t| self.quota_usage >= t)
    }

    pub fn remaining(&self) -> Option<u32> {
        self.quota_total.map(|t| t.saturating_sub(self.quota_usage))
    }
}

/// What the container is made from: the public link Cast serves, and the owner's options.
#[derive(Debug, Clone)]
pub struct ReelRequest<'a> {
    pub video_url: &'a str,
    /// A JPEG cover Meta also fetches; when given, Meta ignores `thumb_offset`.
    pub cover_url: Option<&'a str>,
    pub options: &'a InstagramOptions,
}

#[derive(Deserialize)]
struct IdAnswer {
    id: Id,
}

/// The 7 digits after "error code" in a status sentence.
fn subcode_in(status: &str) -> Option<i64> {
    let lower = status.to_ascii_lowercase();
    let at = lower.find("error code")? + "error code".len();
    let digits: String = lower[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.len() == 7).then(|| digits.parse().ok()).flatten()
}

impl InstagramClient {
    /// `POST /{user_id}/media` with `media_type=REELS`: a container, whose id proves nothing
    /// about the video yet. Store the id before doing anything else (section 12).
    pub async fn create_reel_container(
        &self,
        token: &Secret,
        user_id: &str,
        reel: &ReelRequest<'_>,
    ) -> Result<String, InstagramError> {
        let thumb = reel.options.thumb_offset_ms.map(|t| t.to_string());
        let collaborators = (!reel.options.collaborators.is_empty())
            .then(|| serde_json::to_string(&reel.options.collaborators).unwrap_or_default());
        let mut params = vec![
            ("media_type", "REELS"),
            ("video_url", reel.video_url),
            ("caption", reel.options.caption.as_str()),
            (
                "share_to_feed",
                if reel.options.share_to_feed {
                    "true"
                } else {
                    "false"
                },
            ),
        ];
        if let Some(cover) = reel.cover_url {
            params.push(("cover_url", cover));
        } else if let Some(thumb) = &thumb {
            params.push(("thumb_offset", thumb));
        }
        if let Some(c) = &collaborators {
            params.push(("collaborators", c));
        }
        params.push(("access_token", token.expose()));
        let answer = self
            .post_form(&self.graph(&format!("{user_id}/media")), &params)
            .await?;
        let parsed: IdAnswer = single(&answer.body)?;
        Ok(parsed.id.0)
    }

    /// `GET /{container_id}?fields=status_code,status`. A failed poll is retryable unless it is
    /// a 190 (an outage once answered 100/33 for days, section 5).
    pub async fn container_status(
        &self,
        token: &Secret,
        container_id: &str,
    ) -> Result<ContainerStatus, InstagramError> {
        let answer = self
            .get(
                &self.graph(container_id),
                &[
                    ("fields", "status_code,status"),
                    ("access_token", token.expose()),
                ],
            )
            .await
            .map_err(|e| match e.kind {
                ErrorKind::Reconnect if e.token_rejected() => e,
                ErrorKind::Permanent | ErrorKind::NewContainer if e.code.is_some() => {
                    e.with_kind(ErrorKind::Retry)
                }
                _ => e,
            })?;
        let v: Value = single(&answer.body)?;
        let status = text(v.get("status")).filter(|s| !s.trim().is_empty());
        let code = text(v.get("status_code")).filter(|s| !s.trim().is_empty());
        let state = match (&code, &status) {
            (Some(code), _) => ContainerState::parse(code),
            (None, Some(status)) => ContainerState::parse(status),
            (None, None) => ContainerState::Unknown(String::new()),
        };
        Ok(ContainerStatus {
            container_id: text(v.get("id")).unwrap_or_else(|| container_id.to_string()),
            state,
            error_subcode: status.as_deref().and_then(subcode_in),
            status,
        })
    }

    /// `POST /{user_id}/media_publish`: the media id. Not to be called again after a lost
    /// answer; see `publish_settled`.
    pub async fn media_publish(
        &self,
        token: &Secret,
        user_id: &str,
        container_id: &str,
    ) -> Result<String, InstagramError> {
        let answer = self
            .post_form(
                &self.graph(&format!("{user_id}/media_publish")),
                &[
                    ("creation_id", container_id),
                    ("access_token", token.expose()),
                ],
            )
            .await?;
        let parsed: IdAnswer = single(&answer.body)?;
        Ok(parsed.id.0)
    }

    /// `GET /{media_id}?fields=permalink`: best effort; the post is live whatever this answers.
    pub async fn permalink(
        &self,
        token: &Secret,
        media_id: &str,
    ) -> Result<String, InstagramError> {
        let answer = self
            .get(
                &self.graph(media_id),
                &[("fields", "permalink"), ("access_token", token.expose())],
            )
            .await?;
        let v: Value = single(&answer.body)?;
        text(v.get("permalink"))
            .filter(|p| p.starts_with("https://"))
            .ok_or_else(|| InstagramError::unreadable(Some(answer.status), "no permalink"))
    }

    /// The account's latest media, newest first: how a reel whose publish answer was lost is
    /// found again.
    pub async fn recent_media(
        &self,
        token: &Secret,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<MediaItem>, InstagramError> {
        let limit = limit.clamp(1, 50).to_string();
        let answer = self
            .get(
                &self.graph(&format!("{user_id}/media")),
                &[
                    (
                        "fields",
                        "id,caption,permalink,timestamp,media_product_type",
                    ),
                    ("limit", &limit),
                    ("access_token", token.expose()),
                ],
            )
            .await?;
        let v: Value = serde_json::from_str(&answer.body)
            .map_err(|_| InstagramError::unreadable(Some(answer.status), "media list not JSON"))?;
        let items = v
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(items
            .iter()
            .filter_map(|m| {
                // Ids as text, from the raw JSON: see `ids`.
                let raw = serde_json::to_string(m.get("id")?).ok()?;
                Some(MediaItem {
                    id: Id::from_raw(&raw)?.0,
                    caption: text(m.get("caption")),
                    permalink: text(m.get("permalink")),
                    timestamp: text(m.get("timestamp")),
                    media_product_type: text(m.get("media_product_type")),
                })
            })
            .collect())
    }

    /// `GET /{user_id}/content_publishing_limit?fields=quota_usage,config`. Advisory: a failed
    /// check never blocks publishing, since `media_publish` enforces the cap anyway.
    pub async fn publishing_limit(
        &self,
        token: &Secret,
        user_id: &str,
    ) -> Result<PublishingLimit, InstagramError> {
        let answer = self
            .get(
                &self.graph(&format!("{user_id}/content_publishing_limit")),
                &[
                    ("fields", "quota_usage,config"),
                    ("access_token", token.expose()),
                ],
            )
            .await?;
        let v: Value = single(&answer.body)?;
        let config = v.get("config");
        Ok(PublishingLimit {
            quota_usage: int(v.get("quota_usage"))
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            quota_total: int(config.and_then(|c| c.get("quota_total")))
                .and_then(|n| u32::try_from(n).ok()),
            quota_duration: int(config.and_then(|c| c.get("quota_duration")))
                .and_then(|n| u64::try_from(n).ok())
                .map(Duration::from_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_read_from_status_code_then_from_the_sentence() {
        assert_eq!(
            ContainerState::parse("IN_PROGRESS"),
            ContainerState::InProgress
        );
        assert_eq!(
            ContainerState::parse("In Progress: Media is still being processed."),
            ContainerState::InProgress
        );
        assert_eq!(
            ContainerState::parse("Published: Media has been successfully published."),
            ContainerState::Published
        );
        assert_eq!(
            ContainerState::parse("Error: Media upload has failed with error code 2207026"),
            ContainerState::Error
        );
        assert_eq!(ContainerState::parse("finished"), ContainerState::Finished);
        assert!(matches!(
            ContainerState::parse("SOMETHING_NEW"),
            ContainerState::Unknown(_)
        ));
        assert_eq!(
            subcode_in("Error: Media upload has failed with error code 2207026"),
            Some(2207026)
        );
        assert_eq!(subcode_in("ERROR"), None);
        assert_eq!(subcode_in("error code 12"), None);
    }

    #[test]
    fn the_quota_is_read_never_assumed() {
        let full = PublishingLimit {
            quota_usage: 50,
            quota_total: Some(50),
            quota_duration: None,
        };
        assert!(full.exhausted());
        let unknown = PublishingLimit {
            quota_usage: 99,
            quota_total: None,
            quota_duration: None,
        };
        assert!(!unknown.exhausted() && unknown.remaining().is_none());
    }
}
