//! What every Data API handler does first: injected faults, the caller, the quota; and the query
//! string, read strictly.

use actix_web::HttpRequest;

use super::auth::{self, Caller};
use super::errors::GoogleError;
use super::quota;
use super::state::YouTubeState;
use crate::config::youtube_sandbox::FaultStep;

/// Faults, then the bearer, then `units` of quota. Every refusal still costs one unit, as
/// YouTube charges even invalid requests (contract section 8).
pub async fn admit(
    state: &YouTubeState,
    req: &HttpRequest,
    step: Option<FaultStep>,
    units: i64,
) -> Result<Caller, GoogleError> {
    let refused = |e: GoogleError| async move {
        quota::charge_refusal(state).await?;
        Err::<Caller, _>(e)
    };
    if let Some(status) = step.and_then(|s| state.faults.status(s)) {
        return refused(GoogleError::fault(status)).await;
    }
    let caller = match auth::caller(state, req).await {
        Ok(c) => c,
        Err(e) => return refused(e).await,
    };
    if units > 0 {
        quota::take(state, units).await?;
    }
    Ok(caller)
}

/// The query string's pairs. A parameter given twice is refused: the sandbox cannot know which
/// one YouTube would read.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(req: &HttpRequest) -> Result<Self, GoogleError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if pairs.iter().any(|(seen, _)| *seen == k) {
                return Err(GoogleError::bad_request(
                    "invalidParameter",
                    format!("The parameter {k} is given more than once."),
                ));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Self(pairs))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `part`, split on commas (sent as `,` or `%2C`), each one known.
    pub fn parts(&self, known: &[&str]) -> Result<Vec<String>, GoogleError> {
        let raw = self.get("part").unwrap_or("");
        let parts: Vec<String> = raw
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if parts.is_empty() {
            return Err(GoogleError::new(
                400,
                "missingRequiredParameter",
                "No part given: the part parameter names the resource parts the answer includes.",
            ));
        }
        if let Some(bad) = parts.iter().find(|p| !known.contains(&p.as_str())) {
            return Err(GoogleError::bad_request(
                "unknownPart",
                format!("'{bad}' is not a part of this resource."),
            ));
        }
        Ok(parts)
    }
}

/// An opaque entity tag, as every resource carries.
pub fn etag() -> String {
    crate::crypto::random_token(20)
}
