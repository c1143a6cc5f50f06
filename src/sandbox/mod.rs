//! The platform emulators ("sandboxes"), one folder each, standing beside Cast: each mounts its
//! own scope on Cast's port, answers in the platform's own shapes with its own error type, keeps
//! its own tables and pages, and asks Cast only one thing, through `gate`: is this the owner.
//! Where a contract is unsure, an emulator takes the stricter reading, so a client that works
//! here works against the platform.

pub mod form;
pub mod gate;
pub mod instagram;
pub mod tiktok;
pub mod youtube;
