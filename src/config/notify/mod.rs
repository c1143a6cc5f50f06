//! Which channels are set up, read once from the settings (`NTFY_URL`, `NOTIFY_WEBHOOK_URL`,
//! `SMTP_URL`, …). A channel is on when its URL is set; a half-set channel stops start-up with one
//! line naming the setting. Secrets (tokens, passwords, and URLs, whose topic or path often is the
//! secret) never show in `Debug` output, logs or pages: only the host does.

pub mod channel;
pub mod smtp_url;

use std::fmt;

use lettre::message::{Mailbox, Mailboxes};
use url::Url;

use crate::config::{ConfigError, Secret, Source, read};
pub use channel::Channel;
use smtp_url::SmtpServer;

/// Shortest webhook secret accepted: long enough that the signature cannot be guessed.
const MIN_WEBHOOK_SECRET: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    pub ntfy: Option<NtfySettings>,
    pub webhook: Option<WebhookSettings>,
    pub email: Option<EmailSettings>,
}

#[derive(Debug, Clone)]
pub struct NtfySettings {
    /// The topic URL, without any user name or password.
    pub topic_url: SecretUrl,
    pub auth: Option<NtfyAuth>,
}

#[derive(Debug, Clone)]
pub enum NtfyAuth {
    /// `NTFY_TOKEN`, sent as `Authorization: Bearer`.
    Token(Secret),
    /// `https://user:pass@host/topic`, sent as HTTP Basic.
    Basic { user: String, password: Secret },
}

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub url: SecretUrl,
    /// The HMAC key of `Cast-Signature`; never sent.
    pub secret: Secret,
}

#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub server: SmtpServer,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
}

/// A URL that may carry a secret in its path or query (an ntfy topic, a Home Assistant webhook id):
/// only its scheme, host and port are ever shown.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(Url);

impl SecretUrl {
    pub fn expose(&self) -> &Url {
        &self.0
    }

    /// `https://ntfy.sh`, `http://127.0.0.1:8080`: safe for logs, errors and pages.
    pub fn origin(&self) -> String {
        let host = self.0.host_str().unwrap_or("?");
        match self.0.port() {
            Some(port) => format!("{}://{host}:{port}", self.0.scheme()),
            None => format!("{}://{host}", self.0.scheme()),
        }
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({}/…)", self.origin())
    }
}

impl NotifySettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        Ok(Self {
            ntfy: ntfy(src)?,
            webhook: webhook(src)?,
            email: email(src)?,
        })
    }

    pub fn is_configured(&self, channel: Channel) -> bool {
        match channel {
            Channel::Ntfy => self.ntfy.is_some(),
            Channel::Webhook => self.webhook.is_some(),
            Channel::Email => self.email.is_some(),
        }
    }

    /// The channels that are on, in a fixed order.
    pub fn channels(&self) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| self.is_configured(*c))
            .collect()
    }

    /// Where a channel sends, with nothing secret: `https://ntfy.sh`, `smtp.example.com:465 → me@example.com`.
    pub fn destination(&self, channel: Channel) -> Option<String> {
        match channel {
            Channel::Ntfy => self.ntfy.as_ref().map(|n| n.topic_url.origin()),
            Channel::Webhook => self.webhook.as_ref().map(|w| w.url.origin()),
            Channel::Email => self.email.as_ref().map(|e| {
                let to: Vec<String> = e.to.iter().map(|m| m.email.to_string()).collect();
                format!("{}:{} → {}", e.server.host, e.server.port, to.join(", "))
            }),
        }
    }

    /// Every secret value, so that error text from a server or library can be scrubbed of them.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(n) = &self.ntfy {
            let url = n.topic_url.expose();
            out.push(url.to_string());
            // The topic is the secret of a public ntfy server: anyone who knows it can read along.
            out.extend(
                url.path_segments()
                    .and_then(|mut s| s.next_back())
                    .map(str::to_string),
            );
            match &n.auth {
                Some(NtfyAuth::Token(t)) => out.push(t.expose().to_string()),
                Some(NtfyAuth::Basic { password, .. }) => out.push(password.expose().to_string()),
                None => {}
            }
        }
        if let Some(w) = &self.webhook {
            out.push(w.url.expose().to_string());
            if w.url.expose().path().len() > 1 {
                out.push(w.url.expose().path().to_string());
            }
            out.extend(w.url.expose().query().map(str::to_string));
            out.push(w.secret.expose().to_string());
        }
        if let Some(c) = self
            .email
            .as_ref()
            .and_then(|e| e.server.credentials.as_ref())
        {
            out.push(c.password.expose().to_string());
        }
        // Longest first, so a URL is scrubbed whole before its parts are.
        out.retain(|s| s.len() >= 4);
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out.dedup();
        out
    }
}

