//! The consent page (contract sections 2.1 and 12): TikTok's authorization screen, where "logging
//! in to TikTok" is typing a username. Owner-only, through the gate; its form carries the
//! owner's token, checked by the gate too.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::PageError;
use super::pages::{ConsentPage, ScopeChoice};
use super::store::accounts::{self, NewCode};
use super::{CLIENT_KEY, MOUNT, SandboxState, pkce, scopes};
use crate::crypto::random_token;
use crate::sandbox::gate::Visitor;

/// TikTok does not document the code's lifetime; the sandbox gives it 10 minutes.
const CODE_TTL_MS: i64 = 10 * 60 * 1000;
const DEFAULT_USERNAME: &str = "cast_creator";

/// The authorize request's parameters, once the client and redirect URI are known to be good.
struct Authorize {
    redirect_uri: String,
    scope: String,
    state: String,
    /// The hex S256 challenge; None only when `CAST_SANDBOX_PKCE=optional` let a request without one through.
    code_challenge: Option<String>,
}

fn params(raw: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

/// An unknown client or an unregistered redirect URI gets an error page and never a redirect,
/// as TikTok does: redirecting would hand the outcome to an unvetted address.
fn check_client(state: &SandboxState, p: &HashMap<String, String>) -> Result<Authorize, PageError> {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    if get("client_key") != CLIENT_KEY {
        return Err(PageError::BadRequest(format!(
            "TikTok sandbox: client_key '{}' is not a registered app (the sandbox's is '{CLIENT_KEY}').",
            get("client_key")
        )));
    }
    if get("redirect_uri") != state.redirect_uri {
        return Err(PageError::BadRequest(format!(
            "TikTok sandbox: redirect_uri '{}' is not registered for this app (the one registered is '{}').",
            get("redirect_uri"),
            state.redirect_uri
        )));
    }
    if get("response_type") != "code" {
        return Err(PageError::BadRequest(
            "TikTok sandbox: response_type must be 'code'.".into(),
        ));
    }
    Ok(Authorize {
        redirect_uri: get("redirect_uri"),
        scope: get("scope"),
        state: get("state"),
        code_challenge: check_pkce(state, p)?,
    })
}

/// PKCE on every authorize request (contract §2.1, §12): a challenge of 64 lowercase hex
/// characters with method S256, or TikTok's error page naming `code_challenge` and no redirect.
/// `CAST_SANDBOX_PKCE=optional` lets a request with no challenge at all through.
fn check_pkce(
    state: &SandboxState,
    p: &HashMap<String, String>,
) -> Result<Option<String>, PageError> {
    let challenge = p.get("code_challenge").filter(|c| !c.is_empty());
    let method = p.get("code_challenge_method").filter(|m| !m.is_empty());
    if challenge.is_none() && method.is_none() && state.settings.pkce_optional {
        return Ok(None);
    }
    let refuse = |why: &str| {
        PageError::BadRequest(format!(
            "TikTok sandbox: something went wrong (error_type=code_challenge, errCode=10007). {why}"
        ))
    };
    let Some(challenge) = challenge else {
        return Err(refuse(
            "The request has no code_challenge: send the hex SHA-256 of a code verifier, with code_challenge_method=S256.",
        ));
    };
    if !pkce::is_challenge(challenge) {
        return Err(refuse(
            "code_challenge must be the SHA-256 of the code verifier as 64 lowercase hex characters (not base64url).",
        ));
    }
    if method.map(String::as_str) != Some(pkce::METHOD) {
        return Err(refuse("code_challenge_method must be S256."));
    }
    Ok(Some(challenge.clone()))
}

/// `redirect_uri` with the outcome appended to its query string.
fn redirect(to: &str, pairs: &[(&str, &str)]) -> Result<HttpResponse, PageError> {
    let mut url = url::Url::parse(to).map_err(PageError::internal)?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", url.as_str()))
        .finish())
}

enum Requested {
    Valid(Vec<String>),
    /// The `invalid_scope` redirect: one scope is unknown, or none was asked for.
    Refused(HttpResponse),
}

fn requested_scopes(auth: &Authorize) -> Result<Requested, PageError> {
    let requested = scopes::split(&auth.scope);
    let unknown = requested.iter().find(|s| scopes::describe(s).is_none());
    if requested.is_empty() || unknown.is_some() {
        let description = match unknown {
            Some(s) => format!("The scope '{s}' is not valid"),
            None => "No scope was requested".to_string(),
        };
        let pairs = [
            ("error", "invalid_scope"),
            ("error_description", description.as_str()),
            ("state", &auth.state),
        ];
        return redirect(&auth.redirect_uri, &pairs).map(Requested::Refused);
    }
    Ok(Requested::Valid(requested))
}

