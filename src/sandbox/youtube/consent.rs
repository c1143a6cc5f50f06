//! Google's consent page (contract sections 2.1 and 12), owner-only through the gate. "Signing
//! in to Google" is typing a channel name; unticking a scope tries granular consent.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::{FORCE_SSL, MANAGE, READONLY, UPLOAD};
use super::errors::PageError;
use super::pages::{self, Carried, ConsentPage, ScopeChoice};
use super::state::{CLIENT_ID, MOUNT, YouTubeState};
use super::store::accounts::{self, NewCode};
use crate::crypto::random_token;
use crate::sandbox::gate::Visitor;

/// Google does not document the code's lifetime; a field note says about a minute (Unsure 10).
const CODE_TTL_MS: i64 = 60_000;

const KNOWN_SCOPES: [(&str, &str); 7] = [
    (UPLOAD, "Manage your YouTube videos (upload)"),
    (READONLY, "View your YouTube account"),
    (MANAGE, "Manage your YouTube account"),
    (
        FORCE_SSL,
        "See, edit, and permanently delete your YouTube videos, ratings, comments and captions",
    ),
    ("openid", "Associate you with your personal info on Google"),
    ("email", "See your primary Google Account email address"),
    ("profile", "See your personal info"),
];

fn describe(scope: &str) -> Option<&'static str> {
    KNOWN_SCOPES
        .iter()
        .find(|(s, _)| *s == scope)
        .map(|(_, d)| *d)
}

/// A parameter sent twice is an invalid request, as RFC 6749 section 3.1 says.
fn params(raw: &[u8]) -> Result<HashMap<String, String>, PageError> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if k == "scopes" {
            continue;
        }
        if map.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(PageError::new(
                400,
                "invalid_request",
                format!("Parameter sent more than once: {k}"),
            ));
        }
    }
    Ok(map)
}

/// The authorize request, checked as Google checks it. Everything wrong here is shown on the
/// page and never redirected (contract 2.1).
struct Authorize {
    carried: Carried,
    requested: Vec<String>,
    offline: bool,
    prompt_consent: bool,
    prompt_none: bool,
}

