//! Instagram's token endpoints (contract sections 2.3 to 2.5): the code exchange on
//! `api.instagram.com` (flat errors), and the long-lived token and its refresh on
//! `graph.instagram.com` (Graph errors).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::caller::{authenticate, params, token};
use super::errors::{GraphError, OAuthError};
use super::settings::{Answer, Step, TokenShape};
use super::store::accounts::{self, NewToken};
use super::{CLIENT_ID, CLIENT_SECRET, State, ids};

/// A short-lived token lives an hour (`get-started`).
const SHORT_TTL_MS: i64 = 3_600_000;

fn injected_oauth(answer: Answer) -> OAuthError {
    match answer {
        Answer::Status(s) => {
            OAuthError::new("An unexpected error has occurred. Please retry your request later.")
                .with_status(s)
        }
        Answer::Code { code, .. } => OAuthError::new(format!(
            "Injected fault (#{code}) (CAST_SANDBOX_INSTAGRAM_FAULTS)."
        )),
        _ => OAuthError::new("Injected fault (CAST_SANDBOX_INSTAGRAM_FAULTS)."),
    }
}

pub fn injected_graph(answer: Answer) -> GraphError {
    match answer {
        Answer::Status(s) => GraphError::injected_status(s),
        Answer::Code { code, subcode } => GraphError::meta(code, subcode),
        _ => GraphError::injected_status(500),
    }
}

/// `POST api/oauth/access_token`: the code for an hour's token.
pub async fn exchange(
    state: web::Data<State>,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let p: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    if let Some(answer) = state.faults.take(Step::Exchange) {
        return Err(injected_oauth(answer));
    }
    let row = spend_code(&state, &p).await?;
    let now = state.now_ms();
    let access = ids::token();
    accounts::insert_token(
        &state.db,
        &NewToken {
            token: &access,
            user_id: &row.user_id,
            kind: "short",
            scopes: &row.scopes,
            issued_ms: now,
            expires_ms: now + SHORT_TTL_MS,
        },
    )
    .await?;
    tracing::info!(user_id = %row.user_id, "instagram sandbox: code exchanged");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(exchange_body(state.settings.token_shape, &access, &row)))
}

/// The app, the secret and the code checked, and the code used up (once).
async fn spend_code(
    state: &State,
    p: &std::collections::HashMap<String, String>,
) -> Result<accounts::Code, OAuthError> {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    for required in [
        "client_id",
        "client_secret",
        "grant_type",
        "redirect_uri",
        "code",
    ] {
        if get(required).is_empty() {
            return Err(OAuthError::new(format!(
                "Missing required parameter: {required}"
            )));
        }
    }
    if get("client_id") != CLIENT_ID {
        return Err(OAuthError::new("Invalid platform app"));
    }
    if get("client_secret") != CLIENT_SECRET {
        return Err(OAuthError::new("Error validating client secret."));
    }
    if get("grant_type") != "authorization_code" {
        return Err(OAuthError::new(
            "Unsupported grant_type; use authorization_code.",
        ));
    }
    let now = state.now_ms();
    let code = get("code");
    let Some(row) = accounts::code(&state.db, code).await? else {
        return Err(OAuthError::new(
            "Matching code was not found or was already used",
        ));
    };
    if row.used_ms.is_some() {
        return Err(OAuthError::new("This authorization code has been used"));
    }
    if row.expires_ms <= now {
        return Err(OAuthError::new(
            "Matching code was not found or was already used",
        ));
    }
    if row.redirect_uri != get("redirect_uri") {
        return Err(OAuthError::new(
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        ));
    }
    if !accounts::use_code(&state.db, code, now).await? {
        return Err(OAuthError::new("This authorization code has been used"));
    }
    Ok(row)
}

/// The recorded shape (flat, `user_id` a bare number above 2^53, a list of permissions) or
/// the documented one (wrapped in `data`, a string id, comma-separated).
fn exchange_body(shape: TokenShape, access: &str, row: &accounts::Code) -> serde_json::Value {
    let permissions: Vec<&str> = row.scopes.split(',').filter(|s| !s.is_empty()).collect();
    match shape {
        // The recorded shape: flat, a bare number above 2^53, a list. serde_json writes a u64
        // exactly; a user_id that does not fit would be a sandbox bug, so it goes as text.
        TokenShape::Recorded => {
            let id = row
                .user_id
                .parse::<u64>()
                .map(|n| json!(n))
                .unwrap_or(json!(row.user_id));
            json!({ "access_token": access, "user_id": id, "permissions": permissions })
        }
        TokenShape::Documented => json!({
            "data": [{ "access_token": access, "user_id": row.user_id, "permissions": permissions.join(",") }]
        }),
    }
}

