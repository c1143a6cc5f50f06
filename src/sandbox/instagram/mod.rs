//! The Instagram sandbox: Instagram's OAuth and Graph API, emulated (contract section 14).
