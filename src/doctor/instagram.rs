//! `cast doctor`'s Instagram lines (contract section 13).

use super::check::{Check, fail, ok, warn};
use crate::config::{Config, PlatformMode};

/// Graph API versions Cast knows, with their published end (contract 10); None: not set yet.
const GRAPH_VERSIONS: [(&str, Option<&str>); 4] = [
    ("v24.0", Some("2028-02-18")),
    ("v25.0", Some("2028-07-29")),
    ("v26.0", None),
    ("v27.0", None),
];

/// Instagram's offline lines (contract 13): the app's pair, the redirect URI, the public links'
/// address and tunnel, the Graph version.
pub fn lines(config: &Config) -> Vec<Check> {
    let real = !config.instagram.is_emulated();
    let mut checks = vec![match &config.instagram.mode {
        PlatformMode::Emulated(()) => warn(
            "No Instagram credentials: Cast runs against its built-in Instagram sandbox. Set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET to publish to Instagram (README: Set up Instagram).",
        ),
        PlatformMode::Real(c)
            if !c.app_id.is_empty() && c.app_id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            ok(format!(
                "Instagram App ID: {} (the Instagram app's pair from Business login settings, not the Meta app's ID and secret)",
                c.app_id
            ))
        }
        PlatformMode::Real(c) => fail(format!(
            "INSTAGRAM_APP_ID is {}: it is a number. Copy the Instagram App ID from the Meta app's Instagram use case, Business login settings (not the Meta app's ID).",
            c.app_id
        )),
    }];
    checks.push(ok(format!(
        "Redirect URI to paste in the Meta app (Instagram, Business login settings): {}",
        config.instagram_redirect_uri()
    )));
    let url = &config.base_url;
    let host = url.host_str().unwrap_or_default();
    let named = matches!(url.host(), Some(url::Host::Domain(_))) && host != "localhost";
    let level = if real { fail } else { warn };
    if url.scheme() != "https" {
        checks.push(level(format!(
            "BASE_URL is {url}: Meta fetches reels only from https links. On plain http Cast still serves its links (a LAN, the sandbox), but Instagram cannot publish from them."
        )));
    } else if !named {
        checks.push(level(format!(
            "BASE_URL's host is {host}: Meta fetches only from a host name, not an IP address or localhost."
        )));
    }
    for free in [
        ".ngrok-free.app",
        ".ngrok-free.dev",
        ".ngrok.app",
        ".ngrok.io",
    ] {
        if host.ends_with(free) {
            checks.push(warn(
                "BASE_URL is an ngrok address: the free plan allows 1 GB out and 20,000 requests a month (three 300 MB reels nearly use it up, and every ranged read counts) and shows browsers an interstitial page.",
            ));
        }
    }
    if host.ends_with(".trycloudflare.com") {
        checks.push(warn(
            "BASE_URL is a Cloudflare quick tunnel: its name changes at every start, which breaks the Instagram redirect URI and TikTok's verified URL prefix. Use a named tunnel.",
        ));
    }
    checks.push(graph_version(&config.instagram.graph_version));
    checks.push(ok(
        "Cast cannot check whether Meta's servers reach BASE_URL (Cloudflare Bot Fight Mode, tunnel rules and an edge robots.txt act on their requests, not ours): the first real post's page shows every request Meta made to the link.",
    ));
    checks
}

fn graph_version(version: &str) -> Check {
    let Some((_, end)) = GRAPH_VERSIONS.iter().find(|(v, _)| *v == version) else {
        return warn(format!(
            "INSTAGRAM_GRAPH_VERSION is {version}, a version Cast does not know: Cast is tested with {}.",
            crate::platforms::instagram::DEFAULT_GRAPH_VERSION
        ));
    };
    let Some(end) = end else {
        return ok(format!("Graph API {version} (no end date announced yet)"));
    };
    let left = format!("{end}T00:00:00Z")
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| (t.as_second() - jiff::Timestamp::now().as_second()) / 86_400);
    match left {
        Some(days) if days > 90 => ok(format!("Graph API {version}, served until {end}")),
        _ => warn(format!(
            "Graph API {version} ends on {end}: move INSTAGRAM_GRAPH_VERSION to a newer version Cast knows."
        )),
    }
}
