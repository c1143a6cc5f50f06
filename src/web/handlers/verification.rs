//! Settings → TikTok URL prefix: the verification file TikTok's portal asks to find under the
//! prefix, pasted by the owner and served at `{BASE_URL}/m/{name}` (no login: TikTok fetches it).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::links::{LinkError, Links};
use crate::web::error::AppError;
use crate::web::handlers::see_other;

#[derive(Deserialize)]
pub struct VerificationForm {
    name: String,
    contents: String,
}

/// Saves (or replaces) the file, then back to the settings page, which says so.
pub async fn verification_save(
    links: web::Data<Links>,
    form: web::Form<VerificationForm>,
) -> Result<HttpResponse, AppError> {
    let contents = form.contents.trim();
    if contents.is_empty() {
        return Err(AppError::unprocessable(
            "verification_file",
            "Paste the verification file's contents, as TikTok's portal gave them.",
        ));
    }
    links
        .save_verification_file(form.name.trim(), contents.as_bytes())
        .await
        .map_err(|e| match e {
            LinkError::VerificationName(_) | LinkError::VerificationTooLarge { .. } => {
                AppError::unprocessable("verification_file", e.to_string())
            }
            other => AppError::Internal(other.into()),
        })?;
    Ok(see_other("/settings?saved=verification"))
}
