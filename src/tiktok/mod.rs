//! TikTok's API as Cast uses it (the contract in `shared/tiktok-api.md`). Knows nothing of actix.

pub mod privacy;
