//! The owner's password: argon2-hashed, one row.

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use sqlx::SqliteExecutor;

use super::OwnerError;

pub const MIN_LEN: usize = 8;
const MAX_LEN: usize = 1024;

/// A password that meets Cast's rules; it never prints itself.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < MIN_LEN {
            return Err(format!(
                "Choose a password of at least {MIN_LEN} characters."
            ));
        }
        // Bounds argon2's input so a huge form field cannot tie up the CPU.
        if raw.len() > MAX_LEN {
            return Err(format!(
                "Choose a password of at most {MAX_LEN} characters."
            ));
        }
        Ok(Self(raw.to_string()))
    }
}

/// Hashing takes tens of milliseconds of CPU: call it from a blocking thread.
pub fn hash(password: &NewPassword) -> Result<String, OwnerError> {
    argon2::Argon2::default()
        .hash_password(password.0.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| OwnerError::Hash(e.to_string()))
}

/// Blocking, like `hash`.
pub fn verify(candidate: &str, phc: &str) -> bool {
    if candidate.len() > MAX_LEN {
        return false;
    }
    argon2::Argon2::default()
        .verify_password(candidate.as_bytes(), phc)
        .is_ok()
}

pub async fn stored_hash(db: impl SqliteExecutor<'_>) -> Result<Option<String>, OwnerError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM owner WHERE id = 1")
            .fetch_optional(db)
            .await?,
    )
}

pub async fn is_set(db: impl SqliteExecutor<'_>) -> Result<bool, OwnerError> {
    Ok(stored_hash(db).await?.is_some())
}

pub async fn store(db: impl SqliteExecutor<'_>, phc: &str) -> Result<(), OwnerError> {
    sqlx::query(
        "INSERT INTO owner (id, password_hash, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
    )
    .bind(phc)
    .bind(crate::db::now())
    .execute(db)
    .await?;
    Ok(())
}

/// `cast set-password`: the new hash, every existing login ended, any setup link burned, at once.
pub async fn reset(db: &sqlx::SqlitePool, phc: &str) -> Result<(), OwnerError> {
    let mut tx = db.begin().await?;
    store(&mut *tx, phc).await?;
    crate::session_store::delete_all(&mut *tx).await?;
    super::setup::clear(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_rule() {
        let e = NewPassword::parse("abc").unwrap_err();
        assert!(e.contains("at least 8"));
        assert!(NewPassword::parse("long enough").is_ok());
    }

    #[test]
    fn a_hash_verifies_only_its_password() {
        let pw = NewPassword::parse("correct horse").expect("valid");
        let phc = hash(&pw).expect("hashes");
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong horse", &phc));
    }
}
