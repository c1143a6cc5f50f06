//! `SMTP_URL`: which mail server, how encrypted, and with which login.

use url::Url;

use crate::config::{ConfigError, Secret};

#[derive(Debug, Clone)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<SmtpCredentials>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte (port 465).
    Tls,
    /// `smtp://…?tls=starttls`: plain, then STARTTLS, which must succeed (port 587).
    StartTls,
    /// `smtp://`: no encryption, for a relay on the same machine or network (port 25).
    None,
}

#[derive(Debug, Clone)]
pub struct SmtpCredentials {
    pub user: String,
    pub password: Secret,
}

/// `smtps://user:pass@host:465`, `smtp://host:25`, `smtp://user:pass@host:587?tls=starttls`.
pub fn parse(raw: &str) -> Result<SmtpServer, ConfigError> {
    const EXAMPLE: &str = "smtps://cast%40example.com:app-password@smtp.example.com:465";
    let bad = |problem: &str| ConfigError::new("SMTP_URL", problem, EXAMPLE);
    // The value is never echoed: it may hold the password.
    let url = Url::parse(raw).map_err(|_| {
        bad("is not a URL like smtps://user:password@host:465 (write @ in a user name as %40)")
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("names no mail server"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.to_ascii_lowercase());
    let security = match (url.scheme(), tls.as_deref()) {
        ("smtps", None) => SmtpSecurity::Tls,
        ("smtp", None) => SmtpSecurity::None,
        ("smtp", Some("starttls" | "required")) => SmtpSecurity::StartTls,
        ("smtps", Some(_)) => {
            return Err(bad(
                "mixes smtps:// (TLS at once) with ?tls=: use one (smtps:// for port 465, smtp://…?tls=starttls for 587)",
            ));
        }
        ("smtp", Some(_)) => return Err(bad("has an unknown ?tls= value: use ?tls=starttls")),
        _ => return Err(bad("must start with smtp:// or smtps://")),
    };
    let port = url.port().unwrap_or(match security {
        SmtpSecurity::Tls => 465,
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::None => 25,
    });
    let credentials = if url.username().is_empty() {
        None
    } else {
        let password = url.password().map(decode).unwrap_or_default();
        if password.is_empty() {
            return Err(bad(
                "has a user name but no password: write smtps://user:password@host",
            ));
        }
        Some(SmtpCredentials {
            user: decode(url.username()),
            password: Secret::new(password),
        })
    };
    if credentials.is_some() && security == SmtpSecurity::None {
        return Err(bad(
            "would send the password unencrypted: use smtps:// (port 465) or add ?tls=starttls (port 587)",
        ));
    }
    Ok(SmtpServer {
        host,
        port,
        security,
        credentials,
    })
}

/// Percent-decoding for the user name and password (`cast%40example.com`).
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_the_encryption_and_port() {
        for (url, security, port) in [
            ("smtp://127.0.0.1:2525", SmtpSecurity::None, 2525),
            ("smtp://mail.lan", SmtpSecurity::None, 25),
            (
                "smtp://u:p@mail.lan?tls=starttls",
                SmtpSecurity::StartTls,
                587,
            ),
            (
                "smtp://u:p@mail.lan:2587?tls=required",
                SmtpSecurity::StartTls,
                2587,
            ),
            ("smtps://u:p@mail.lan", SmtpSecurity::Tls, 465),
        ] {
            let server = parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!((server.security, server.port), (security, port), "{url}");
        }
    }

    #[test]
    fn a_password_is_never_sent_unencrypted_nor_shown_in_the_refusal() {
        let e = parse("smtp://me:hunter2-password@mail.example.com:587").expect_err("plain");
        assert!(e.to_string().contains("?tls=starttls"), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
