//! What Cast notes about an Instagram target between steps (its `progress` JSON), how often it
//! asks about a container, and how the fetch log reads for a person.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::links::Fetch;
use crate::platforms::TargetJob;

/// How long Cast follows a container before it gives up (contract 5).
pub const PROCESSING_BOUND_SECS: i64 = 20 * 60;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Notes {
    /// The public link Meta fetches the current container's video from.
    #[serde(default)]
    pub link_id: Option<i64>,
    /// When that link dies by `PUBLIC_LINK_TTL` (Unix ms).
    #[serde(default)]
    pub link_expires_at_ms: Option<i64>,
}

impl Notes {
    pub fn of(job: &TargetJob) -> Self {
        serde_json::from_value(job.progress.clone()).unwrap_or_default()
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// 5 s, 10 s, 20 s, then every 30 s (contract 5).
pub fn poll_delay(polls: u32) -> Duration {
    Duration::from_secs(match polls {
        0 => 5,
        1 => 10,
        2 => 20,
        _ => 30,
    })
}

/// "212 MB", "4.2 MB", "512 KB", "37 bytes".
pub fn size_label(bytes: u64) -> String {
    const MB: u64 = 1_000_000;
    match bytes {
        b if b >= 100 * MB => format!("{} MB", b / MB),
        b if b >= MB => format!("{:.1} MB", b as f64 / MB as f64),
        b if b >= 1000 => format!("{} KB", b / 1000),
        b => format!("{b} bytes"),
    }
}

/// "Instagram fetched 212 MB in 6 requests", and the answers that were not what a fetcher
/// needs, so a 2207052 says what the link did.
pub fn fetch_story(fetches: &[Fetch]) -> String {
    if fetches.is_empty() {
        return "Instagram has not fetched the video from Cast's link.".to_string();
    }
    let bytes: u64 = fetches.iter().map(|f| f.bytes).sum();
    let n = fetches.len();
    let mut out = format!(
        "Instagram fetched {} in {n} request{}",
        size_label(bytes),
        if n == 1 { "" } else { "s" }
    );
    let odd: Vec<String> = fetches
        .iter()
        .filter(|f| !matches!(f.status, 200 | 206))
        .map(|f| format!("{} {}", f.method, f.status))
        .collect();
    if !odd.is_empty() {
        out.push_str(&format!("; Cast answered {}", odd.join(", ")));
    }
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_slow_down_to_every_half_minute() {
        let d: Vec<u64> = (0..5).map(|p| poll_delay(p).as_secs()).collect();
        assert_eq!(d, [5, 10, 20, 30, 30]);
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_label(212_345_678), "212 MB");
        assert_eq!(size_label(4_200_000), "4.2 MB");
        assert_eq!(size_label(512_000), "512 KB");
        assert_eq!(size_label(37), "37 bytes");
    }
}
