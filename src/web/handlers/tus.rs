//! The actix adapter for tus (`crate::tus`): headers in, headers out. Login and CSRF are the
//! middleware's, as for every other path.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::tus::store::{self, TusUpload};
use crate::tus::{EXTENSIONS, TusError, VERSION, parse_metadata};
use crate::web::state::AppState;

fn base(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    b.insert_header(("Tus-Resumable", VERSION))
        .insert_header(("Cache-Control", "no-store"));
    b
}

/// The one place tus failures become statuses.
fn refuse(e: TusError) -> HttpResponse {
    let status = match &e {
        TusError::NotFound => StatusCode::NOT_FOUND,
        TusError::Expired => StatusCode::GONE,
        TusError::OffsetMismatch { .. } => StatusCode::CONFLICT,
        TusError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        TusError::PastLength | TusError::BadRequest(_) => StatusCode::BAD_REQUEST,
        TusError::Busy => StatusCode::LOCKED,
        TusError::Io(_) | TusError::Db(_) => {
            tracing::error!(error = %e, "tus upload failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = if status.is_server_error() {
        "Cast could not store the upload.".to_string()
    } else {
        e.to_string()
    };
    base(status)
        .content_type("text/plain; charset=utf-8")
        .body(message)
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Every request but OPTIONS must speak tus 1.0.0.
fn version_ok(req: &HttpRequest) -> Option<HttpResponse> {
    (header(req, "Tus-Resumable") != Some(VERSION)).then(|| {
        base(StatusCode::PRECONDITION_FAILED)
            .insert_header(("Tus-Version", VERSION))
            .finish()
    })
}

fn ttl(state: &AppState) -> i64 {
    state.config.partial_upload_ttl.as_secs().max(60) as i64
}

fn expires(upload: &TusUpload) -> String {
    time::OffsetDateTime::from_unix_timestamp(upload.expires_at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc2822)
                .ok()
        })
        .unwrap_or_default()
}

pub async fn tus_options(state: web::Data<AppState>) -> HttpResponse {
    base(StatusCode::NO_CONTENT)
        .insert_header(("Tus-Version", VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.config.max_upload_bytes.to_string()))
        .finish()
}

pub async fn tus_create(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(res) = version_ok(&req) {
        return res;
    }
    let Some(length) = header(&req, "Upload-Length").and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return refuse(TusError::BadRequest(
            "Upload-Length is required (this server does not defer lengths).".into(),
        ));
    };
    // Refused before a single byte is stored.
    let max = state.config.max_upload_bytes;
    if length > max {
        return refuse(TusError::TooLarge { length, max });
    }
    if length == 0 {
        return refuse(TusError::BadRequest("The video is empty.".into()));
    }
    let metadata = match parse_metadata(header(&req, "Upload-Metadata").unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => return refuse(e),
    };
    match store::create(
        &state.db,
        &state.config.data_dir,
        length,
        &metadata,
        ttl(&state),
    )
    .await
    {
        Ok(upload) => base(StatusCode::CREATED)
            .insert_header(("Location", format!("/uploads/tus/{}", upload.id)))
            .insert_header(("Upload-Expires", expires(&upload)))
            .insert_header(("Upload-Offset", "0"))
            .finish(),
        Err(e) => refuse(e),
    }
}

pub async fn tus_head(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    if let Some(res) = version_ok(&req) {
        return res;
    }
    match store::get(&state.db, &path).await {
        Ok(u) => base(StatusCode::OK)
            .insert_header(("Upload-Offset", u.received.to_string()))
            .insert_header(("Upload-Length", u.length.to_string()))
            .insert_header(("Upload-Expires", expires(&u)))
            .finish(),
        Err(e) => refuse(e),
    }
}

pub async fn tus_patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    writers: web::Data<store::Writers>,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    if let Some(res) = version_ok(&req) {
        return res;
    }
    if header(&req, "Content-Type") != Some("application/offset+octet-stream") {
        return base(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .body("Content-Type must be application/offset+octet-stream.");
    }
    let Some(offset) = header(&req, "Upload-Offset").and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return refuse(TusError::BadRequest("Upload-Offset is required.".into()));
    };
    let result = store::append(
        &state.db,
        &state.config.data_dir,
        &writers,
        &path,
        offset,
        payload,
        ttl(&state),
    )
    .await;
    match result {
        Ok(u) => base(StatusCode::NO_CONTENT)
            .insert_header(("Upload-Offset", u.received.to_string()))
            .insert_header(("Upload-Expires", expires(&u)))
            .finish(),
        Err(e) => refuse(e),
    }
}

pub async fn tus_delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    if let Some(res) = version_ok(&req) {
        return res;
    }
    match store::remove(&state.db, &state.config.data_dir, &path).await {
        Ok(()) => base(StatusCode::NO_CONTENT).finish(),
        Err(e) => refuse(e),
    }
}
