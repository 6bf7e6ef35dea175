//! The `public-api` function: Postiz's public API under `/public/v1`, authenticated by the
//! organization's API key in `Authorization`.

use axum::routing::get;
use axum::{Json, Router};
use postiz_web::{ApiKeyOrg, AppState};
use serde_json::{json, Value};

/// The routes of this function.
pub fn router() -> Router<AppState> {
    Router::new().route("/public/v1/is-connected", get(is_connected))
}

async fn is_connected(ApiKeyOrg(_org): ApiKeyOrg) -> Json<Value> {
    Json(json!({"connected": true}))
}
