//! `TikTok-Signature: t={unix seconds},s={hex}` (contract §14, `webhooks-verification`): the
//! HMAC-SHA256 of `{t}.{raw body}` keyed with the app's client secret, compared in constant
//! time, then the timestamp judged against Cast's clock.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::config::Secret;

/// The header's name; header names are case-insensitive (the docs' example writes `Tiktok-Signature`).
pub const HEADER: &str = "TikTok-Signature";
/// A delivery may be signed this far ahead of Cast's clock: the two clocks drift.
pub const MAX_AHEAD_SECS: i64 = 5 * 60;
/// And this long ago: TikTok retries a failed delivery for 72 hours, perhaps keeping its first
/// `t` (contract §13 point 21), plus an hour of slack for a slow last retry.
pub const MAX_AGE_SECS: i64 = 73 * 60 * 60;

/// Why a delivery was not believed. Each is answered 401 and nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the TikTok-Signature header is missing")]
    Missing,
    #[error("the TikTok-Signature header has no readable t=")]
    NoTimestamp,
    #[error("the TikTok-Signature header has no readable s=")]
    NoSignature,
    #[error("the signature does not match the body and the client secret")]
    Mismatch,
    #[error("signed {0} seconds ago, longer than the 73 hours Cast accepts")]
    TooOld(i64),
    #[error("signed {0} seconds ahead of Cast's clock, more than the 5 minutes Cast accepts")]
    TooFarAhead(i64),
}

/// The header's parts: `t` as sent (the HMAC covers its exact text) and as a number, and every
/// `s` that decoded to 32 bytes. Other keys are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    t_text: String,
    t: i64,
    signatures: Vec<Vec<u8>>,
}

impl SignatureHeader {
    /// Splits on `,` and each part on the first `=`. Tolerant where TikTok's page is silent:
    /// spaces around parts, keys in either case, upper-case hex, and several `s` (any may match).
    /// The first `t` counts.
    pub fn parse(value: &str) -> Result<Self, SignatureError> {
        let mut t = None;
        let mut signatures = Vec::new();
        for part in value.split(',') {
            let Some((key, val)) = part.split_once('=') else {
                continue;
            };
            let (key, val) = (key.trim(), val.trim());
            if key.eq_ignore_ascii_case("t") && t.is_none() {
                let digits =
                    !val.is_empty() && val.len() <= 18 && val.bytes().all(|b| b.is_ascii_digit());
                if digits && let Ok(n) = val.parse::<i64>() {
                    t = Some((val.to_string(), n));
                }
            } else if key.eq_ignore_ascii_case("s")
                && let Ok(bytes) = hex::decode(val)
                && bytes.len() == 32
            {
                signatures.push(bytes);
            }
        }
        let (t_text, t) = t.ok_or(SignatureError::NoTimestamp)?;
        if signatures.is_empty() {
            return Err(SignatureError::NoSignature);
        }
        Ok(Self {
            t_text,
            t,
            signatures,
        })
    }

    /// The signing time, Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.t
    }

    /// Whether one of the header's signatures is the HMAC of `{t}.{body}`, each compared in
    /// constant time (`Mac::verify_slice`).
    pub fn matches(&self, secret: &Secret, body: &[u8]) -> bool {
        let mac = mac_of(secret, &self.t_text, body);
        self.signatures
            .iter()
            .any(|s| mac.clone().verify_slice(s).is_ok())
    }
}

