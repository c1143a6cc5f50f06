//! The owner's password: argon2-hashed, one row.

use argon2::password_hash::PasswordHasher as _;
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
    verify_in(&mut Vec::new(), candidate, phc)
}

/// `verify` with argon2's working memory (about 19 MiB) kept in `memory` between calls, so a
/// thread that checks password after password reuses one block instead of asking the allocator
/// for a fresh one each time (glibc kept each freed one: memory grew by a block per check).
pub fn verify_in(memory: &mut Vec<argon2::Block>, candidate: &str, phc: &str) -> bool {
    use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
    if candidate.len() > MAX_LEN {
        return false;
    }
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let blocks = params.block_count();
    if memory.len() != blocks {
        *memory = vec![argon2::Block::default(); blocks];
    }
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        candidate.as_bytes(),
        salt.as_ref(),
        &mut out,
        &mut memory[..],
    );
    // `Output`'s equality is constant-time.
    computed.is_ok() && argon2::password_hash::phc::Output::new(&out).is_ok_and(|o| &o == expected)
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

pub async fn store(db: impl SqliteExecutor<'_>, phc: &str, now: i64) -> Result<(), OwnerError> {
    sqlx::query(
        "INSERT INTO owner (id, password_hash, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
    )
    .bind(phc)
    .bind(now)
    .execute(db)
    .await?;
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
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn reused_memory_gives_the_same_answers() {
        let phc = hash(&NewPassword::parse("correct horse").expect("valid")).expect("hashes");
        let mut memory = Vec::new();
        for _ in 0..3 {
            assert!(verify_in(&mut memory, "correct horse", &phc));
            assert!(!verify_in(&mut memory, "correct horsf", &phc));
        }
        // A hash made elsewhere with other parameters still verifies, and resizes the memory.
        use argon2::password_hash::PasswordHasher as _;
        let small = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8 * 1024, 2, 1, None).expect("params"),
        )
        .hash_password(b"other one")
        .expect("hash")
        .to_string();
        assert!(verify_in(&mut memory, "other one", &small));
        assert_eq!(memory.len(), 8 * 1024);
    }
}
