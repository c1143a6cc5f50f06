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
    pub photos_js: String,
    pub accounts: Vec<crate::accounts::Account>,
    pub flash: Option<(String, String)>,
    /// TikTok can fetch photos (`TIKTOK_PULL_URL_PREFIX` is set); otherwise Photos mode shows
    /// the steps to set it up, with the prefix to verify (`{BASE_URL}/m/`).
    pub photos_ready: bool,
    pub links_prefix: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partials/tiktok_options.html")]
pub struct TikTokOptionsPartial {
    /// The account's place on the posting screen: its fields are named `t{slot}_…`.
    pub slot: usize,
    pub account: crate::accounts::Account,
    /// Creator info, or why this creator cannot post now.
    pub creator: Result<crate::platforms::tiktok::client::users::CreatorInfo, String>,
    pub unaudited: bool,
    pub max_duration_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partials/youtube_options.html")]
pub struct YouTubeOptionsPartial {
    /// The channel's place on the posting screen: its fields are named `t{slot}_…`.
    pub slot: usize,
    pub account: crate::accounts::Account,
    /// (id, name) of the categories offered, People & Blogs preselected.
    pub categories: &'static [(&'static str, &'static str)],
}

#[derive(Template, WebTemplate)]
#[template(path = "partials/instagram_options.html")]
pub struct InstagramOptionsPartial {
    /// The account's place on the posting screen: its fields are named `t{slot}_…`.
    pub slot: usize,
    pub account: crate::accounts::Account,
    /// "Business" or "Creator".
    pub account_type: Option<String>,
}

/// One target as the post's page shows it.
pub struct TargetCard {
    pub view: crate::posts::TargetView,
    /// "@poster on TikTok".
    pub account: String,
    pub summary: crate::platforms::Summary,
    pub platform_name: &'static str,
    pub post_id: String,
    pub publish_at: Option<i64>,
    /// What a platform that fetches from a public link fetched ("Instagram fetched 212 MB in
    /// 6 requests").
    pub fetched: Option<String>,
}

impl TargetCard {
    pub fn headline(&self) -> String {
        headline(
            &self.view.state,
            &self.view.awaiting_link,
            self.platform_name,
            &self.view.progress,
        )
    }

    /// 0 waiting, 1 uploading, 2 processing, 3 done: for the step list.
    pub fn step(&self) -> u8 {
        use crate::posts::TargetState as S;
        match self.view.state {
            S::Scheduled | S::Queued | S::Waiting | S::Cancelled => 0,
            S::Uploading => 1,
            S::Processing => 2,
            S::Published | S::InInbox | S::Failed => 3,
        }
    }

    pub fn post_url(&self) -> Option<String> {
        self.view.result.as_ref().and_then(|r| r.url.clone())
    }

    pub fn has_post_id(&self) -> bool {
        self.view
            .result
            .as_ref()
            .is_some_and(|r| r.post_id.is_some())
    }

    pub fn can(&self, action: crate::posts::Action) -> bool {
        self.view.actions.contains(&action)
    }

    pub fn action_url(&self, action: &str) -> String {
        format!("/posts/{}/targets/{}/{action}", self.post_id, self.view.id)
    }
}

/// A post as its page shows it.
pub struct PostCard {
    pub id: String,
    pub title: String,
    pub created_at: i64,
    pub size: u64,
    pub cards: Vec<TargetCard>,
    pub video_kept: bool,
}

impl PostCard {
    /// Post again is offered once the video reached a platform, while Cast still keeps it.
    pub fn can_post_again(&self) -> bool {
        use crate::posts::TargetState as S;
        self.video_kept
            && self
                .cards
                .iter()
                .any(|c| matches!(c.view.state, S::Published | S::InInbox))
    }

