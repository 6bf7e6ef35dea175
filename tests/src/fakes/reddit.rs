//! A fake Reddit: token endpoint (Basic client auth; code and refresh grants) on the www
//! host, and `api/v1/me`, `api/submit`, `api/comment` on the OAuth host (one base here),
//! answering errors in Reddit's `{"json": {"errors": [...]}}` shape.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "rd-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "rd-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "rd-code";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Valid access tokens.
    pub access: Vec<String>,
    /// Valid refresh tokens.
    pub refresh: Vec<String>,
    /// Submissions: form fields.
    pub submissions: Vec<HashMap<String, String>>,
    /// Comments: form fields.
    pub comments: Vec<HashMap<String, String>>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn authed(h: &HeaderMap, seen: &Shared) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| seen.lock().unwrap().access.iter().any(|a| a == t))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"message": "Unauthorized", "error": 401})),
    )
        .into_response()
}

async fn token(
    State(seen): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if h.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return unauthorized();
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
        // Reddit answers a bad grant with 200 and an error field.
        return Json(json!({"error": "invalid_grant"})).into_response();
    }
    let n = s.access.len() + 1;
    s.access.push(format!("rd-access-{n}"));
    s.refresh.push(format!("rd-refresh-{n}"));
    Json(json!({"access_token": format!("rd-access-{n}"), "token_type": "bearer", "expires_in": 86400, "refresh_token": format!("rd-refresh-{n}"), "scope": "read identity submit flair"})).into_response()
}

async fn me(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    Json(json!({"id": "rd42", "name": "redditor_al", "icon_img": "https://styles.redd.example/al.png?width=256&s=abc"})).into_response()
}

async fn submit(
    State(seen): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let sr = f.get("sr").cloned().unwrap_or_default();
    if sr == "doesnotexist" {
        return Json(json!({"json": {"errors": [["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"]]}})).into_response();
    }
    if f.get("title").is_some_and(|t| t.contains("FAIL:ratelimit")) {
        return Json(json!({"json": {"errors": [["RATELIMIT", "Looks like you've been doing that a lot. Take a break for 3 minutes before trying again.", "ratelimit"]]}})).into_response();
    }
    let mut s = seen.lock().unwrap();
    s.submissions.push(f);
    let id = format!("p{}", s.submissions.len());
    Json(json!({"json": {"errors": [], "data": {"id": id, "name": format!("t3_{id}"), "url": format!("https://www.reddit.example/r/{sr}/comments/{id}/")}}})).into_response()
}

async fn comment(
    State(seen): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let mut s = seen.lock().unwrap();
    s.comments.push(f);
    let id = format!("c{}", s.comments.len());
    Json(json!({"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": {"id": id, "name": format!("t1_{id}"), "permalink": format!("/r/test/comments/p1/_/{id}/")}}]}}})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/api/v1/access_token", post(token))
        .route("/api/v1/me", get(me))
        .route("/api/submit", post(submit))
        .route("/api/comment", post(comment))
        .with_state(seen.clone());
    (router, seen)
}
