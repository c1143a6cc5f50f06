//! The sandbox's webhook knobs (contract §12, "Webhooks"): where it sends, and how hard it makes
//! the receiver's life (duplicates, order, retries, a bad signature, a delay).

use std::time::Duration;

use url::Url;

use crate::config::{ConfigError, Source, parse_number, parse_switch, read};

/// Where the sandbox's webhooks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookTarget {
    /// `{BASE_URL}/webhooks/tiktok`: Cast's own receiver.
    Cast,
    /// `off`: none are sent.
    Off,
    Url(Url),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxWebhookSettings {
    pub target: WebhookTarget,
    /// Extra deliveries of every event.
    pub duplicates: u32,
    /// A post's events that fall due together go newest first.
    pub reorder: bool,
    /// How long a delivery not answered 200 is retried.
    pub retry_for: Duration,
    /// Sign every delivery with the wrong key.
    pub bad_signature: bool,
    /// How long after its moment an event is first sent.
    pub delay: Duration,
}

/// More than this many copies of one event tests nothing more and floods the receiver.
const MAX_DUPLICATES: u32 = 10;

impl Default for SandboxWebhookSettings {
    fn default() -> Self {
        Self {
            target: WebhookTarget::Cast,
            duplicates: 1,
            reorder: true,
            retry_for: Duration::from_secs(600),
            bad_signature: false,
            delay: Duration::ZERO,
        }
    }
}

impl SandboxWebhookSettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let target = match read(src, "CAST_SANDBOX_WEBHOOK_URL") {
            None => WebhookTarget::Cast,
            Some(v) if v.eq_ignore_ascii_case("off") => WebhookTarget::Off,
            Some(v) => WebhookTarget::Url(
                Url::parse(&v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                    .ok_or_else(|| {
                        ConfigError::new(
                            "CAST_SANDBOX_WEBHOOK_URL",
                            format!("'{v}' is not an http(s) URL or off"),
                            "http://127.0.0.1:8080/hook",
                        )
                    })?,
            ),
        };
        let duplicates: u32 = parse_number(src, "CAST_SANDBOX_WEBHOOK_DUPLICATES", 1, "1")?;
        if duplicates > MAX_DUPLICATES {
            return Err(ConfigError::new(
                "CAST_SANDBOX_WEBHOOK_DUPLICATES",
                format!("'{duplicates}' is too many: use 0 to {MAX_DUPLICATES}"),
                "1",
            ));
        }
        // On unless set to 0: out-of-order delivery is the harder case (contract §13 point 21).
        let reorder = read(src, "CAST_SANDBOX_WEBHOOK_REORDER").is_none()
            || parse_switch(src, "CAST_SANDBOX_WEBHOOK_REORDER")?;
        let retry_secs: u64 = parse_number(src, "CAST_SANDBOX_WEBHOOK_RETRY_SECS", 600, "600")?;
        let delay_ms: u64 = parse_number(src, "CAST_SANDBOX_WEBHOOK_DELAY_MS", 0, "2000")?;
        Ok(Self {
            target,
            duplicates,
            reorder,
            retry_for: Duration::from_secs(retry_secs),
            bad_signature: parse_switch(src, "CAST_SANDBOX_WEBHOOK_BAD_SIGNATURE")?,
            delay: Duration::from_millis(delay_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<SandboxWebhookSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SandboxWebhookSettings::from_source(&map)
    }

    #[test]
    fn by_default_cast_gets_every_event_twice_newest_first_retried_for_ten_minutes() {
        assert_eq!(
            settings(&[]).expect("defaults"),
            SandboxWebhookSettings::default()
        );
        let d = SandboxWebhookSettings::default();
        assert_eq!(d.target, WebhookTarget::Cast);
        assert_eq!(d.duplicates, 1);
        assert!(d.reorder && !d.bad_signature);
        assert_eq!(d.retry_for, Duration::from_secs(600));
    }

    #[test]
    fn each_knob_is_read() {
        let s = settings(&[
            ("CAST_SANDBOX_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
            ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
            ("CAST_SANDBOX_WEBHOOK_REORDER", "0"),
            ("CAST_SANDBOX_WEBHOOK_RETRY_SECS", "30"),
            ("CAST_SANDBOX_WEBHOOK_BAD_SIGNATURE", "1"),
            ("CAST_SANDBOX_WEBHOOK_DELAY_MS", "1500"),
        ])
        .expect("valid");
        assert_eq!(
            s.target,
            WebhookTarget::Url(Url::parse("http://127.0.0.1:9/hook").expect("url"))
        );
        assert_eq!(s.duplicates, 0);
        assert!(!s.reorder && s.bad_signature);
        assert_eq!(s.retry_for, Duration::from_secs(30));
        assert_eq!(s.delay, Duration::from_millis(1500));
        let off = settings(&[("CAST_SANDBOX_WEBHOOK_URL", "off")]).expect("valid");
        assert_eq!(off.target, WebhookTarget::Off);
    }

    #[test]
    fn a_malformed_knob_is_refused_by_name() {
        for (name, value) in [
            ("CAST_SANDBOX_WEBHOOK_URL", "cast.local/hook"),
            ("CAST_SANDBOX_WEBHOOK_URL", "ftp://x/hook"),
            ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "11"),
            ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "-1"),
            ("CAST_SANDBOX_WEBHOOK_REORDER", "yes"),
            ("CAST_SANDBOX_WEBHOOK_RETRY_SECS", "soon"),
            ("CAST_SANDBOX_WEBHOOK_BAD_SIGNATURE", "2"),
            ("CAST_SANDBOX_WEBHOOK_DELAY_MS", "1s"),
        ] {
            let e = settings(&[(name, value)]).expect_err(value);
            assert_eq!(e.name, name);
            assert!(e.to_string().contains("for example"), "{e}");
        }
    }
}
