//! HTTP: the app factory, the route table, middleware, handlers, and error rendering.

pub mod app;
pub mod assets;
pub mod client_ip;
pub mod error;
pub mod form_token;
pub mod gate;
pub mod handlers;
pub mod middleware;
pub mod openapi;
pub mod redirect;
pub mod request_span;
pub mod routes;
pub mod session;
pub mod state;
pub mod templates;

pub use app::{Application, Runtime, StartError};
