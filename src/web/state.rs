//! What every handler can reach: settings, the database, keys, and the domain services.

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keys;
use crate::disk::DiskSpace;
use crate::owner::login::Login;
use crate::uploads::Uploads;
use crate::web::form_token::FormTokens;

pub struct AppState {
    pub config: Config,
    pub clock: Clock,
    pub db: SqlitePool,
    pub keys: Keys,
    pub login: Arc<Login>,
    /// CSRF for the forms a visitor fills in before logging in.
    pub form_tokens: FormTokens,
    /// Free space on the data folder's disk.
    pub disk: DiskSpace,
    pub accounts: Accounts,
    pub uploads: Uploads,
}
