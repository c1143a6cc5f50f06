//! The posting screen's check of a picked video, once it is on Cast: would each ticked
//! account's platform take it.

use actix_web::web;

use super::post_options::{account_key, duration_label};
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::templates::VideoCheckPartial;

/// `GET /post/check?upload_id=…&account=tiktok:…&account=…`
pub async fn post_check(
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<VideoCheckPartial, AppError> {
    let upload_id = query
        .iter()
        .find(|(k, _)| k == "upload_id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let accounts: Vec<_> = query
        .iter()
        .filter(|(k, _)| k == "account")
        .filter_map(|(_, v)| account_key(v))
        .collect();
    let check = state
        .posts
        .check_browser_upload(&upload_id, &accounts)
        .await?;
    let summary = check
        .info
        .as_ref()
        .map(|info| {
            format!(
                "{}×{}, {:.0} fps, {}, {}, {:.1} MB",
                info.width,
                info.height,
                info.fps,
                duration_label(info.duration_ms.div_ceil(1000) as u32),
                info.codec.name(),
                info.size as f64 / 1e6
            )
        })
        .unwrap_or_default();
    let platforms = if check.platforms.is_empty() {
        "The platforms".to_string()
    } else {
        check.platforms.join(" and ")
    };
    Ok(VideoCheckPartial {
        ok: check.problems.is_empty(),
        summary,
        problems: check.problems,
        platforms,
        advice: check.advice,
    })
}
