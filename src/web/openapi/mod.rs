//! The OpenAPI document of the JSON API, generated from the handlers' `#[utoipa::path]`
//! attributes and the answers' `ToSchema` types: `GET /api/openapi.json`.

pub mod doc;
pub mod schemas;
