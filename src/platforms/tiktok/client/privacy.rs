//! TikTok's privacy levels (contract sections 4 and 5.1).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrivacyLevel {
    PublicToEveryone,
    MutualFollowFriends,
    FollowerOfCreator,
    SelfOnly,
}

impl PrivacyLevel {
    pub const ALL: [PrivacyLevel; 4] = [
        Self::PublicToEveryone,
        Self::MutualFollowFriends,
        Self::FollowerOfCreator,
        Self::SelfOnly,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicToEveryone => "PUBLIC_TO_EVERYONE",
            Self::MutualFollowFriends => "MUTUAL_FOLLOW_FRIENDS",
            Self::FollowerOfCreator => "FOLLOWER_OF_CREATOR",
            Self::SelfOnly => "SELF_ONLY",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl PrivacyLevel {
    /// What the posting screen calls this level.
    pub fn label(self) -> &'static str {
        match self {
            Self::PublicToEveryone => "Everyone",
            Self::MutualFollowFriends => "Friends",
            Self::FollowerOfCreator => "Followers",
            Self::SelfOnly => "Only me",
        }
    }
}

impl std::fmt::Display for PrivacyLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
