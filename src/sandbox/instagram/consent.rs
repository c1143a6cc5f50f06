//! Instagram's consent page (contract sections 2.2 and 14), owner-only through the `Gate`: a
//! username is "logging in to Instagram", with an account type to pick (Personal included, so
//! the refusal can be tried) and each requested permission as a checkbox.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::PageError;
use super::pages::{ConsentPage, ScopeChoice, TypeChoice};
use super::settings::AccountType;
use super::store::accounts;
use super::{CLIENT_ID, MOUNT, State, ids};
use crate::sandbox::gate::Visitor;

/// Codes live one hour (`business-login`).
const CODE_TTL_MS: i64 = 3_600_000;
const DEFAULT_USERNAME: &str = "cast_reels";

/// The permissions of Instagram Login; the pre-2025 names (`business_basic`, …) are refused.
fn describe(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "instagram_business_basic" => {
            "See your profile info (username, account type, profile picture)"
        }
        "instagram_business_content_publish" => "Publish posts and reels to your account",
        "instagram_business_manage_comments" => "Read and reply to comments",
        "instagram_business_manage_messages" => "Read and send messages",
        "instagram_business_manage_insights" => "See insights about your posts",
        _ => return None,
    })
}

fn form(raw: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

struct Authorize {
    redirect_uri: String,
    scope: String,
    requested: Vec<String>,
    state: String,
}

/// An unknown app, an unregistered redirect URI or an invalid scope gets an error page and no
/// redirect. The redirect URI must match exactly: a trailing slash differs.
fn check(state: &State, p: &HashMap<String, String>) -> Result<Authorize, PageError> {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID {
        return Err(PageError::bad_request(format!(
            "Invalid platform app: client_id '{}' is not an Instagram app (the sandbox's is {CLIENT_ID}).",
            get("client_id")
        )));
    }
    if get("redirect_uri") != state.redirect_uri {
        return Err(PageError::bad_request(format!(
            "Invalid redirect_uri: '{}' is not one of the app's OAuth redirect URIs (the one registered is '{}').",
            get("redirect_uri"),
            state.redirect_uri
        )));
    }
    if get("response_type") != "code" {
        return Err(PageError::bad_request("Invalid response_type: use code."));
    }
    let scope = get("scope");
    let requested: Vec<String> = scope
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = requested.iter().find(|s| describe(s).is_none()) {
        return Err(PageError::bad_request(format!(
            "Invalid Scopes: {bad}. Use the instagram_business_* permissions."
        )));
    }
    if requested.is_empty() {
        return Err(PageError::bad_request(
            "Invalid Scopes: no scope was requested.",
        ));
    }
    Ok(Authorize {
        redirect_uri: get("redirect_uri"),
        scope,
        requested,
        state: get("state"),
    })
}

fn page(
    auth: &Authorize,
    csrf_token: String,
    username: &str,
    kind: AccountType,
    ticked: Option<&[String]>,
) -> ConsentPage {
    ConsentPage {
        app_name: "Cast",
        action: format!("{MOUNT}/www/oauth/authorize"),
        csrf_token,
        client_id: CLIENT_ID.into(),
        redirect_uri: auth.redirect_uri.clone(),
        scope: auth.scope.clone(),
        state: auth.state.clone(),
        username: username.into(),
        types: [
            (AccountType::Business, "Business"),
            (AccountType::MediaCreator, "Creator"),
            (AccountType::Personal, "Personal"),
        ]
        .into_iter()
        .map(|(t, label)| TypeChoice {
            value: t.as_str(),
            label,
            selected: t == kind,
        })
        .collect(),
        scopes: auth
            .requested
            .iter()
            .map(|s| ScopeChoice {
                name: s.clone(),
                description: describe(s).unwrap_or(""),
                checked: ticked.is_none_or(|t| t.contains(s)),
            })
            .collect(),
        error: None,
    }
}

fn html(
    page: &ConsentPage,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(askama::Template::render(page)?))
}

