//! A fake TikTok API: OAuth token (code and refresh), user info, the Content Posting API
//! (video and photo init pulling from URLs, then status: processing once, then complete),
//! with TikTok's `{"data", "error": {"code", "message", "log_id"}}` envelopes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client key the fake expects.
pub const CLIENT_KEY: &str = "tt-key";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "tt-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "tt-code";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Valid access tokens.
    pub access: Vec<String>,
    /// Valid refresh tokens.
    pub refresh: Vec<String>,
    /// Inits: (publish id, body, status polls).
    pub inits: Vec<(String, Value, u32)>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn envelope(data: Value, code: &str, message: &str) -> Value {
    json!({"data": data, "error": {"code": code, "message": message, "log_id": "fake-log"}})
}

fn authed(h: &HeaderMap, seen: &Shared) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| seen.lock().unwrap().access.iter().any(|a| a == t))
}

fn invalid_token() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(envelope(
            json!({}),
            "access_token_invalid",
            "The access token is invalid or not found in the request.",
        )),
    )
        .into_response()
}

async fn token(State(seen): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    if f.get("client_key").map(String::as_str) != Some(CLIENT_KEY)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return Json(json!({"error": "invalid_client", "error_description": "Client key or secret is incorrect."})).into_response();
    }
    let mut s = seen.lock().unwrap();
    let ok = match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => f.get("code").map(String::as_str) == Some(GOOD_CODE),
        Some("refresh_token") => f
            .get("refresh_token")
            .is_some_and(|r| s.refresh.contains(r)),
        _ => false,
    };
    if !ok {
        return Json(json!({"error": "invalid_grant", "error_description": "Authorization code is expired."})).into_response();
    }
    let n = s.access.len() + 1;
    s.access.push(format!("act.tt-{n}"));
    s.refresh.push(format!("rft.tt-{n}"));
    Json(json!({"access_token": format!("act.tt-{n}"), "expires_in": 86400, "open_id": "tt-open-1", "refresh_expires_in": 31_536_000, "refresh_token": format!("rft.tt-{n}"), "scope": "user.info.basic,video.publish", "token_type": "Bearer"})).into_response()
}

async fn user(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return invalid_token();
    }
    Json(envelope(json!({"user": {"open_id": "tt-open-1", "display_name": "Tik Tammy", "avatar_url": "https://p16.tiktok.example/t.jpg", "username": "tiktammy", "follower_count": 1500, "following_count": 20, "likes_count": 9000, "video_count": 42}}), "ok", "")).into_response()
}

/// `video/list` and `video/query`: two recent videos with counters.
async fn videos(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return invalid_token();
    }
    let list = json!([
        {"id": "7300000000000000001", "view_count": 1000, "like_count": 100, "comment_count": 10, "share_count": 1},
        {"id": "7300000000000000002", "view_count": 500, "like_count": 50, "comment_count": 5, "share_count": 0}
    ]);
    Json(envelope(
        json!({"videos": list, "has_more": false}),
        "ok",
        "",
    ))
    .into_response()
}

async fn init(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if !authed(&h, &seen) {
        return invalid_token();
    }
    let title = b["post_info"]["title"].as_str().unwrap_or("");
    if title.contains("FAIL:spam") {
        return (
            StatusCode::FORBIDDEN,
            Json(envelope(
                json!({}),
                "spam_risk_too_many_posts",
                "The daily post cap is reached.",
            )),
        )
            .into_response();
    }
    if title.contains("FAIL:rate") {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(envelope(
                json!({}),
                "rate_limit_exceeded",
                "Too many requests.",
            )),
        )
            .into_response();
    }
    let mut s = seen.lock().unwrap();
    let id = format!("v_pub_url~v2.{}", s.inits.len() + 1);
    s.inits.push((id.clone(), b, 0));
    Json(envelope(json!({"publish_id": id}), "ok", "")).into_response()
}

async fn status(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if !authed(&h, &seen) {
        return invalid_token();
    }
    let mut s = seen.lock().unwrap();
    let Some(entry) = s
        .inits
        .iter_mut()
        .find(|(id, _, _)| b["publish_id"] == id.as_str())
    else {
        return Json(envelope(
            json!({}),
            "invalid_publish_id",
            "publish_id not found",
        ))
        .into_response();
    };
    entry.2 += 1;
    let data = if entry.2 < 2 {
        json!({"status": "PROCESSING_DOWNLOAD"})
    } else {
        json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7_300_000_000_000_000_000u64]})
    };
    Json(envelope(data, "ok", "")).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/v2/oauth/token/", post(token))
        .route("/v2/user/info/", get(user))
        .route("/v2/video/list/", post(videos))
        .route("/v2/video/query/", post(videos))
        .route("/v2/post/publish/video/init/", post(init))
        .route("/v2/post/publish/content/init/", post(init))
        .route("/v2/post/publish/status/fetch/", post(status))
        .with_state(seen.clone());
    (router, seen)
}
