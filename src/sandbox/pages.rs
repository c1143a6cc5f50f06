//! The sandbox's HTML pages: the consent screen and the owner's view of what "TikTok" received.

use askama::Template;
use askama_web::WebTemplate;

use crate::web::templates::Layout;

pub struct ScopeChoice {
    pub name: String,
    pub description: &'static str,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/consent.html")]
pub struct ConsentPage {
    pub layout: Layout,
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

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/posts.html")]
pub struct PostsPage {
    pub layout: Layout,
    pub posts: Vec<PostRow>,
}
