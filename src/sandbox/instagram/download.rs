//! Reading one media URL as Meta's servers do (contract section 14): a `HEAD`, then ranged
//! `GET`s of `CAST_SANDBOX_INSTAGRAM_FETCH_CHUNK` bytes (or one plain `GET`), streamed to disk,
//! with every answer checked. The first thing wrong fails the fetch with a sentence that names
//! it, as the `error_user_msg` a person will read.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, LOCATION, RANGE};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use super::State;
use super::judge::Refusal;
use super::settings::{FetchMode, LinkFault};
use super::store::containers::{self, NewFetch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Video,
    Cover,
}

impl What {
    fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Cover => "cover",
        }
    }

    fn type_ok(self, content_type: &str) -> bool {
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

    fn max_size(self) -> u64 {
        match self {
            // Beyond this the container fails anyway; reading it would only fill the disk.
            Self::Video => 300_000_000,
            Self::Cover => 8 * 1024 * 1024,
        }
    }
}

/// What was received.
pub struct Received {
    pub size: u64,
    pub sha256: String,
    /// The first bytes, for the cover's format check.
    pub head: Vec<u8>,
}

/// One fetch of one URL for one container.
pub struct Download<'a> {
    pub state: &'a State,
    pub container_id: &'a str,
    pub url: &'a str,
    pub what: What,
    pub fault: Option<LinkFault>,
    pub deadline_ms: i64,
    pub dest: &'a Path,
}

struct TimedOut;

