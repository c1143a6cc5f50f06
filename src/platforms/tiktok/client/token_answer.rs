//! TikTok's token endpoint answers (contract §2.2), read tolerantly: `token_type` missing or in
//! any case, lifetimes as numbers or numeric strings, scopes separated by commas, and the
//! failure shape with TikTok's `log_id`.

use std::time::Duration;

use oauth2::basic::BasicTokenType;
use oauth2::{AccessToken, RefreshToken, Scope};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::error::TikTokError;

/// TikTok's flat token answer, every field but the access token optional.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TikTokToken {
    access_token: AccessToken,
    /// Absent in some answers, and any case of "bearer" in others: Bearer either way.
    #[serde(default = "bearer", deserialize_with = "tolerant_token_type")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "tolerant_secs")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default, deserialize_with = "tolerant_secs")]
    refresh_expires_in: Option<u64>,
    #[serde(default, rename = "scope", deserialize_with = "comma_scopes")]
    scopes: Option<Vec<Scope>>,
    #[serde(default)]
    open_id: Option<String>,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

fn tolerant_token_type<'de, D: Deserializer<'de>>(d: D) -> Result<BasicTokenType, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.eq_ignore_ascii_case("bearer") && !s.trim().is_empty() => {
            BasicTokenType::Extension(s)
        }
        _ => BasicTokenType::Bearer,
    })
}

/// Seconds as a number or a numeric string; anything else is "not said".
fn tolerant_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// TikTok separates granted scopes with commas (spaces tolerated too).
fn comma_scopes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Scope>>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .as_ref()
        .and_then(Value::as_str)
        .map(|s| {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Scope::new(s.to_string()))
                .collect()
        }))
}

impl oauth2::TokenResponse for TikTokToken {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

/// TikTok's OAuth failure: RFC 6749's two fields plus its `log_id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TikTokOAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    log_id: Option<String>,
}

impl std::fmt::Display for TikTokOAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.error_description)
    }
}

impl oauth2::ErrorResponse for TikTokOAuthError {}

impl TikTokOAuthError {
    pub fn into_error(self, status: Option<u16>) -> TikTokError {
        let code = if self.error.is_empty() {
            "invalid_request"
        } else {
            self.error.as_str()
        };
        TikTokError::new(code, self.error_description, status).with_log_id(self.log_id)
    }
}

impl TikTokToken {
    pub fn refresh_expires_in(&self) -> Option<Duration> {
        self.refresh_expires_in.map(Duration::from_secs)
    }

    pub fn open_id(&self) -> Option<&str> {
        self.open_id.as_deref()
    }
}

impl TikTokOAuthError {
    /// Whether the answer carried an `error` at all.
    pub fn is_error(&self) -> bool {
        !self.error.is_empty()
    }

    /// The shape Cast gives an answer that carried no token and no error.
    pub fn no_access_token(log_id: Option<String>) -> Self {
        Self {
            error: "no_access_token".into(),
            error_description: "TikTok answered without an access token.".into(),
            log_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::TokenResponse as _;

    fn read(body: &str) -> Result<TikTokToken, serde_json::Error> {
        serde_json::from_str(body)
    }

    #[test]
    fn a_token_answer_without_token_type_or_refresh_lifetime_is_read() {
        let t = read(r#"{"access_token": "act.1", "expires_in": 86400, "open_id": "o", "refresh_token": "rft.1", "scope": "user.info.basic,video.publish"}"#)
            .expect("five of seven fields");
        assert_eq!(t.token_type, BasicTokenType::Bearer);
        assert_eq!(t.refresh_expires_in, None);
        assert_eq!(t.expires_in(), Some(Duration::from_secs(86400)));
        let scopes: Vec<String> = t
            .scopes
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(scopes, ["user.info.basic", "video.publish"]);
    }

    #[test]
    fn token_type_is_read_in_any_case() {
        for tt in ["Bearer", "bearer", "BEARER"] {
            let t = read(&format!(r#"{{"access_token": "a", "token_type": "{tt}"}}"#)).expect(tt);
            assert_eq!(t.token_type, BasicTokenType::Bearer, "{tt}");
        }
        let t = read(r#"{"access_token": "a", "token_type": null, "expires_in": "3600"}"#)
            .expect("null");
        assert_eq!(t.token_type, BasicTokenType::Bearer);
        assert_eq!(t.expires_in, Some(3600));
    }
}
