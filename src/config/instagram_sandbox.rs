//! The Instagram sandbox's knobs (contract section 14), `CAST_SANDBOX_INSTAGRAM_*`.

use std::time::Duration;

use super::{ConfigError, Source, parse_number, read};

/// A step that fault injection can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Exchange,
    LongLived,
    Refresh,
    Me,
    Limit,
    Create,
    Status,
    Publish,
    Permalink,
    Fetch,
}

impl Step {
    const NAMES: &'static str =
        "exchange, long_lived, refresh, me, limit, create, status, publish, permalink, fetch";

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "exchange" => Self::Exchange,
            "long_lived" => Self::LongLived,
            "refresh" => Self::Refresh,
            "me" => Self::Me,
            "limit" => Self::Limit,
            "create" => Self::Create,
            "status" => Self::Status,
            "publish" => Self::Publish,
            "permalink" => Self::Permalink,
            "fetch" => Self::Fetch,
            _ => return None,
        })
    }
}

/// What a faulted call answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP status: 500 and 503 answer Graph code 2 bodies, 429 and 400 code 4 bodies.
    Status(u16),
    /// A code/subcode pair, answered with the matching body of section 9.
    Code { code: i64, subcode: i64 },
    /// The step takes effect, then its answer is cut off mid-body (a sandbox addition, for
    /// `create` and `publish`: the "lost answer" of section 12).
    Lost,
    /// For `fetch`: what the link is made to look like to the fetcher.
    Link(LinkFault),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFault {
    Redirect,
    Html,
    IgnoreRange,
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub step: Step,
    pub answer: Answer,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenShape {
    /// Flat, `user_id` a bare number, `permissions` a list (recorded traffic).
    Recorded,
    /// Wrapped in `data`, `user_id` a string, `permissions` comma-separated (the docs).
    Documented,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    Business,
    MediaCreator,
    Personal,
}

impl AccountType {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Business => "BUSINESS",
            Self::MediaCreator => "MEDIA_CREATOR",
            Self::Personal => "PERSONAL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "BUSINESS" => Some(Self::Business),
            "MEDIA_CREATOR" | "CREATOR" => Some(Self::MediaCreator),
            "PERSONAL" => Some(Self::Personal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchMode {
    /// A `HEAD`, then ranged `GET`s.
    Range,
    /// One plain `GET`.
    Full,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstagramSandboxSettings {
    pub token_ttl: Duration,
    pub refresh_min_age: Duration,
    pub token_shape: TokenShape,
    pub account_type: AccountType,
    pub processing: Duration,
    pub container_ttl: Duration,
    pub publish_quota: u32,
    pub calls_per_hour: u32,
    pub fetch: FetchMode,
    pub fetch_chunk: u64,
    pub fetch_delay: Duration,
    pub fetch_timeout: Duration,
    pub verbose_status: bool,
    pub faults: Vec<Fault>,
}

impl Default for InstagramSandboxSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(5_184_000),
            refresh_min_age: Duration::from_secs(86_400),
            token_shape: TokenShape::Recorded,
            account_type: AccountType::Business,
            processing: Duration::from_millis(5000),
            container_ttl: Duration::from_secs(86_400),
            publish_quota: 50,
            calls_per_hour: 200,
            fetch: FetchMode::Range,
            fetch_chunk: 4 * 1024 * 1024,
            fetch_delay: Duration::from_millis(1000),
            fetch_timeout: Duration::from_secs(600),
            verbose_status: false,
            faults: Vec::new(),
        }
    }
}

fn positive(
    src: &dyn Source,
    name: &'static str,
    default: u64,
    example: &'static str,
) -> Result<u64, ConfigError> {
    let v: u64 = parse_number(src, name, default, example)?;
    if v == 0 {
        return Err(ConfigError::new(name, "must be at least 1", example));
    }
    Ok(v)
}

fn choice<T>(
    src: &dyn Source,
    name: &'static str,
    default: T,
    options: &[(&str, T)],
    example: &'static str,
) -> Result<T, ConfigError>
where
    T: Copy,
{
    let Some(v) = read(src, name) else {
        return Ok(default);
    };
    options
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&v))
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
            ConfigError::new(
                name,
                format!("'{v}' is not one of {}", names.join(", ")),
                example,
            )
        })
}

