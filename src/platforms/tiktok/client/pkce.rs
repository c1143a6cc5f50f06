//! PKCE in TikTok's dialect (contract §2.1): the challenge is the SHA-256 of the verifier as
//! 64 lowercase hex characters, not RFC 7636's base64url, with method `S256`.

use crate::crypto;

pub const METHOD: &str = "S256";

/// A code verifier: 43 to 128 unreserved characters (`A–Z a–z 0–9 - . _ ~`), one per attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier(String);

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(…)")
    }
}

impl Verifier {
    /// 48 random bytes: 64 base64url characters, all of them unreserved.
    pub fn random() -> Self {
        Self(crypto::random_token(48))
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (43..=128).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        ok.then(|| Self(raw.to_string()))
    }

    pub fn secret(&self) -> &str {
        &self.0
    }

    /// TikTok's challenge for this verifier.
    pub fn challenge(&self) -> String {
        challenge_of(&self.0)
    }
}

/// Hex SHA-256: also what the sandbox compares a presented verifier against.
pub fn challenge_of(verifier: &str) -> String {
    crypto::hash_token(verifier)
}

/// What TikTok accepts as a challenge: exactly 64 lowercase hex characters.
pub fn is_challenge(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_hex_sha256_not_base64url() {
        // RFC 7636's appendix B verifier: its base64url challenge is
        // E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM; TikTok wants the hex of the same digest.
        let v = Verifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").expect("valid");
        assert_eq!(
            v.challenge(),
            "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
        );
        assert!(is_challenge(&v.challenge()));
        assert!(!is_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!is_challenge(&v.challenge().to_uppercase()));
    }

    #[test]
    fn verifiers_are_43_to_128_unreserved_characters() {
        let v = Verifier::random();
        assert_eq!(v.secret().len(), 64);
        assert!(Verifier::parse(v.secret()).is_some());
        assert!(Verifier::parse(&"a".repeat(42)).is_none());
        assert!(Verifier::parse(&"a".repeat(43)).is_some());
        assert!(Verifier::parse(&"~".repeat(128)).is_some());
        assert!(Verifier::parse(&"a".repeat(129)).is_none());
        assert!(Verifier::parse(&format!("{}+", "a".repeat(50))).is_none());
        assert_ne!(Verifier::random(), v);
        assert!(!format!("{v:?}").contains(v.secret()));
    }
}
