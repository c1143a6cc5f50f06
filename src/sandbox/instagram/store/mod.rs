//! The sandbox's tables (`sandbox_instagram_*`), one module each for accounts and containers.

pub mod accounts;
pub mod containers;
