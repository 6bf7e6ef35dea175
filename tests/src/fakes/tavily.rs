//! A fake of Tavily's search API (`POST /search`, bearer key): two results about the query.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// The key the fake accepts.
pub const KEY: &str = "tvly-fake-key";

/// Queries the fake received.
pub type Shared = Arc<Mutex<Vec<Value>>>;

/// The fake's routes.
pub fn app() -> (Router, Shared) {
    let seen = Shared::default();
    (
        Router::new()
            .route("/search", post(search))
            .with_state(seen.clone()),
        seen,
    )
}

async fn search(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    seen.lock().unwrap().push(body.clone());
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {KEY}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": {"error": "Unauthorized"}})),
        )
            .into_response();
    }
    let query = body["query"].as_str().unwrap_or_default();
    Json(json!({
        "query": query,
        "results": [
            {"title": "Exactly-once delivery explained", "url": "https://example.com/once",
             "content": format!("Research finding about {query}."), "score": 0.9},
            {"title": "Schedulers compared", "url": "https://example.com/compare",
             "content": "Second finding.", "score": 0.8}
        ]
    }))
    .into_response()
}
