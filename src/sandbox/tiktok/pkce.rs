//! PKCE as TikTok checks it (contract §2.1, §12): the challenge is the SHA-256 of the verifier
//! as 64 lowercase hex characters, with method `S256`. The sandbox's own reading, independent of
//! Cast's client.

pub const METHOD: &str = "S256";

/// What TikTok accepts as a challenge: exactly 64 lowercase hex characters.
pub fn is_challenge(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A presented verifier (43 to 128 unreserved characters) matches the challenge its code carries.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && crate::crypto::constant_time_eq(&crate::crypto::hash_token(verifier), challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hex_sha256_of_a_well_formed_verifier_matches() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3";
        assert!(is_challenge(challenge));
        assert!(!is_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches("short", challenge));
        assert!(!verifier_matches(&"a".repeat(43), challenge));
    }
}
