//! Logging in and out. The policy (how many tries, how many at once) is `owner::login`'s.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::owner::login::Outcome;
use crate::web::client_ip::client_ip;
use crate::web::error::AppError;
use crate::web::handlers::{see_other, visitor_layout};
use crate::web::redirect::safe_next;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::LoginPage;

/// "This browser logged in here before" (see `owner::device`).
const DEVICE_COOKIE: &str = "cast_device";

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    next: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let visitor = state.form_tokens.for_visitor(req);
    let page = LoginPage {
        layout: visitor_layout(state, &visitor.token),
        next,
        error,
    };
    let mut res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(askama::Template::render(&page)?);
    visitor.attach(&mut res);
    Ok(res)
}

pub async fn login_show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&state.config.base_url, query.next.as_deref());
    if session.is_owner() {
        return Ok(see_other(&next));
    }
    if !state.owner.password_is_set().await? {
        return Err(AppError::Forbidden(
            "Cast has no password yet. Open the setup link printed when Cast started, or run `cast set-password` on the server."
                .into(),
        ));
    }
    page(&req, &state, actix_web::http::StatusCode::OK, next, None)
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
    let form = form.into_inner();
    let next = safe_next(&state.config.base_url, form.next.as_deref());
    let ip = client_ip(&req, state.config.trusted_proxy).unwrap_or([0, 0, 0, 0].into());
    let device = req.cookie(DEVICE_COOKIE);
    let outcome = state
        .login
        .attempt(ip, device.as_ref().map(Cookie::value), form.password)
        .await?;
    match outcome {
        Outcome::LoggedIn { device } => {
            session.log_in().map_err(AppError::internal)?;
            tracing::info!(client = %ip, "owner logged in");
            let mut res = see_other(&next);
            let cookie = Cookie::build(DEVICE_COOKIE, device)
                .path("/login")
                .http_only(true)
                .secure(state.config.cookies_secure())
                .same_site(SameSite::Strict)
                .max_age(Duration::days(400))
                .finish();
            // Without it this browser is simply judged like any other next time.
            let _ = res.add_cookie(&cookie);
            Ok(res)
        }
        Outcome::Wrong => {
            tracing::warn!(client = %ip, "login failed: wrong password");
            page(
                &req,
                &state,
                actix_web::http::StatusCode::UNAUTHORIZED,
                next,
                Some("That password is not right. Try again.".into()),
            )
        }
        Outcome::Refused(refusal) => {
            tracing::warn!(client = %ip, ?refusal, "login refused without checking the password");
            Err(AppError::TooManyRequests {
                message: refusal.message(),
                retry_after_secs: refusal.retry_after_secs(),
            })
        }
    }
}

pub async fn logout(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}
