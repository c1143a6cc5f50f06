//! The actix adapter for tus (`crate::tus`): headers in, headers out. Login and CSRF are the
//! middleware's, as for every other path; the rules and the storage are the domain's.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::slow_body::SlowBodyGuard;
use crate::tus::store::TusUpload;
use crate::tus::{self as domain, EXTENSIONS, TusError, VERSION};
use crate::web::state::AppState;

/// Every tus response carries `Tus-Resumable`, and none may be cached: offsets change.
fn base(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    b.insert_header(("Tus-Resumable", VERSION))
        .insert_header(("Cache-Control", "no-store"));
    b
}

/// The one place tus failures become statuses.
fn refuse(e: TusError) -> HttpResponse {
    let status = match &e {
        TusError::Version => StatusCode::PRECONDITION_FAILED,
        TusError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        TusError::NotFound => StatusCode::NOT_FOUND,
        TusError::Expired => StatusCode::GONE,
        TusError::OffsetMismatch { .. } => StatusCode::CONFLICT,
        TusError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        TusError::PastLength | TusError::BadRequest(_) => StatusCode::BAD_REQUEST,
        // tus clients retry on 423 after asking for the offset again.
        TusError::Busy => StatusCode::LOCKED,
        TusError::TooManyUnfinished { .. } => StatusCode::TOO_MANY_REQUESTS,
        TusError::UnfinishedTooLarge { .. } | TusError::DiskFull(_) => {
            StatusCode::INSUFFICIENT_STORAGE
        }
        TusError::Stalled(_) => StatusCode::REQUEST_TIMEOUT,
        TusError::Io(e) if crate::disk::is_full(e) => StatusCode::INSUFFICIENT_STORAGE,
        TusError::Db(e) if crate::disk::is_db_full(e) => StatusCode::INSUFFICIENT_STORAGE,
        TusError::Io(_) | TusError::Db(_) => {
            tracing::error!(error = %e, "tus upload failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = if status == StatusCode::INSUFFICIENT_STORAGE
        && matches!(e, TusError::Io(_) | TusError::Db(_))
    {
        tracing::warn!(error = %e, "the disk is full: an upload was refused");
        crate::disk::FULL_WHILE_WRITING.to_string()
    } else if status.is_server_error() && status != StatusCode::INSUFFICIENT_STORAGE {
        "Cast could not store the upload.".to_string()
    } else {
        e.to_string()
    };
    let mut res = base(status);
    if matches!(e, TusError::Version) {
        res.insert_header(("Tus-Version", VERSION));
    }
    res.content_type("text/plain; charset=utf-8").body(message)
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `Upload-Expires` is an HTTP date (RFC 7231), which RFC 2822 formatting in GMT matches.
fn expires(upload: &TusUpload) -> String {
    time::OffsetDateTime::from_unix_timestamp(upload.expires_at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc2822)
                .ok()
        })
        .unwrap_or_default()
}

fn progress(status: StatusCode, upload: &TusUpload) -> actix_web::HttpResponseBuilder {
    let mut b = base(status);
    b.insert_header(("Upload-Offset", upload.received.to_string()))
        .insert_header(("Upload-Expires", expires(upload)));
    b
}

pub async fn tus_options(state: web::Data<AppState>) -> HttpResponse {
    base(StatusCode::NO_CONTENT)
        .insert_header(("Tus-Version", VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.tus.max_bytes().to_string()))
        .finish()
}

pub async fn tus_create(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let created = async {
        domain::check_version(header(&req, "Tus-Resumable"))?;
        state
            .tus
            .create(
                header(&req, "Upload-Length"),
                header(&req, "Upload-Metadata"),
            )
            .await
    };
    match created.await {
        Ok(upload) => progress(StatusCode::CREATED, &upload)
            .insert_header(("Location", format!("/uploads/tus/{}", upload.id)))
            .finish(),
        Err(e) => refuse(e),
    }
}

pub async fn tus_head(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let found = async {
        domain::check_version(header(&req, "Tus-Resumable"))?;
        state.tus.get(&path).await
    };
    match found.await {
        Ok(upload) => progress(StatusCode::OK, &upload)
            .insert_header(("Upload-Length", upload.length.to_string()))
            .finish(),
        Err(e) => refuse(e),
    }
}

/// The body goes from actix's payload stream straight to the file: never collected in memory.
pub async fn tus_patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let appended = async {
        domain::check_version(header(&req, "Tus-Resumable"))?;
        let offset =
            domain::patch_offset(header(&req, "Content-Type"), header(&req, "Upload-Offset"))?;
        let body = SlowBodyGuard::new(payload, state.config.limits.stalled_client);
        // Targets that paused for want of bytes start again now, not when this PATCH ends:
        // they find the writer (`arrival` gives it a moment to claim the upload).
        if let Err(e) = state.posts.upload_progressed(&path).await {
            tracing::warn!(error = %e, "could not wake the targets relaying this upload");
        }
        state.tus.append(&path, offset, body).await
    };
    let appended = appended.await;
    // What arrived is stored, a cut PATCH's part too: a post relaying the upload goes on.
    if let Err(e) = state.posts.upload_progressed(&path).await {
        tracing::warn!(error = %e, "could not wake the targets relaying this upload");
    }
    match appended {
        Ok(upload) => {
            // The bytes are stored whatever the check says: the check's outcome is the post's.
            if upload.completed_at.is_some()
                && let Err(e) = state.posts.upload_finished(&upload.id).await
            {
                tracing::warn!(upload_id = %upload.id, error = %e, "could not check the finished upload");
            }
            progress(StatusCode::NO_CONTENT, &upload).finish()
        }
        Err(e) => refuse(e),
    }
}

pub async fn tus_delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let terminated = async {
        domain::check_version(header(&req, "Tus-Resumable"))?;
        state.tus.terminate(&path).await
    };
    match terminated.await {
        Ok(()) => base(StatusCode::NO_CONTENT).finish(),
        Err(e) => refuse(e),
    }
}
