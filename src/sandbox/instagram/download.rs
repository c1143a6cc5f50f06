//! Reading one media URL as Meta's servers do (contract section 14): a `HEAD`, then ranged
//! `GET`s of `CAST_SANDBOX_INSTAGRAM_FETCH_CHUNK` bytes (or one plain `GET`), streamed to disk,
//! with every answer checked. The first thing wrong fails the fetch with a sentence that names
//! it, as the `error_user_msg` a person will read.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use reqwest::header::{ETAG, RANGE};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use super::State;
use super::answers::{Checks, What, failed, header, looks_like_html, transport};
use super::judge::Refusal;
use super::settings::{FetchMode, LinkFault};
use super::store::containers::{self, NewFetch};

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

impl Download<'_> {
    fn checks(&self) -> Checks<'_> {
        Checks {
            url: self.url,
            what: self.what,
            fault: self.fault,
        }
    }

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
        let status = self.checks().status(&res, true, false);
        if let Err(e) = self.checks().check_answer(status, 200, &res, "GET") {
            self.record("GET", None, Some(status), 0).await;
            return Err(e);
        }
        let announced = self.checks().length(&res, "GET")?;
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

    async fn ranged(&self, sink: &mut Sink<'_>) -> Result<(), Refusal> {
        let head = self.send(self.state.http.head(self.url)).await?;
        let status = self.checks().status(&head, true, false);
        self.record("HEAD", None, Some(status), 0).await;
        self.checks().check_answer(status, 200, &head, "HEAD")?;
        let size = self.checks().length(&head, "HEAD")?;
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
            let status = self.checks().status(&res, false, true);
            if let Err(e) =
                self.checks()
                    .check_part(status, &res, offset, last, size, etag.as_deref())
            {
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