fn token_body(access: &str, ttl_ms: i64) -> serde_json::Value {
    json!({ "access_token": access, "token_type": "bearer", "expires_in": ttl_ms / 1000 })
}

/// `GET graph/access_token?grant_type=ig_exchange_token`: the hour's token for ~60 days'.
pub async fn long_lived(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, GraphError> {
    let p = params(&req, None);
    if let Some(answer) = state.faults.take(Step::LongLived) {
        return Err(injected_graph(answer));
    }
    if p.get("grant_type").map(String::as_str) != Some("ig_exchange_token") {
        return Err(GraphError::param("grant_type must be ig_exchange_token"));
    }
    match p.get("client_secret").map(String::as_str) {
        None | Some("") => return Err(GraphError::param("Missing client_secret parameter.")),
        Some(CLIENT_SECRET) => {}
        Some(_) => {
            return Err(GraphError::new(
                101,
                None,
                "Error validating client secret.",
            ));
        }
    }
    let caller = authenticate(&state, token(&req, &p)).await?;
    if caller.kind != "short" {
        return Err(GraphError::param(
            "Cast sandbox: only a short-lived token (from the code exchange) can be exchanged for a long-lived one",
        ));
    }
    let now = state.now_ms();
    let ttl = State::ms(state.settings.token_ttl);
    let access = ids::token();
    accounts::insert_token(
        &state.db,
        &NewToken {
            token: &access,
            user_id: &caller.user_id,
            kind: "long",
            scopes: &caller.scopes.join(","),
            issued_ms: now,
            expires_ms: now + ttl,
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(token_body(&access, ttl)))
}

/// `GET graph/refresh_access_token?grant_type=ig_refresh_token`: only for a long-lived token at
/// least `REFRESH_MIN_AGE` old and not expired; the old token dies at once (Unsure 3, strict).
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, GraphError> {
    let p = params(&req, None);
    if let Some(answer) = state.faults.take(Step::Refresh) {
        return Err(injected_graph(answer));
    }
    if p.contains_key("client_secret") {
        return Err(GraphError::param(
            "client_secret is not a parameter of refresh_access_token",
        ));
    }
    if p.get("grant_type").map(String::as_str) != Some("ig_refresh_token") {
        return Err(GraphError::param("grant_type must be ig_refresh_token"));
    }
    let caller = authenticate(&state, token(&req, &p)).await?;
    let now = state.now_ms();
    if caller.kind != "long" {
        return Err(GraphError::new(
            190,
            None,
            "Cast sandbox: only a long-lived token can be refreshed.",
        ));
    }
    if now - caller.issued_ms < State::ms(state.settings.refresh_min_age) {
        return Err(GraphError::new(
            190,
            None,
            format!(
                "Cast sandbox: this token is too new to refresh; a long-lived token can be refreshed once it is {} hours old.",
                state.settings.refresh_min_age.as_secs() / 3600
            ),
        ));
    }
    if !caller.has("instagram_business_basic") {
        return Err(GraphError::permission(
            "refresh needs the instagram_business_basic permission",
        ));
    }
    // Revoking first makes two racing refreshes yield one new token, not two.
    if !accounts::revoke_token(&state.db, &caller.token_hash, now).await? {
        return Err(GraphError::invalidated_token());
    }
    let ttl = State::ms(state.settings.token_ttl);
    let access = ids::token();
    accounts::insert_token(
        &state.db,
        &NewToken {
            token: &access,
            user_id: &caller.user_id,
            kind: "long",
            scopes: &caller.scopes.join(","),
            issued_ms: now,
            expires_ms: now + ttl,
        },
    )
    .await?;
    tracing::info!(user_id = %caller.user_id, "instagram sandbox: token refreshed");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(token_body(&access, ttl)))
}
