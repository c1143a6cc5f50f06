//! Logging in and out.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::owner::password;
use crate::owner::throttle::Verdict;
use crate::web::client_ip::client_ip;
use crate::web::error::AppError;
use crate::web::handlers::{layout, safe_next, see_other};
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::LoginPage;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_show(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if session.is_owner() {
        return Ok(see_other(&next));
    }
    if !password::is_set(&state.db).await? {
        return Err(AppError::Forbidden(
            "Cast has no password yet. Open the setup link printed when Cast started, or run `cast set-password` on the server."
                .into(),
        ));
    }
    let page = LoginPage {
        layout: layout(&state, &session),
        next,
        error: None,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(askama::Template::render(&page)?))
}

#[derive(Deserialize)]
pub struct LoginForm {
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req).unwrap_or([0, 0, 0, 0].into());
    let next = safe_next(form.next.as_deref());
    if let Verdict::LockedOut(wait) = state.throttle.check(ip) {
        tracing::warn!(client = %ip, "login refused: locked out after repeated wrong passwords");
        let minutes = wait.as_secs().div_ceil(60);
        return Err(AppError::TooManyRequests {
            message: format!("Too many wrong passwords. Try again in {minutes} minutes."),
            retry_after_secs: wait.as_secs(),
        });
    }
    let stored = password::stored_hash(&state.db).await?;
    let candidate = form.into_inner().password;
    let ok = match stored {
        Some(phc) => web::block(move || password::verify(&candidate, &phc)).await?,
        None => false,
    };
    if ok {
        state.throttle.succeeded(ip);
        session.log_in().map_err(AppError::internal)?;
        tracing::info!(client = %ip, "owner logged in");
        return Ok(see_other(&next));
    }
    let delay = state.throttle.failed(ip);
    tracing::warn!(client = %ip, "login failed: wrong password");
    tokio::time::sleep(delay).await;
    let page = LoginPage {
        layout: layout(&state, &session),
        next,
        error: Some("That password is not right. Try again.".into()),
    };
    Ok(HttpResponse::Unauthorized()
        .content_type("text/html; charset=utf-8")
        .body(askama::Template::render(&page)?))
}

pub async fn logout(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}
