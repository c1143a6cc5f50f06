//! CSRF for the forms a visitor fills in before there is a session (login, setup): a signed
//! double-submit cookie. The cookie carries a random nonce, the form the nonce's signature;
//! a POST must bring both, and the pair can only come from Cast. Nothing is stored on the server.

use actix_web::HttpResponse;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::crypto::{self, Signer};

/// `__Host-` pins the cookie to Cast's own origin (no Domain, Path=/, Secure), so a sibling
/// subdomain on a shared tunnel domain cannot plant one; it needs https.
const SECURE_NAME: &str = "__Host-cast_form";
const PLAIN_NAME: &str = "cast_form";
const NONCE_BYTES: usize = 24;

#[derive(Clone, Debug)]
pub struct FormTokens {
    signer: Signer,
    secure: bool,
}

/// A visitor's form token, and the cookie to send when the visitor had none.
pub struct VisitorToken {
    pub token: String,
    cookie: Option<Cookie<'static>>,
}

impl VisitorToken {
    /// Adds the cookie (if a new one was made) to the page's response.
    pub fn attach(&self, res: &mut HttpResponse) {
        if let Some(c) = &self.cookie {
            // A cookie that cannot be added only means the form will be refused: reload fixes it.
            let _ = res.add_cookie(c);
        }
    }
}

impl FormTokens {
    pub fn new(signer: Signer, secure: bool) -> Self {
        Self { signer, secure }
    }

    fn name(&self) -> &'static str {
        if self.secure { SECURE_NAME } else { PLAIN_NAME }
    }

    fn nonce_of(&self, cookie: Option<Cookie<'_>>) -> Option<String> {
        let value = cookie?.value().to_string();
        let ok = value.len() == NONCE_BYTES.div_ceil(3) * 4
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        ok.then_some(value)
    }

    /// The token for this visitor's forms: the signature of the nonce in its cookie, or of a
    /// fresh nonce whose cookie goes out with the page.
    pub fn for_visitor(&self, req: &actix_web::HttpRequest) -> VisitorToken {
        if let Some(nonce) = self.nonce_of(req.cookie(self.name())) {
            return VisitorToken {
                token: self.signer.sign(&nonce),
                cookie: None,
            };
        }
        let nonce = crypto::random_token(NONCE_BYTES);
        let cookie = Cookie::build(self.name(), nonce.clone())
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Strict)
            .max_age(Duration::days(7))
            .finish();
        VisitorToken {
            token: self.signer.sign(&nonce),
            cookie: Some(cookie),
        }
    }

    /// Whether `candidate` is the signature of the nonce in this request's cookie.
    pub fn matches(&self, cookie: Option<Cookie<'_>>, candidate: &str) -> bool {
        self.nonce_of(cookie)
            .is_some_and(|nonce| self.signer.verify(&nonce, candidate))
    }

    pub fn cookie_name(&self) -> &'static str {
        self.name()
    }
}
