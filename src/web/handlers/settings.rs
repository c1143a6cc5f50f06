//! The settings page: which notification channels are on (secrets masked), how their last
//! deliveries went, and "Send a test" per channel.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template as _;

use crate::config::notify::{Channel, NotifySettings, NtfyAuth};
use crate::web::error::AppError;
use crate::web::handlers::layout;
use crate::web::middleware::is_htmx;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::{ChannelCard, SettingRow, SettingsPage, TestResultPartial};

/// What a secret setting shows: that it is set, never a character of it.
const MASK: &str = "set (hidden)";

#[derive(serde::Deserialize)]
pub struct SettingsQuery {
    saved: Option<String>,
}

pub async fn settings_show(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<SettingsQuery>,
) -> Result<SettingsPage, AppError> {
    let mut page = page(&state, &session, None).await?;
    page.verification_saved = query.saved.as_deref() == Some("verification");
    Ok(page)
}

/// "Send a test": one message through the channel now; the answer says whether it arrived.
pub async fn channel_test(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let channel: Channel = path.into_inner().parse().map_err(|_| AppError::NotFound)?;
    let result = TestResultPartial::from_outcome(channel, state.notifier.send_test(channel).await);
    if is_htmx(&req) {
        let html = result.render()?;
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html));
    }
    let page = page(&state, &session, Some(result)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

async fn page(
    state: &AppState,
    session: &TypedSession,
    result: Option<TestResultPartial>,
) -> Result<SettingsPage, AppError> {
    let status = state
        .notifier
        .status()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let settings = state.notifier.settings();
    let channels = status
        .into_iter()
        .map(|s| ChannelCard {
            rows: rows(settings, s.channel),
            result: result.clone().filter(|r| r.channel == s.channel),
            status: s,
        })
        .collect();
    Ok(SettingsPage {
        layout: layout(state, session),
        channels,
        pull_prefix: state.config.tiktok.pull_url_prefix.clone(),
        links_prefix: state.config.url(crate::links::PREFIX),
        verification_saved: false,
    })
}

/// Each setting of a channel as the page shows it: where it sends, and secrets only as "set".
fn rows(settings: &NotifySettings, channel: Channel) -> Vec<SettingRow> {
    let row = |name: &'static str, value: Option<String>| SettingRow { name, value };
    let masked = |set: bool| set.then(|| MASK.to_string());
    match channel {
        Channel::Ntfy => {
            let n = settings.ntfy.as_ref();
            let token = n.is_some_and(|n| matches!(n.auth, Some(NtfyAuth::Token(_))));
            let basic = n.and_then(|n| match &n.auth {
                Some(NtfyAuth::Basic { user, .. }) => Some(user.clone()),
                _ => None,
            });
            let mut out = vec![
                // The topic is the secret of a public ntfy server: only the host shows.
                row("NTFY_URL", n.map(|n| format!("{}/…", n.topic_url.origin()))),
                row("NTFY_TOKEN", masked(token)),
            ];
            if let Some(user) = basic {
                out.push(row(
                    "user in NTFY_URL",
                    Some(format!("{user}, password {MASK}")),
                ));
            }
            out
        }
        Channel::Webhook => {
            let w = settings.webhook.as_ref();
            vec![
                row(
                    "NOTIFY_WEBHOOK_URL",
                    w.map(|w| format!("{}/…", w.url.origin())),
                ),
                row("NOTIFY_WEBHOOK_SECRET", masked(w.is_some())),
            ]
        }
        Channel::Email => {
            let e = settings.email.as_ref();
            let server = e.map(|e| {
                let login = match &e.server.credentials {
                    Some(c) => format!(" as {}, password {MASK}", c.user),
                    None => String::new(),
                };
                format!("{}:{}{login}", e.server.host, e.server.port)
            });
            let to = e.map(|e| {
                e.to.iter()
                    .map(|m| m.email.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            vec![
                row("SMTP_URL", server),
                row("NOTIFY_EMAIL_FROM", e.map(|e| e.from.email.to_string())),
                row("NOTIFY_EMAIL_TO", to),
            ]
        }
    }
}
