//! The token and revoke endpoints (contract sections 2.2 and 2.3), in RFC 6749's shapes.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::errors::OAuthError;
use super::pkce;
use super::store::accounts::{self, CodeUse, IssuedTokens, Lifetimes};
use super::{CLIENT_KEY, CLIENT_SECRET, SandboxState, Turn, envelope, webhooks};
use crate::config::tiktok_sandbox::{FaultStep, OAuthErrorStatus, TokenType};
use crate::crypto::constant_time_eq;
use crate::sandbox::form::{FormProblem, TokenForm};

/// The form's parameters. RFC 6749 section 3.2: a parameter sent twice is an invalid request.
struct Params(TokenForm);

impl Params {
    fn parse(req: &HttpRequest, body: &[u8]) -> Result<Self, OAuthError> {
        TokenForm::parse(req, body)
            .map(Self)
            .map_err(|problem| match problem {
                // TikTok's words for a JSON body (contract §2.2, field report).
                FormProblem::ContentType => OAuthError::invalid_request(
                    "Only `application/x-www-form-urlencoded` is accepted as Content-Type.",
                ),
                FormProblem::Repeated(k) => {
                    OAuthError::invalid_request(format!("{k} is sent more than once"))
                }
            })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    fn require(&self, key: &str) -> Result<&str, OAuthError> {
        self.get(key)
            .ok_or_else(|| OAuthError::invalid_request(format!("{key} is required")))
    }

    /// The client authenticates with `client_key` and `client_secret` in the body, never Basic auth.
    fn authenticate_client(&self) -> Result<(), OAuthError> {
        match (self.get("client_key"), self.get("client_secret")) {
            (Some(key), _) if key != CLIENT_KEY => {
                Err(OAuthError::invalid_client("client_key is unknown"))
            }
            (Some(_), Some(secret)) if constant_time_eq(secret, CLIENT_SECRET) => Ok(()),
            (Some(_), Some(_)) => Err(OAuthError::invalid_client("client_secret is wrong")),
            _ => Err(OAuthError::invalid_client(
                "client_key and client_secret are required in the body",
            )),
        }
    }
}

fn lifetimes(state: &SandboxState, now: i64) -> Lifetimes {
    let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
    Lifetimes {
        access_expires_ms: now.saturating_add(ms(state.settings.token_ttl)),
        refresh_expires_ms: now.saturating_add(ms(state.settings.refresh_ttl)),
    }
}

/// The flat success body: TikTok's seven fields, `token_type` in turn present and absent
/// (`CAST_SANDBOX_TOKEN_TYPE`), since some real answers lack it.
fn token_body(
    state: &SandboxState,
    open_id: &str,
    scopes: &str,
    issued: IssuedTokens,
) -> HttpResponse {
    let mut body = json!({
        "open_id": open_id,
        "scope": scopes,
        "access_token": issued.access_token,
        "expires_in": state.settings.token_ttl.as_secs(),
        "refresh_token": issued.refresh_token,
        "refresh_expires_in": state.settings.refresh_ttl.as_secs(),
        "token_type": "Bearer",
    });
    let form = state.pick(
        state.settings.token_type,
        Turn::TokenType,
        &[TokenType::Present, TokenType::Absent],
    );
    if let (TokenType::Absent, Some(map)) = (form, body.as_object_mut()) {
        map.remove("token_type");
    }
    envelope::oauth_ok(body)
}

/// An OAuth error with the status TikTok was seen to use: the documented one, or 200 (contract
/// §2.2), in turn by default (`CAST_SANDBOX_OAUTH_ERROR_STATUS`).
fn answer(state: &SandboxState, result: Result<HttpResponse, OAuthError>) -> HttpResponse {
    match result {
        Ok(res) => res,
        Err(mut e) => {
            let form = state.pick(
                state.settings.oauth_error_status,
                Turn::OAuthErrorStatus,
                &[OAuthErrorStatus::Documented, OAuthErrorStatus::Ok],
            );
            if form == OAuthErrorStatus::Ok {
                e.status = actix_web::http::StatusCode::OK;
            }
            actix_web::ResponseError::error_response(&e)
        }
    }
}

pub async fn token(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> HttpResponse {
    let result = token_grant(&req, &state, &body).await;
    answer(&state, result)
}

async fn token_grant(
    req: &HttpRequest,
    state: &SandboxState,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    if let Some(status) = state.faults.take_status(FaultStep::Token, state.now_ms()) {
        return Err(OAuthError::fault(status));
    }
    let params = Params::parse(req, body)?;
    params.authenticate_client()?;
    match params.require("grant_type")? {
        "authorization_code" => exchange(state, &params).await,
        "refresh_token" => refresh(state, &params).await,
        other => Err(OAuthError::unsupported_grant_type(other)),
    }
}

/// A code issued with a challenge is redeemed only with the verifier that hashes to it
/// (contract §2.2, §12); TikTok's reported words for a missing or wrong one.
fn check_verifier(challenge: Option<&str>, params: &Params) -> Result<(), OAuthError> {
    let Some(challenge) = challenge else {
        return Ok(());
    };
    match params.get("code_verifier") {
        Some(v) if pkce::verifier_matches(v, challenge) => Ok(()),
        _ => Err(OAuthError::invalid_request(
            "Code verifier or code challenge is invalid.",
        )),
    }
}

async fn exchange(state: &SandboxState, params: &Params) -> Result<HttpResponse, OAuthError> {
    let code = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    let now = state.now_ms();
    let granted = match accounts::spend_code(&state.db, code, now).await? {
        CodeUse::First(granted) => granted,
        CodeUse::Replay(grant) => {
            // RFC 6749 section 4.1.2: a replayed code may mean it leaked; revoke what it bought.
            if let Some(id) = grant {
                accounts::revoke_grant(&state.db, id, now).await?;
            }
            return Err(OAuthError::invalid_grant(
                "The authorization code has already been used",
            ));
        }
        CodeUse::Unknown => {
            return Err(OAuthError::invalid_grant(
                "The authorization code is invalid",
            ));
        }
    };
    if granted.expires_ms <= now {
        return Err(OAuthError::invalid_grant(
            "The authorization code has expired",
        ));
    }
    if granted.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the one used to get the code",
        ));
    }
    check_verifier(granted.code_challenge.as_deref(), params)?;
    let issued =
        accounts::create_grant(&state.db, code, &granted, &lifetimes(state, now), now).await?;
    tracing::info!(open_id = %granted.open_id, "sandbox: authorization code exchanged");
    Ok(token_body(state, &granted.open_id, &granted.scopes, issued))
}