    /// Whether the page keeps asking for news: while a target moves, and (slowly) while a
    /// published post's link is awaited.
    pub fn poll_every(&self) -> Option<&'static str> {
        if self.cards.iter().any(|c| !c.view.state.is_final()) {
            Some("every 2s")
        } else if self.cards.iter().any(|c| c.view.awaiting_link) {
            Some("every 30s")
        } else {
            None
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/post.html")]
pub struct PostPage {
    pub layout: Layout,
    pub post: PostCard,
    pub csrf: String,
    /// Connected accounts the post may still go to (Post again); empty hides the action.
    pub again: Vec<crate::accounts::Account>,
}

#[derive(Template)]
#[template(path = "partials/post_status.html")]
pub struct PostStatusPartial<'a> {
    pub post: &'a PostCard,
    pub csrf: &'a str,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub posts: Vec<crate::posts::history::HistoryPost>,
    pub older: Option<String>,
    pub first_page: bool,
}

/// The step a target is at, in words.
pub fn headline(
    state: &crate::posts::TargetState,
    awaiting_link: &bool,
    platform: &str,
    percent: &u8,
) -> String {
    use crate::posts::TargetState as S;
    let awaiting_link = *awaiting_link;
    match *state {
        S::Scheduled => "Scheduled".into(),
        S::Queued => "Waiting to start".into(),
        S::Uploading => format!("Uploading to {platform} {percent}%"),
        S::Processing => {
            format!("{platform} is processing the video (this can take a few minutes)")
        }
        S::Waiting => format!("Waiting for {platform}'s limit"),
        S::Published if awaiting_link => {
            format!("Published; {platform} has not given the link yet")
        }
        S::Published => "Published".into(),
        S::InInbox => format!("In your {platform} inbox"),
        S::Failed => "Failed".into(),
        S::Cancelled => "Cancelled".into(),
    }
}

/// "12.3 MB".
pub fn megabytes(size: impl std::borrow::Borrow<u64>) -> String {
    format!("{:.1} MB", *size.borrow() as f64 / 1e6)
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
    /// "TikTok", "TikTok and YouTube".
    pub platforms: String,
    /// Said whether or not the video is taken (YouTube's Short verdict): platform id, sentence.
    pub advice: Vec<(&'static str, String)>,
}

/// A problem as the posting screen shows it: which account it is about, when it is about one.
pub struct ShownProblem {
    pub code: &'static str,
    pub message: String,
    pub target: Option<String>,
}

#[derive(Template)]
#[template(path = "partials/post_errors.html")]
pub struct PostErrorsPartial<'a> {
    pub problems: &'a [ShownProblem],
}

/// One setting of a notification channel as the settings page shows it: secrets only as "set".
pub struct SettingRow {
    pub name: &'static str,
    /// `None`: not set.
    pub value: Option<String>,
}

/// One channel on the settings page.
pub struct ChannelCard {
    pub status: crate::notify::ChannelStatus,
    pub rows: Vec<SettingRow>,
    /// The outcome of "Send a test" just pressed on this channel (plain form, no HTMX).
    pub result: Option<TestResultPartial>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub channels: Vec<ChannelCard>,
    /// `TIKTOK_PULL_URL_PREFIX`, when set.
    pub pull_prefix: Option<String>,
    /// The prefix to verify in TikTok's portal: `BASE_URL/m/`.
    pub links_prefix: String,
    /// The verification file was just saved.
    pub verification_saved: bool,
}

/// "Send a test" answered: arrived, or why not.
#[derive(Clone, Template, WebTemplate)]
#[template(path = "partials/test_result.html")]
pub struct TestResultPartial {
    pub channel: crate::config::notify::Channel,
    pub ok: bool,
    pub message: String,
}

impl TestResultPartial {
    pub fn from_outcome(
        channel: crate::config::notify::Channel,
        outcome: Result<(), crate::notify::SendError>,
    ) -> Self {
        let (ok, message) = match outcome {
            Ok(()) => (
                true,
                format!("Sent: {} accepted the test message.", channel.label()),
            ),
            Err(e) => (false, format!("Not sent: {}", e.message())),
        };
        Self {
            channel,
            ok,
            message,
        }
    }
}
