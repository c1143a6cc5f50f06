//! Where Instagram is, who Cast is to it, and the one place an answer is read (contract
//! section 1): every call has a timeout, tokens travel only in parameters and never in logs, and
//! an `error` key in the body means failure whatever the HTTP status.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::error::InstagramError;
use crate::config::Secret;

/// The version Cast pins (contract section 10): published end date, used by the reference pages.
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";
/// The sandbox's built-in app (contract section 14): public by design.
pub const SANDBOX_APP_ID: &str = "1000000000000001";
pub const SANDBOX_APP_SECRET: &str = "cast-sandbox-instagram-secret";
/// What Cast asks for (section 12).
pub const SCOPES: [&str; 2] = [
    "instagram_business_basic",
    "instagram_business_content_publish",
];

/// The three hosts and the Graph version: `www.instagram.com` (consent page),
/// `api.instagram.com` (code exchange) and `graph.instagram.com` (everything else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub auth_base: Url,
    pub oauth_base: Url,
    pub graph_base: Url,
    pub graph_version: String,
}

impl Endpoints {
    /// Instagram itself.
    pub fn instagram() -> Self {
        Self::from_bases(
            "https://www.instagram.com",
            "https://api.instagram.com",
            "https://graph.instagram.com",
            DEFAULT_GRAPH_VERSION,
        )
        .expect("the literal URLs parse")
    }

    /// The sandbox mounted at `{origin}/sandbox/instagram`.
    pub fn sandbox(origin: &str) -> Option<Self> {
        let base = format!("{}/sandbox/instagram", origin.trim_end_matches('/'));
        Self::from_bases(
            &format!("{base}/www"),
            &format!("{base}/api"),
            &format!("{base}/graph"),
            DEFAULT_GRAPH_VERSION,
        )
    }

    pub fn from_bases(auth: &str, oauth: &str, graph: &str, version: &str) -> Option<Self> {
        Some(Self {
            auth_base: Url::parse(auth).ok()?,
            oauth_base: Url::parse(oauth).ok()?,
            graph_base: Url::parse(graph).ok()?,
            graph_version: version.to_string(),
        })
    }
}

/// The Instagram client: no actix, no SQL. Cheap to clone.
#[derive(Clone)]
pub struct InstagramClient {
    http: reqwest::Client,
    pub(crate) endpoints: Endpoints,
    pub(crate) app_id: String,
    pub(crate) app_secret: Secret,
    pub(crate) redirect_uri: String,
    timeout: Duration,
}

impl std::fmt::Debug for InstagramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstagramClient")
            .field("endpoints", &self.endpoints)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// An answer that is not an error: its status and body text.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

impl InstagramClient {
    /// `app_id` and `app_secret` are the **Instagram** app's pair (Business login settings),
    /// not the Meta app's (section 2.1). `redirect_uri` is `{BASE_URL}/auth/instagram/callback`.
    pub fn new(
        endpoints: Endpoints,
        app_id: impl Into<String>,
        app_secret: Secret,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("cast/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // A token request must never be bounced anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            endpoints,
            app_id: app_id.into(),
            app_secret,
            redirect_uri: redirect_uri.into(),
            // media_publish took about 6 s in the recordings; this leaves room for a slow day.
            timeout: Duration::from_secs(60),
        }
    }

