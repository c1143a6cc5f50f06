//! The template structs: one per page or fragment. Pages embed a `Layout` for the frame around them.

use askama::Template;
use askama_web::WebTemplate;

use crate::web::assets;

/// "3 Nov 2026" from a unix time, for cards and lists.
pub fn date(unix: &i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(*unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// A platform Cast talks to through its built-in emulator, as the sandbox banner names it.
#[derive(Debug, Clone)]
pub struct Emulated {
    /// "TikTok".
    pub name: &'static str,
    /// The emulator's page of what it received, for the owner.
    pub received_url: String,
    /// What turns the real platform on, e.g. "Set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET".
    pub real_with: &'static str,
}

/// What the frame of every page needs: asset URLs, the sandbox banner, the CSRF token.
pub struct Layout {
    /// The platforms running against their emulators (the banner says so); none in production.
    pub emulated: Vec<Emulated>,
    pub logged_in: bool,
    pub csrf: String,
    pub css_pico: String,
    pub css_app: String,
    pub js_htmx: String,
    pub js_app: String,
    pub favicon: String,
    pub version: &'static str,
}

impl Layout {
    pub fn new(emulated: Vec<Emulated>, logged_in: bool, csrf: String) -> Self {
        Self {
            emulated,
            logged_in,
            csrf,
            css_pico: assets::url("pico.min.css"),
            css_app: assets::url("app.css"),
            js_htmx: assets::url("htmx.min.js"),
            js_app: assets::url("app.js"),
            favicon: assets::url("favicon.svg"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// For error pages rendered where the session may not be at hand.
    pub fn bare() -> Self {
        Self::new(Vec::new(), false, String::new())
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage<'a> {
    pub layout: Layout,
    pub status: u16,
    pub message: &'a str,
    pub request_id: &'a str,
}

#[derive(Template)]
#[template(path = "partials/toast.html")]
pub struct Toast<'a> {
    pub kind: &'a str,
    pub message: &'a str,
    pub request_id: &'a str,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/setup.html")]
pub struct SetupPage {
    pub layout: Layout,
    pub token: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub tus_js: String,
    pub post_js: String,
    pub accounts: Vec<crate::accounts::Account>,
    pub flash: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "partials/post_form.html")]
pub struct PostFormPartial {
    pub csrf: String,
    pub account: crate::accounts::Account,
    /// Creator info, or why this creator cannot post now.
    pub creator: Result<crate::platforms::tiktok::client::users::CreatorInfo, String>,
    pub unaudited: bool,
    pub max_duration_label: String,
}

/// One upload as the status page and History show it.
pub struct UploadCard {
    pub view: crate::uploads::UploadView,
    pub handle: String,
    pub percent: u64,
    pub post_url: Option<String>,
    pub is_final: bool,
    /// The buttons `uploads::lifecycle` allows.
    pub can_retry: bool,
    pub can_check_again: bool,
    pub can_send_again: bool,
    pub can_cancel: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/upload.html")]
pub struct UploadPage {
    pub layout: Layout,
    pub card: UploadCard,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "partials/upload_status.html")]
pub struct UploadStatusPartial<'a> {
    pub card: &'a UploadCard,
    pub csrf: &'a str,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub cards: Vec<UploadCard>,
    pub older: Option<String>,
    pub first_page: bool,
}

/// RFC 3339 in UTC, for `<time datetime>`; the page shows it in the owner's time zone.
pub fn rfc3339(unix: impl std::borrow::Borrow<i64>) -> String {
    time::OffsetDateTime::from_unix_timestamp(*unix.borrow())
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "partials/video_check.html")]
pub struct VideoCheckPartial {
    pub ok: bool,
    pub summary: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "partials/post_errors.html")]
pub struct PostErrorsPartial<'a> {
    pub problems: &'a [crate::uploads::Problem],
}
