//! The client's address, for login throttling and logs, as `TRUSTED_PROXY` says to find it.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::config::TrustedProxy;

/// Every request through a tunnel comes from the tunnel: its forwarding headers are believed
/// only when the owner has said which proxy sets them, since otherwise they are the sender's
/// own choice (ngrok, for one, passes a client's `CF-Connecting-IP` through untouched).
pub fn client_ip(req: &HttpRequest, trusted: TrustedProxy) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let named = match trusted {
        TrustedProxy::None => None,
        // Cloudflare sets this header itself, replacing whatever the client sent.
        TrustedProxy::Cloudflare => req
            .headers()
            .get("CF-Connecting-IP")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok()),
        // The proxy appends the address it saw, so only the very last entry (of the last
        // header, if a client sent several) is not the client's own word.
        TrustedProxy::Forwarded => req
            .headers()
            .get_all("X-Forwarded-For")
            .last()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok()),
    };
    Some(named.unwrap_or(peer))
}
