//! A fake Slack Web API: `oauth.v2.access`, `users.info`, `conversations.join`,
//! `conversations.list`, `chat.postMessage`, `chat.getPermalink`. Errors are HTTP 200
//! `{"ok": false, "error": ...}` as Slack sends them (and 429 with Retry-After).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "slack-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "slack-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "slack-code";
/// The bot token issued.
pub const BOT_TOKEN: &str = "xoxb-fake-bot-token";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Channels joined.
    pub joined: Vec<String>,
    /// Messages posted: the request bodies.
    pub messages: Vec<Value>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn not_ok(error: &str) -> Response {
    Json(json!({"ok": false, "error": error})).into_response()
}

fn authed(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {BOT_TOKEN}"))
}

async fn access(Form(f): Form<HashMap<String, String>>) -> Response {
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return not_ok("invalid_client_id");
    }
    if f.get("code").map(String::as_str) != Some(GOOD_CODE) {
        return not_ok("invalid_code");
    }
    Json(json!({"ok": true, "access_token": BOT_TOKEN, "token_type": "bot", "scope": "channels:read,chat:write,users:read,groups:read,channels:join,chat:write.customize", "bot_user_id": "U0BOT", "app_id": "A1", "team": {"id": "T0TEAM", "name": "Acme Workspace"}})).into_response()
}

async fn users_info(h: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authed(&h) {
        return not_ok("invalid_auth");
    }
    if q.get("user").map(String::as_str) != Some("U0BOT") {
        return not_ok("user_not_found");
    }
    Json(json!({"ok": true, "user": {"id": "U0BOT", "name": "postiz-bot", "real_name": "Postiz Bot", "profile": {"image_original": "https://slack.example/bot.png"}}})).into_response()
}

async fn join(
    State(seen): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !authed(&h) {
        return not_ok("invalid_auth");
    }
    let channel = f.get("channel").cloned().unwrap_or_default();
    if !channel.starts_with('C') {
        return not_ok("channel_not_found");
    }
    seen.lock().unwrap().joined.push(channel.clone());
    Json(json!({"ok": true, "channel": {"id": channel}})).into_response()
}

async fn list(h: HeaderMap) -> Response {
    if !authed(&h) {
        return not_ok("invalid_auth");
    }
    Json(json!({"ok": true, "channels": [{"id": "C01GENERAL", "name": "general"}, {"id": "C02NEWS", "name": "news"}]})).into_response()
}

async fn post_message(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if !authed(&h) {
        return not_ok("invalid_auth");
    }
    let text = b["text"].as_str().unwrap_or("");
    if text.contains("FAIL:ratelimited") {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "5")],
            Json(json!({"ok": false, "error": "ratelimited"})),
        )
            .into_response();
    }
    if text.contains("FAIL:archived") {
        return not_ok("is_archived");
    }
    let mut s = seen.lock().unwrap();
    let ts = format!("1700000000.{:06}", s.messages.len() + 1);
    s.messages.push(b.clone());
    Json(json!({"ok": true, "channel": b["channel"], "ts": ts, "message": {"text": text}}))
        .into_response()
}

async fn permalink(h: HeaderMap, Form(f): Form<HashMap<String, String>>) -> Response {
    if !authed(&h) {
        return not_ok("invalid_auth");
    }
    let ts = f
        .get("message_ts")
        .cloned()
        .unwrap_or_default()
        .replace('.', "");
    let channel = f.get("channel").cloned().unwrap_or_default();
    Json(json!({"ok": true, "channel": channel, "permalink": format!("https://acme.slack.example/archives/{channel}/p{ts}")})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/api/oauth.v2.access", post(access))
        .route("/api/users.info", get(users_info))
        .route("/api/conversations.join", post(join))
        .route("/api/conversations.list", post(list))
        .route("/api/chat.postMessage", post(post_message))
        .route("/api/chat.getPermalink", post(permalink))
        .with_state(seen.clone());
    (router, seen)
}
