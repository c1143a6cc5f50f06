//! `cast doctor`'s YouTube lines (contract section 10): the client, BASE_URL as Google's
//! redirect rules see it, the redirect URI and scopes to paste, and, with real credentials, one
//! token request with a made-up code (which spends no upload quota) that shows whether Google
//! knows the client and whether this machine's clock agrees with Google's.

use std::time::Duration;

use super::check::{Check, fail, ok, warn};
use crate::config::youtube::YouTubeCredentials;
use crate::config::{Config, PlatformMode};

/// Google's answers carry a `Date`; token expiry and `publishAt` depend on agreeing with it.
const CLOCK_TOLERANCE_SECS: i64 = 60;
/// A code Google never issued: its refusal tells a known client from an unknown one.
const MADE_UP_CODE: &str = "4/cast-doctor-made-up-code";

pub async fn lines(config: &Config) -> Vec<Check> {
    let mut checks = vec![client(config)];
    checks.extend(base_url(config));
    checks.push(ok(format!(
        "Redirect URI to register in Google Cloud Console (Clients → Web application): {}",
        config.youtube_redirect_uri()
    )));
    checks.push(ok(format!(
        "Scopes to add under Google Auth Platform → Data access: {}",
        crate::platforms::youtube::SCOPES.join(", ")
    )));
    if let PlatformMode::Real(credentials) = &config.youtube.mode {
        checks.extend(token_probe(config, credentials).await);
    }
    checks
}

fn client(config: &Config) -> Check {
    match &config.youtube.mode {
        PlatformMode::Emulated(()) => warn(
            "No YouTube credentials: Cast runs against its built-in YouTube sandbox. Set YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET to publish to YouTube (README: Set up YouTube).",
        ),
        PlatformMode::Real(c) if c.client_id.ends_with(".apps.googleusercontent.com") => {
            ok(format!("YouTube OAuth client id: {}", c.client_id))
        }
        PlatformMode::Real(c) => fail(format!(
            "YOUTUBE_CLIENT_ID is {}: a Google OAuth client id ends in .apps.googleusercontent.com (Google Cloud Console → Clients).",
            c.client_id
        )),
    }
}

/// Google's redirect URI rules (contract 2.1): https, a hostname rather than an IP, and
/// `BASE_URL` without a path, so the URI pasted is exactly the one Cast sends.
fn base_url(config: &Config) -> Vec<Check> {
    if config.youtube.is_emulated() {
        return Vec::new();
    }
    let url = &config.base_url;
    let mut checks = Vec::new();
    let host = url.host();
    let localhost = url.host_str() == Some("localhost");
    if matches!(host, Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))) {
        checks.push(fail(
            "BASE_URL is an IP address: Google refuses redirect URIs on raw IP addresses. Use your tunnel's hostname.",
        ));
    }
    if url.scheme() != "https" && !localhost {
        checks.push(fail(format!(
            "BASE_URL is {url}: Google needs an https redirect URI (only localhost may be http). Use your tunnel's https address."
        )));
    }
    if url.path() != "/" && !url.path().is_empty() {
        checks.push(fail(format!(
            "BASE_URL is {url}: leave out the path and the trailing slash, so the redirect URI registered in Google Cloud Console matches character for character."
        )));
    }
    checks
}

/// A token request with a made-up code: Google's refusal says whether it knows the client
/// (`invalid_grant`: yes; `invalid_client`: no), and its `Date` whether the clocks agree.
async fn token_probe(config: &Config, credentials: &YouTubeCredentials) -> Vec<Check> {
    let endpoint = format!(
        "{}/token",
        config.youtube.oauth_base.as_str().trim_end_matches('/')
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let redirect_uri = config.youtube_redirect_uri();
    let answer = http
        .post(&endpoint)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", MADE_UP_CODE),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.expose()),
            ("redirect_uri", redirect_uri.as_str()),
        ])
        .send()
        .await;
    let res = match answer {
        Ok(res) => res,
        Err(e) => {
            return vec![fail(format!(
                "Google's token endpoint {endpoint} cannot be reached from this machine: {e}. Check the network, DNS and any outbound firewall (the tunnel is not involved)."
            ))];
        }
    };
    let mut checks = Vec::new();
    if let Some(c) = clock(res.headers()) {
        checks.push(c);
    }
    let status = res.status().as_u16();
    let error = res
        .json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_default();
    checks.push(client_verdict(status, &error));
    checks
}

/// What Google's refusal of a made-up code says of the client id and secret (Unsure: a
/// heuristic, said as such).
fn client_verdict(status: u16, error: &str) -> Check {
    match error {
        "invalid_grant" => ok(
            "Google accepts the YouTube client id and secret (a made-up code was refused as invalid_grant; this reading is a heuristic).",
        ),
        "invalid_client" | "unauthorized_client" => fail(
            "Google does not accept YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET (invalid_client): copy both again from Google Cloud Console → Clients, from a \"Web application\" client.",
        ),
        "redirect_uri_mismatch" => fail(
            "Google says the redirect URI is not registered (redirect_uri_mismatch): add the redirect URI above to the client in Google Cloud Console, character for character.",
        ),
        "" => warn(format!(
            "Google's token endpoint answered {status} without an OAuth error: Cast cannot tell whether the client id and secret are right."
        )),
        other => warn(format!(
            "Google's token endpoint refused a made-up code with {other} ({status}): Cast cannot tell whether the client id and secret are right."
        )),
    }
}

/// This machine's clock against the `Date` of Google's answer.
fn clock(headers: &reqwest::header::HeaderMap) -> Option<Check> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let theirs = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(date)
        .ok()?;
    // Positive: Google's clock is ahead of this machine's.
    let skew = theirs.as_second() - jiff::Timestamp::now().as_second();
    Some(if skew.abs() > CLOCK_TOLERANCE_SECS {
        fail(format!(
            "This machine's clock is {} s {} Google's: tokens and schedules go wrong. Turn on time synchronisation (timedatectl set-ntp true).",
            skew.abs(),
            if skew > 0 { "behind" } else { "ahead of" }
        ))
    } else {
        ok(format!(
            "This machine's clock agrees with Google's (within {} s)",
            skew.abs().max(1)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Level;

    #[test]
    fn a_made_up_code_refused_as_invalid_grant_means_the_client_is_known() {
        assert_eq!(client_verdict(400, "invalid_grant").level, Level::Ok);
        assert_eq!(client_verdict(401, "invalid_client").level, Level::Fail);
        assert_eq!(client_verdict(500, "").level, Level::Warn);
    }
}