fn http_url(
    src: &dyn Source,
    name: &'static str,
    example: &'static str,
) -> Result<Option<Url>, ConfigError> {
    let Some(raw) = read(src, name) else {
        return Ok(None);
    };
    // The value is never echoed: the topic or path may be the secret.
    let url =
        Url::parse(&raw).map_err(|_| ConfigError::new(name, "is not an absolute URL", example))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::new(
            name,
            "must start with http:// or https:// and name a host",
            example,
        ));
    }
    if url.fragment().is_some() {
        return Err(ConfigError::new(name, "must not have a #fragment", example));
    }
    Ok(Some(url))
}

fn ntfy(src: &dyn Source) -> Result<Option<NtfySettings>, ConfigError> {
    const EXAMPLE: &str = "https://ntfy.sh/cast-7f3k9q2x";
    let token = read(src, "NTFY_TOKEN").map(Secret::new);
    let Some(mut url) = http_url(src, "NTFY_URL", EXAMPLE)? else {
        if token.is_some() {
            return Err(ConfigError::new(
                "NTFY_TOKEN",
                "is set but NTFY_URL is not: set the topic URL too, or unset the token",
                "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
            ));
        }
        return Ok(None);
    };
    let topic = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    if topic.is_empty() || url.query().is_some() {
        return Err(ConfigError::new(
            "NTFY_URL",
            "must be a topic URL: the server and the topic, with no query string",
            EXAMPLE,
        ));
    }
    let basic = if url.username().is_empty() {
        None
    } else {
        let user = decode(url.username());
        let password = Secret::new(decode(url.password().unwrap_or("")));
        // Cannot fail for an http(s) URL with a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some((user, password))
    };
    let auth = match (token, basic) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                "NTFY_TOKEN",
                "and a user name in NTFY_URL are both set: use one of them",
                "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
            ));
        }
        (Some(token), None) => Some(NtfyAuth::Token(token)),
        (None, Some((user, password))) => Some(NtfyAuth::Basic { user, password }),
        (None, None) => None,
    };
    Ok(Some(NtfySettings {
        topic_url: SecretUrl(url),
        auth,
    }))
}

fn webhook(src: &dyn Source) -> Result<Option<WebhookSettings>, ConfigError> {
    const SECRET_EXAMPLE: &str = "$(openssl rand -hex 32)";
    let secret = read(src, "NOTIFY_WEBHOOK_SECRET");
    let url = http_url(
        src,
        "NOTIFY_WEBHOOK_URL",
        "https://n8n.example.com/webhook/cast",
    )?;
    match (url, secret) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(ConfigError::new(
            "NOTIFY_WEBHOOK_SECRET",
            "is set but NOTIFY_WEBHOOK_URL is not: set where to send, or unset the secret",
            "NOTIFY_WEBHOOK_URL=https://n8n.example.com/webhook/cast",
        )),
        (Some(_), None) => Err(ConfigError::new(
            "NOTIFY_WEBHOOK_SECRET",
            "is missing: the webhook is signed with it so the receiver can tell Cast's calls from others",
            SECRET_EXAMPLE,
        )),
        (Some(_), Some(s)) if s.chars().count() < MIN_WEBHOOK_SECRET => Err(ConfigError::new(
            "NOTIFY_WEBHOOK_SECRET",
            format!("is too short: use at least {MIN_WEBHOOK_SECRET} random characters"),
            SECRET_EXAMPLE,
        )),
        (Some(url), Some(secret)) => Ok(Some(WebhookSettings {
            url: SecretUrl(url),
            secret: Secret::new(secret),
        })),
    }
}

