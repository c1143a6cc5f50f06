//! `PUBLIC_LINK_TTL`: how long a public link may live at most (contract section 11).

use std::time::Duration;

use super::{ConfigError, Source, read};

const NAME: &str = "PUBLIC_LINK_TTL";
const EXAMPLE: &str = "2h";
/// Where every public link lives, below `BASE_URL`: one TikTok URL-prefix property covers them.
pub const PATH_PREFIX: &str = "/m/";

/// TikTok's one-hour download limit plus margin.
pub const DEFAULT_TTL: Duration = Duration::from_secs(2 * 3600);
/// A link that lives longer than a day is no longer "a short time".
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

pub fn public_link_ttl(src: &dyn Source) -> Result<Duration, ConfigError> {
    let ttl = match read(src, NAME) {
        None => DEFAULT_TTL,
        Some(v) => parse_duration(&v).ok_or_else(|| {
            ConfigError::new(
                NAME,
                format!("'{v}' is not a duration such as 90m, 2h or 7200s"),
                EXAMPLE,
            )
        })?,
    };
    if ttl < Duration::from_secs(60) || ttl > MAX_TTL {
        return Err(ConfigError::new(
            NAME,
            format!(
                "'{}' is out of range: a link must live between 1 minute and 24 hours",
                read(src, NAME).unwrap_or_default()
            ),
            EXAMPLE,
        ));
    }
    Ok(ttl)
}

/// `7200`, `7200s`, `90m`, `2h`, `1h30m`: whole numbers with units s, m or h (bare = seconds).
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim().to_ascii_lowercase();
    if raw.is_empty() {
        return None;
    }
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in raw.chars() {
        match c {
            '0'..='9' => digits.push(c),
            's' | 'm' | 'h' => {
                let n: u64 = digits.parse().ok()?;
                digits.clear();
                let unit = match c {
                    's' => 1,
                    'm' => 60,
                    _ => 3600,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
            }
            _ => return None,
        }
    }
    digits.is_empty().then_some(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(value: &str) -> Result<Duration, ConfigError> {
        let map: HashMap<String, String> = [(NAME.to_string(), value.to_string())].into();
        public_link_ttl(&map)
    }

    #[test]
    fn durations_read_as_people_write_them() {
        for (raw, secs) in [
            ("7200", 7200),
            ("7200s", 7200),
            ("90m", 5400),
            ("2h", 7200),
            ("1h30m", 5400),
            (" 2H ", 7200),
        ] {
            assert_eq!(
                parse_duration(raw),
                Some(Duration::from_secs(secs)),
                "{raw}"
            );
        }
        for raw in ["", "h", "2 hours", "-5", "1.5h", "30x", "2h5"] {
            assert_eq!(parse_duration(raw), None, "{raw}");
        }
    }

    #[test]
    fn unset_means_two_hours_and_bad_values_name_the_setting() {
        let empty: HashMap<String, String> = HashMap::new();
        assert_eq!(public_link_ttl(&empty).expect("default"), DEFAULT_TTL);
        assert_eq!(settings("45m").expect("valid").as_secs(), 2700);
        for bad in ["soon", "10s", "25h"] {
            let e = settings(bad).expect_err(bad);
            assert_eq!(e.name, NAME);
            assert!(e.to_string().contains("for example"), "{e}");
        }
    }
}
