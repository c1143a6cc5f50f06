//! The sandbox's HTML pages: the consent screen, its error page and the owner's view of what
//! "TikTok" received. They stand on their own (`templates/sandbox/tiktok/`), nothing of Cast's.

use askama::Template;

pub struct ScopeChoice {
    pub name: String,
    pub description: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "sandbox/tiktok/consent.html")]
pub struct ConsentPage {
    pub mount: &'static str,
    /// The owner's form token, from the gate.
    pub csrf_token: String,
    pub app_name: &'static str,
    pub action: String,
    pub client_key: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    /// Carried through the form, so the code remembers it; empty when none was sent.
    pub code_challenge: String,
    pub scopes: Vec<ScopeChoice>,
    pub username: String,
    pub error: Option<String>,
}

/// One received video, as the posts page shows it.
pub struct PostRow {
    pub publish_id: String,
    pub username: String,
    pub open_id: String,
    pub mode: String,
    pub title: String,
    pub privacy_level: String,
    pub size: i64,
    pub sha256: String,
    pub status: String,
    /// The badge's colour: `ok`, `warn` or `err` (classes of app.css).
    pub status_class: &'static str,
    pub fail_reason: String,
    pub post_ids: String,
    pub created: String,
    pub avatar_url: String,
    pub video_url: Option<String>,
    pub post_action: Option<String>,
}

#[derive(Template)]
#[template(path = "sandbox/tiktok/posts.html")]
pub struct PostsPage {
    pub mount: &'static str,
    pub csrf_token: String,
    pub posts: Vec<PostRow>,
}

#[derive(Template)]
#[template(path = "sandbox/tiktok/error.html")]
pub struct ErrorPage<'a> {
    pub mount: &'static str,
    pub message: &'a str,
}
