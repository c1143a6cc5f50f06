//! Publishing a finished container exactly once (contract sections 6 and 12).
//!
//! `media_publish` is never repeated blindly. Before each call the container's status says
//! whether it is already live; after a lost answer (timeout, cut connection, 5xx) the status is
//! read again, and `PUBLISHED` means the reel is live: its media id is then found among the
//! account's latest media, or the profile is linked instead.

use super::client::InstagramClient;
use super::error::{ErrorKind, InstagramError};
use super::media::{ContainerState, MediaItem};
use crate::config::Secret;

/// A container to publish, with what identifies its reel if the answer is lost.
#[derive(Debug, Clone)]
pub struct PublishRequest<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub container_id: &'a str,
    pub caption: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Unknown when the publish answer was lost and no recent media matched.
    pub media_id: Option<String>,
    /// The reel's permalink, or the profile's URL when it could not be read.
    pub url: String,
    /// True when Cast learned of the publish from the container's status, not the answer.
    pub settled_by_status: bool,
}

impl InstagramClient {
    /// Publishes `req.container_id` unless it already is; safe to call again after any error.
    pub async fn publish_settled(
        &self,
        token: &Secret,
        req: &PublishRequest<'_>,
    ) -> Result<Published, InstagramError> {
        match self.container_status(token, req.container_id).await?.state {
            ContainerState::Published => return Ok(self.found(token, req).await),
            ContainerState::Finished => {}
            // Meta gives an ERROR container's reason only through media_publish (section 5).
            ContainerState::Error => {}
            ContainerState::Expired => {
                return Err(InstagramError::refused(
                    "container_expired",
                    "The upload expired at Instagram (24 hours) before it was published. Cast will start it again with a new link.",
                    ErrorKind::NewContainer,
                ));
            }
            ContainerState::InProgress | ContainerState::Unknown(_) => {
                return Err(InstagramError::refused(
                    "not_ready",
                    "Instagram is still processing the video. Cast will wait and publish it then.",
                    ErrorKind::Retry,
                ));
            }
        }
        match self
            .media_publish(token, req.user_id, req.container_id)
            .await
        {
            Ok(media_id) => {
                let url = match self.permalink(token, &media_id).await {
                    Ok(url) => url,
                    Err(e) => {
                        tracing::info!(error = %e, "instagram: permalink not read; linking the profile");
                        profile_url(req.username)
                    }
                };
                Ok(Published {
                    media_id: Some(media_id),
                    url,
                    settled_by_status: false,
                })
            }
            Err(e) if e.answer_lost() => {
                tracing::warn!(
                    container = req.container_id,
                    "instagram: media_publish answer lost; reading the container's status"
                );
                match self.container_status(token, req.container_id).await {
                    Ok(s) if s.state == ContainerState::Published => {
                        Ok(self.found(token, req).await)
                    }
                    // Not live (or not known to be): the next attempt reads the status first.
                    _ => Err(e.with_kind(ErrorKind::Retry)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The reel a lost answer published: the newest media with our caption.
    async fn found(&self, token: &Secret, req: &PublishRequest<'_>) -> Published {
        let media = self
            .recent_media(token, req.user_id, 10)
            .await
            .unwrap_or_default();
        match matching(&media, req.caption) {
            Some(item) => Published {
                media_id: Some(item.id.clone()),
                url: item
                    .permalink
                    .clone()
                    .unwrap_or_else(|| profile_url(req.username)),
                settled_by_status: true,
            },
            None => Published {
                media_id: None,
                url: profile_url(req.username),
                settled_by_status: true,
            },
        }
    }
}

fn matching<'a>(media: &'a [MediaItem], caption: &str) -> Option<&'a MediaItem> {
    media.iter().find(|m| {
        m.caption.as_deref().unwrap_or("").trim() == caption.trim()
            && m.media_product_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("REELS"))
    })
}

pub fn profile_url(username: &str) -> String {
    format!(
        "https://www.instagram.com/{}/",
        username.trim_start_matches('@')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, caption: &str, kind: &str) -> MediaItem {
        MediaItem {
            id: id.into(),
            caption: Some(caption.into()),
            permalink: Some(format!("https://www.instagram.com/reel/{id}/")),
            timestamp: None,
            media_product_type: Some(kind.into()),
        }
    }

    #[test]
    fn the_lost_reel_is_the_newest_reel_with_our_caption() {
        let media = [
            item("3", "other", "REELS"),
            item("2", "ours", "FEED"),
            item("1", "ours", "REELS"),
        ];
        assert_eq!(matching(&media, " ours ").map(|m| m.id.as_str()), Some("1"));
        assert!(matching(&media, "missing").is_none());
        assert_eq!(profile_url("@lima"), "https://www.instagram.com/lima/");
    }
}
