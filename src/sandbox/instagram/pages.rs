//! The sandbox's HTML: the consent screen, the owner's view of what it received, and an error
//! page. Self-contained (no Cast layout), since the sandbox stands beside Cast.

use askama::Template;

pub struct ScopeChoice {
    pub name: String,
    pub description: &'static str,
    pub checked: bool,
}

pub struct TypeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in to Instagram · Cast sandbox</title></head>
<body>
<main id="instagram-consent">
  <p><small>Instagram · Cast sandbox</small></p>
  <h1>Allow {{ app_name }} to access your Instagram account?</h1>
  {% if let Some(error) = error %}<p role="alert" id="consent-error">{{ error }}</p>{% endif %}
  <form method="post" action="{{ action }}">
    <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
    <input type="hidden" name="client_id" value="{{ client_id }}">
    <input type="hidden" name="redirect_uri" value="{{ redirect_uri }}">
    <input type="hidden" name="response_type" value="code">
    <input type="hidden" name="scope" value="{{ scope }}">
    <input type="hidden" name="state" value="{{ state }}">
    <p><label for="username">Instagram username</label>
    <input type="text" id="username" name="username" value="{{ username }}" required pattern="[A-Za-z0-9._]{1,30}" autocomplete="off"></p>
    <p><small>Each username is a separate sandbox account with its own ids.</small></p>
    <p><label for="account_type">Account type</label>
    <select id="account_type" name="account_type">
      {% for t in types %}<option value="{{ t.value }}"{% if t.selected %} selected{% endif %}>{{ t.label }}</option>{% endfor %}
    </select></p>
    <fieldset><legend>{{ app_name }} will be able to:</legend>
      {% for s in scopes %}<label><input type="checkbox" name="scopes" value="{{ s.name }}"{% if s.checked %} checked{% endif %}> {{ s.description }} <small>({{ s.name }})</small></label><br>{% endfor %}
    </fieldset>
    <p><button type="submit" name="decision" value="allow" id="allow">Allow</button>
    <button type="submit" name="decision" value="cancel" id="cancel" formnovalidate>Cancel</button></p>
  </form>
  <p><small>This is Cast's Instagram sandbox: nothing here reaches Instagram.</small></p>
</main>
</body></html>"#
)]
pub struct ConsentPage {
    pub app_name: &'static str,
    pub action: String,
    pub csrf_token: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub username: String,
    pub types: Vec<TypeChoice>,
    pub scopes: Vec<ScopeChoice>,
    pub error: Option<String>,
}

/// One container, as the owner's page shows it.
pub struct PostRow {
    pub container_id: String,
    pub username: String,
    pub status_code: String,
    pub caption: String,
    pub size: String,
    pub sha256: String,
    pub fetches: String,
    pub error: String,
    pub permalink: String,
    pub video_url: Option<String>,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>What the Instagram sandbox received · Cast</title></head>
<body>
<main>
  <h1>What the Instagram sandbox received</h1>
  <p>Every Reels container, newest first. The same as JSON: <a href="{{ listing }}"><code>{{ listing }}</code></a>.</p>
  {% if posts.is_empty() %}<p id="no-posts">Nothing yet. Post a video to Instagram from Cast and it shows up here.</p>{% endif %}
  {% for p in posts %}
  <article id="container-{{ p.container_id }}">
    <h2>@{{ p.username }} · <span data-status="{{ p.status_code }}">{{ p.status_code }}</span></h2>
    <p>{% if p.caption.is_empty() %}<em>(no caption)</em>{% else %}{{ p.caption }}{% endif %}</p>
    {% if !p.error.is_empty() %}<p role="alert">{{ p.error }}</p>{% endif %}
    {% if let Some(url) = p.video_url %}<video src="{{ url }}" controls preload="metadata" width="270"></video>{% endif %}
    <dl>
      <dt>Container</dt><dd><code>{{ p.container_id }}</code></dd>
      <dt>Received</dt><dd>{{ p.size }}</dd>
      <dt>SHA-256</dt><dd><code>{{ p.sha256 }}</code></dd>
      <dt>Fetched</dt><dd>{{ p.fetches }}</dd>
      {% if !p.permalink.is_empty() %}<dt>Reel</dt><dd><code>{{ p.permalink }}</code></dd>{% endif %}
    </dl>
  </article>
  {% endfor %}
</main>
</body></html>"#
)]
pub struct PostsPage {
    pub listing: String,
    pub posts: Vec<PostRow>,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error · Instagram sandbox</title></head>
<body><main id="instagram-error"><h1>Sorry, this page isn't available.</h1>
<p>{{ message }}</p><p><small>Instagram sandbox · HTTP {{ status }}</small></p></main></body></html>"#
)]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

pub fn error_page(status: u16, message: &str) -> String {
    ErrorPage { status, message }
        .render()
        .unwrap_or_else(|_| "Instagram sandbox error".to_string())
}
