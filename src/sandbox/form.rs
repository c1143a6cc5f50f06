//! The strict reading of an OAuth token request's form (RFC 6749 section 3.2) that every
//! emulator shares; each answers a problem in its own platform's words.

use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header::CONTENT_TYPE;

/// Why a token request's body was not read.
#[derive(Debug, PartialEq, Eq)]
pub enum FormProblem {
    /// Not `application/x-www-form-urlencoded` (a JSON body, most often).
    ContentType,
    /// A parameter sent twice, which RFC 6749 calls an invalid request.
    Repeated(String),
}

/// A form's parameters, each at most once; an empty value reads as absent.
pub struct TokenForm(HashMap<String, String>);

impl TokenForm {
    pub fn parse(req: &HttpRequest, body: &[u8]) -> Result<Self, FormProblem> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
        {
            return Err(FormProblem::ContentType);
        }
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            if map.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(FormProblem::Repeated(k.into_owned()));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}
