//! The account behind a token (contract section 3): `/me`, and the professional-account check.

use serde::Deserialize;

use super::client::InstagramClient;
use super::error::{ErrorKind, InstagramError};
use super::ids::Id;
use super::oauth::single;
use crate::config::Secret;

const FIELDS: &str = "user_id,username,name,account_type,profile_picture_url";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountType {
    Business,
    /// `MEDIA_CREATOR` in answers, `Media_Creator` in the docs.
    Creator,
    Personal,
    Other(String),
}

impl AccountType {
    /// Compared case-insensitively: the docs and the recordings disagree on case.
    pub fn parse(raw: &str) -> Self {
        match raw.trim().to_ascii_uppercase().as_str() {
            "BUSINESS" => Self::Business,
            "MEDIA_CREATOR" | "CREATOR" => Self::Creator,
            "PERSONAL" => Self::Personal,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn is_professional(&self) -> bool {
        matches!(self, Self::Business | Self::Creator)
    }

    /// How the account's card names it.
    pub fn label(&self) -> &str {
        match self {
            Self::Business => "Business",
            Self::Creator => "Creator",
            Self::Personal => "Personal",
            Self::Other(s) => s,
        }
    }
}

/// The account as `/me` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The professional account's id: the one for every later call.
    pub user_id: String,
    /// The app-scoped id: never used in paths.
    pub app_scoped_id: Option<String>,
    pub username: String,
    pub name: Option<String>,
    pub account_type: AccountType,
    /// A signed CDN URL that expires: show it, do not keep it for long.
    pub profile_picture_url: Option<String>,
}

impl Account {
    /// Personal accounts cannot publish through the API (section 2.1).
    pub fn ensure_professional(&self) -> Result<(), InstagramError> {
        if self.account_type.is_professional() {
            return Ok(());
        }
        Err(InstagramError::refused(
            "personal_account",
            format!(
                "@{} is a {} Instagram account, and Instagram lets apps post only for professional accounts: switch it to a Creator or Business account in the Instagram app (Settings > Account type and tools), then connect it again.",
                self.username,
                self.account_type.label().to_lowercase()
            ),
            ErrorKind::Permanent,
        ))
    }
}

#[derive(Deserialize)]
struct MeAnswer {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    user_id: Option<Id>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    account_type: Option<String>,
    #[serde(default)]
    profile_picture_url: Option<String>,
}

impl InstagramClient {
    /// `GET /me`: who the token belongs to. Does not judge the account type; the caller does,
    /// with `Account::ensure_professional`.
    pub async fn me(&self, token: &Secret) -> Result<Account, InstagramError> {
        let answer = self
            .get(
                &self.graph("me"),
                &[("fields", FIELDS), ("access_token", token.expose())],
            )
            .await?;
        let me: MeAnswer = single(&answer.body)?;
        let missing = |what: &str| {
            InstagramError::unreadable(Some(answer.status), &format!("/me gave no {what}"))
        };
        // Without `user_id`, nothing can be published: the app-scoped `id` fails in paths.
        let user_id = me.user_id.ok_or_else(|| missing("user_id"))?;
        Ok(Account {
            user_id: user_id.0,
            app_scoped_id: me.id.map(|i| i.0),
            username: me.username.ok_or_else(|| missing("username"))?,
            name: me.name.filter(|n| !n.is_empty()),
            account_type: AccountType::parse(me.account_type.as_deref().unwrap_or("")),
            profile_picture_url: me.profile_picture_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_types_in_every_case_seen() {
        assert_eq!(AccountType::parse("MEDIA_CREATOR"), AccountType::Creator);
        assert_eq!(AccountType::parse("Media_Creator"), AccountType::Creator);
        assert_eq!(AccountType::parse("business"), AccountType::Business);
        assert_eq!(AccountType::parse("PERSONAL"), AccountType::Personal);
        assert!(!AccountType::parse("").is_professional());
    }

    #[test]
    fn a_personal_account_is_told_what_to_switch() {
        let a = Account {
            user_id: "17841400000000001".into(),
            app_scoped_id: None,
            username: "lima".into(),
            name: None,
            account_type: AccountType::Personal,
            profile_picture_url: None,
        };
        let e = a.ensure_professional().expect_err("personal");
        assert!(
            e.to_string()
                .contains("switch it to a Creator or Business account in the Instagram app"),
            "{e}"
        );
        assert_eq!(e.reason, Some("personal_account"));
    }

    #[test]
    fn me_answers_flat_or_wrapped() {
        let flat: MeAnswer = single(r#"{"id":"26160319576992690","user_id":"17841400000000001","username":"lima_tests","account_type":"MEDIA_CREATOR"}"#).expect("flat");
        assert_eq!(
            flat.user_id.map(|i| i.0).as_deref(),
            Some("17841400000000001")
        );
        let wrapped: MeAnswer =
            single(r#"{"data":[{"user_id":17841400000000001,"username":"lima"}]}"#)
                .expect("wrapped");
        assert_eq!(wrapped.username.as_deref(), Some("lima"));
    }
}
