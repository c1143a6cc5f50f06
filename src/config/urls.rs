//! The base-URL settings every platform has (its hosts, overridable to point Cast at another
//! emulator), read and bound to the listening port the same way for each.

use url::Url;

use super::{ConfigError, Source, read};

/// An absolute http(s) URL from `name`, or `default` when unset.
pub fn http_url_setting(
    src: &dyn Source,
    name: &'static str,
    default: String,
    example: &'static str,
) -> Result<Url, ConfigError> {
    let raw = read(src, name).unwrap_or(default);
    match Url::parse(&raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(ConfigError::new(
            name,
            format!("'{raw}' is not an absolute http(s) URL"),
            example,
        )),
    }
}

/// Replaces port 0 (a test's "any free port") in derived URLs with the port actually bound.
pub fn bind_port<'a>(urls: impl IntoIterator<Item = &'a mut Url>, port: u16) {
    for url in urls {
        if url.port() == Some(0) {
            // Only http(s) URLs get here, and they always accept a port.
            let _ = url.set_port(Some(port));
        }
    }
}
