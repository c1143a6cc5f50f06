//! What every handler can reach: settings, the database, keys, and the domain services.

use sqlx::SqlitePool;

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keys;
use crate::owner::throttle::Throttle;
use crate::uploads::Uploads;

pub struct AppState {
    pub config: Config,
    pub clock: Clock,
    pub db: SqlitePool,
    pub keys: Keys,
    pub throttle: Throttle,
    pub accounts: Accounts,
    pub uploads: Uploads,
}
