//! The `TikTok-Signature` header, made as TikTok makes it (contract §14): `t={unix seconds},s={hex
//! HMAC-SHA256 of "{t}.{body}" keyed with the client secret}`.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

pub const HEADER: &str = "TikTok-Signature";

pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},s={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_t_and_the_hmac_of_time_dot_body() {
        // printf '%s' '1700000000.{}' | openssl dgst -sha256 -hmac 'cast-sandbox-secret'
        assert_eq!(
            signature("cast-sandbox-secret", 1_700_000_000, "{}"),
            "t=1700000000,s=eff361f3dd4e42259639e9a4e00bde714c6699362572e072d07353aed7643554"
        );
    }
}
