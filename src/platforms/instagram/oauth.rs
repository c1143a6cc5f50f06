//! Business Login for Instagram (contract section 2): the consent page's URL, the code exchange
//! for a short-lived token, the long-lived token, and its refresh.
//!
//! The `oauth2` crate builds the consent URL. The three token calls are read by hand: Instagram's
//! answers are not RFC 6749's (no `token_type` on the exchange, `user_id` as a bare number,
//! sometimes wrapped in `data`), so a strict OAuth parser would refuse answers Instagram sends.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, RedirectUrl, Scope};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::client::{InstagramClient, SCOPES};
use super::error::{ErrorKind, InstagramError};
use super::ids::Id;
use crate::config::Secret;

/// What the code exchange gives: an hour's token and who it belongs to.
#[derive(Debug, Clone)]
pub struct ShortLivedToken {
    pub access_token: Secret,
    /// The exchange's `user_id`; Cast keys the account on `/me`'s (Unsure 5).
    pub user_id: Id,
    pub permissions: Vec<String>,
}

/// A token of about 60 days, the only kind Cast stores.
#[derive(Debug, Clone)]
pub struct LongLivedToken {
    pub access_token: Secret,
    pub token_type: String,
    pub expires_in: Duration,
}

/// Tokens are refreshable once 24 hours old and until they expire (section 2.5).
pub const REFRESH_MIN_AGE: Duration = Duration::from_secs(24 * 3600);
/// Cast refreshes tokens older than this, so a healthy account keeps at least 53 days.
pub const REFRESH_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// Whether Instagram will refresh a token issued at `issued_ms` that expires at `expires_ms`.
pub fn refreshable(issued_ms: i64, expires_ms: i64, now_ms: i64) -> bool {
    let min_age = i64::try_from(REFRESH_MIN_AGE.as_millis()).unwrap_or(i64::MAX);
    now_ms.saturating_sub(issued_ms) >= min_age && now_ms < expires_ms
}

/// Whether the background refresher should refresh it now.
pub fn due_for_refresh(issued_ms: i64, expires_ms: i64, now_ms: i64) -> bool {
    let after = i64::try_from(REFRESH_AFTER.as_millis()).unwrap_or(i64::MAX);
    refreshable(issued_ms, expires_ms, now_ms) && now_ms.saturating_sub(issued_ms) >= after
}