    /// Every call's deadline, connection to last byte.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// `{graph_base}/{version}/{path}`.
    pub(crate) fn graph(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.endpoints.graph_base.as_str().trim_end_matches('/'),
            self.endpoints.graph_version,
            path.trim_start_matches('/')
        )
    }

    /// Unversioned Graph paths (`access_token`, `refresh_access_token`).
    pub(crate) fn graph_root(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.endpoints.graph_base.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    pub(crate) fn oauth(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.endpoints.oauth_base.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    pub(crate) async fn get(
        &self,
        url: &str,
        params: &[(&str, &str)],
    ) -> Result<Answer, InstagramError> {
        let req = self.http.get(url).query(params);
        self.send(req, "GET", url).await
    }

    /// POST parameters go in a form body: captions with line breaks and emoji break in the query
    /// string (section 1).
    pub(crate) async fn post_form(
        &self,
        url: &str,
        params: &[(&str, &str)],
    ) -> Result<Answer, InstagramError> {
        let req = self.http.post(url).form(params);
        self.send(req, "POST", url).await
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        method: &str,
        url: &str,
    ) -> Result<Answer, InstagramError> {
        // Only the path is logged: queries carry access_token, client_secret and code.
        let path = Url::parse(url)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        let res = req.timeout(self.timeout).send().await.map_err(|e| {
            let err = InstagramError::network(&e);
            tracing::warn!(%method, %path, error = %err.message, "instagram: no answer");
            err
        })?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        self.note_headers(&headers, &path);
        let body = match res.text().await {
            Ok(body) => body,
            // Headers came, the body did not: the call may have taken effect.
            Err(e) => {
                let err = InstagramError::unreadable(
                    None,
                    &format!(
                        "the answer was cut off ({})",
                        InstagramError::network(&e).message
                    ),
                );
                tracing::warn!(%method, %path, status, "instagram: answer cut off");
                return Err(err);
            }
        };
        match read_error(status, &body, retry_after(&headers)) {
            Some(err) => {
                tracing::warn!(
                    %method, %path, status,
                    code = ?err.code, subcode = ?err.subcode,
                    fbtrace_id = err.fbtrace_id.as_deref().unwrap_or(""),
                    "instagram: refused"
                );
                Err(err)
            }
            None => Ok(Answer { status, body }),
        }
    }

    fn note_headers(&self, headers: &reqwest::header::HeaderMap, path: &str) {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(version) = text("instagram-api-version")
            && path.contains("/v")
            && version != self.endpoints.graph_version
        {
            tracing::warn!(
                answered = version,
                pinned = %self.endpoints.graph_version,
                "instagram: another Graph version answered"
            );
        }
        for usage in ["x-app-usage", "x-business-use-case-usage"] {
            if let Some(v) = text(usage) {
                tracing::debug!(header = usage, value = v, "instagram: usage");
            }
        }
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// An integer Meta may write as a number or as a numeric string.
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The failure this answer carries, if any: the Graph envelope `{"error":{...}}`, the OAuth
/// host's flat `{"error_type","code","error_message"}`, or a non-2xx status without either.
pub(crate) fn read_error(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
) -> Option<InstagramError> {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let obj = parsed.as_ref().and_then(Value::as_object);
    if let Some(err) = obj.and_then(|o| o.get("error")) {
        let e = err.as_object();
        let field = |k: &str| e.and_then(|e| e.get(k));
        let message = text(field("message"))
            .or_else(|| err.as_str().map(str::to_string))
            .or_else(|| obj.and_then(|o| text(o.get("error_description"))))
            .unwrap_or_default();
        let transient = field("is_transient")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        return Some(
            InstagramError::meta(
                status,
                int(field("code")),
                int(field("error_subcode")),
                message,
                transient,
            )
            .with_user_text(
                text(field("error_user_title")),
                text(field("error_user_msg")),
            )
            .with_trace(text(field("fbtrace_id")), text(field("type")))
            .with_retry_after(retry_after),
        );
    }
    if let Some(o) = obj
        && (o.contains_key("error_message") || o.contains_key("error_type"))
    {
        let code = int(o.get("code")).filter(|c| *c != i64::from(status));
        return Some(
            InstagramError::meta(
                status,
                code,
                None,
                text(o.get("error_message")).unwrap_or_default(),
                false,
            )
            .with_trace(None, text(o.get("error_type")))
            .with_retry_after(retry_after),
        );
    }
    if (200..300).contains(&status) {
        return None;
    }
    let detail = match parsed {
        Some(_) => format!("HTTP {status} without an error"),
        None => format!("HTTP {status}, not JSON"),
    };
    Some(InstagramError::unreadable(Some(status), &detail).with_retry_after(retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::instagram::error::ErrorKind;

    #[test]
    fn the_graph_envelope_with_every_key() {
        let body = r#"{"error":{"message":"Media ID is not available","type":"OAuthException","code":9007,"error_subcode":2207027,"is_transient":false,"error_user_title":"Cannot Publish","error_user_msg":"The media is not ready for publishing, please wait for a moment","fbtrace_id":"AxYz"}}"#;
        let e = read_error(400, body, None).expect("an error");
        assert_eq!((e.code, e.subcode), (Some(9007), Some(2207027)));
        assert_eq!(e.kind, ErrorKind::Retry);
        assert_eq!(e.fbtrace_id.as_deref(), Some("AxYz"));
        assert_eq!(e.user_title.as_deref(), Some("Cannot Publish"));
    }

    #[test]
    fn an_error_key_fails_even_with_200_and_minimal_keys() {
        let e = read_error(
            200,
            r#"{"error":{"code":"4","message":"(#4) Application request limit reached"}}"#,
            Some(Duration::from_secs(60)),
        )
        .expect("error");
        assert_eq!(e.code, Some(4));
        assert_eq!(e.kind, ErrorKind::Retry);
        assert_eq!(e.retry_after, Some(Duration::from_secs(60)));
    }

    #[test]
    fn the_oauth_hosts_flat_shape() {
        let e = read_error(400, r#"{"error_type":"OAuthException","code":400,"error_message":"This authorization code has been used"}"#, None).expect("error");
        assert_eq!(e.message, "This authorization code has been used");
        assert_eq!(e.code, None, "the flat body's code repeats the status");
        assert_eq!(e.kind, ErrorKind::Permanent);
    }

    #[test]
    fn success_and_bare_failures() {
        assert!(read_error(200, r#"{"id":"1"}"#, None).is_none());
        assert_eq!(
            read_error(502, "<html>Bad gateway</html>", None)
                .expect("e")
                .kind,
            ErrorKind::Retry
        );
        assert_eq!(
            read_error(404, "", None).expect("e").kind,
            ErrorKind::Permanent
        );
    }
}
