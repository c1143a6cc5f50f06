//! The web session with named accessors, so no handler touches string keys.
//!
//! Only the owner has a session: nothing here writes to a visitor's (empty) session, so a
//! visitor causes no stored state (see `session_store`).

use actix_session::{Session, SessionExt as _};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

use crate::crypto;

const OWNER: &str = "owner";
const CSRF: &str = "csrf";
const SESSION_ID: &str = "sid";

pub struct TypedSession(Session);

impl TypedSession {
    pub fn from_session(session: Session) -> Self {
        Self(session)
    }

    pub fn is_owner(&self) -> bool {
        self.0.get::<bool>(OWNER).ok().flatten().unwrap_or(false)
    }

    /// Starts the owner's session under a new key, so a key planted before login is worthless.
    pub fn log_in(&self) -> Result<(), actix_session::SessionInsertError> {
        self.0.renew();
        self.0.insert(OWNER, true)?;
        self.0.insert(SESSION_ID, crypto::random_token(16))?;
        self.0.insert(CSRF, crypto::random_token(32))
    }

    pub fn log_out(&self) {
        self.0.purge();
    }

    /// The owner's CSRF token (made at login); empty for a visitor, whose forms (login, setup)
    /// carry the signed form cookie's token instead.
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(t)) = self.0.get::<String>(CSRF) {
            return t;
        }
        if !self.is_owner() {
            return String::new();
        }
        let t = crypto::random_token(32);
        // A failed insert only means the next request gets a fresh token.
        let _ = self.0.insert(CSRF, &t);
        t
    }

    pub fn csrf_matches(&self, candidate: &str) -> bool {
        match self.0.get::<String>(CSRF) {
            Ok(Some(t)) => crypto::constant_time_eq(&t, candidate),
            _ => false,
        }
    }

    /// A stable random id for the owner's login, to bind things like OAuth `state` to it;
    /// `None` for a visitor.
    pub fn id(&self) -> Option<String> {
        if let Ok(Some(id)) = self.0.get::<String>(SESSION_ID) {
            return Some(id);
        }
        if !self.is_owner() {
            return None;
        }
        let id = crypto::random_token(16);
        let _ = self.0.insert(SESSION_ID, &id);
        Some(id)
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.get_session())))
    }
}

const FLASH: &str = "flash";

impl TypedSession {
    /// A one-time message for the next page (Post/Redirect/Get).
    pub fn flash(&self, kind: &str, message: &str) {
        if self.is_owner() {
            let _ = self.0.insert(FLASH, (kind, message));
        }
    }

    pub fn take_flash(&self) -> Option<(String, String)> {
        // `remove` marks the session changed even when nothing was there: look first.
        self.0.get::<(String, String)>(FLASH).ok().flatten()?;
        self.0
            .remove_as::<(String, String)>(FLASH)
            .and_then(Result::ok)
    }
}