fn page(
    auth: &Authorize,
    requested: &[String],
    ticked: Option<&[String]>,
    username: &str,
    csrf_token: String,
) -> ConsentPage {
    let scopes = requested
        .iter()
        .map(|s| ScopeChoice {
            name: s.clone(),
            description: scopes::describe(s).unwrap_or(""),
            checked: ticked.is_none_or(|t| t.contains(s)),
        })
        .collect();
    ConsentPage {
        mount: MOUNT,
        csrf_token,
        app_name: "Cast",
        action: format!("{MOUNT}/v2/auth/authorize/"),
        client_key: CLIENT_KEY.to_string(),
        redirect_uri: auth.redirect_uri.clone(),
        scope: auth.scope.clone(),
        state: auth.state.clone(),
        code_challenge: auth.code_challenge.clone().unwrap_or_default(),
        scopes,
        username: username.to_string(),
        error: None,
    }
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<SandboxState>,
) -> Result<HttpResponse, PageError> {
    let csrf_token = match state.gate.check(&req).await {
        Visitor::Owner { csrf_token } => csrf_token,
        Visitor::Stranger(res) => return Ok(res),
    };
    let auth = check_client(&state, &params(req.query_string().as_bytes()))?;
    let requested = match requested_scopes(&auth)? {
        Requested::Valid(r) => r,
        Requested::Refused(redirect) => return Ok(redirect),
    };
    let page = page(&auth, &requested, None, DEFAULT_USERNAME, csrf_token);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(askama::Template::render(&page)?))
}

/// TikTok usernames: 2 to 24 letters, digits, `_` and `.`; kept lower-case so one name is one creator.
fn parse_username(raw: &str) -> Option<String> {
    let name = raw.trim().to_ascii_lowercase();
    let ok = (2..=24).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    ok.then_some(name)
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let csrf_token = match state.gate.check(&req).await {
        Visitor::Owner { csrf_token } => csrf_token,
        Visitor::Stranger(res) => return Ok(res),
    };
    let form = params(&body);
    let sent = form.get("csrf_token").map(String::as_str).unwrap_or("");
    if !state.gate.form_token_ok(&req, sent) {
        return Ok(HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("TikTok sandbox: this form has expired or did not come from the consent page. Reload it and try again."));
    }
    let auth = check_client(&state, &form)?;
    let requested = match requested_scopes(&auth)? {
        Requested::Valid(r) => r,
        Requested::Refused(redirect) => return Ok(redirect),
    };
    if form.get("decision").map(String::as_str) != Some("authorize") {
        return redirect(
            &auth.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied the request"),
                ("state", &auth.state),
            ],
        );
    }
    // Only scopes that were requested can be granted, whatever the form claims.
    let ticked: Vec<String> = url::form_urlencoded::parse(&body)
        .filter(|(k, v)| k == "scopes" && requested.iter().any(|r| r == v))
        .map(|(_, v)| v.into_owned())
        .collect();
    let raw_username = form.get("username").cloned().unwrap_or_default();
    let problem = match parse_username(&raw_username) {
        None => {
            Some("A username is 2 to 24 letters, digits, '_' or '.', for example cast_creator.")
        }
        Some(_) if ticked.is_empty() => Some("Tick at least one permission, or press Deny."),
        Some(_) => None,
    };
    if let Some(problem) = problem {
        let mut page = page(&auth, &requested, Some(&ticked), &raw_username, csrf_token);
        page.error = Some(problem.to_string());
        let html = askama::Template::render(&page)?;
        return Ok(HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(html));
    }
    let username = parse_username(&raw_username).unwrap_or_default();
    let now = state.now_ms();
    let creator = accounts::ensure_creator(&state.db, &username, now).await?;
    let code = random_token(32);
    let granted = requested
        .iter()
        .filter(|s| ticked.contains(s))
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    accounts::insert_code(
        &state.db,
        &NewCode {
            code: &code,
            open_id: &creator.open_id,
            scopes: &granted,
            redirect_uri: &auth.redirect_uri,
            expires_ms: now + CODE_TTL_MS,
            code_challenge: auth.code_challenge.as_deref(),
        },
    )
    .await?;
    tracing::info!(open_id = %creator.open_id, username = %username, scopes = %granted, "sandbox: consent given");
    redirect(
        &auth.redirect_uri,
        &[
            ("code", &code),
            ("scopes", &granted),
            ("state", &auth.state),
        ],
    )
}
