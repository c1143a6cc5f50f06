//! The one-time setup link: choose the owner password.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::owner::{password, setup};
use crate::web::error::AppError;
use crate::web::handlers::{layout, see_other};
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::SetupPage;

const USED: &str = "This setup link has been used or has been replaced. Log in, or run `cast set-password` on the server.";

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

pub async fn setup_show(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<SetupQuery>,
) -> Result<SetupPage, AppError> {
    let token = query.into_inner().token.unwrap_or_default();
    if !setup::is_valid(&state.db, &token).await? {
        return Err(AppError::Forbidden(USED.into()));
    }
    Ok(SetupPage {
        layout: layout(&state, &session),
        token,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    password: String,
    confirm: String,
}

pub async fn setup_submit(
    state: web::Data<AppState>,
    session: TypedSession,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !setup::is_valid(&state.db, &form.token).await? {
        return Err(AppError::Forbidden(USED.into()));
    }
    let problem = if form.password != form.confirm {
        Some("The two passwords differ. Type the same password twice.".to_string())
    } else {
        password::NewPassword::parse(&form.password).err()
    };
    if let Some(error) = problem {
        let page = SetupPage {
            layout: layout(&state, &session),
            token: form.token,
            error: Some(error),
        };
        return Ok(HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(askama::Template::render(&page)?));
    }
    let new = password::NewPassword::parse(&form.password)
        .map_err(|e| AppError::unprocessable("password", e))?;
    let phc = web::block(move || password::hash(&new)).await??;
    if !setup::complete(&state.db, &form.token, &phc).await? {
        return Err(AppError::Forbidden(USED.into()));
    }
    session.log_in().map_err(AppError::internal)?;
    tracing::info!("owner password set through the setup link");
    Ok(see_other("/"))
}
