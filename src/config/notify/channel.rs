//! The ways Cast can reach the owner.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// A push to an ntfy topic (ntfy.sh or a self-hosted server).
    Ntfy,
    /// A signed JSON POST, for n8n, Home Assistant or a script.
    Webhook,
    /// An email over SMTP.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Ntfy, Channel::Webhook, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Ntfy => "ntfy",
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }

    /// How the settings page names it.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Ntfy => "ntfy push",
            Channel::Webhook => "Webhook",
            Channel::Email => "Email",
        }
    }

    /// The setting that turns it on, for "not set up: set …" hints.
    pub fn setting(self) -> &'static str {
        match self {
            Channel::Ntfy => "NTFY_URL",
            Channel::Webhook => "NOTIFY_WEBHOOK_URL",
            Channel::Email => "SMTP_URL",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not a notification channel: use ntfy, webhook or email")]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownChannel(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_parse_by_their_names_only() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().expect("parses"), c);
        }
        assert!("sms".parse::<Channel>().is_err());
    }
}
