//! Post again, from a post's page: the ticked accounts with their options blocks (the posting
//! screen's fields) become more targets of the same post and video.

use actix_web::{HttpRequest, HttpResponse, web};

use super::post_submit::{Form, refused, request};
use crate::posts::{PostError, TargetProblem};
use crate::web::error::AppError;
use crate::web::middleware::is_htmx;
use crate::web::state::AppState;

/// `POST /posts/{id}/targets`: answers HTMX with a redirect to the post's page (now with the
/// new targets' live status), or with the problems beside the button; a plain form is
/// redirected to the page.
pub async fn targets_add(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let post_id = path.into_inner();
    let form = Form(form.into_inner());
    let request = match request(&form) {
        Ok(r) => r,
        Err(p) => return refused(&state, &[], vec![TargetProblem::post(p.code, p.message)]).await,
    };
    if request.targets.is_empty() {
        let none = TargetProblem::post(
            "no_targets",
            "Tick at least one account to post this video to.",
        );
        return refused(&state, &[], vec![none]).await;
    }
    match state.posts.add_targets(&post_id, &request).await {
        Ok(_) if is_htmx(&req) => Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", format!("/posts/{post_id}")))
            .finish()),
        Ok(_) => Ok(super::see_other(&format!("/posts/{post_id}"))),
        Err(PostError::Rejected(problems)) => refused(&state, &request.targets, problems).await,
        Err(PostError::Conflict { code, message }) => {
            refused(&state, &[], vec![TargetProblem::post(code, message)]).await
        }
        Err(e) => Err(e.into()),
    }
}