fn email(src: &dyn Source) -> Result<Option<EmailSettings>, ConfigError> {
    const FROM_EXAMPLE: &str = "\"Cast <cast@example.com>\"";
    const TO_EXAMPLE: &str = "me@example.com";
    let from = read(src, "NOTIFY_EMAIL_FROM");
    let to = read(src, "NOTIFY_EMAIL_TO");
    let Some(raw) = read(src, "SMTP_URL") else {
        if let Some(name) = [("NOTIFY_EMAIL_FROM", &from), ("NOTIFY_EMAIL_TO", &to)]
            .into_iter()
            .find_map(|(n, v)| v.is_some().then_some(n))
        {
            return Err(ConfigError::new(
                name,
                "is set but SMTP_URL is not: set the mail server to send through",
                "smtps://cast%40example.com:app-password@smtp.example.com:465",
            ));
        }
        return Ok(None);
    };
    let server = smtp_url::parse(&raw)?;
    let from: Mailbox = from
        .ok_or_else(|| {
            ConfigError::new(
                "NOTIFY_EMAIL_FROM",
                "is missing: SMTP_URL is set, so say which address the email comes from",
                FROM_EXAMPLE,
            )
        })?
        .parse()
        .map_err(|_| {
            ConfigError::new(
                "NOTIFY_EMAIL_FROM",
                "is not an email address (a name in front is fine)",
                FROM_EXAMPLE,
            )
        })?;
    let to: Mailboxes = to
        .ok_or_else(|| {
            ConfigError::new(
                "NOTIFY_EMAIL_TO",
                "is missing: SMTP_URL is set, so say who gets the email",
                TO_EXAMPLE,
            )
        })?
        .parse()
        .map_err(|_| {
            ConfigError::new(
                "NOTIFY_EMAIL_TO",
                "is not a list of email addresses separated by commas",
                TO_EXAMPLE,
            )
        })?;
    let to: Vec<Mailbox> = to.into_iter().collect();
    if to.is_empty() {
        return Err(ConfigError::new(
            "NOTIFY_EMAIL_TO",
            "names no address",
            TO_EXAMPLE,
        ));
    }
    Ok(Some(EmailSettings { server, from, to }))
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::smtp_url::SmtpSecurity;
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<NotifySettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        NotifySettings::from_source(&map)
    }

    #[test]
    fn nothing_set_means_no_channel() {
        let s = settings(&[]).expect("valid");
        assert!(s.channels().is_empty());
    }

    #[test]
    fn each_channel_is_on_when_its_settings_are_complete() {
        let s = settings(&[
            ("NTFY_URL", "https://ntfy.sh/cast-topic"),
            ("NTFY_TOKEN", "tk_secret_token"),
            (
                "NOTIFY_WEBHOOK_URL",
                "https://hooks.example.com/cast?key=abc",
            ),
            ("NOTIFY_WEBHOOK_SECRET", "0123456789abcdef"),
            (
                "SMTP_URL",
                "smtps://cast%40example.com:p%40ss@smtp.example.com",
            ),
            ("NOTIFY_EMAIL_FROM", "Cast <cast@example.com>"),
            ("NOTIFY_EMAIL_TO", "me@example.com, you@example.com"),
        ])
        .expect("valid");
        assert_eq!(s.channels(), Channel::ALL.to_vec());
        let email = s.email.as_ref().expect("email");
        assert_eq!(email.server.port, 465);
        assert_eq!(email.server.security, SmtpSecurity::Tls);
        let creds = email.server.credentials.as_ref().expect("credentials");
        assert_eq!(creds.user, "cast@example.com");
        assert_eq!(creds.password.expose(), "p@ss");
        assert_eq!(email.to.len(), 2);
        assert_eq!(
            s.destination(Channel::Email).as_deref(),
            Some("smtp.example.com:465 → me@example.com, you@example.com")
        );
        assert_eq!(
            s.destination(Channel::Ntfy).as_deref(),
            Some("https://ntfy.sh")
        );
    }

    #[test]
    fn ntfy_credentials_in_the_url_become_basic_auth_and_leave_the_url() {
        let s = settings(&[("NTFY_URL", "https://alice:s3cr%3At@ntfy.example.com/alerts")])
            .expect("valid");
        let ntfy = s.ntfy.expect("ntfy");
        assert_eq!(
            ntfy.topic_url.expose().as_str(),
            "https://ntfy.example.com/alerts"
        );
        match ntfy.auth {
            Some(NtfyAuth::Basic { user, password }) => {
                assert_eq!(user, "alice");
                assert_eq!(password.expose(), "s3cr:t");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn half_set_channels_name_the_setting_in_one_line_with_an_example() {
        for (pairs, name) in [
            (vec![("NTFY_TOKEN", "tk_x")], "NTFY_TOKEN"),
            (vec![("NTFY_URL", "ntfy.sh/topic")], "NTFY_URL"),
            (vec![("NTFY_URL", "https://ntfy.sh/")], "NTFY_URL"),
            (
                vec![("NOTIFY_WEBHOOK_URL", "https://h.example.com/x")],
                "NOTIFY_WEBHOOK_SECRET",
            ),
            (
                vec![("NOTIFY_WEBHOOK_SECRET", "0123456789abcdef")],
                "NOTIFY_WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("NOTIFY_WEBHOOK_URL", "https://h.example.com/x"),
                    ("NOTIFY_WEBHOOK_SECRET", "short"),
                ],
                "NOTIFY_WEBHOOK_SECRET",
            ),
            (
                vec![("NOTIFY_EMAIL_TO", "me@example.com")],
                "NOTIFY_EMAIL_TO",
            ),
            (
                vec![
                    ("SMTP_URL", "smtp://mail.lan"),
                    ("NOTIFY_EMAIL_TO", "me@example.com"),
                ],
                "NOTIFY_EMAIL_FROM",
            ),
            (
                vec![
                    ("SMTP_URL", "smtp://mail.lan"),
                    ("NOTIFY_EMAIL_FROM", "cast@example.com"),
                ],
                "NOTIFY_EMAIL_TO",
            ),
            (
                vec![
                    ("SMTP_URL", "smtp://mail.lan"),
                    ("NOTIFY_EMAIL_FROM", "not an address"),
                    ("NOTIFY_EMAIL_TO", "me@example.com"),
                ],
                "NOTIFY_EMAIL_FROM",
            ),
            (vec![("SMTP_URL", "imap://mail.lan")], "SMTP_URL"),
            (vec![("SMTP_URL", "smtp://mail.lan?tls=maybe")], "SMTP_URL"),
        ] {
            let e = settings(&pairs).expect_err(name);
            let line = e.to_string();
            assert_eq!(e.name, name, "{line}");
            assert!(line.contains("for example"), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = settings(&[
            ("NTFY_URL", "https://ntfy.sh/private-topic-name"),
            ("NTFY_TOKEN", "tk_secret_token"),
            (
                "NOTIFY_WEBHOOK_URL",
                "https://ha.example.com/api/webhook/hook-id-secret",
            ),
            ("NOTIFY_WEBHOOK_SECRET", "webhook-signing-secret"),
            ("SMTP_URL", "smtps://me:hunter2-password@mail.example.com"),
            ("NOTIFY_EMAIL_FROM", "cast@example.com"),
            ("NOTIFY_EMAIL_TO", "me@example.com"),
        ])
        .expect("valid");
        let dbg = format!("{s:?}");
        for secret in [
            "private-topic-name",
            "tk_secret_token",
            "hook-id-secret",
            "webhook-signing-secret",
            "hunter2-password",
        ] {
            assert!(!dbg.contains(secret), "{secret} in {dbg}");
            assert!(
                s.secrets().iter().any(|x| x.contains(secret)),
                "{secret} not scrubbed"
            );
        }
    }
}
