//! User info (contract §3) and creator info (§4).

use serde::{Deserialize, Serialize};

use super::client::TikTokClient;
use super::envelope;
use super::error::TikTokError;
use super::privacy::PrivacyLevel;

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct UserInfo {
    #[serde(default)]
    pub open_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub avatar_url: String,
}

#[derive(Deserialize)]
struct UserInfoData {
    user: UserInfo,
}

/// What the posting screen is built from; TikTok requires asking afresh each time it is shown.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CreatorInfo {
    #[serde(default)]
    pub creator_avatar_url: String,
    #[serde(default)]
    pub creator_username: String,
    #[serde(default)]
    pub creator_nickname: String,
    /// Tolerant: a level Cast does not know is skipped rather than failing the whole answer.
    #[serde(default, deserialize_with = "known_levels")]
    pub privacy_level_options: Vec<PrivacyLevel>,
    #[serde(default)]
    pub comment_disabled: bool,
    #[serde(default)]
    pub duet_disabled: bool,
    #[serde(default)]
    pub stitch_disabled: bool,
    #[serde(default = "default_max_duration")]
    pub max_video_post_duration_sec: u32,
}

fn default_max_duration() -> u32 {
    // Everyone has at least 3 minutes (contract §8).
    180
}

fn known_levels<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PrivacyLevel>, D::Error> {
    let raw: Vec<String> = Vec::deserialize(d)?;
    Ok(raw.iter().filter_map(|s| PrivacyLevel::parse(s)).collect())
}

impl TikTokClient {
    pub async fn user_info(&self, access_token: &str) -> Result<UserInfo, TikTokError> {
        let res = self
            .http
            .get(self.endpoint("/v2/user/info/"))
            .timeout(self.timeouts.request)
            .query(&[("fields", "open_id,union_id,avatar_url,display_name")])
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| TikTokError::network(&e))?;
        Ok(envelope::read::<UserInfoData>(res).await?.user)
    }

    pub async fn creator_info(&self, access_token: &str) -> Result<CreatorInfo, TikTokError> {
        let res = self
            .http
            .post(self.endpoint("/v2/post/publish/creator_info/query/"))
            .timeout(self.timeouts.request)
            .bearer_auth(access_token)
            .header("Content-Type", "application/json; charset=UTF-8")
            .body("{}")
            .send()
            .await
            .map_err(|e| TikTokError::network(&e))?;
        envelope::read(res).await
    }
}
