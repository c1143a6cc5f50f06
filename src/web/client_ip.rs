//! The client's address, for login throttling and logs.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// Tunnels (cloudflared, ngrok) connect from loopback and name the real client in a header;
/// from anywhere else such headers are the client's own word and are ignored.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !peer.is_loopback() {
        return Some(peer);
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(ip) = header("CF-Connecting-IP").and_then(|v| v.trim().parse().ok()) {
        return Some(ip);
    }
    // The tunnel appends the address it saw, so the last entry is the one a client cannot forge.
    if let Some(ip) = header("X-Forwarded-For")
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    Some(peer)
}
