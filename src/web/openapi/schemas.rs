//! The shapes of the JSON API's bodies that handlers build on the spot, for the OpenAPI
//! document. The posts' own views (`PostView`, `TargetView`) carry their schema themselves.

#![allow(dead_code)] // Read by utoipa's derives, never constructed.

use utoipa::ToSchema;

use crate::posts::PostView;

/// A post, as every post route answers.
#[derive(ToSchema)]
pub struct PostAnswer {
    pub post: PostView,
}

/// `GET /api/posts`: newest first.
#[derive(ToSchema)]
pub struct PostsPage {
    pub posts: Vec<PostView>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<String>,
}

/// `POST /api/posts`, multipart.
#[derive(ToSchema)]
pub struct PostForm {
    /// The video file, streamed to disk. Leave it out for `upload_id` or a TikTok photo post.
    #[schema(value_type = Option<String>, format = Binary)]
    pub video: Option<Vec<u8>>,
    /// A TikTok photo post (a carousel) instead of a video: 1 to 35 `image` parts, JPEG or WebP,
    /// each at most 20,000,000 bytes and 1080p, in the order shown. TikTok targets only, and only
    /// with `TIKTOK_PULL_URL_PREFIX` set; such a target may carry `title` (at most 90),
    /// `description` (at most 4000) and `photo_cover_index` (from 0).
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub image: Option<Vec<Vec<u8>>>,
    /// A browser (tus) upload's id, in place of `video`: finished, or still arriving (the post
    /// is accepted at once and published as the bytes arrive, once the video passes its check).
    pub upload_id: Option<String>,
    /// The video's exact length in bytes, sent with `targets` before `video`: the post is then
    /// accepted as the video begins and published while it arrives; 422 `video_cut` when the
    /// part is of another length or breaks off, `video_refused` when the whole video fails the
    /// check (that post fails, nothing posted, and its Idempotency-Key is free again).
    pub video_size: Option<u64>,
    /// A JSON array of `{"platform", "account", …the platform's options}`.
    #[schema(
        example = r#"[{"platform":"tiktok","account":"<open_id>","privacy_level":"SELF_ONLY"}]"#
    )]
    pub targets: String,
    /// When to publish (RFC 3339); now when absent.
    pub publish_at: Option<String>,
}

/// `POST /api/posts/{id}/targets`: more accounts for the post's video.
#[derive(ToSchema)]
pub struct MoreTargets {
    /// The same objects as `POST /api/posts`'s `targets`.
    #[schema(
        value_type = Vec<Object>,
        example = json!([{"platform": "youtube", "account": "<channel_id>", "privacy_status": "unlisted"}])
    )]
    pub targets: Vec<serde_json::Value>,
    /// When to publish them (RFC 3339); now when absent.
    pub publish_at: Option<String>,
}

/// `POST …/retry`: `resend` sends the file again even though the platform has it.
#[derive(ToSchema)]
pub struct RetryBody {
    pub resend: Option<bool>,
}

/// One problem of a refused request.
#[derive(ToSchema)]
pub struct Problem {
    pub code: String,
    pub message: String,
    /// The 0-based index of the target it is about; absent when it is about the post.
    pub target: Option<usize>,
}

/// Every refusal: `{"error": {…}}`.
#[derive(ToSchema)]
pub struct ErrorAnswer {
    pub error: ErrorBody,
}

#[derive(ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// Every problem at once (422).
    pub problems: Option<Vec<Problem>>,
    pub request_id: Option<String>,
}

/// `GET /api/me`.
#[derive(ToSchema)]
pub struct Me {
    pub version: String,
    /// `sandbox` or `tiktok`.
    pub mode: String,
    pub base_url: String,
}

/// A consent page to open, and the attempt's state.
#[derive(ToSchema)]
pub struct AuthUrl {
    pub url: String,
    pub state: String,
}

/// The redirect's query, as a script received it.
#[derive(ToSchema)]
pub struct OAuthLogin {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

#[derive(ToSchema)]
pub struct TikTokAccount {
    pub open_id: String,
    pub platform: String,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    /// `active` or `needs_reconnect`.
    pub status: String,
    pub status_reason: String,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
    pub connected_at: i64,
}

#[derive(ToSchema)]
pub struct TikTokAccountAnswer {
    pub account: TikTokAccount,
}

#[derive(ToSchema)]
pub struct TikTokAccounts {
    pub accounts: Vec<TikTokAccount>,
}

#[derive(ToSchema)]
pub struct TikTokLogout {
    /// Which account; may be left out when only one is connected.
    pub open_id: Option<String>,
}

#[derive(ToSchema)]
pub struct CreatorInfoAnswer {
    pub open_id: String,
    /// TikTok's `creator_info` as it answered.
    #[schema(value_type = Object)]
    pub creator_info: serde_json::Value,
}

#[derive(ToSchema)]
pub struct YouTubeChannel {
    pub channel_id: String,
    pub platform: String,
    pub title: String,
    pub handle: Option<String>,
    pub avatar_url: String,
    pub status: String,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
    pub connected_at: i64,
    /// Why it needs reconnecting, or when Google ends the grant.
    pub reason: Option<String>,
}

#[derive(ToSchema)]
pub struct YouTubeChannelAnswer {
    pub account: YouTubeChannel,
}

#[derive(ToSchema)]
pub struct YouTubeChannels {
    pub channels: Vec<YouTubeChannel>,
}

#[derive(ToSchema)]
pub struct YouTubeLogout {
    /// Which channel; may be left out when only one is connected.
    pub channel_id: Option<String>,
}

#[derive(ToSchema)]
pub struct Disconnected {
    pub disconnected: String,
}

#[derive(ToSchema)]
pub struct InstagramAccount {
    /// The professional account's Instagram id, as text (it exceeds 2^53).
    pub user_id: String,
    pub platform: String,
    pub username: String,
    pub name: String,
    /// "Business" or "Creator".
    pub account_type: Option<String>,
    pub profile_picture_url: String,
    pub status: String,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
    pub connected_at: i64,
    /// Why it needs reconnecting.
    pub reason: Option<String>,
}

#[derive(ToSchema)]
pub struct InstagramAccountAnswer {
    pub account: InstagramAccount,
}

#[derive(ToSchema)]
pub struct InstagramAccounts {
    pub accounts: Vec<InstagramAccount>,
}

#[derive(ToSchema)]
pub struct InstagramLogout {
    /// Which account; may be left out when only one is connected.
    pub user_id: Option<String>,
}

#[derive(ToSchema)]
pub struct InstagramDisconnected {
    pub disconnected: String,
    /// Instagram Login has no revoke: where the owner can also remove Cast.
    pub note: String,
}
