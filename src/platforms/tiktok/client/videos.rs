//! The video list (contract §7.1): the creator's public videos, newest first, used to find a
//! post's id when status fetch does not give it.

use serde_json::Value;

use super::client::TikTokClient;
use super::envelope;
use super::error::TikTokError;
use super::post_id::PostId;

/// The fields Cast asks for: enough to match a post by its caption and time.
const FIELDS: &str = "id,title,create_time,share_url";
/// The most the endpoint gives in one page.
pub const MAX_COUNT: u32 = 20;

/// One listed video. `title` is TikTok's first 150 characters of the caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedVideo {
    pub id: String,
    pub title: String,
    /// Unix seconds.
    pub create_time: i64,
}

impl ListedVideo {
    /// Tolerant: a video without a usable id is skipped; other fields default.
    fn from_value(v: &Value) -> Option<Self> {
        let id = match v.get("id")? {
            Value::String(s) => PostId::parse(s)?,
            n @ Value::Number(_) => PostId::parse(&n.to_string())?,
            _ => return None,
        };
        let create_time = match v.get("create_time") {
            Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
            Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
            _ => 0,
        };
        Some(Self {
            id: id.into_string(),
            title: v
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            create_time,
        })
    }
}

impl TikTokClient {
    /// The first page of the creator's public videos. Needs the `video.list` scope.
    pub async fn list_videos(&self, access_token: &str) -> Result<Vec<ListedVideo>, TikTokError> {
        let res = self
            .http
            .post(self.endpoint("/v2/video/list/"))
            .timeout(self.timeouts.request)
            .query(&[("fields", FIELDS)])
            .bearer_auth(access_token)
            .header("Content-Type", "application/json; charset=UTF-8")
            .body(serde_json::json!({ "max_count": MAX_COUNT }).to_string())
            .send()
            .await
            .map_err(|e| TikTokError::network(&e))?;
        let data: Value = envelope::read(res).await?;
        Ok(data
            .get("videos")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(ListedVideo::from_value).collect())
            .unwrap_or_default())
    }
}

/// Which listed video is the post Cast made (§7.1): the only one created no earlier than a
/// minute before Cast's init, whose title is the start of Cast's caption (both trimmed), and
/// that is not already another upload's post. None when no video, or several, qualify.
pub fn match_by_caption<'a>(
    videos: &'a [ListedVideo],
    caption: &str,
    initiated_at: i64,
    taken: &[String],
) -> Option<&'a ListedVideo> {
    let caption = caption.trim();
    let mut found = videos.iter().filter(|v| {
        let title = v.title.trim();
        v.create_time >= initiated_at - 60
            && starts_caption(caption, title)
            && !taken.contains(&v.id)
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// TikTok keeps the caption's first 150 characters: the title must be exactly that start.
fn starts_caption(caption: &str, title: &str) -> bool {
    let cut: String = caption.chars().take(150).collect();
    cut.trim() == title
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn video(id: &str, title: &str, at: i64) -> ListedVideo {
        ListedVideo {
            id: id.into(),
            title: title.into(),
            create_time: at,
        }
    }

    #[test]
    fn listed_videos_are_read_tolerantly() {
        let v = ListedVideo::from_value(
            &json!({"id": "7312345678901234567", "title": "Hi", "create_time": 1_700_000_000}),
        );
        assert_eq!(v, Some(video("7312345678901234567", "Hi", 1_700_000_000)));
        let n: Value = serde_json::from_str(r#"{"id": 7312345678901234567, "create_time": "5"}"#)
            .expect("json");
        assert_eq!(
            ListedVideo::from_value(&n),
            Some(video("7312345678901234567", "", 5))
        );
        assert_eq!(ListedVideo::from_value(&json!({"title": "no id"})), None);
        assert_eq!(ListedVideo::from_value(&json!({"id": "x/../"})), None);
    }

    #[test]
    fn the_one_video_with_the_caption_after_init_is_the_post() {
        let at = 1_000_000;
        let list = [
            video("1", "Sunset #beach", at + 30),
            video("2", "Other", at + 40),
            video("3", "Sunset #beach", at - 3600),
        ];
        let found = match_by_caption(&list, "  Sunset #beach ", at, &[]);
        assert_eq!(found.map(|v| v.id.as_str()), Some("1"));
        // Created up to a minute before init still counts (clocks differ).
        let early = [video("4", "Sunset #beach", at - 60)];
        assert!(match_by_caption(&early, "Sunset #beach", at, &[]).is_some());
        let too_early = [video("5", "Sunset #beach", at - 61)];
        assert!(match_by_caption(&too_early, "Sunset #beach", at, &[]).is_none());
    }

    #[test]
    fn two_candidates_or_a_taken_one_wait_for_the_next_poll() {
        let at = 1_000_000;
        let twins = [video("1", "Same", at + 1), video("2", "Same", at + 2)];
        assert!(match_by_caption(&twins, "Same", at, &[]).is_none());
        assert_eq!(
            match_by_caption(&twins, "Same", at, &["1".into()]).map(|v| v.id.as_str()),
            Some("2")
        );
    }

    #[test]
    fn long_captions_match_their_first_150_characters() {
        let caption = "é".repeat(200);
        let title: String = "é".repeat(150);
        let list = [video("9", &title, 10)];
        assert!(match_by_caption(&list, &caption, 10, &[]).is_some());
        let short = [video("9", &"é".repeat(149), 10)];
        assert!(match_by_caption(&short, &caption, 10, &[]).is_none());
    }
}
