//! The posts page's buttons that act as the creator in the TikTok app (contract §12): **Take
//! down** makes a public post private, **Remove access** ends the creator's authorization. Each
//! sends its webhook. Owner-only, through the gate, with the owner's form token.

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::PageError;
use super::store::{accounts, in_app, publishes};
use super::{SandboxState, webhooks};
use crate::sandbox::gate::Visitor;

/// The owner with a valid form token, or the answer a stranger or a stale form gets.
async fn owner_form(
    state: &SandboxState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(), HttpResponse> {
    if let Visitor::Stranger(res) = state.gate.check(req).await {
        return Err(res);
    }
    let sent = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !state.gate.form_token_ok(req, &sent) {
        return Err(HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("TikTok sandbox: this form has expired. Reload the page and try again."));
    }
    Ok(())
}

fn back_to_posts() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("{}/_/", super::MOUNT)))
        .finish()
}

/// The creator makes a public post private: it stops being publicly available.
pub async fn take_down(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if let Err(refused) = owner_form(&state, &req, &body).await {
        return Ok(refused);
    }
    let publish_id = path.into_inner();
    let found = publishes::by_id(&state.db, &publish_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let public_id = found.post_id.filter(|_| webhooks::is_public(&found));
    let Some(post_id) = public_id else {
        return Err(PageError::Conflict(
            "Only a public post can be taken down.".into(),
        ));
    };
    if !in_app::take_down(&state.db, &publish_id).await? {
        return Err(PageError::Conflict(
            "Only a public post can be taken down.".into(),
        ));
    }
    tracing::info!(%publish_id, "sandbox: post taken down in the app");
    webhooks::announce_take_down(&state, &found, post_id).await;
    Ok(back_to_posts())
}

/// The creator removes the app's access in TikTok's settings: every grant of theirs ends.
pub async fn remove_access(
    req: HttpRequest,
    state: web::Data<SandboxState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if let Err(refused) = owner_form(&state, &req, &body).await {
        return Ok(refused);
    }
    let open_id = path.into_inner();
    let grants = in_app::live_grants(&state.db, &open_id).await?;
    for grant in &grants {
        accounts::revoke_grant(&state.db, *grant, state.now_ms()).await?;
    }
    if !grants.is_empty() {
        tracing::info!(%open_id, "sandbox: access removed in the app");
        webhooks::announce_removal(&state, &grants, &open_id, webhooks::REMOVED_BY_USER).await;
    }
    Ok(back_to_posts())
}
