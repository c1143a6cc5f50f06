//! An event's body as TikTok sends it (contract §14, "The request"): the envelope, with the
//! event's fields as a JSON string in `content`.

use serde_json::{Value, json};

use super::super::CLIENT_KEY;

/// `publish_type`: documented for the inbox endpoints; `DIRECT_PUBLISH` for direct posts is the
/// Business API's word (contract §14, Unsure). A downgraded direct post was started on the
/// direct endpoint, so it keeps `DIRECT_PUBLISH`.
pub fn publish_type(mode: &str, downgraded: bool) -> &'static str {
    if mode == "inbox" && !downgraded {
        "INBOX_SHARE"
    } else {
        "DIRECT_PUBLISH"
    }
}

/// A `post_id` as a string or as a number, in turn (contract §12).
pub fn post_id_value(id: i64, as_string: bool) -> Value {
    if as_string {
        json!(id.to_string())
    } else {
        json!(id)
    }
}

pub fn envelope(event: &str, create_time_ms: i64, open_id: &str, content: &Value) -> String {
    json!({
        "client_key": CLIENT_KEY,
        "event": event,
        "create_time": create_time_ms.div_euclid(1000),
        "user_openid": open_id,
        "content": content.to_string(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_a_json_string_inside_the_envelope() {
        let body = envelope(
            "post.publish.complete",
            1_700_000_000_999,
            "open-1",
            &json!({"publish_id": "p1", "publish_type": "DIRECT_PUBLISH"}),
        );
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["create_time"], 1_700_000_000);
        assert_eq!(v["client_key"], "cast-sandbox");
        let content: Value =
            serde_json::from_str(v["content"].as_str().expect("a string")).expect("json inside");
        assert_eq!(content["publish_id"], "p1");
        assert_eq!(post_id_value(7, true), json!("7"));
        assert_eq!(post_id_value(7, false), json!(7));
        assert_eq!(publish_type("inbox", false), "INBOX_SHARE");
        assert_eq!(publish_type("inbox", true), "DIRECT_PUBLISH");
        assert_eq!(publish_type("direct", false), "DIRECT_PUBLISH");
    }
}
