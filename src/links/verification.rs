//! Verification files: what a platform asks to find under `/m/` to prove Cast's URL prefix is
//! the owner's (TikTok's URL-prefix property, contract section 11). Served at
//! `{BASE_URL}/m/{name}`, one path segment, so it never collides with a link.

use super::service::Links;
use super::{LinkError, MAX_VERIFICATION_FILE, PREFIX, store};

impl Links {
    /// Stores a platform's verification file (TikTok's URL-prefix check), served at
    /// `{BASE_URL}/m/{name}`. Uploading a file of the same name replaces it.
    pub async fn save_verification_file(
        &self,
        name: &str,
        contents: &[u8],
    ) -> Result<(), LinkError> {
        let name = verification_name(name)?;
        if contents.len() > MAX_VERIFICATION_FILE {
            return Err(LinkError::VerificationTooLarge {
                size: contents.len(),
                max: MAX_VERIFICATION_FILE,
            });
        }
        store::put_verification_file(&self.db, name, contents, self.clock.now_ms()).await?;
        tracing::info!(name, bytes = contents.len(), "verification file saved");
        Ok(())
    }

    pub async fn verification_file(&self, name: &str) -> Result<Option<Vec<u8>>, LinkError> {
        match verification_name(name) {
            Ok(name) => Ok(store::verification_file(&self.db, name).await?),
            Err(_) => Ok(None),
        }
    }

    /// `(name, size, uploaded_ms)` of each stored verification file.
    pub async fn verification_files(&self) -> Result<Vec<(String, u64, i64)>, LinkError> {
        Ok(store::verification_files(&self.db)
            .await?
            .into_iter()
            .map(|(n, s, at)| (n, u64::try_from(s).unwrap_or(0), at))
            .collect())
    }

    pub async fn delete_verification_file(&self, name: &str) -> Result<bool, LinkError> {
        Ok(store::delete_verification_file(&self.db, name).await?)
    }

    /// The URL a verification file is served at.
    pub fn verification_url(&self, name: &str) -> String {
        format!("{}{PREFIX}{name}", self.base_url)
    }
}

/// One path segment the platform named: letters, digits, `.`, `_`, `-`; not starting with a dot.
fn verification_name(raw: &str) -> Result<&str, LinkError> {
    let name = raw.trim();
    let ok = (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(LinkError::VerificationName(raw.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_names_are_one_plain_segment() {
        for ok in ["tiktokAbC123.txt", "google1234.html", "a"] {
            assert!(verification_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".env", "a/b", "../x", "a b", "x%2f", &"a".repeat(129)] {
            assert!(verification_name(bad).is_err(), "{bad}");
        }
    }
}
