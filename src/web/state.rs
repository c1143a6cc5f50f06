//! What every handler can reach: the settings, the clock and the domain services. No pool: SQL
//! lives in the services' repositories.

use std::sync::Arc;

use crate::accounts::{Accounts, Connections};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Health;
use crate::disk::DiskSpace;
use crate::notify::Notifier;
use crate::owner::Owner;
use crate::owner::login::Login;
use crate::platforms::instagram::Instagram;
use crate::platforms::tiktok::TikTok;
use crate::platforms::youtube::YouTube;
use crate::posts::Posts;
use crate::tus::BrowserUploads;
use crate::web::form_token::FormTokens;
use crate::web::templates::Emulated;

pub struct AppState {
    pub config: Config,
    /// The platforms running against their emulators, for the sandbox banner.
    pub emulated: Vec<Emulated>,
    pub clock: Clock,
    /// Password, setup link and API tokens.
    pub owner: Owner,
    /// Password checks and the login throttle.
    pub login: Arc<Login>,
    /// CSRF for the forms a visitor fills in before logging in.
    pub form_tokens: FormTokens,
    /// Free space on the data folder's disk.
    pub disk: DiskSpace,
    pub health: Health,
    /// Videos arriving from the browser over tus.
    pub tus: BrowserUploads,
    pub accounts: Accounts,
    /// Connecting and disconnecting accounts, whatever the platform.
    pub connections: Connections,
    /// The publishing core.
    pub posts: Posts,
    /// TikTok's own screens (the posting screen's options block, `/api/tiktok/*`).
    pub tiktok: Arc<TikTok>,
    /// YouTube's own screens (`/api/youtube/*`).
    pub youtube: Arc<YouTube>,
    /// Instagram's own screens (`/api/instagram/*`, the account type on its card).
    pub instagram: Arc<Instagram>,
    pub notifier: Notifier,
}
