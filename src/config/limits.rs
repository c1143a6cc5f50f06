//! What an upload may take from the disk, and how slow a client may be before it is cut off.

use std::time::Duration;

use super::{ConfigError, Source, parse_number};

const MB: u64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Browser uploads started but not yet posted, at most this many at once.
    pub max_unfinished_uploads: u32,
    /// ... and at most this many bytes declared between them.
    pub max_unfinished_bytes: u64,
    /// Free space an upload must leave on the disk, so the database and the queue can still write.
    pub disk_reserve_bytes: u64,
    /// Headers must arrive within this; an upload body must bring `MIN_BODY_BYTES` per such period.
    pub stalled_client: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_unfinished_uploads: 10,
            max_unfinished_bytes: 16_000 * MB,
            disk_reserve_bytes: 1_000 * MB,
            stalled_client: Duration::from_secs(20),
        }
    }
}

impl Limits {
    /// `max_upload_bytes` is checked against the unfinished total: one largest video must fit.
    pub fn from_source(src: &dyn Source, max_upload_bytes: u64) -> Result<Self, ConfigError> {
        let d = Self::default();
        let count: u32 = parse_number(
            src,
            "MAX_UNFINISHED_UPLOADS",
            d.max_unfinished_uploads,
            "10",
        )?;
        if count == 0 {
            return Err(ConfigError::new(
                "MAX_UNFINISHED_UPLOADS",
                "must be at least 1",
                "10",
            ));
        }
        let total_mb: u64 = parse_number(
            src,
            "MAX_UNFINISHED_UPLOAD_MB",
            d.max_unfinished_bytes / MB,
            "16000",
        )?;
        if total_mb.saturating_mul(MB) < max_upload_bytes {
            return Err(ConfigError::new(
                "MAX_UNFINISHED_UPLOAD_MB",
                format!(
                    "'{total_mb}' is less than MAX_UPLOAD_MB ({}): one video of the largest size must fit",
                    max_upload_bytes / MB
                ),
                "16000",
            ));
        }
        let reserve_mb: u64 =
            parse_number(src, "DISK_RESERVE_MB", d.disk_reserve_bytes / MB, "1000")?;
        let stalled: u64 =
            parse_number(src, "STALLED_CLIENT_SECS", d.stalled_client.as_secs(), "20")?;
        if !(1..=600).contains(&stalled) {
            return Err(ConfigError::new(
                "STALLED_CLIENT_SECS",
                format!("'{stalled}' is out of range: use 1 to 600 seconds"),
                "20",
            ));
        }
        Ok(Self {
            max_unfinished_uploads: count,
            max_unfinished_bytes: total_mb.saturating_mul(MB),
            disk_reserve_bytes: reserve_mb.saturating_mul(MB),
            stalled_client: Duration::from_secs(stalled),
        })
    }
}
