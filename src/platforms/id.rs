//! Which platform: the one value the core may match on, and only for names and routing.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformId {
    TikTok,
    YouTube,
    Instagram,
}

impl PlatformId {
    pub const ALL: [PlatformId; 3] = [Self::TikTok, Self::YouTube, Self::Instagram];

    /// Whether what publishes a post is the last chunk of the file (TikTok, YouTube), so its
    /// transfer can start while the video still arrives and hold that chunk for the check.
    /// Instagram's commit is the container, made from a link to the whole file.
    pub fn commits_with_last_chunk(self) -> bool {
        matches!(self, Self::TikTok | Self::YouTube)
    }

    /// As stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TikTok => "tiktok",
            Self::YouTube => "youtube",
            Self::Instagram => "instagram",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// As people write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::TikTok => "TikTok",
            Self::YouTube => "YouTube",
            Self::Instagram => "Instagram",
        }
    }
}

impl std::fmt::Display for PlatformId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_names() {
        for p in PlatformId::ALL {
            assert_eq!(PlatformId::parse(p.as_str()), Some(p));
        }
        assert_eq!(PlatformId::parse("TikTok"), None);
    }
}
