//! YouTube (Data API v3); the contract is `shared/youtube-api.md`.
