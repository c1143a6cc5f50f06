//! The posting form, rebuilt from fresh creator info each time it is shown (TikTok requires that).

use actix_web::web;
use serde::Deserialize;

use crate::accounts::AccountError;
use crate::web::error::AppError;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::PostFormPartial;

#[derive(Deserialize)]
pub struct FormQuery {
    open_id: Option<String>,
}

pub async fn post_form_show(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<FormQuery>,
) -> Result<PostFormPartial, AppError> {
    let account = state.accounts.resolve(query.open_id.as_deref()).await?;
    let creator = match state.accounts.creator_info(&account.open_id).await {
        Ok(info) => Ok(info),
        // Cannot post now, needs reconnecting, TikTok down: the screen says so instead of a form.
        Err(AccountError::TikTok(e)) => Err(e.to_string()),
        Err(e @ AccountError::NeedsReconnect(_)) => Err(e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let max = creator
        .as_ref()
        .map(|c| c.max_video_post_duration_sec)
        .unwrap_or(180);
    Ok(PostFormPartial {
        csrf: session.csrf_token(),
        unaudited: state.uploads.is_unaudited().await?,
        account,
        creator,
        max_duration_label: duration_label(max),
    })
}

/// "3 min", "10 min", "1 min 30 s", "45 s".
pub fn duration_label(secs: u32) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::duration_label;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_label(180), "3 min");
        assert_eq!(duration_label(45), "45 s");
        assert_eq!(duration_label(90), "1 min 30 s");
    }
}
