//! Whether one answer of a media server is what Meta's fetcher expects (contract section 14):
//! no redirect, the right status, no HTML, a video type, exact lengths and ranges, one ETag.
//! Each refusal is the sentence a person will read as `error_user_msg`.

use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, LOCATION};

use super::judge::Refusal;
use super::settings::LinkFault;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Video,
    Cover,
}

impl What {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Cover => "cover",
        }
    }

    pub fn type_ok(self, content_type: &str) -> bool {
        let ct = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match self {
            Self::Video => ct.starts_with("video/"),
            Self::Cover => ct == "image/jpeg",
        }
    }

    pub fn max_size(self) -> u64 {
        match self {
            // Beyond this the container fails anyway; reading it would only fill the disk.
            Self::Video => 300_000_000,
            Self::Cover => 8 * 1024 * 1024,
        }
    }
}

pub fn failed(url: &str, problem: impl std::fmt::Display) -> Refusal {
    Refusal::new(
        9004,
        2207052,
        format!("The media could not be fetched from this URI: {url}. {problem}"),
    )
}

pub fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub fn looks_like_html(bytes: &[u8]) -> bool {
    let start: Vec<u8> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(512)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html")
        || start.starts_with(b"<html")
        || start.starts_with(b"<head")
}

/// reqwest's words without the URL (which the message already quotes).
pub fn transport(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(i) = text.find(" for url (") {
        text.truncate(i);
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// What one fetch expects of every answer, and the fault (`CAST_SANDBOX_INSTAGRAM_FAULTS`) it
/// pretends the link has.
pub struct Checks<'a> {
    pub url: &'a str,
    pub what: What,
    pub fault: Option<LinkFault>,
}

impl Checks<'_> {
    /// The checks every answer gets: no redirect, the right status, no HTML, the right type.
    pub fn check_answer(
        &self,
        status: u16,
        want: u16,
        res: &reqwest::Response,
        asked: &str,
    ) -> Result<(), Refusal> {
        if (300..400).contains(&status) {
            let to = header(res, LOCATION).unwrap_or_else(|| "nowhere".into());
            return Err(failed(
                self.url,
                format!(
                    "The server answered {asked} with a redirect (HTTP {status} to {to}); Instagram does not follow redirects."
                ),
            ));
        }
        if status == 200 && want == 206 {
            return Err(failed(
                self.url,
                "The server ignored the Range header and answered 200 with the whole file instead of 206 with the part asked for; Instagram reads videos in ranges.",
            ));
        }
        if status == 404 || status == 410 {
            return Err(failed(
                self.url,
                format!(
                    "The server answered {asked} with HTTP {status}: the link does not exist (it may have been revoked before Instagram fetched it)."
                ),
            ));
        }
        if status != want {
            return Err(failed(
                self.url,
                format!("The server answered {asked} with HTTP {status}, not {want}."),
            ));
        }
        let ct = self.content_type(res);
        if ct.to_ascii_lowercase().contains("text/html") {
            return Err(failed(
                self.url,
                "The server sent a web page (text/html) instead of the video: a login page, a challenge or a warning page stands in front of Cast.",
            ));
        }
        if !self.what.type_ok(&ct) {
            let want = match self.what {
                What::Video => "video/*",
                What::Cover => "image/jpeg",
            };
            return Err(failed(
                self.url,
                format!("The server sent Content-Type '{ct}', not {want}."),
            ));
        }
        Ok(())
    }

    pub fn content_type(&self, res: &reqwest::Response) -> String {
        if self.fault == Some(LinkFault::Html) {
            return "text/html; charset=utf-8".into();
        }
        header(res, CONTENT_TYPE).unwrap_or_default()
    }

    pub fn status(&self, res: &reqwest::Response, first: bool, ranged: bool) -> u16 {
        let real = res.status().as_u16();
        match self.fault {
            Some(LinkFault::Redirect) if first => 302,
            Some(LinkFault::NotFound) if first => 404,
            Some(LinkFault::IgnoreRange) if ranged && real == 206 => 200,
            _ => real,
        }
    }

    pub fn length(&self, res: &reqwest::Response, asked: &str) -> Result<u64, Refusal> {
        let len = header(res, CONTENT_LENGTH)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                failed(
                    self.url,
                    format!("The server gave no Content-Length in answer to {asked}."),
                )
            })?;
        if len > self.what.max_size() {
            return Err(match self.what {
                What::Video => Refusal::new(
                    352,
                    2207026,
                    format!(
                        "The video file you selected is in a format that we don't support (Cast sandbox: {len} bytes, over 300,000,000)."
                    ),
                ),
                What::Cover => Refusal::new(
                    36000,
                    2207004,
                    format!("The cover image is {len} bytes; the maximum is 8 MiB."),
                ),
            });
        }
        Ok(len)
    }

    pub fn check_part(
        &self,
        status: u16,
        res: &reqwest::Response,
        first: u64,
        last: u64,
        size: u64,
        etag: Option<&str>,
    ) -> Result<(), Refusal> {
        self.check_answer(
            status,
            206,
            res,
            &format!("GET with Range: bytes={first}-{last}"),
        )?;
        let want = format!("bytes {first}-{last}/{size}");
        let got = header(res, CONTENT_RANGE).unwrap_or_default();
        if got.trim() != want {
            return Err(failed(
                self.url,
                format!("The server answered Content-Range '{got}' where '{want}' was due."),
            ));
        }
        let len = header(res, CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
        if len != Some(last - first + 1) {
            return Err(failed(
                self.url,
                format!(
                    "The server announced Content-Length {len:?} for a range of {} bytes.",
                    last - first + 1
                ),
            ));
        }
        if let Some(etag) = etag
            && header(res, ETAG).as_deref() != Some(etag)
        {
            return Err(failed(
                self.url,
                "The file changed between requests (its ETag differs from the HEAD's).",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised_by_its_start() {
        assert!(looks_like_html(b"  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<html lang=en>"));
        assert!(!looks_like_html(b"\x00\x00\x00\x20ftypisom"));
        assert!(What::Video.type_ok("video/mp4"));
        assert!(What::Video.type_ok("Video/QuickTime; x=1"));
        assert!(!What::Video.type_ok("application/octet-stream"));
        assert!(What::Cover.type_ok("image/jpeg"));
    }
}