fn failed(url: &str, problem: impl std::fmt::Display) -> Refusal {
    Refusal::new(
        9004,
        2207052,
        format!("The media could not be fetched from this URI: {url}. {problem}"),
    )
}

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn looks_like_html(bytes: &[u8]) -> bool {
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
fn transport(e: &reqwest::Error) -> String {
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

impl Download<'_> {
    /// Runs `fut` until it ends or the sandbox's clock passes the deadline. The clock is looked
    /// at every 50 ms, so a test that moves a manual clock past the deadline is noticed.
    async fn before<T>(&self, fut: impl Future<Output = T>) -> Result<T, TimedOut> {
        tokio::pin!(fut);
        loop {
            if self.state.now_ms() >= self.deadline_ms {
                return Err(TimedOut);
            }
            tokio::select! {
                out = &mut fut => return Ok(out),
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }

    fn too_slow(&self) -> Refusal {
        Refusal::new(
            -2,
            2207003,
            format!(
                "It took too long to download the media from {}: more than {} seconds.",
                self.url,
                self.state.settings.fetch_timeout.as_secs()
            ),
        )
    }

    async fn record(&self, method: &str, range: Option<&str>, status: Option<u16>, bytes: u64) {
        let row = NewFetch {
            container_id: self.container_id,
            at_ms: self.state.now_ms(),
            what: self.what.as_str(),
            method,
            range,
            status,
            bytes,
        };
        if let Err(e) = containers::insert_fetch(&self.state.db, &row).await {
            tracing::warn!(error = %e, "instagram sandbox: cannot record a fetch");
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, Refusal> {
        match self.before(req.send()).await {
            Err(TimedOut) => Err(self.too_slow()),
            Ok(Err(e)) => Err(failed(
                self.url,
                format!("The server could not be reached: {}.", transport(&e)),
            )),
            Ok(Ok(res)) => Ok(res),
        }
    }

    /// The checks every answer gets: no redirect, the right status, no HTML, the right type.
    fn check_answer(
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

    fn content_type(&self, res: &reqwest::Response) -> String {
        if self.fault == Some(LinkFault::Html) {
            return "text/html; charset=utf-8".into();
        }
        header(res, CONTENT_TYPE).unwrap_or_default()
    }

    fn status(&self, res: &reqwest::Response, first: bool, ranged: bool) -> u16 {
        let real = res.status().as_u16();
        match self.fault {
            Some(LinkFault::Redirect) if first => 302,
            Some(LinkFault::NotFound) if first => 404,
            Some(LinkFault::IgnoreRange) if ranged && real == 206 => 200,
            _ => real,
        }
    }

    /// Fetches the whole media into `dest`.
    pub async fn run(&self) -> Result<Received, Refusal> {
        if let Some(dir) = self.dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                Refusal::new(
                    -1,
                    2207053,
                    format!("There was an unknown error storing the media ({e})."),
                )
            })?;
        }
        let mut file = tokio::fs::File::create(self.dest).await.map_err(|e| {
            Refusal::new(
                -1,
                2207053,
                format!("There was an unknown error storing the media ({e})."),
            )
        })?;
        let mut sink = Sink {
            file: &mut file,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
        };
        match self.state.settings.fetch {
            FetchMode::Full => self.full(&mut sink).await?,
            FetchMode::Range => self.ranged(&mut sink).await?,
        }
        sink.file.flush().await.map_err(|e| {
            Refusal::new(
                -1,
                2207053,
                format!("There was an unknown error storing the media ({e})."),
            )
        })?;
        Ok(Received {
            size: sink.size,
            sha256: hex::encode(sink.hasher.finalize_reset()),
            head: sink.head,
        })
    }

    async fn full(&self, sink: &mut Sink<'_>) -> Result<(), Refusal> {
        let res = self.send(self.state.http.get(self.url)).await?;
        let status = self.status(&res, true, false);
        if let Err(e) = self.check_answer(status, 200, &res, "GET") {
            self.record("GET", None, Some(status), 0).await;
            return Err(e);
        }
        let announced = self.length(&res, "GET")?;
        let got = self.body(res, sink, announced).await;
        self.record(
            "GET",
            None,
            Some(status),
            got.as_ref().copied().unwrap_or(0),
        )
        .await;
        got.map(|_| ())
    }

    fn length(&self, res: &reqwest::Response, asked: &str) -> Result<u64, Refusal> {
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

    async fn ranged(&self, sink: &mut Sink<'_>) -> Result<(), Refusal> {
        let head = self.send(self.state.http.head(self.url)).await?;
        let status = self.status(&head, true, false);
        self.record("HEAD", None, Some(status), 0).await;
        self.check_answer(status, 200, &head, "HEAD")?;
        let size = self.length(&head, "HEAD")?;
        if size == 0 {
            return Err(failed(
                self.url,
                "The server announced an empty file (Content-Length: 0).",
            ));
        }
        let etag = header(&head, ETAG);
        let chunk = self.state.settings.fetch_chunk.max(1);
        let mut offset = 0u64;
        while offset < size {
            let last = (offset + chunk).min(size) - 1;
            let range = format!("bytes={offset}-{last}");
            let res = self
                .send(self.state.http.get(self.url).header(RANGE, &range))
                .await?;
            let status = self.status(&res, false, true);
            if let Err(e) = self.check_part(status, &res, offset, last, size, etag.as_deref()) {
                self.record("GET", Some(&range), Some(status), 0).await;
                return Err(e);
            }
            let got = self.body(res, sink, last - offset + 1).await;
            self.record(
                "GET",
                Some(&range),
                Some(status),
                got.as_ref().copied().unwrap_or(0),
            )
            .await;
            got?;
            offset = last + 1;
        }
        Ok(())
    }

    fn check_part(
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

    /// Streams a body into the sink; exactly `announced` bytes must come.
    async fn body(
        &self,
        mut res: reqwest::Response,
        sink: &mut Sink<'_>,
        announced: u64,
    ) -> Result<u64, Refusal> {
        let mut got = 0u64;
        loop {
            let chunk = match self.before(res.chunk()).await {
                Err(TimedOut) => return Err(self.too_slow()),
                Ok(Err(e)) => {
                    return Err(failed(
                        self.url,
                        format!(
                            "The connection broke after {got} of {announced} bytes: {}.",
                            transport(&e)
                        ),
                    ));
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => chunk,
            };
            if got == 0 && sink.size == 0 && looks_like_html(&chunk) {
                return Err(failed(
                    self.url,
                    "The server sent a web page (HTML) instead of the video.",
                ));
            }
            got += chunk.len() as u64;
            if got > announced {
                return Err(failed(
                    self.url,
                    format!("The server sent more bytes than the {announced} it announced."),
                ));
            }
            sink.write(&chunk).await.map_err(|e| {
                Refusal::new(
                    -1,
                    2207053,
                    format!("There was an unknown error storing the media ({e})."),
                )
            })?;
        }
        if got < announced {
            return Err(failed(
                self.url,
                format!("The server sent {got} bytes where it announced {announced}."),
            ));
        }
        Ok(got)
    }
}

struct Sink<'a> {
    file: &'a mut tokio::fs::File,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

impl Sink<'_> {
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.head.len() < 16 {
            let take = (16 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes).await
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
