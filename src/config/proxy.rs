//! `TRUSTED_PROXY`: which forwarding header, if any, names the real client.
//!
//! Behind a tunnel every connection comes from the tunnel itself (127.0.0.1), and any header
//! the sender chose arrives with it. A header is only worth believing when the proxy in front
//! of Cast sets it and a client cannot forge it, so the owner says which proxy that is.

use super::{ConfigError, Source, read};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustedProxy {
    /// Believe no header: every request is the connection's peer (the tunnel, for everyone).
    #[default]
    None,
    /// Cloudflare (Tunnel or proxy) sets `CF-Connecting-IP` itself, replacing any value sent.
    Cloudflare,
    /// A proxy that appends the client to `X-Forwarded-For` (ngrok, nginx, Caddy): the last
    /// entry is the one it added; earlier entries are the client's own word.
    Forwarded,
}

impl TrustedProxy {
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Cloudflare => "cloudflare",
            Self::Forwarded => "forwarded",
        }
    }

    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        match read(src, "TRUSTED_PROXY").map(|v| v.to_ascii_lowercase()) {
            None => Ok(Self::None),
            Some(v) => match v.as_str() {
                "none" => Ok(Self::None),
                "cloudflare" => Ok(Self::Cloudflare),
                "forwarded" => Ok(Self::Forwarded),
                _ => Err(ConfigError::new(
                    "TRUSTED_PROXY",
                    format!(
                        "'{v}' is not one of none, cloudflare (Cloudflare Tunnel) or forwarded (ngrok and proxies that append X-Forwarded-For)"
                    ),
                    "cloudflare",
                )),
            },
        }
    }
}