fn mac_of(secret: &Secret, t: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks a delivery: the header's signature against the raw body first, then the timestamp
/// against `now` (Unix seconds, from Cast's clock). Returns the signing time.
pub fn verify(
    secret: &Secret,
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<i64, SignatureError> {
    let header = SignatureHeader::parse(header.ok_or(SignatureError::Missing)?)?;
    if !header.matches(secret, body) {
        return Err(SignatureError::Mismatch);
    }
    let t = header.timestamp();
    let age = now.saturating_sub(t);
    if age > MAX_AGE_SECS {
        return Err(SignatureError::TooOld(age));
    }
    if -age > MAX_AHEAD_SECS {
        return Err(SignatureError::TooFarAhead(-age));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"client_key":"cast-sandbox","event":"post.publish.complete","create_time":1700000000,"user_openid":"act.example","content":"{\"publish_id\":\"v_pub_file~v2-1.123\",\"publish_type\":\"DIRECT_PUBLISH\"}"}"#;
    // printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac 'cast-sandbox-secret'
    const S: &str = "37b32758ef01b405e2ceec76a868fee01fdc16861f36790a69a9e32c1a1b1644";
    const T: i64 = 1_700_000_000;

    fn secret() -> Secret {
        Secret::new("cast-sandbox-secret")
    }

    #[test]
    fn a_signature_computed_by_openssl_is_accepted() {
        let header = format!("t={T},s={S}");
        assert_eq!(verify(&secret(), Some(&header), BODY.as_bytes(), T), Ok(T));
    }

    #[test]
    fn the_header_tolerates_spaces_case_other_keys_and_upper_case_hex() {
        let header = format!(" T = {T} , v=1, S={}, x", S.to_uppercase());
        let parsed = SignatureHeader::parse(&header).expect("parsed");
        assert_eq!(parsed.timestamp(), T);
        assert!(parsed.matches(&secret(), BODY.as_bytes()));
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let other = "00".repeat(32);
        let header = format!("t={T},s={other},s={S}");
        assert_eq!(verify(&secret(), Some(&header), BODY.as_bytes(), T), Ok(T));
    }

    #[test]
    fn a_header_without_t_or_s_is_refused_by_what_is_missing() {
        assert_eq!(
            SignatureHeader::parse(&format!("s={S}")),
            Err(SignatureError::NoTimestamp)
        );
        assert_eq!(
            SignatureHeader::parse(&format!("t=soon,s={S}")),
            Err(SignatureError::NoTimestamp)
        );
        assert_eq!(
            SignatureHeader::parse(&format!("t={T}")),
            Err(SignatureError::NoSignature)
        );
        assert_eq!(
            SignatureHeader::parse(&format!("t={T},s=abc")),
            Err(SignatureError::NoSignature)
        );
        assert_eq!(
            verify(&secret(), None, BODY.as_bytes(), T),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn a_changed_body_time_or_secret_does_not_match() {
        let header = format!("t={T},s={S}");
        let changed = BODY.replace("complete", "failed");
        assert_eq!(
            verify(&secret(), Some(&header), changed.as_bytes(), T),
            Err(SignatureError::Mismatch)
        );
        let later = format!("t={},s={S}", T + 1);
        assert_eq!(
            verify(&secret(), Some(&later), BODY.as_bytes(), T),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&Secret::new("another"), Some(&header), BODY.as_bytes(), T),
            Err(SignatureError::Mismatch)
        );
        // The HMAC covers t's exact text: a zero-padded t is another message.
        let padded = format!("t=0{T},s={S}");
        assert_eq!(
            verify(&secret(), Some(&padded), BODY.as_bytes(), T),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_timestamp_may_be_five_minutes_ahead_and_seventy_three_hours_old() {
        let header = format!("t={T},s={S}");
        let check = |now: i64| verify(&secret(), Some(&header), BODY.as_bytes(), now);
        assert_eq!(check(T - MAX_AHEAD_SECS), Ok(T));
        assert_eq!(
            check(T - MAX_AHEAD_SECS - 1),
            Err(SignatureError::TooFarAhead(MAX_AHEAD_SECS + 1))
        );
        assert_eq!(check(T + MAX_AGE_SECS), Ok(T));
        assert_eq!(
            check(T + MAX_AGE_SECS + 1),
            Err(SignatureError::TooOld(MAX_AGE_SECS + 1))
        );
    }
}
