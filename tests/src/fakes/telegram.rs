//! A fake Telegram Bot API (`/bot<token>/<method>`): getUpdates with a `/connect` message,
//! getChat, sendMessage, sendPhoto, sendMediaGroup; Bot API error bodies.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// The bot token the fake expects.
pub const TOKEN: &str = "123456:fake-bot-token";
/// The channel's chat id.
pub const CHAT_ID: i64 = -1001234567890;
/// The word sent with `/connect`.
pub const WORD: &str = "blue-falcon";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Calls: (method, body).
    pub calls: Vec<(String, Value)>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn fail(status: StatusCode, description: &str, retry_after: Option<u64>) -> Response {
    let mut v = json!({"ok": false, "error_code": status.as_u16(), "description": description});
    if let Some(r) = retry_after {
        v["parameters"] = json!({"retry_after": r});
    }
    (status, Json(v)).into_response()
}

fn chat() -> Value {
    json!({"id": CHAT_ID, "title": "Postiz News", "username": "postiz_news", "type": "channel"})
}

async fn method(
    State(seen): State<Shared>,
    Path((bot, method)): Path<(String, String)>,
    Json(b): Json<Value>,
) -> Response {
    if bot != format!("bot{TOKEN}") {
        return fail(StatusCode::UNAUTHORIZED, "Unauthorized", None);
    }
    let mut s = seen.lock().unwrap();
    s.calls.push((method.clone(), b.clone()));
    let n = s.calls.len() as i64;
    if method.starts_with("send")
        && b["chat_id"] != json!(CHAT_ID.to_string())
        && b["chat_id"] != json!(CHAT_ID)
    {
        return fail(StatusCode::BAD_REQUEST, "Bad Request: chat not found", None);
    }
    let text = b["text"].as_str().or(b["caption"].as_str()).unwrap_or("");
    if text.contains("FAIL:429") {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests: retry after 4",
            Some(4),
        );
    }
    if text.contains("FAIL:kicked") {
        return fail(
            StatusCode::FORBIDDEN,
            "Forbidden: bot was kicked from the channel chat",
            None,
        );
    }
    let message = |id: i64| json!({"message_id": id, "chat": chat(), "date": 1_700_000_000});
    let result = match method.as_str() {
        "getUpdates" => json!([
            {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"}, "text": "hello"}},
            {"update_id": 2, "channel_post": {"message_id": 2, "chat": chat(), "text": format!("/connect {WORD}")}}
        ]),
        "getChat"
            if b["chat_id"] == json!(CHAT_ID.to_string()) || b["chat_id"] == json!(CHAT_ID) =>
        {
            chat()
        }
        "getChat" => return fail(StatusCode::BAD_REQUEST, "Bad Request: chat not found", None),
        "sendMessage" | "sendPhoto" | "sendVideo" => message(100 + n),
        "sendMediaGroup" => json!((0..b["media"].as_array().map(Vec::len).unwrap_or(0))
            .map(|i| message(100 + n + i as i64))
            .collect::<Vec<_>>()),
        _ => return fail(StatusCode::NOT_FOUND, "Not Found: method not found", None),
    };
    Json(json!({"ok": true, "result": result})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/{bot}/{method}", post(method))
        .with_state(seen.clone());
    (router, seen)
}