pub async fn show(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, PageError> {
    let csrf = match state.gate.check(&req).await {
        Visitor::Owner { csrf_token } => csrf_token,
        Visitor::Stranger(res) => return Ok(res),
    };
    let auth = check(&state, &form(req.query_string().as_bytes()))?;
    let p = page(
        &auth,
        csrf,
        DEFAULT_USERNAME,
        state.settings.account_type,
        None,
    );
    html(&p, actix_web::http::StatusCode::OK)
}

/// Instagram usernames: 1 to 30 letters, digits, `.` and `_`, compared in lower case.
fn username(raw: &str) -> Option<String> {
    let name = raw.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = (1..=30).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    ok.then_some(name)
}

fn redirect(to: &str, pairs: &[(&str, &str)], fragment: bool) -> Result<HttpResponse, PageError> {
    let mut url = url::Url::parse(to).map_err(PageError::internal)?;
    url.query_pairs_mut().extend_pairs(pairs);
    let mut location = url.to_string();
    if fragment {
        // Meta appends `#_`; a browser never sends it back, a code pasted by hand carries it.
        location.push_str("#_");
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish())
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<State>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let csrf = match state.gate.check(&req).await {
        Visitor::Owner { csrf_token } => csrf_token,
        Visitor::Stranger(res) => return Ok(res),
    };
    let f = form(&body);
    if !state
        .gate
        .form_token_ok(&req, f.get("csrf_token").map(String::as_str).unwrap_or(""))
    {
        return Err(PageError {
            status: actix_web::http::StatusCode::FORBIDDEN,
            message: "This form has expired or did not come from the sandbox's consent page. Go back to Cast and connect again.".into(),
        });
    }
    let auth = check(&state, &f)?;
    if f.get("decision").map(String::as_str) != Some("allow") {
        // Whether Meta echoes `state` here is undocumented (Unsure 2): the stricter reading omits it.
        return redirect(
            &auth.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_reason", "user_denied"),
                ("error_description", "The user denied your request"),
            ],
            true,
        );
    }
    let ticked: Vec<String> = url::form_urlencoded::parse(&body)
        .filter(|(k, v)| k == "scopes" && auth.requested.iter().any(|r| r == v))
        .map(|(_, v)| v.into_owned())
        .collect();
    let raw_name = f.get("username").cloned().unwrap_or_default();
    let kind = f.get("account_type").and_then(|t| AccountType::parse(t));
    let (name, kind) = match answers(&raw_name, kind, &ticked) {
        Ok(both) => both,
        Err(problem) => {
            let chosen = kind.unwrap_or(state.settings.account_type);
            let mut p = page(&auth, csrf, &raw_name, chosen, Some(&ticked));
            p.error = Some(problem.into());
            return html(&p, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    grant(&state, &auth, &name, kind, &ticked).await
}

/// The username and account type, or what to fix on the page.
fn answers(
    raw_name: &str,
    kind: Option<AccountType>,
    ticked: &[String],
) -> Result<(String, AccountType), &'static str> {
    let name = username(raw_name).ok_or(
        "An Instagram username is 1 to 30 letters, digits, '.' or '_', for example cast_reels.",
    )?;
    let kind = kind.ok_or("Pick an account type: Business, Creator or Personal.")?;
    if !ticked.iter().any(|s| s == "instagram_business_basic") {
        return Err("instagram_business_basic is needed to log in: tick it, or press Cancel.");
    }
    Ok((name, kind))
}

/// The account (made on first use), a code for the ticked scopes, and the redirect back.
async fn grant(
    state: &State,
    auth: &Authorize,
    name: &str,
    kind: AccountType,
    ticked: &[String],
) -> Result<HttpResponse, PageError> {
    let now = state.now_ms();
    let account = accounts::ensure_account(
        &state.db,
        name,
        kind.as_str(),
        (ids::user_id(), ids::app_scoped_id()),
        now,
    )
    .await?;
    let code = ids::code();
    let granted = auth
        .requested
        .iter()
        .filter(|s| ticked.contains(s))
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    accounts::insert_code(
        &state.db,
        &code,
        &account.user_id,
        &granted,
        &auth.redirect_uri,
        now + CODE_TTL_MS,
    )
    .await?;
    tracing::info!(user_id = %account.user_id, username = %name, account_type = kind.as_str(), scopes = %granted, "instagram sandbox: consent given");
    let mut pairs = vec![("code", code.as_str())];
    if !auth.state.is_empty() {
        pairs.push(("state", auth.state.as_str()));
    }
    redirect(&auth.redirect_uri, &pairs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_scopes() {
        assert_eq!(username("@Lima.Tests").as_deref(), Some("lima.tests"));
        assert_eq!(username(""), None);
        assert_eq!(username("has space"), None);
        assert_eq!(username(&"a".repeat(31)), None);
        assert!(describe("instagram_business_content_publish").is_some());
        assert!(
            describe("business_basic").is_none(),
            "the deprecated names are refused"
        );
    }
}
