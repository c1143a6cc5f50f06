//! HTTP: the app factory, the route table, middleware, handlers, and error rendering.

pub mod app;
pub mod assets;
mod background;
pub mod client_ip;
mod emulators;
pub mod error;
pub mod form_token;
pub mod gate;
pub mod handlers;
pub mod middleware;
pub mod openapi;
pub mod redirect;
pub mod request_span;
pub mod routes;
mod services;
pub mod session;
pub mod state;
pub mod templates;

pub use app::{Application, Runtime, StartError};
