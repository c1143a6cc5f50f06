//! The YouTube sandbox's tables (`sandbox_youtube_*`), each module owning its queries.

pub mod accounts;
pub mod quota;
pub mod sessions;
pub mod videos;
