//! HTTP glue shared by the API functions and the local server: configuration, adapter
//! bootstrap, application state, extractors, the error-to-HTTP mapping, cookies, CORS and
//! the Lambda entry point.

mod answer_check;
#[cfg(feature = "embedded")]
pub mod blob_routes;
pub mod bootstrap;
pub mod config;
pub mod cookies;
pub mod documented;
pub mod dto;
pub mod error;
pub mod extract;
pub mod guard;
pub mod http;
pub mod lambda;
pub mod shape;
pub mod state;
pub mod telemetry;

pub use error::ApiError;
pub use extract::{
    is_json, parse_json, ApiKeyOrg, Authed, ClientAddress, JsonBody, JsonBytes, RawBody,
};
pub use http::RawJson;
pub use state::AppState;

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