impl InstagramSandboxSettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let token_ttl = positive(
            src,
            "CAST_SANDBOX_INSTAGRAM_TOKEN_TTL",
            5_184_000,
            "5184000",
        )?;
        let refresh_min_age: u64 = parse_number(
            src,
            "CAST_SANDBOX_INSTAGRAM_REFRESH_MIN_AGE",
            86_400,
            "86400",
        )?;
        let processing: u64 =
            parse_number(src, "CAST_SANDBOX_INSTAGRAM_PROCESSING_MS", 5000, "5000")?;
        let container_ttl = positive(src, "CAST_SANDBOX_INSTAGRAM_CONTAINER_TTL", 86_400, "86400")?;
        let publish_quota: u32 =
            parse_number(src, "CAST_SANDBOX_INSTAGRAM_PUBLISH_QUOTA", 50, "50")?;
        let calls_per_hour = positive(src, "CAST_SANDBOX_INSTAGRAM_CALLS_PER_HOUR", 200, "200")?;
        let fetch_chunk = positive(
            src,
            "CAST_SANDBOX_INSTAGRAM_FETCH_CHUNK",
            4_194_304,
            "4194304",
        )?;
        let fetch_delay: u64 =
            parse_number(src, "CAST_SANDBOX_INSTAGRAM_FETCH_DELAY_MS", 1000, "1000")?;
        let fetch_timeout = positive(src, "CAST_SANDBOX_INSTAGRAM_FETCH_TIMEOUT", 600, "600")?;
        let (token_shape, account_type, fetch, verbose_status) = choices(src)?;
        let faults = match read(src, "CAST_SANDBOX_INSTAGRAM_FAULTS") {
            None => Vec::new(),
            Some(v) => parse_faults(&v)?,
        };
        Ok(Self {
            token_ttl: Duration::from_secs(token_ttl),
            refresh_min_age: Duration::from_secs(refresh_min_age),
            token_shape,
            account_type,
            processing: Duration::from_millis(processing),
            container_ttl: Duration::from_secs(container_ttl),
            publish_quota,
            calls_per_hour: u32::try_from(calls_per_hour).unwrap_or(u32::MAX),
            fetch,
            fetch_chunk,
            fetch_delay: Duration::from_millis(fetch_delay),
            fetch_timeout: Duration::from_secs(fetch_timeout),
            verbose_status,
            faults,
        })
    }
}

/// The knobs that name one of a few choices.
fn choices(src: &dyn Source) -> Result<(TokenShape, AccountType, FetchMode, bool), ConfigError> {
    let token_shape = choice(
        src,
        "CAST_SANDBOX_INSTAGRAM_TOKEN_SHAPE",
        TokenShape::Recorded,
        &[
            ("recorded", TokenShape::Recorded),
            ("documented", TokenShape::Documented),
        ],
        "recorded",
    )?;
    let account_type = match read(src, "CAST_SANDBOX_INSTAGRAM_ACCOUNT_TYPE") {
        None => AccountType::Business,
        Some(v) => AccountType::parse(&v).ok_or_else(|| {
            ConfigError::new(
                "CAST_SANDBOX_INSTAGRAM_ACCOUNT_TYPE",
                format!("'{v}' is not one of BUSINESS, MEDIA_CREATOR, PERSONAL"),
                "MEDIA_CREATOR",
            )
        })?,
    };
    let fetch = choice(
        src,
        "CAST_SANDBOX_INSTAGRAM_FETCH",
        FetchMode::Range,
        &[("range", FetchMode::Range), ("full", FetchMode::Full)],
        "range",
    )?;
    let verbose_status = choice(
        src,
        "CAST_SANDBOX_INSTAGRAM_STATUS_TEXT",
        false,
        &[("bare", false), ("verbose", true)],
        "verbose",
    )?;
    Ok((token_shape, account_type, fetch, verbose_status))
}

fn parse_faults(value: &str) -> Result<Vec<Fault>, ConfigError> {
    const NAME: &str = "CAST_SANDBOX_INSTAGRAM_FAULTS";
    const EXAMPLE: &str = "publish:9007/2207027:1,fetch:html:1";
    let bad = |problem: String| ConfigError::new(NAME, problem, EXAMPLE);
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let bits: Vec<&str> = part.split(':').collect();
            let [step, answer, count] = bits.as_slice() else {
                return Err(bad(format!("'{part}' is not STEP:ANSWER:COUNT")));
            };
            let step = Step::parse(step)
                .ok_or_else(|| bad(format!("'{step}' is not one of {}", Step::NAMES)))?;
            let answer = parse_answer(step, answer).ok_or_else(|| {
                bad(match step {
                    Step::Fetch => format!(
                        "'{answer}' in '{part}' is not one of redirect, html, ignore-range, 404"
                    ),
                    _ => format!(
                        "'{answer}' in '{part}' is not 500, 503, 429, 400, CODE/SUBCODE or lost"
                    ),
                })
            })?;
            let count: u32 = count
                .parse()
                .map_err(|_| bad(format!("'{count}' in '{part}' is not a whole number")))?;
            Ok(Fault {
                step,
                answer,
                count,
            })
        })
        .collect()
}

