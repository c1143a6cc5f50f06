//! Browser tests: a real headless Chromium, driven over WebDriver, against a real Cast.

mod connect;
mod instagram;
mod login;
mod phone;
mod photos;
mod posting;
mod tunnel;
mod youtube;
