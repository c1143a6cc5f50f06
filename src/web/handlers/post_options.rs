//! One ticked account's options block on the posting screen, rebuilt from that account's own
//! facts each time it is shown (TikTok requires fresh creator info for every posting screen).

use actix_web::web;
use serde::Deserialize;

use crate::accounts::{AccountKey, GatewayError};
use crate::platforms::PlatformId;
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::templates::{InstagramOptionsPartial, TikTokOptionsPartial, YouTubeOptionsPartial};

/// YouTube's assignable categories in the US (`videoCategories.list`), as the picker offers them.
const YOUTUBE_CATEGORIES: [(&str, &str); 15] = [
    ("1", "Film & Animation"),
    ("2", "Autos & Vehicles"),
    ("10", "Music"),
    ("15", "Pets & Animals"),
    ("17", "Sports"),
    ("19", "Travel & Events"),
    ("20", "Gaming"),
    ("22", "People & Blogs"),
    ("23", "Comedy"),
    ("24", "Entertainment"),
    ("25", "News & Politics"),
    ("26", "Howto & Style"),
    ("27", "Education"),
    ("28", "Science & Technology"),
    ("29", "Nonprofits & Activism"),
];

#[derive(Deserialize)]
pub struct OptionsQuery {
    slot: usize,
    /// `platform:account_id`.
    account: String,
}

/// `platform:account_id`, as the posting screen names an account.
pub fn account_key(raw: &str) -> Option<AccountKey> {
    let (platform, id) = raw.split_once(':')?;
    Some(AccountKey::new(PlatformId::parse(platform)?, id))
}

pub async fn post_options_show(
    state: web::Data<AppState>,
    query: web::Query<OptionsQuery>,
) -> Result<actix_web::HttpResponse, AppError> {
    use askama::Template as _;
    let key = account_key(&query.account).ok_or(AppError::NotFound)?;
    let html = match key.platform {
        PlatformId::TikTok => tiktok_options(&state, &query, key).await?.render()?,
        PlatformId::YouTube => YouTubeOptionsPartial {
            slot: query.slot.min(99),
            account: state.accounts.resolve(key.platform, Some(&key.id)).await?,
            categories: &YOUTUBE_CATEGORIES,
        }
        .render()?,
        PlatformId::Instagram => InstagramOptionsPartial {
            slot: query.slot.min(99),
            account: state.accounts.resolve(key.platform, Some(&key.id)).await?,
            account_type: state.instagram.account_type(&key.id).await,
        }
        .render()?,
    };
    Ok(actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

async fn tiktok_options(
    state: &AppState,
    query: &OptionsQuery,
    key: AccountKey,
) -> Result<TikTokOptionsPartial, AppError> {
    let account = state.accounts.resolve(key.platform, Some(&key.id)).await?;
    let creator = match state.tiktok.creator_info(&key.id).await {
        Ok(info) => Ok(info),
        // Cannot post now, needs reconnecting, TikTok down: the block says so instead of a form.
        Err(GatewayError::Platform(e)) => Err(e.to_string()),
        Err(e @ (GatewayError::Wait(_) | GatewayError::TimedOut(_))) => Err(e.to_string()),
        Err(GatewayError::Account(e)) => Err(e.to_string()),
    };
    let max = creator
        .as_ref()
        .map(|c| c.max_video_post_duration_sec)
        .unwrap_or(180);
    Ok(TikTokOptionsPartial {
        slot: query.slot.min(99),
        unaudited: state.tiktok.is_unaudited().await?,
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
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_label(180), "3 min");
        assert_eq!(duration_label(45), "45 s");
        assert_eq!(duration_label(90), "1 min 30 s");
    }

    #[test]
    fn accounts_are_named_by_platform_and_id() {
        let key = account_key("tiktok:-000abc:x").expect("valid");
        assert_eq!(key.platform, PlatformId::TikTok);
        assert_eq!(key.id, "-000abc:x");
        assert!(account_key("myspace:1").is_none());
        assert!(account_key("tiktok").is_none());
    }
}
