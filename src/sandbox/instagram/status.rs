//! A container's status, computed from its row and the clock (contract sections 5 and 14):
//! nothing waits on timers, so a moved test clock or a restart loses nothing.

use super::settings::InstagramSandboxSettings;
use super::store::containers::Container;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    InProgress,
    Finished,
    Published,
    Error,
    Expired,
}

impl StatusCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Finished => "FINISHED",
            Self::Published => "PUBLISHED",
            Self::Error => "ERROR",
            Self::Expired => "EXPIRED",
        }
    }
}

pub fn status_code(c: &Container, now_ms: i64, s: &InstagramSandboxSettings) -> StatusCode {
    if c.media_id.is_some() {
        return StatusCode::Published;
    }
    if c.fetch_state == "failed" {
        return StatusCode::Error;
    }
    let ttl = i64::try_from(s.container_ttl.as_millis()).unwrap_or(i64::MAX / 4);
    if now_ms >= c.created_ms.saturating_add(ttl) {
        return StatusCode::Expired;
    }
    let processing = i64::try_from(s.processing.as_millis()).unwrap_or(i64::MAX / 4);
    match (c.fetch_state.as_str(), c.fetched_ms) {
        ("fetched", Some(at)) if now_ms >= at.saturating_add(processing) => StatusCode::Finished,
        _ => StatusCode::InProgress,
    }
}

/// `status`: the bare recorded form by default (it repeats the code), or the sentences other
/// clients recorded.
pub fn status_text(code: StatusCode, c: &Container, verbose: bool) -> String {
    if !verbose {
        return code.as_str().to_string();
    }
    match code {
        StatusCode::InProgress => "In Progress: Media is still being processed.".into(),
        StatusCode::Finished => {
            "Finished: Media has been uploaded and it is ready to be published.".into()
        }
        StatusCode::Published => "Published: Media has been successfully published.".into(),
        StatusCode::Expired => "Expired: Media has not been published within 24 hours.".into(),
        StatusCode::Error => format!(
            "Error: Media upload has failed with error code {}",
            c.error_subcode.unwrap_or(2207053)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container() -> Container {
        Container {
            container_id: "1".into(),
            user_id: "u".into(),
            video_url: String::new(),
            cover_url: None,
            caption: String::new(),
            share_to_feed: Some(true),
            thumb_offset: None,
            collaborators: None,
            created_ms: 0,
            fetch_state: "pending".into(),
            fetch_started_ms: None,
            fetched_ms: None,
            size: None,
            sha256: None,
            duration_ms: None,
            error_code: None,
            error_subcode: None,
            error_message: None,
            error_user_msg: None,
            media_id: None,
            shortcode: None,
            published_ms: None,
        }
    }

    #[test]
    fn a_container_goes_through_its_states_by_the_clock() {
        let s = InstagramSandboxSettings::default();
        let mut c = container();
        assert_eq!(status_code(&c, 10, &s), StatusCode::InProgress);
        c.fetch_state = "fetched".into();
        c.fetched_ms = Some(1000);
        assert_eq!(status_code(&c, 5999, &s), StatusCode::InProgress);
        assert_eq!(status_code(&c, 6000, &s), StatusCode::Finished);
        assert_eq!(status_code(&c, 86_400_000, &s), StatusCode::Expired);
        c.media_id = Some("m".into());
        assert_eq!(status_code(&c, 86_400_000, &s), StatusCode::Published);
        let mut failed = container();
        failed.fetch_state = "failed".into();
        failed.error_subcode = Some(2207052);
        assert_eq!(status_code(&failed, 0, &s), StatusCode::Error);
        assert_eq!(
            status_text(StatusCode::Error, &failed, true),
            "Error: Media upload has failed with error code 2207052"
        );
        assert_eq!(status_text(StatusCode::Error, &failed, false), "ERROR");
    }
}
