//! How long a public link may live at most (contract section 11): `PUBLIC_LINK_TTL`, read into
//! `Config::public_link_ttl` by `config::public_link`.

use std::time::Duration;

pub use crate::config::public_link::DEFAULT_TTL;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSettings {
    pub ttl: Duration,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self { ttl: DEFAULT_TTL }
    }
}
