//! Writing a chunk's bytes to disk as they stream in, never holding the chunk in memory, and
//! keeping the file's SHA-256 up to date as contiguous chunks arrive.

use std::collections::{HashMap, HashSet};
use std::io::SeekFrom;
use std::path::Path;
use std::sync::Mutex;

use actix_web::web;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use super::errors::GoogleError;

pub const CHUNK_UNIT: u64 = 262_144;
/// A refused request's body is read and dropped, so the client sees the answer rather than a
/// reset connection; past this much, closing is cheaper.
const DRAIN_LIMIT: u64 = 300_000_000;

/// Sessions with a `PUT` being written now: a second one at the same time stores nothing.
#[derive(Default)]
pub struct Busy(Mutex<HashSet<String>>);

pub struct BusyGuard<'a> {
    busy: &'a Busy,
    id: String,
}

impl Busy {
    pub fn claim(&self, id: &str) -> Option<BusyGuard<'_>> {
        let fresh = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
        fresh.then(|| BusyGuard {
            busy: self,
            id: id.to_string(),
        })
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.busy
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

/// The running hash of each session's bytes `0..offset`. Lost on restart or after a partial
/// chunk; the file is then hashed whole when the upload completes.
#[derive(Default)]
pub struct Hashes(Mutex<HashMap<String, (u64, Sha256)>>);

impl Hashes {
    /// The hash of bytes `0..offset`, if it is known.
    pub fn at(&self, id: &str, offset: u64) -> Option<Sha256> {
        if offset == 0 {
            return Some(Sha256::new());
        }
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id)
            .filter(|(at, _)| *at == offset)
            .map(|(_, h)| h.clone())
    }

    pub fn set(&self, id: &str, offset: u64, hash: Option<Sha256>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match hash {
            Some(h) => map.insert(id.to_string(), (offset, h)),
            None => map.remove(id),
        };
    }

    pub fn take(&self, id: &str, offset: u64) -> Option<Sha256> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.remove(id) {
            Some((at, h)) if at == offset => Some(h),
            _ => None,
        }
    }
}

/// What arrived of a chunk.
pub struct Written {
    /// Bytes kept, from the chunk's first byte.
    pub kept: u64,
    /// The hash of the file up to `first + kept`, when it could be kept up to date.
    pub hash: Option<Sha256>,
    /// The body ended early (the client's connection broke).
    pub cut: bool,
}

fn aligned(n: u64) -> u64 {
    n - n % CHUNK_UNIT
}

/// Streams the body into `path` at `first`. `keep` limits what is stored (a `chunk:drop`
/// fault). A body that breaks off keeps a 256 KiB-aligned prefix, as YouTube was seen to
/// (contract 5.2); a body longer than `len` stores nothing and is refused.
pub async fn write_chunk(
    path: &Path,
    first: u64,
    len: u64,
    keep: Option<u64>,
    hash: Option<Sha256>,
    payload: &mut web::Payload,
) -> Result<Written, GoogleError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await?;
    file.set_len(first).await?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    out.seek(SeekFrom::Start(first)).await?;
    let limit = keep.unwrap_or(len).min(len);
    let mut hash = hash;
    let mut seen = 0u64;
    let mut cut = false;
    while let Some(bytes) = payload.next().await {
        let Ok(bytes) = bytes else {
            cut = true;
            break;
        };
        let start = seen;
        seen += bytes.len() as u64;
        if seen > len {
            out.flush().await?;
            out.get_ref().set_len(first).await?;
            return Err(GoogleError::bad_request(
                "badContent",
                "The body is longer than Content-Length.",
            ));
        }
        if start < limit {
            let take = usize::try_from((limit - start).min(bytes.len() as u64)).unwrap_or(0);
            out.write_all(&bytes[..take]).await?;
            if let Some(h) = hash.as_mut() {
                h.update(&bytes[..take]);
            }
        }
    }
    out.flush().await?;
    let mut kept = seen.min(limit);
    if seen < len {
        cut = true;
    }
    if cut || keep.is_some() {
        kept = aligned(kept);
        out.get_ref().set_len(first + kept).await?;
        // The running hash covered bytes that were cut back: it no longer matches the file.
        hash = None;
    }
    out.get_ref().sync_data().await?;
    Ok(Written { kept, hash, cut })
}

/// Reads and drops what is left of a body.
pub async fn drain(payload: &mut web::Payload) {
    let mut seen = 0u64;
    while let Some(Ok(bytes)) = payload.next().await {
        seen += bytes.len() as u64;
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

/// The SHA-256 of a whole file, read in 1 MiB pieces. Blocking: call from a blocking thread.
pub fn sha256_file(path: &Path) -> std::io::Result<Sha256> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_prefixes_are_256_kib_aligned() {
        assert_eq!(aligned(0), 0);
        assert_eq!(aligned(262_143), 0);
        assert_eq!(aligned(524_289), 524_288);
    }
}
