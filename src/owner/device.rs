//! "This browser has logged in here before": a signed token Cast hands out on a successful
//! login and recognises later without storing anything. A login from such a browser is judged
//! on that browser's own record, so strangers exhausting the global budget cannot keep the
//! owner out.

use crate::crypto::{self, Signer};

#[derive(Clone, Debug)]
pub struct Devices {
    signer: Signer,
}

impl Devices {
    pub fn new(signer: Signer) -> Self {
        Self { signer }
    }

    /// A new token, `<id>.<signature>`.
    pub fn issue(&self) -> String {
        let id = crypto::random_token(16);
        let signature = self.signer.sign(&id);
        format!("{id}.{signature}")
    }

    /// The browser's id when `token` is one Cast issued (under the current key).
    pub fn recognise(&self, token: &str) -> Option<String> {
        if token.len() > 200 {
            return None;
        }
        let (id, signature) = token.split_once('.')?;
        (!id.is_empty() && self.signer.verify(id, signature)).then(|| id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_tokens_are_recognised() {
        let keys = crate::crypto::Keys::load(
            Some(&crate::config::Secret::new("k".repeat(40))),
            std::path::Path::new("."),
        )
        .expect("keys");
        let devices = Devices::new(keys.signer("device"));
        let token = devices.issue();
        let id = devices.recognise(&token).expect("recognised");
        assert!(token.starts_with(&id));
        assert!(devices.recognise(&format!("{id}.00")).is_none());
        assert!(devices.recognise("forged.deadbeef").is_none());
        assert!(devices.recognise("").is_none());
    }
}
