//! The Instagram sandbox's knobs live in `config` (a leaf every layer reads), so `Config`
//! carries them like YouTube's; the emulator reads them from here under their old name.

pub use crate::config::instagram_sandbox::*;
