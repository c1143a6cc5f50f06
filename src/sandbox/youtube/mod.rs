//! The YouTube sandbox: YouTube's OAuth and Data API, emulated (contract section 12).