#[derive(Deserialize)]
struct ExchangeAnswer {
    access_token: String,
    user_id: Id,
    #[serde(default)]
    permissions: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl InstagramClient {
    /// The consent page for this `state` (section 12): Cast's two scopes, comma-separated, and
    /// `force_reauth=true` so the owner picks the account deliberately.
    pub fn authorize_url(&self, state: &str) -> Result<String, InstagramError> {
        let bad = |what: &str| {
            InstagramError::refused(
                "configuration",
                format!(
                    "The Instagram {what} URL is not valid; check INSTAGRAM_AUTH_BASE and BASE_URL."
                ),
                ErrorKind::Permanent,
            )
        };
        let auth = format!(
            "{}/oauth/authorize",
            self.endpoints.auth_base.as_str().trim_end_matches('/')
        );
        let client = BasicClient::new(ClientId::new(self.app_id.clone()))
            .set_auth_uri(AuthUrl::new(auth).map_err(|_| bad("consent page"))?)
            .set_redirect_uri(
                RedirectUrl::new(self.redirect_uri.clone()).map_err(|_| bad("redirect"))?,
            );
        let state = state.to_string();
        let (url, _) = client
            .authorize_url(move || CsrfToken::new(state))
            // One Scope: oauth2 would join several with spaces; Instagram documents commas.
            .add_scope(Scope::new(SCOPES.join(",")))
            .add_extra_param("force_reauth", "true")
            .url();
        Ok(url.to_string())
    }

    /// The code from the redirect, exchanged for a short-lived token (section 2.3). A code
    /// pasted by hand may end in Meta's `#_`, which is not part of it.
    pub async fn exchange_code(&self, code: &str) -> Result<ShortLivedToken, InstagramError> {
        let code = code.trim().trim_end_matches("#_");
        let answer = self
            .post_form(
                &self.oauth("oauth/access_token"),
                &[
                    ("client_id", self.app_id.as_str()),
                    ("client_secret", self.app_secret.expose()),
                    ("grant_type", "authorization_code"),
                    ("redirect_uri", self.redirect_uri.as_str()),
                    ("code", code),
                ],
            )
            .await
            .map_err(|e| match e.kind {
                // Every refusal of a code is final: the owner starts the connect again.
                ErrorKind::Retry => e,
                _ => e.with_kind(ErrorKind::Permanent),
            })?;
        let parsed: ExchangeAnswer = single(&answer.body)?;
        let permissions = parsed
            .permissions
            .as_deref()
            .map(|raw| permissions(raw.get()))
            .unwrap_or_default();
        let token = ShortLivedToken {
            access_token: Secret::new(parsed.access_token),
            user_id: parsed.user_id,
            permissions,
        };
        // An answer without any permissions is trusted; one that lists them must list ours.
        if !token.permissions.is_empty()
            && let Some(missing) = SCOPES
                .iter()
                .find(|s| !token.permissions.iter().any(|p| p == *s))
        {
            return Err(InstagramError::refused(
                "missing_permission",
                format!(
                    "Instagram did not grant Cast the permission {missing}. In the Meta app dashboard, add {missing} to the Instagram use case's permissions (Ready for testing), then connect the account again and leave every permission allowed."
                ),
                ErrorKind::Reconnect,
            ));
        }
        Ok(token)
    }

    /// The short-lived token exchanged for a long-lived one (section 2.4), at once.
    pub async fn long_lived_token(
        &self,
        short_lived: &Secret,
    ) -> Result<LongLivedToken, InstagramError> {
        let answer = self
            .get(
                &self.graph_root("access_token"),
                &[
                    ("grant_type", "ig_exchange_token"),
                    ("client_secret", self.app_secret.expose()),
                    ("access_token", short_lived.expose()),
                ],
            )
            .await?;
        token_answer(&answer.body)
    }

    /// A new long-lived token for one at least 24 hours old and not expired (section 2.5). Store
    /// it (and its expiry) before using it: the previous one may stop working at once.
    pub async fn refresh_token(
        &self,
        long_lived: &Secret,
    ) -> Result<LongLivedToken, InstagramError> {
        let answer = self
            .get(
                &self.graph_root("refresh_access_token"),
                &[
                    ("grant_type", "ig_refresh_token"),
                    ("access_token", long_lived.expose()),
                ],
            )
            .await
            .map_err(|e| {
                // A 190 on refresh: the token is past saving.
                if e.token_rejected() {
                    e.with_kind(ErrorKind::Reconnect)
                } else {
                    e
                }
            })?;
        token_answer(&answer.body)
    }
}

/// `permissions` as a JSON list or one comma-separated string.
fn permissions(raw: &str) -> Vec<String> {
    if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
        return list
            .into_iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
    }
    serde_json::from_str::<String>(raw)
        .map(|s| {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn token_answer(body: &str) -> Result<LongLivedToken, InstagramError> {
    let t: TokenAnswer = single(body)?;
    let expires_in = match t.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    // Meta documents about 60 days; a missing figure is read as the documented one.
    .unwrap_or(5_184_000);
    Ok(LongLivedToken {
        access_token: Secret::new(t.access_token),
        token_type: t.token_type.unwrap_or_else(|| "bearer".into()),
        expires_in: Duration::from_secs(expires_in),
    })
}

/// A single object, bare (as recorded) or wrapped as `{"data":[{...}]}` (as some docs show).
pub(crate) fn single<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, InstagramError> {
    let unreadable = |e: serde_json::Error| {
        InstagramError::unreadable(Some(200), &format!("unexpected shape ({e})"))
    };
    #[derive(Deserialize)]
    struct Wrapped {
        data: Box<RawValue>,
    }
    if let Ok(w) = serde_json::from_str::<Wrapped>(body)
        && w.data.get().trim_start().starts_with('[')
    {
        let mut items: Vec<T> = serde_json::from_str(w.data.get()).map_err(unreadable)?;
        if items.is_empty() {
            return Err(InstagramError::unreadable(Some(200), "an empty data list"));
        }
        return Ok(items.swap_remove(0));
    }
    serde_json::from_str(body).map_err(unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exchange_answer_in_every_shape_seen() {
        for body in [
            r#"{"access_token":"IGAAx","user_id":17841400000000001,"permissions":["instagram_business_basic","instagram_business_content_publish"]}"#,
            r#"{"data":[{"access_token":"IGAAx","user_id":"17841400000000001","permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#,
            r#"{"data":[{"access_token":"IGAAx","user_id":17841400000000001,"permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#,
        ] {
            let a: ExchangeAnswer = single(body).expect(body);
            assert_eq!(a.user_id.as_str(), "17841400000000001", "{body}");
            let p = permissions(a.permissions.as_deref().expect("permissions").get());
            assert_eq!(p, SCOPES, "{body}");
        }
    }

    #[test]
    fn long_lived_answers_use_their_own_lifetime() {
        let t =
            token_answer(r#"{"access_token":"IGAAy","token_type":"bearer","expires_in":5183944}"#)
                .expect("token");
        assert_eq!(t.expires_in.as_secs(), 5_183_944);
        let t = token_answer(r#"{"access_token":"IGAAy","expires_in":"5184000"}"#).expect("token");
        assert_eq!(
            (t.expires_in.as_secs(), t.token_type.as_str()),
            (5_184_000, "bearer")
        );
        assert!(token_answer(r#"{"token_type":"bearer"}"#).is_err());
    }

    #[test]
    fn refresh_windows() {
        let day = 86_400_000;
        let issued = 1_000 * day;
        let expires = issued + 60 * day;
        assert!(!refreshable(issued, expires, issued + day - 1));
        assert!(refreshable(issued, expires, issued + day));
        assert!(!refreshable(issued, expires, expires));
        assert!(!due_for_refresh(issued, expires, issued + 6 * day));
        assert!(due_for_refresh(issued, expires, issued + 7 * day));
    }

    #[test]
    fn the_consent_url_asks_for_both_scopes_and_a_deliberate_login() {
        let c = InstagramClient::new(
            super::super::client::Endpoints::instagram(),
            "123",
            Secret::new("s"),
            "https://cast.example/auth/instagram/callback",
        );
        let url = url::Url::parse(&c.authorize_url("st4te").expect("url")).expect("parse");
        assert_eq!(
            url.as_str().split('?').next(),
            Some("https://www.instagram.com/oauth/authorize")
        );
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "123");
        assert_eq!(q["response_type"], "code");
        assert_eq!(
            q["scope"],
            "instagram_business_basic,instagram_business_content_publish"
        );
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["force_reauth"], "true");
        assert_eq!(
            q["redirect_uri"],
            "https://cast.example/auth/instagram/callback"
        );
    }
}
