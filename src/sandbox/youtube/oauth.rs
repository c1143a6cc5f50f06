//! Google's token and revoke endpoints (contract sections 2.2 to 2.4), in OAuth's flat shapes:
//! PKCE checked both ways, the client secret required, codes single-use, Testing-mode expiry.

use std::collections::HashMap;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::errors::OAuthError;
use super::state::{CLIENT_ID, CLIENT_SECRET, YouTubeState};
use super::store::accounts::{self, CodeUse, Kind, NewGrant};
use crate::config::youtube_sandbox::FaultStep;
use crate::crypto::constant_time_eq;
use crate::sandbox::form::{FormProblem, TokenForm};

/// Testing-mode refresh tokens die 7 days after consent (contract 2.3).
const TESTING_REFRESH_SECS: i64 = 604_800;

struct Params(TokenForm);

impl Params {
    fn parse(req: &HttpRequest, body: &[u8]) -> Result<Self, OAuthError> {
        TokenForm::parse(req, body)
            .map(Self)
            .map_err(|problem| match problem {
                FormProblem::ContentType => OAuthError::invalid_request(
                    "Content-Type must be application/x-www-form-urlencoded",
                ),
                FormProblem::Repeated(k) => {
                    OAuthError::invalid_request(format!("Parameter sent more than once: {k}"))
                }
            })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    fn require(&self, key: &str) -> Result<&str, OAuthError> {
        self.get(key).ok_or_else(|| {
            OAuthError::invalid_request(format!("Missing required parameter: {key}"))
        })
    }
}

/// The client in the body or by HTTP Basic, as Google takes either; the secret is required
/// (a web client is refused without it, contract 2.2).
fn authenticate(req: &HttpRequest, p: &Params) -> Result<(), OAuthError> {
    let basic = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            Some((id.to_string(), secret.to_string()))
        });
    let (id, secret) = match &basic {
        Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
        None => (p.get("client_id"), p.get("client_secret")),
    };
    let id =
        id.ok_or_else(|| OAuthError::invalid_request("Missing required parameter: client_id"))?;
    if id != CLIENT_ID {
        return Err(OAuthError::invalid_client(
            "The OAuth client was not found.",
        ));
    }
    match secret {
        None => Err(OAuthError::invalid_request("client_secret is missing.")),
        Some(s) if constant_time_eq(s, CLIENT_SECRET) => Ok(()),
        Some(_) => Err(OAuthError::invalid_client("Unauthorized")),
    }
}

fn answer(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(body)
}

fn access_expiry(state: &YouTubeState, now: i64) -> (i64, u64) {
    let secs = state.settings.token_ttl.as_secs();
    (
        now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX / 2_000) * 1000),
        secs,
    )
}

pub async fn token(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let p = Params::parse(&req, &body)?;
    let grant_type = p.require("grant_type")?;
    let step = match grant_type {
        "authorization_code" => FaultStep::Token,
        "refresh_token" => FaultStep::Refresh,
        _ => {
            return Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                format!("Invalid grant_type: {grant_type}"),
            ));
        }
    };
    if let Some(status) = state.faults.status(step) {
        return Err(OAuthError::fault(status));
    }
    authenticate(&req, &p)?;
    match step {
        FaultStep::Token => exchange(&state, &p).await,
        _ => refresh(&state, &p).await,
    }
}

/// RFC 7636 S256: the challenge is the base64url SHA-256 of the verifier.
fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed
        && constant_time_eq(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        )
}

