//! The connected channel (`channels.list mine=true`) and the category picker
//! (`videoCategories.list`), contract section 3.

use serde_json::Value;

use super::client::YouTubeClient;
use super::error::YouTubeError;

/// What the dashboard card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// `UC` + 22 characters.
    pub id: String,
    pub title: String,
    /// `@handle` (`snippet.customUrl`), when the channel has one.
    pub handle: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub assignable: bool,
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads `items[0]`. A missing `items`, an empty one and `totalResults: 0` all mean the Google
/// account has no channel (recorded: the key is simply absent).
pub fn parse_channel(body: &Value) -> Result<Channel, YouTubeError> {
    let item = body["items"]
        .as_array()
        .and_then(|items| items.first())
        .ok_or_else(YouTubeError::no_channel)?;
    let id = text(&item["id"]).ok_or_else(YouTubeError::no_channel)?;
    let snippet = &item["snippet"];
    let thumbnails = &snippet["thumbnails"];
    let avatar_url = ["default", "medium", "high"]
        .iter()
        .find_map(|size| text(&thumbnails[size]["url"]));
    Ok(Channel {
        title: text(&snippet["title"]).unwrap_or_else(|| id.clone()),
        handle: text(&snippet["customUrl"]).map(|h| {
            if h.starts_with('@') {
                h
            } else {
                format!("@{h}")
            }
        }),
        avatar_url,
        id,
    })
}

pub fn parse_categories(body: &Value) -> Vec<Category> {
    body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some(Category {
                        id: text(&item["id"])?,
                        title: text(&item["snippet"]["title"]).unwrap_or_default(),
                        assignable: item["snippet"]["assignable"].as_bool().unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

impl YouTubeClient {
    /// The channel this grant posts to. 1 quota unit.
    pub async fn channel(&self, access_token: &str) -> Result<Channel, YouTubeError> {
        let body = self
            .get_json(
                access_token,
                &self.api_endpoint("/channels"),
                &[("part", "id,snippet"), ("mine", "true")],
            )
            .await?;
        parse_channel(&body)
    }

    /// Categories for `region_code` (ISO 3166-1 alpha-2, e.g. `US`). 1 quota unit.
    pub async fn categories(
        &self,
        access_token: &str,
        region_code: &str,
    ) -> Result<Vec<Category>, YouTubeError> {
        let body = self
            .get_json(
                access_token,
                &self.api_endpoint("/videoCategories"),
                &[("part", "snippet"), ("regionCode", region_code)],
            )
            .await?;
        Ok(parse_categories(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_channel_is_read_from_the_first_item() {
        let c = parse_channel(&json!({"items": [{"id": "UCabcdefghijklmnopqrstuv", "snippet": {"title": "Cast Test", "customUrl": "casttest", "thumbnails": {"default": {"url": "https://yt3/a.jpg"}}}}]})).expect("a channel");
        assert_eq!(c.handle.as_deref(), Some("@casttest"));
        assert_eq!(c.avatar_url.as_deref(), Some("https://yt3/a.jpg"));
        assert_eq!(c.title, "Cast Test");
    }

    #[test]
    fn no_items_in_any_form_means_no_channel() {
        for body in [
            json!({"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}}),
            json!({"items": []}),
            json!({"items": [{"snippet": {}}]}),
        ] {
            let e = parse_channel(&body).expect_err("no channel");
            assert!(e.needs_channel(), "{body}");
        }
    }
}
