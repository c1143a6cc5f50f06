//! User info (contract section 3), and the creators' avatars it points to.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::errors::ApiError;
use super::limits::Limit;
use super::store::accounts::{self, Creator};
use super::{SandboxState, auth, envelope, scopes};
use crate::config::tiktok_sandbox::FaultStep;

pub async fn info(
    req: HttpRequest,
    state: web::Data<SandboxState>,
) -> Result<HttpResponse, ApiError> {
    state.faults.check(FaultStep::UserInfo, state.now_ms())?;
    let caller = auth::caller(&state, &req).await?;
    caller.require(&[scopes::USER_INFO_BASIC])?;
    state
        .limits
        .admit(&caller.open_id, Limit::UserInfo, state.now_ms())?;
    // Read by hand rather than with `web::Query`, whose refusals are not TikTok's shape.
    let fields = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| scopes::split(&v))
        .unwrap_or_default();
    if fields.is_empty() {
        return Err(ApiError::InvalidParams(
            "The fields parameter is required".into(),
        ));
    }
    for field in &fields {
        let scope = scopes::field_scope(field).ok_or_else(|| {
            ApiError::InvalidParams(format!("'{field}' is not a user info field"))
        })?;
        if !caller.has(scope) {
            return Err(ApiError::ScopePermissionMissed(format!(
                "The field '{field}' needs the scope {scope}"
            )));
        }
    }
    let creator = accounts::creator(&state.db, &caller.open_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("grant without a creator")))?;
    let mut user = Map::new();
    for field in fields {
        let value = field_value(&state, &creator, &field);
        user.insert(field, value);
    }
    Ok(envelope::ok(json!({ "user": user })))
}

fn field_value(state: &SandboxState, creator: &Creator, field: &str) -> Value {
    match field {
        "open_id" => json!(creator.open_id),
        "union_id" => json!(creator.union_id),
        "avatar_url" | "avatar_url_100" | "avatar_large_url" => {
            json!(avatar_url(state, &creator.open_id))
        }
        "display_name" => json!(nickname(&creator.username)),
        "username" => json!(creator.username),
        "bio_description" => json!("A creator in Cast's TikTok sandbox"),
        "profile_deep_link" => json!(format!("https://www.tiktok.com/@{}", creator.username)),
        "is_verified" => json!(false),
        _ => json!(0),
    }
}

/// The display name a creator would choose: `cast_creator` becomes `Cast Creator`.
pub fn nickname(username: &str) -> String {
    username
        .split(['_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn avatar_url(state: &SandboxState, open_id: &str) -> String {
    state.url(&format!("/v2/user/avatar/{open_id}.svg"))
}

/// A small generated avatar: the nickname's initial on a colour derived from the open_id.
pub async fn avatar(state: web::Data<SandboxState>, path: web::Path<String>) -> HttpResponse {
    let open_id = path.into_inner();
    let open_id = open_id.strip_suffix(".svg").unwrap_or(&open_id);
    let creator = match accounts::creator(&state.db, open_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(e) => return actix_web::ResponseError::error_response(&ApiError::from(e)),
    };
    let hue = u16::from_be_bytes(
        Sha256::digest(open_id.as_bytes())[..2]
            .try_into()
            .unwrap_or([0, 0]),
    ) % 360;
    let initial: String = nickname(&creator.username)
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .collect();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><rect width="100" height="100" rx="50" fill="hsl({hue},55%,45%)"/><text x="50" y="64" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#fff">{initial}</text></svg>"##
    );
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=7200"))
        .body(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_come_from_usernames() {
        assert_eq!(nickname("cast_creator"), "Cast Creator");
        assert_eq!(nickname("ana.b"), "Ana B");
        assert_eq!(nickname("x"), "X");
    }
}
