//! The one-time setup link: choose the owner password.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::owner::password;
use crate::web::error::AppError;
use crate::web::handlers::{see_other, visitor_layout};
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::SetupPage;

const USED: &str = "This setup link has been used or has been replaced. Log in, or run `cast set-password` on the server.";

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

/// The setup page, and the form cookie its form needs when the visitor has none yet.
fn page(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    token: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let visitor = state.form_tokens.for_visitor(req);
    let page = SetupPage {
        layout: visitor_layout(state, &visitor.token),
        token,
        error,
    };
    let mut res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(askama::Template::render(&page)?);
    visitor.attach(&mut res);
    Ok(res)
}

pub async fn setup_show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SetupQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.into_inner().token.unwrap_or_default();
    if !state.owner.setup_link_is_valid(&token).await? {
        return Err(AppError::Forbidden(USED.into()));
    }
    page(&req, &state, actix_web::http::StatusCode::OK, token, None)
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    password: String,
    confirm: String,
}

pub async fn setup_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !state.owner.setup_link_is_valid(&form.token).await? {
        return Err(AppError::Forbidden(USED.into()));
    }
    let problem = if form.password != form.confirm {
        Some("The two passwords differ. Type the same password twice.".to_string())
    } else {
        password::NewPassword::parse(&form.password).err()
    };
    if let Some(error) = problem {
        return page(
            &req,
            &state,
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            form.token,
            Some(error),
        );
    }
    let new = password::NewPassword::parse(&form.password)
        .map_err(|e| AppError::unprocessable("password", e))?;
    if !state.owner.complete_setup(&form.token, new).await? {
        return Err(AppError::Forbidden(USED.into()));
    }
    session.log_in().map_err(AppError::internal)?;
    tracing::info!("owner password set through the setup link");
    Ok(see_other("/"))
}
