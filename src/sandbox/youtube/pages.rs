//! The sandbox's own HTML: Google's consent screen, its error page, and the owner's view of what
//! "YouTube" received. Self-contained (inline styles), so it needs nothing of Cast's layout.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#202124}\
.card{border:1px solid #dadce0;border-radius:8px;padding:1.5rem}.sandbox{background:#fef7e0;border:1px solid #f9ab00;border-radius:6px;padding:.5rem .8rem;font-size:.9rem}\
label{display:block;margin:.4rem 0}input[type=text]{width:100%;padding:.4rem;box-sizing:border-box}\
button{padding:.5rem 1.2rem;margin-right:.5rem}.error{color:#b3261e}code{background:#f1f3f4;padding:0 .2rem}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top;font-size:.9rem}";

pub struct ScopeChoice {
    pub name: String,
    pub description: &'static str,
    pub checked: bool,
}

/// Every parameter of the authorize request, carried through the form unchanged.
pub struct Carried {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub access_type: String,
    pub prompt: String,
    pub include_granted_scopes: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in - Google Accounts (Cast sandbox)</title><style>{{ style|safe }}</style></head><body>
<p class="sandbox">This is Cast's YouTube <strong>sandbox</strong>: nothing here reaches Google or YouTube.</p>
<div class="card">
<h1>Choose what {{ app_name }} can access</h1>
<p><strong>{{ app_name }}</strong> wants access to your Google Account.</p>
{% if let Some(e) = error %}<p class="error" role="alert">{{ e }}</p>{% endif %}
<form method="post" action="{{ action }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<input type="hidden" name="client_id" value="{{ carried.client_id }}">
<input type="hidden" name="redirect_uri" value="{{ carried.redirect_uri }}">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="scope" value="{{ carried.scope }}">
<input type="hidden" name="state" value="{{ carried.state }}">
<input type="hidden" name="access_type" value="{{ carried.access_type }}">
<input type="hidden" name="prompt" value="{{ carried.prompt }}">
<input type="hidden" name="include_granted_scopes" value="{{ carried.include_granted_scopes }}">
<input type="hidden" name="code_challenge" value="{{ carried.code_challenge }}">
<input type="hidden" name="code_challenge_method" value="{{ carried.code_challenge_method }}">
<label for="channel_name">YouTube channel name (each name is its own channel)</label>
<input type="text" id="channel_name" name="channel_name" value="{{ channel_name }}" maxlength="100">
<label><input type="checkbox" name="no_channel" value="1"{% if no_channel %} checked{% endif %}> This Google account has no YouTube channel</label>
<fieldset><legend>Permissions</legend>
{% for s in scopes %}<label><input type="checkbox" name="scopes" value="{{ s.name }}"{% if s.checked %} checked{% endif %}> {{ s.description }} <code>{{ s.name }}</code></label>
{% endfor %}</fieldset>
<p><button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="cancel">Cancel</button></p>
</form></div></body></html>"#
)]
pub struct ConsentPage {
    pub style: &'static str,
    pub app_name: &'static str,
    pub action: String,
    pub csrf_token: String,
    pub carried: Carried,
    pub scopes: Vec<ScopeChoice>,
    pub channel_name: String,
    pub no_channel: bool,
    pub error: Option<String>,
}

impl ConsentPage {
    pub fn new(
        action: String,
        csrf_token: String,
        carried: Carried,
        scopes: Vec<ScopeChoice>,
    ) -> Self {
        Self {
            style: STYLE,
            app_name: "Cast",
            action,
            csrf_token,
            carried,
            scopes,
            channel_name: "Cast Sandbox".into(),
            no_channel: false,
            error: None,
        }
    }
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error {{ status }}: {{ code }}</title><style>{{ style|safe }}</style></head><body>
<p class="sandbox">Cast's YouTube sandbox</p><div class="card"><h1>Access blocked: this request is invalid</h1>
<p><strong>Error {{ status }}: {{ code }}</strong></p><p>{{ message }}</p></div></body></html>"#
)]
struct ErrorPage<'a> {
    style: &'static str,
    status: u16,
    code: &'a str,
    message: &'a str,
}

pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "youtube sandbox: a page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

pub fn error_page(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    html(
        status,
        &ErrorPage {
            style: STYLE,
            status: status.as_u16(),
            code,
            message,
        },
    )
}

pub struct VideoRow {
    pub id: String,
    pub title: String,
    pub channel_id: String,
    pub size: i64,
    pub sha256: String,
    pub privacy: String,
    pub upload_status: String,
    pub processing_status: String,
    pub short: String,
    pub sessions: i64,
    pub created_at: String,
    pub video_url: String,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>YouTube sandbox: received videos</title><style>{{ style|safe }}</style></head><body>
<p class="sandbox">Cast's YouTube <strong>sandbox</strong>: what "YouTube" received. JSON: <a href="videos">_/videos</a>, quota: <a href="quota">_/quota</a>.</p>
<h1>Received videos</h1>
{% if videos.is_empty() %}<p>Nothing yet: publish a video to a YouTube channel in sandbox mode.</p>{% endif %}
{% for v in videos %}<div class="card"><h2>{{ v.title }}</h2>
<video controls preload="metadata" width="270" src="{{ v.video_url }}"></video>
<table><tr><th>id</th><td><code>{{ v.id }}</code></td></tr><tr><th>channel</th><td><code>{{ v.channel_id }}</code></td></tr>
<tr><th>status</th><td>{{ v.upload_status }} / {{ v.processing_status }}, {{ v.privacy }}</td></tr>
<tr><th>Short</th><td>{{ v.short }}</td></tr><tr><th>bytes</th><td>{{ v.size }}</td></tr>
<tr><th>sha256</th><td><code>{{ v.sha256 }}</code></td></tr><tr><th>sessions</th><td>{{ v.sessions }}</td></tr>
<tr><th>received</th><td>{{ v.created_at }}</td></tr></table></div>
{% endfor %}</body></html>"#
)]
pub struct VideosPage {
    pub style: &'static str,
    pub videos: Vec<VideoRow>,
}

impl VideosPage {
    pub fn new(videos: Vec<VideoRow>) -> Self {
        Self {
            style: STYLE,
            videos,
        }
    }
}