fn check(state: &YouTubeState, p: &HashMap<String, String>) -> Result<Authorize, PageError> {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID {
        return Err(PageError::new(
            401,
            "invalid_client",
            format!(
                "The OAuth client was not found: client_id '{}' is unknown (the sandbox's is '{CLIENT_ID}').",
                get("client_id")
            ),
        ));
    }
    if get("redirect_uri") != state.redirect_uri {
        return Err(PageError::new(
            400,
            "redirect_uri_mismatch",
            format!(
                "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy: redirect_uri '{}' is not registered (the one registered is '{}').",
                get("redirect_uri"),
                state.redirect_uri
            ),
        ));
    }
    if get("response_type") != "code" {
        return Err(PageError::new(
            400,
            "unsupported_response_type",
            "response_type must be 'code'.",
        ));
    }
    let scope = get("scope");
    let requested: Vec<String> = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if requested.is_empty() {
        return Err(PageError::new(
            400,
            "invalid_request",
            "Missing required parameter: scope",
        ));
    }
    let invalid: Vec<&str> = requested
        .iter()
        .map(String::as_str)
        .filter(|s| describe(s).is_none())
        .collect();
    if !invalid.is_empty() {
        return Err(PageError::new(
            400,
            "invalid_scope",
            format!(
                "Some requested scopes were invalid. {{invalid={invalid:?}}} Scopes are separated by spaces."
            ),
        ));
    }
    let access_type = get("access_type");
    if !matches!(access_type.as_str(), "" | "online" | "offline") {
        return Err(PageError::new(
            400,
            "invalid_request",
            "Invalid access_type: use online or offline.",
        ));
    }
    let prompt = get("prompt");
    let prompts: Vec<&str> = prompt.split(' ').filter(|s| !s.is_empty()).collect();
    if prompts
        .iter()
        .any(|p| !matches!(*p, "none" | "consent" | "select_account"))
        || (prompts.contains(&"none") && prompts.len() > 1)
    {
        return Err(PageError::new(
            400,
            "invalid_request",
            "Invalid prompt: use none, consent or select_account, space-separated.",
        ));
    }
    if !matches!(
        get("include_granted_scopes").as_str(),
        "" | "true" | "false"
    ) {
        return Err(PageError::new(
            400,
            "invalid_request",
            "include_granted_scopes must be true or false.",
        ));
    }
    check_pkce(&get("code_challenge"), &get("code_challenge_method"))?;
    Ok(Authorize {
        offline: access_type == "offline",
        prompt_consent: prompts.contains(&"consent"),
        prompt_none: prompts.contains(&"none"),
        requested,
        carried: Carried {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            scope,
            state: get("state"),
            access_type,
            prompt,
            include_granted_scopes: get("include_granted_scopes"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
        },
    })
}

/// Google also takes `plain`; the sandbox takes only `S256`, the stricter reading (Unsure 9).
fn check_pkce(challenge: &str, method: &str) -> Result<(), PageError> {
    match (challenge.is_empty(), method) {
        (true, "") => Ok(()),
        (true, _) => Err(PageError::new(
            400,
            "invalid_request",
            "code_challenge_method was sent without code_challenge.",
        )),
        (false, "S256") => {
            let ok = (43..=128).contains(&challenge.len())
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if ok {
                Ok(())
            } else {
                Err(PageError::new(
                    400,
                    "invalid_request",
                    "code_challenge must be the base64url SHA-256 of the verifier (43 characters, RFC 7636).",
                ))
            }
        }
        (false, "") | (false, "plain") => Err(PageError::new(
            400,
            "invalid_request",
            "The sandbox accepts only code_challenge_method=S256 (without a method Google assumes plain).",
        )),
        (false, other) => Err(PageError::new(
            400,
            "invalid_request",
            format!("Unknown code_challenge_method '{other}'."),
        )),
    }
}

fn redirect(to: &str, pairs: &[(&str, &str)]) -> Result<HttpResponse, PageError> {
    let mut url = url::Url::parse(to).map_err(|_| {
        PageError::new(
            400,
            "redirect_uri_mismatch",
            "The redirect URI is not a URL.",
        )
    })?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(HttpResponse::Found()
        .insert_header(("Location", url.as_str()))
        .finish())
}

fn page(auth: Authorize, csrf_token: String, ticked: Option<&[String]>) -> ConsentPage {
    let scopes = auth
        .requested
        .iter()
        .map(|s| ScopeChoice {
            name: s.clone(),
            description: describe(s).unwrap_or(""),
            checked: ticked.is_none_or(|t| t.contains(s)),
        })
        .collect();
    ConsentPage::new(
        format!("{MOUNT}/accounts/o/oauth2/v2/auth"),
        csrf_token,
        auth.carried,
        scopes,
    )
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
) -> Result<HttpResponse, PageError> {
    let csrf_token = match state.gate.check(&req).await {
        Visitor::Owner { csrf_token } => csrf_token,
        Visitor::Stranger(res) => return Ok(res),
    };
    let auth = check(&state, &params(req.query_string().as_bytes())?)?;
    if auth.prompt_none {
        // The sandbox never signs in silently: the owner always sees the screen.
        let st = auth.carried.state.clone();
        return redirect(
            &auth.carried.redirect_uri,
            &[("error", "interaction_required"), ("state", &st)],
        );
    }
    Ok(pages::html(StatusCode::OK, &page(auth, csrf_token, None)))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<YouTubeState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let csrf_token = match state.gate.check(&req).await {
        Visitor::Owner { csrf_token } => csrf_token,
        Visitor::Stranger(res) => return Ok(res),
    };
    let form = params(&body)?;
    let sent_token = form.get("csrf_token").map(String::as_str).unwrap_or("");
    if !state.gate.form_token_ok(&req, sent_token) {
        return Err(PageError::new(
            403,
            "csrf",
            "This form has expired or did not come from this page. Go back to Cast and connect again.",
        ));
    }
    let auth = check(&state, &form)?;
    let st = auth.carried.state.clone();
    if form.get("decision").map(String::as_str) != Some("allow") {
        return redirect(
            &auth.carried.redirect_uri,
            &[("error", "access_denied"), ("state", &st)],
        );
    }
    // Only requested scopes can be granted, whatever the form claims.
    let ticked: Vec<String> = url::form_urlencoded::parse(&body)
        .filter(|(k, v)| k == "scopes" && auth.requested.iter().any(|r| r == v))
        .map(|(_, v)| v.into_owned())
        .collect();
    let name = form
        .get("channel_name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    let no_channel = form.get("no_channel").is_some_and(|v| v == "1");
    let problem = if name.is_empty() || name.chars().count() > 100 {
        Some("Type a channel name of 1 to 100 characters (each name is its own channel).")
    } else if ticked.is_empty() {
        Some("Tick at least one permission, or press Cancel.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let mut p = page(auth, csrf_token, Some(&ticked));
        p.channel_name = name;
        p.no_channel = no_channel;
        p.error = Some(problem.to_string());
        return Ok(pages::html(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let now = state.now_ms();
    let account = accounts::ensure_account(&state.db, &name, !no_channel, now).await?;
    // A refresh token comes only with offline access, and only when consent was shown for it:
    // the first time, or with prompt=consent (contract 2.1).
    let issue_refresh = auth.offline
        && (auth.prompt_consent
            || !accounts::has_offline_grant(&state.db, &account.id, now).await?);
    let code = format!("4/0A{}", random_token(32));
    let granted: Vec<&str> = auth
        .requested
        .iter()
        .filter(|s| ticked.contains(s))
        .map(String::as_str)
        .collect();
    let granted = granted.join(" ");
    let challenge = Some(auth.carried.code_challenge.as_str()).filter(|c| !c.is_empty());
    accounts::insert_code(
        &state.db,
        &NewCode {
            code: &code,
            account_id: &account.id,
            scopes: &granted,
            redirect_uri: &auth.carried.redirect_uri,
            code_challenge: challenge,
            offline: auth.offline,
            issue_refresh,
            expires_ms: now + CODE_TTL_MS,
        },
    )
    .await?;
    tracing::info!(account = %account.id, channel = ?account.channel_id, scopes = %granted, "youtube sandbox: consent given");
    // Google adds parameters of its own; a client must ignore what it does not know.
    redirect(
        &auth.carried.redirect_uri,
        &[
            ("state", &st),
            ("code", &code),
            ("scope", &granted),
            ("authuser", "0"),
            ("prompt", "consent"),
        ],
    )
}
