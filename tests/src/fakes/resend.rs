//! A fake of Resend's email API (`POST /emails`, documented at resend.com/docs/api-reference):
//! a bearer key, a JSON body `{from, to[], subject, html}`, an optional `Idempotency-Key`
//! (a key seen before answers the first answer's id and sends nothing), 422
//! `{statusCode, name, message}` for a body it cannot send, 401 for a wrong key. It can
//! answer 500 to the first `fail_first` requests.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The API key the fake accepts.
pub const KEY: &str = "re_test_key";

/// One email the fake sent.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The `Idempotency-Key` it came with ("" when none).
    pub idempotency_key: String,
    /// The JSON body.
    pub body: Value,
}

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Log {
    /// Every request (its idempotency key), answered or not.
    pub requests: Vec<String>,
    /// The emails sent, once each.
    pub sent: Vec<Sent>,
    /// Answer 500 to this many first requests.
    pub fail_first: usize,
    ids: HashMap<String, String>,
}

/// The shared log.
pub type Shared = Arc<Mutex<Log>>;

/// The fake, failing the first `fail_first` requests.
pub fn app(fail_first: usize) -> (Router, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Log {
        fail_first,
        ..Log::default()
    }));
    let router = Router::new()
        .route("/emails", post(send))
        .with_state(shared.clone());
    (router, shared)
}

fn error(status: StatusCode, name: &str, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({"statusCode": status.as_u16(), "name": name, "message": message})),
    )
}

async fn send(
    State(log): State<Shared>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> (StatusCode, Json<Value>) {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut log = log.lock().unwrap();
    let key = header("idempotency-key");
    log.requests.push(key.clone());
    if log.requests.len() <= log.fail_first {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "try again",
        );
    }
    if header("authorization") != format!("Bearer {KEY}") {
        return error(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "API key is invalid",
        );
    }
    let Some(Json(body)) = body else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "Invalid JSON",
        );
    };
    let to_ok = body["to"].as_array().is_some_and(|t| {
        !t.is_empty()
            && t.iter()
                .all(|a| a.as_str().is_some_and(|a| a.contains('@')))
    });
    if !to_ok || body["from"].as_str().is_none() || body["subject"].as_str().is_none() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "Invalid `to` field.",
        );
    }
    if !key.is_empty() {
        if let Some(id) = log.ids.get(&key) {
            return (StatusCode::OK, Json(json!({"id": id})));
        }
    }
    let id = format!("email-{}", log.sent.len() + 1);
    if !key.is_empty() {
        log.ids.insert(key.clone(), id.clone());
    }
    log.sent.push(Sent {
        idempotency_key: key,
        body,
    });
    (StatusCode::OK, Json(json!({"id": id})))
}