async fn exchange(state: &YouTubeState, p: &Params) -> Result<HttpResponse, OAuthError> {
    let code = p.require("code")?;
    let redirect_uri = p.require("redirect_uri")?;
    let now = state.now_ms();
    let code_row = match accounts::redeem_code(&state.db, code, now).await? {
        CodeUse::Fresh(c) => c,
        CodeUse::Replayed(grant) => {
            // A replayed code may be stolen: what it was exchanged for is revoked (RFC 6749 4.1.2).
            if let Some(grant) = grant {
                accounts::revoke_grant(&state.db, grant, now).await?;
            }
            return Err(OAuthError::invalid_grant("Code was already redeemed."));
        }
        CodeUse::Unknown => return Err(OAuthError::invalid_grant("Malformed auth code.")),
    };
    if now >= code_row.expires_ms {
        return Err(OAuthError::invalid_grant("Bad Request"));
    }
    if redirect_uri != code_row.redirect_uri {
        return Err(OAuthError::new(400, "redirect_uri_mismatch", "Bad Request"));
    }
    match (&code_row.code_challenge, p.get("code_verifier")) {
        (Some(_), None) => return Err(OAuthError::invalid_grant("Missing code verifier.")),
        (Some(challenge), Some(v)) if !verifier_matches(v, challenge) => {
            return Err(OAuthError::invalid_grant("Invalid code verifier."));
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier or verifier is not needed.",
            ));
        }
        _ => {}
    }
    let refresh_expires_ms = (code_row.issue_refresh && state.settings.testing)
        .then(|| now + TESTING_REFRESH_SECS * 1000);
    let grant_id = accounts::insert_grant(
        &state.db,
        &NewGrant {
            account_id: &code_row.account_id,
            scopes: &code_row.scopes,
            offline: code_row.offline,
            refresh_expires_ms,
        },
        now,
    )
    .await?;
    accounts::link_code(&state.db, code, grant_id).await?;
    let (access_expires, expires_in) = access_expiry(state, now);
    let access = accounts::issue(&state.db, grant_id, Kind::Access, Some(access_expires)).await?;
    let mut body = json!({
        "access_token": access,
        "expires_in": expires_in,
        "scope": code_row.scopes,
        "token_type": "Bearer",
    });
    if code_row.issue_refresh {
        let refresh =
            accounts::issue(&state.db, grant_id, Kind::Refresh, refresh_expires_ms).await?;
        body["refresh_token"] = json!(refresh);
        if refresh_expires_ms.is_some() {
            body["refresh_token_expires_in"] = json!(TESTING_REFRESH_SECS);
        }
    }
    tracing::info!(
        grant_id,
        refresh = code_row.issue_refresh,
        "youtube sandbox: code exchanged"
    );
    Ok(answer(body))
}

async fn refresh(state: &YouTubeState, p: &Params) -> Result<HttpResponse, OAuthError> {
    let token = p.require("refresh_token")?;
    let now = state.now_ms();
    let live = accounts::live(&state.db, token, now)
        .await?
        .filter(|l| l.kind == "refresh")
        .ok_or_else(|| OAuthError::invalid_grant("Token has been expired or revoked."))?;
    let (access_expires, expires_in) = access_expiry(state, now);
    let access =
        accounts::issue(&state.db, live.grant_id, Kind::Access, Some(access_expires)).await?;
    let mut body = json!({
        "access_token": access,
        "expires_in": expires_in,
        "scope": live.scopes,
        "token_type": "Bearer",
    });
    if state.settings.rotate_refresh {
        let fresh = accounts::issue(
            &state.db,
            live.grant_id,
            Kind::Refresh,
            live.refresh_expires_ms,
        )
        .await?;
        accounts::revoke_token(&state.db, token, now).await?;
        body["refresh_token"] = json!(fresh);
    }
    Ok(answer(body))
}

/// `POST /revoke` with `token` in the form body or the query. Revoking any token of a grant
/// ends every token the client holds for that account.
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let from_query: HashMap<String, String> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let token = if body.is_empty() {
        from_query.get("token").cloned().unwrap_or_default()
    } else {
        Params::parse(&req, &body)?
            .get("token")
            .unwrap_or("")
            .to_string()
    };
    if token.is_empty() {
        return Err(OAuthError::invalid_request(
            "Missing required parameter: token",
        ));
    }
    let now = state.now_ms();
    let Some(live) = accounts::live(&state.db, &token, now).await? else {
        return Err(OAuthError::new(
            400,
            "invalid_token",
            "Token expired or revoked",
        ));
    };
    accounts::revoke_account(&state.db, &live.account_id, now).await?;
    tracing::info!(account = %live.account_id, "youtube sandbox: access revoked");
    Ok(HttpResponse::Ok().json(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge() {
        assert!(verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        // The hex form TikTok may want is not Google's.
        assert!(!verifier_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
