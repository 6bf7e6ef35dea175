//! A fake Discord API: OAuth2 token (code and refresh, with the bot-install `guild`),
//! `/oauth2/@me`, bot messages (JSON or multipart with files), threads from a message, guild
//! channels; Discord's JSON errors (`{"message", "code"}`, 429 with `retry_after`).

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "dc-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "dc-secret";
/// The bot token the fake expects.
pub const BOT_TOKEN: &str = "dc-bot-token";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "dc-code";
/// The server the bot is installed in.
pub const GUILD: &str = "G100";

/// A message the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// Channel (or thread) id.
    pub channel: String,
    /// Text.
    pub content: String,
    /// Attached files.
    pub files: usize,
    /// Message id.
    pub id: String,
}

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Messages sent.
    pub messages: Vec<Sent>,
    /// Threads created (their ids).
    pub threads: HashSet<String>,
    /// Valid user refresh tokens.
    pub refresh: Vec<String>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn dc_error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({"message": message, "code": code}))).into_response()
}

fn bot(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bot {BOT_TOKEN}"))
}

async fn token(State(seen): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let mut s = seen.lock().unwrap();
    let n = s.refresh.len() + 1;
    let issue = |s: &mut Seen, guild: bool| {
        s.refresh.push(format!("dc-refresh-{n}"));
        let mut v = json!({"access_token": format!("dc-user-{n}"), "token_type": "Bearer", "expires_in": 604_800, "refresh_token": format!("dc-refresh-{n}"), "scope": "bot identify guilds"});
        if guild {
            v["guild"] = json!({"id": GUILD, "name": "Gamers"});
        }
        Json(v).into_response()
    };
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") if f.get("code").map(String::as_str) == Some(GOOD_CODE) => issue(&mut s, true),
        Some("refresh_token") if f.get("refresh_token").is_some_and(|r| s.refresh.contains(r)) => issue(&mut s, false),
        _ => (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Invalid \"code\" in request."}))).into_response(),
    }
}

async fn me(h: HeaderMap) -> Response {
    if !h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer dc-user-"))
    {
        return dc_error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    Json(json!({"application": {"id": "A1", "name": "Postiz App", "bot": {"username": "postiz-bot"}}, "scopes": ["bot", "identify", "guilds"]})).into_response()
}

async fn message(
    State(seen): State<Shared>,
    Path(channel): Path<String>,
    req: Request,
) -> Response {
    if !bot(req.headers()) {
        return dc_error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    let multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/"));
    let (content, files) = if multipart {
        let mut form = match Multipart::from_request(req, &()).await {
            Ok(f) => f,
            Err(_) => return dc_error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body"),
        };
        let (mut content, mut files) = (String::new(), 0);
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or("").to_string();
            let bytes = field.bytes().await.unwrap_or_default();
            if name == "payload_json" {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                content = v["content"].as_str().unwrap_or("").to_string();
            } else if name.starts_with("files[") && !bytes.is_empty() {
                files += 1;
            }
        }
        (content, files)
    } else {
        let Ok(Json(v)) = Json::<Value>::from_request(req, &()).await else {
            return dc_error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
        };
        (v["content"].as_str().unwrap_or("").to_string(), 0)
    };
    let mut s = seen.lock().unwrap();
    let known = channel.starts_with('C') || s.threads.contains(&channel);
    if !known {
        return dc_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    if content.contains("FAIL:403") {
        return dc_error(StatusCode::FORBIDDEN, 50001, "Missing Access");
    }
    if content.contains("FAIL:429") {
        return (StatusCode::TOO_MANY_REQUESTS, Json(json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}))).into_response();
    }
    let id = format!("{}", 500_000 + s.messages.len());
    s.messages.push(Sent {
        channel: channel.clone(),
        content,
        files,
        id: id.clone(),
    });
    Json(json!({"id": id, "channel_id": channel})).into_response()
}

async fn thread(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path((_channel, msg)): Path<(String, String)>,
) -> Response {
    if !bot(&h) {
        return dc_error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    let mut s = seen.lock().unwrap();
    if !s.messages.iter().any(|m| m.id == msg) {
        return dc_error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    }
    if !s.threads.insert(msg.clone()) {
        return dc_error(
            StatusCode::BAD_REQUEST,
            160004,
            "A thread has already been created for this message",
        );
    }
    (
        StatusCode::CREATED,
        Json(json!({"id": msg, "type": 11, "name": "Thread"})),
    )
        .into_response()
}

async fn channels(h: HeaderMap, Path(guild): Path<String>) -> Response {
    if !bot(&h) || guild != GUILD {
        return dc_error(StatusCode::FORBIDDEN, 50001, "Missing Access");
    }
    Json(json!([{"id": "C1", "name": "general", "type": 0}, {"id": "V1", "name": "voice", "type": 2}, {"id": "C2", "name": "news", "type": 5}])).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/api/oauth2/token", post(token))
        .route("/api/oauth2/@me", get(me))
        .route("/api/channels/{channel}/messages", post(message))
        .route(
            "/api/channels/{channel}/messages/{id}/threads",
            post(thread),
        )
        .route("/api/guilds/{guild}/channels", get(channels))
        .route(
            "/files/{name}",
            get(|| async {
                (
                    [("content-type", "image/png")],
                    b"\x89PNG\r\n\x1a\nimg".to_vec(),
                )
            }),
        )
        .with_state(seen.clone());
    (router, seen)
}
