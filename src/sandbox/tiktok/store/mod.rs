//! All SQL for the sandbox's tables (`sandbox_*`), by table group.

pub mod accounts;
pub mod images;
pub mod in_app;
pub mod publishes;