fn parse_answer(step: Step, raw: &str) -> Option<Answer> {
    if step == Step::Fetch {
        return Some(Answer::Link(match raw {
            "redirect" => LinkFault::Redirect,
            "html" => LinkFault::Html,
            "ignore-range" => LinkFault::IgnoreRange,
            "404" => LinkFault::NotFound,
            _ => return None,
        }));
    }
    if raw == "lost" {
        return matches!(step, Step::Create | Step::Publish).then_some(Answer::Lost);
    }
    if let Some((code, sub)) = raw.split_once('/') {
        return Some(Answer::Code {
            code: code.trim().parse().ok()?,
            subcode: sub.trim().parse().ok()?,
        });
    }
    let status: u16 = raw.parse().ok()?;
    matches!(status, 400 | 429 | 500 | 503).then_some(Answer::Status(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<InstagramSandboxSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        InstagramSandboxSettings::from_source(&map)
    }

    #[test]
    fn defaults_are_the_contracts() {
        assert_eq!(
            settings(&[]).expect("defaults"),
            InstagramSandboxSettings::default()
        );
    }

    #[test]
    fn every_knob_reads() {
        let s = settings(&[
            ("CAST_SANDBOX_INSTAGRAM_TOKEN_TTL", "100"),
            ("CAST_SANDBOX_INSTAGRAM_REFRESH_MIN_AGE", "0"),
            ("CAST_SANDBOX_INSTAGRAM_TOKEN_SHAPE", "documented"),
            ("CAST_SANDBOX_INSTAGRAM_ACCOUNT_TYPE", "PERSONAL"),
            ("CAST_SANDBOX_INSTAGRAM_PROCESSING_MS", "0"),
            ("CAST_SANDBOX_INSTAGRAM_CONTAINER_TTL", "60"),
            ("CAST_SANDBOX_INSTAGRAM_PUBLISH_QUOTA", "2"),
            ("CAST_SANDBOX_INSTAGRAM_CALLS_PER_HOUR", "10"),
            ("CAST_SANDBOX_INSTAGRAM_FETCH", "full"),
            ("CAST_SANDBOX_INSTAGRAM_FETCH_CHUNK", "8192"),
            ("CAST_SANDBOX_INSTAGRAM_FETCH_DELAY_MS", "0"),
            ("CAST_SANDBOX_INSTAGRAM_FETCH_TIMEOUT", "5"),
            ("CAST_SANDBOX_INSTAGRAM_STATUS_TEXT", "verbose"),
            (
                "CAST_SANDBOX_INSTAGRAM_FAULTS",
                "publish:9007/2207027:1, fetch:ignore-range:2,create:lost:1,me:503:1",
            ),
        ])
        .expect("valid");
        assert_eq!(s.token_shape, TokenShape::Documented);
        assert_eq!(s.account_type, AccountType::Personal);
        assert_eq!(
            (s.publish_quota, s.calls_per_hour, s.fetch_chunk),
            (2, 10, 8192)
        );
        assert_eq!(s.fetch, FetchMode::Full);
        assert!(s.verbose_status);
        assert_eq!(
            s.faults,
            vec![
                Fault {
                    step: Step::Publish,
                    answer: Answer::Code {
                        code: 9007,
                        subcode: 2207027
                    },
                    count: 1
                },
                Fault {
                    step: Step::Fetch,
                    answer: Answer::Link(LinkFault::IgnoreRange),
                    count: 2
                },
                Fault {
                    step: Step::Create,
                    answer: Answer::Lost,
                    count: 1
                },
                Fault {
                    step: Step::Me,
                    answer: Answer::Status(503),
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn each_malformed_knob_is_refused_by_name() {
        for (name, value) in [
            ("CAST_SANDBOX_INSTAGRAM_TOKEN_TTL", "0"),
            ("CAST_SANDBOX_INSTAGRAM_TOKEN_SHAPE", "flat"),
            ("CAST_SANDBOX_INSTAGRAM_ACCOUNT_TYPE", "CREATORS"),
            ("CAST_SANDBOX_INSTAGRAM_FETCH", "ranged"),
            ("CAST_SANDBOX_INSTAGRAM_FETCH_CHUNK", "0"),
            ("CAST_SANDBOX_INSTAGRAM_STATUS_TEXT", "loud"),
            ("CAST_SANDBOX_INSTAGRAM_FAULTS", "publish:9007"),
            ("CAST_SANDBOX_INSTAGRAM_FAULTS", "upload:500:1"),
            ("CAST_SANDBOX_INSTAGRAM_FAULTS", "fetch:500:1"),
            ("CAST_SANDBOX_INSTAGRAM_FAULTS", "me:lost:1"),
            ("CAST_SANDBOX_INSTAGRAM_FAULTS", "me:418:1"),
            ("CAST_SANDBOX_INSTAGRAM_PROCESSING_MS", "soon"),
        ] {
            let e = settings(&[(name, value)]).expect_err(value);
            assert_eq!(e.name, name, "{value}");
        }
    }
}
