//! The secret key, keys derived from it, sealing secrets at rest, and random tokens.

use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead as _, Payload};
use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::config::Secret;

const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("cannot read or create the secret key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the secret key file {0} is empty or damaged: delete it to make a new one (everyone is logged out and TikTok accounts must be reconnected)"
    )]
    BadKeyFile(String),
    #[error(
        "a sealed value could not be opened: it was sealed with another SECRET_KEY or is damaged"
    )]
    Open,
}

/// The master key and the keys derived from it, one per purpose.
#[derive(Clone)]
pub struct Keys {
    master: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Keys {
    /// Uses `SECRET_KEY` when set; otherwise reads, or on first start creates, `DATA_DIR/secret.key` (mode 0600).
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> Result<Self, CryptoError> {
        if let Some(secret) = configured {
            return Ok(Self {
                master: secret.expose().as_bytes().to_vec(),
            });
        }
        let path = data_dir.join(KEY_FILE);
        let err = |source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = hex::decode(text.trim())
                    .map_err(|_| CryptoError::BadKeyFile(path.display().to_string()))?;
                if key.len() < 32 {
                    return Err(CryptoError::BadKeyFile(path.display().to_string()));
                }
                Ok(Self { master: key })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes(64);
                let mut file = create_private(&path).map_err(err)?;
                file.write_all(hex::encode(&key).as_bytes()).map_err(err)?;
                file.sync_all().map_err(err)?;
                Ok(Self { master: key })
            }
            Err(e) => Err(err(e)),
        }
    }

    /// A 64-byte key for one purpose, so a leak of one derived key exposes nothing else.
    pub fn derive(&self, purpose: &str) -> [u8; 64] {
        let hk = Hkdf::<Sha256>::new(Some(b"cast/v1"), &self.master);
        let mut out = [0u8; 64];
        // 64 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hk.expand(purpose.as_bytes(), &mut out);
        out
    }

    /// Signs values for one purpose (cookies that must come back unchanged).
    pub fn signer(&self, purpose: &str) -> Signer {
        Signer {
            key: self.derive(purpose),
        }
    }

    pub fn sealer(&self, purpose: &str) -> Sealer {
        let key = self.derive(purpose);
        let mut k32 = [0u8; 32];
        k32.copy_from_slice(&key[..32]);
        Sealer {
            cipher: XChaCha20Poly1305::new(&k32.into()),
        }
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// HMAC-SHA256 signatures: a value handed to a browser that Cast can later recognise as its own
/// without storing anything.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 64],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    fn mac(&self) -> hmac::Hmac<Sha256> {
        use hmac::digest::KeyInit as _;
        // A 64-byte key is exactly SHA-256's block size, HMAC's fixed-size key.
        hmac::Hmac::<Sha256>::new(hmac::digest::generic_array::GenericArray::from_slice(
            &self.key,
        ))
    }

    /// The signature of `value`, as hex.
    pub fn sign(&self, value: &str) -> String {
        use hmac::Mac as _;
        let mut mac = self.mac();
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `signature` (hex) is `value`'s, compared in constant time.
    pub fn verify(&self, value: &str, signature: &str) -> bool {
        use hmac::Mac as _;
        let Ok(bytes) = hex::decode(signature) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(value.as_bytes());
        mac.verify_slice(&bytes).is_ok()
    }
}

/// Seals small secrets (TikTok tokens) with XChaCha20-Poly1305; random 24-byte nonces are safe.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// `context` binds the ciphertext to its use (e.g. "access:{open_id}"), so values cannot be swapped between rows.
    pub fn seal(&self, plaintext: &str, context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = XNonce::from(nonce);
        let mut out = nonce.to_vec();
        // Encryption with a fresh nonce and in-memory buffers has no failure mode short of OOM.
        if let Ok(ct) = self.cipher.encrypt(
            &nonce,
            Payload {
                msg: plaintext.as_bytes(),
                aad: context.as_bytes(),
            },
        ) {
            out.extend_from_slice(&ct);
        }
        out
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<String, CryptoError> {
        if sealed.len() <= NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::Open)?;
        let pt = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Open)
    }
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    buf
}

/// A URL-safe random token carrying `bytes * 8` bits.
pub fn random_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// Tokens are stored as their SHA-256 only: they are random, so no slow hash is needed.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let keys = Keys {
            master: vec![7; 64],
        };
        let sealer = keys.sealer("tokens");
        let sealed = sealer.seal("act.secret", "access:abc");
        assert!(!String::from_utf8_lossy(&sealed).contains("act.secret"));
        assert_eq!(
            sealer.open(&sealed, "access:abc").expect("opens"),
            "act.secret"
        );
        assert!(sealer.open(&sealed, "access:other").is_err());
        let other = Keys {
            master: vec![8; 64],
        }
        .sealer("tokens");
        assert!(other.open(&sealed, "access:abc").is_err());
    }

    #[test]
    fn a_signature_verifies_only_its_value_under_its_key() {
        let keys = Keys {
            master: vec![7; 64],
        };
        let signer = keys.signer("cookie");
        let sig = signer.sign("abc");
        assert!(signer.verify("abc", &sig));
        assert!(!signer.verify("abd", &sig));
        assert!(!signer.verify("abc", "zz"));
        assert!(!keys.signer("other").verify("abc", &sig));
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Keys::load(None, dir.path()).expect("creates");
        let b = Keys::load(None, dir.path()).expect("reads");
        assert_eq!(a.derive("x"), b.derive("x"));
        assert_ne!(a.derive("x"), a.derive("y"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
