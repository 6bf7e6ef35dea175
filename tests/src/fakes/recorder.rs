//! What the smaller network fakes share: a log of the calls they answered (method, path,
//! authorization, JSON or form body), a picture to serve as media, and the error body shape.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// One request a fake answered.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The `Authorization` header (or `api-key`), if any.
    pub auth: Option<String>,
    /// The body: JSON, a form as an object, or the text.
    pub body: Value,
}

/// The calls a fake answered, in order.
pub type Calls = Arc<Mutex<Vec<Call>>>;

/// Records a request and returns its authorization.
pub fn record(calls: &Calls, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Call {
    let auth = ["authorization", "api-key"].iter().find_map(|h| {
        headers
            .get(*h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let body = serde_json::from_slice(body).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(body).to_string();
        if text.contains('=') && !text.contains(' ') {
            let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(text.as_bytes())
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            Value::Object(form)
        } else {
            json!({ "bytes": body.len() })
        }
    });
    let call = Call {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        auth,
        body,
    };
    calls.lock().unwrap().push(call.clone());
    call
}

/// The calls whose path starts with `prefix`.
pub fn to(calls: &Calls, method: &str, prefix: &str) -> Vec<Call> {
    calls
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.method == method && c.path.starts_with(prefix))
        .cloned()
        .collect()
}

/// A JSON error answer.
pub fn error(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// A small PNG picture's bytes.
pub const PICTURE: &[u8] = b"\x89PNG\r\n\x1a\n fake picture bytes";

/// Serves [`PICTURE`] (the media a post links to).
pub async fn picture() -> Response {
    ([("content-type", "image/png")], PICTURE).into_response()
}
