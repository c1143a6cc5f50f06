//! The files of a relay: the type an arriving upload is sent as, the spool's hard link to it
//! while it grows, and the spool copy (with its checksum) once it is whole.

use super::core::Core;
use super::error::PostError;
use super::spool::SpooledFile;

/// The type the browser declared, when it is one every relayed platform takes as sent.
pub(super) fn declared_type(metadata: &str) -> Option<&'static str> {
    let meta: std::collections::HashMap<String, String> =
        serde_json::from_str(metadata).unwrap_or_default();
    let by_name = meta.get("filename").and_then(|n| {
        let ext = n.rsplit('.').next()?.to_ascii_lowercase();
        match ext.as_str() {
            "mp4" | "m4v" => Some("video/mp4"),
            "mov" => Some("video/quicktime"),
            "webm" => Some("video/webm"),
            _ => None,
        }
    });
    match meta
        .get("filetype")
        .map(|t| t.to_ascii_lowercase())
        .as_deref()
    {
        Some("video/mp4") => Some("video/mp4"),
        Some("video/quicktime") => Some("video/quicktime"),
        Some("video/webm") => Some("video/webm"),
        _ => by_name,
    }
}

/// A hard link under the spool's naming to the upload's file while it still grows (the same
/// bytes, no copy). `None` where the file system has no hard links across the two folders.
pub(super) async fn early_link(core: &Core, upload_id: &str) -> Option<std::path::PathBuf> {
    let src = core.tus.file_path(upload_id);
    let dst = core
        .settings
        .spool_dir
        .join(format!("{}.video", crate::crypto::random_token(12)));
    let linked = dst.clone();
    let made = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if let Some(dir) = linked.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::hard_link(&src, &linked)
    })
    .await;
    match made {
        Ok(Ok(())) => Some(dst),
        Ok(Err(e)) => {
            tracing::info!(error = %e, "no hard link for the arriving upload: its targets wait for the check");
            None
        }
        Err(_) => None,
    }
}

/// The relayed file, already in the spool, with its checksum.
pub(super) async fn checksum(path: &str, size: u64) -> Result<SpooledFile, PostError> {
    let path = std::path::PathBuf::from(path);
    let read = path.clone();
    let sha256 = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        let mut file = std::fs::File::open(&read)?;
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(sha2::Digest::finalize(hasher)))
    })
    .await
    .map_err(|e| PostError::Probe(e.to_string()))?
    .map_err(|e| PostError::Spool(e.into()))?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(SpooledFile {
        id,
        path,
        size,
        sha256,
    })
}

/// A hard link (same folder tree, no copy) under the spool's naming, with its checksum.
pub(super) async fn link_into_spool(
    core: &Core,
    source: &std::path::Path,
    size: u64,
) -> Result<SpooledFile, PostError> {
    let id = crate::crypto::random_token(12);
    let target = core.settings.spool_dir.join(format!("{id}.video"));
    let src = source.to_path_buf();
    let dst = target.clone();
    let sha256 = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        std::fs::create_dir_all(dst.parent().unwrap_or(std::path::Path::new(".")))?;
        std::fs::hard_link(&src, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?;
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        let mut file = std::fs::File::open(&dst)?;
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(sha2::Digest::finalize(hasher)))
    })
    .await
    .map_err(|e| PostError::Probe(e.to_string()))?
    .map_err(|e| PostError::Spool(e.into()))?;
    Ok(SpooledFile {
        id,
        path: target,
        size,
        sha256,
    })
}
