//! What every handler can reach: the settings, the clock and the domain services. No pool: SQL
//! lives in the services' repositories.

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Health;
use crate::disk::DiskSpace;
use crate::owner::Owner;
use crate::owner::login::Login;
use crate::tus::BrowserUploads;
use crate::uploads::Uploads;
use crate::web::form_token::FormTokens;

pub struct AppState {
    pub config: Config,
    /// The platforms running against their emulators, for the sandbox banner.
    pub emulated: Vec<crate::web::templates::Emulated>,
    pub clock: Clock,
    /// Password, setup link, API tokens and the login throttle.
    pub owner: Owner,
    pub login: std::sync::Arc<Login>,
    /// CSRF for the forms a visitor fills in before logging in.
    pub form_tokens: FormTokens,
    /// Free space on the data folder's disk.
    pub disk: DiskSpace,
    pub health: Health,
    /// Videos arriving from the browser over tus.
    pub tus: BrowserUploads,
    pub accounts: Accounts,
    pub uploads: Uploads,
}
