//! The posting screen's cover: the frame the owner picked on the preview's slider, drawn by the
//! browser and sent as a JPEG before Publish; the form then names it in `cover_image`.

use actix_web::{HttpResponse, web};

use crate::media::cover::{self, CoverError};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// A little over the cover's own limit, so an image just past it is told why.
pub const BODY_LIMIT: usize = cover::MAX_COVER_BYTES + 64 * 1024;

/// `POST /post/cover` with the image as the body: `{"cover": "<id>"}`.
pub async fn post_cover(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    match cover::store(&state.config.data_dir, &body).await {
        Ok(id) => Ok(HttpResponse::Ok().json(serde_json::json!({ "cover": id.as_str() }))),
        Err(e @ CoverError::Io(_)) => Err(AppError::Internal(e.into())),
        Err(e) => Err(AppError::bad_request("cover_invalid", e.to_string())),
    }
}