async fn refresh(state: &SandboxState, params: &Params) -> Result<HttpResponse, OAuthError> {
    let refresh_token = params.require("refresh_token")?;
    let now = state.now_ms();
    match accounts::rotate(&state.db, refresh_token, &lifetimes(state, now), now).await? {
        Some((grant, issued)) => Ok(token_body(state, &grant.open_id, &grant.scopes, issued)),
        None => Err(OAuthError::invalid_grant(
            "The refresh token is invalid, expired or revoked",
        )),
    }
}

/// Revokes the grant behind `token`, killing its access and refresh tokens (the stricter reading).
/// An unknown token is answered like a known one, as RFC 7009 asks.
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> HttpResponse {
    let result = revoke_token(&req, &state, &body).await;
    answer(&state, result)
}

async fn revoke_token(
    req: &HttpRequest,
    state: &SandboxState,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let params = Params::parse(req, body)?;
    params.authenticate_client()?;
    let token = params.require("token")?;
    let removal = webhooks::Removal::of_token(state, token).await;
    if accounts::revoke_by_token(&state.db, token, state.now_ms()).await? {
        tracing::info!("sandbox: access revoked");
        if let Some(removal) = removal {
            removal
                .announce(state, webhooks::REVOKED_BY_DEVELOPER)
                .await;
        }
    }
    // "200 with an empty body or {}": the empty body is the stricter test of a client.
    Ok(HttpResponse::Ok()
        .insert_header(("x-tt-logid", envelope::log_id()))
        .finish())
}
