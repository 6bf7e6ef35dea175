//! A fake Facebook Graph API v20.0: code exchange, long-lived token exchange, `/me`, the
//! user's pages with their page tokens, unpublished photos, page feed posts and comments,
//! with Graph error bodies (`{"error": {"message", "type", "code", "error_subcode"}}`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The app id the fake expects.
pub const APP_ID: &str = "fb-app";
/// The app secret the fake expects.
pub const APP_SECRET: &str = "fb-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "fb-code";
/// The page the user manages.
pub const PAGE_ID: &str = "1234567890";
/// That page's token.
pub const PAGE_TOKEN: &str = "fb-page-token";
const USER_TOKEN: &str = "fb-long-user-token";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Photos uploaded (unpublished): (page, url).
    pub photos: Vec<(String, String)>,
    /// Feed posts: (page, body).
    pub posts: Vec<(String, Value)>,
    /// Comments: (object id, body).
    pub comments: Vec<(String, Value)>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    (status, Json(json!({"error": {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode, "fbtrace_id": "Fake"}}))).into_response()
}

fn token_of(q: &HashMap<String, String>) -> Option<&str> {
    q.get("access_token").map(String::as_str)
}

async fn access_token(Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("client_id").map(String::as_str) != Some(APP_ID)
        || q.get("client_secret").map(String::as_str) != Some(APP_SECRET)
    {
        return graph_error(
            StatusCode::BAD_REQUEST,
            101,
            None,
            "Error validating application. Invalid application ID.",
        );
    }
    if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
        return Json(
            json!({"access_token": USER_TOKEN, "token_type": "bearer", "expires_in": 5_183_944}),
        )
        .into_response();
    }
    if q.get("code").map(String::as_str) != Some(GOOD_CODE) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(36009),
            "This authorization code has been used.",
        );
    }
    Json(json!({"access_token": "fb-short-user-token", "token_type": "bearer", "expires_in": 3600}))
        .into_response()
}

async fn me(Query(q): Query<HashMap<String, String>>) -> Response {
    if token_of(&q) != Some(USER_TOKEN) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            Some(463),
            "Error validating access token: Session has expired",
        );
    }
    Json(json!({"id": "user-555", "name": "Frank Page-Owner", "picture": {"data": {"url": "https://fb.example/frank.jpg"}}})).into_response()
}

async fn accounts(Query(q): Query<HashMap<String, String>>) -> Response {
    if token_of(&q) != Some(USER_TOKEN) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            Some(463),
            "Error validating access token: Session has expired",
        );
    }
    Json(json!({"data": [
        {"id": PAGE_ID, "name": "Frank's Bakery", "username": "frankbakery", "access_token": PAGE_TOKEN, "picture": {"data": {"url": "https://fb.example/bakery.jpg"}}},
        {"id": "999", "name": "Other Page", "access_token": "other-token", "picture": {"data": {"url": "https://fb.example/other.jpg"}}}
    ]}))
    .into_response()
}

async fn edge(
    State(seen): State<Shared>,
    Path((id, edge)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Response {
    let valid_page = id == PAGE_ID || id.starts_with(&format!("{PAGE_ID}_"));
    if token_of(&q) != Some(PAGE_TOKEN) || !valid_page {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            None,
            "Error validating access token: The session has been invalidated",
        );
    }
    let text = body["message"].as_str().unwrap_or("");
    if text.contains("FAIL:fast") {
        return graph_error(
            StatusCode::BAD_REQUEST,
            368,
            Some(1390008),
            "You are posting too fast",
        );
    }
    if text.contains("FAIL:limit") {
        return graph_error(
            StatusCode::BAD_REQUEST,
            32,
            None,
            "Page request limit reached",
        );
    }
    let mut s = seen.lock().unwrap();
    match edge.as_str() {
        "photos" => {
            s.photos
                .push((id, body["url"].as_str().unwrap_or("").to_string()));
            Json(json!({"id": format!("photo-{}", s.photos.len())})).into_response()
        }
        "videos" => {
            s.posts.push((id.clone(), body));
            Json(json!({"id": format!("video-{}", s.posts.len())})).into_response()
        }
        "feed" => {
            s.posts.push((id.clone(), body));
            Json(json!({"id": format!("{id}_{}", 7000 + s.posts.len())})).into_response()
        }
        "comments" => {
            s.comments.push((id, body));
            Json(json!({"id": format!("comment-{}", s.comments.len())})).into_response()
        }
        _ => graph_error(StatusCode::BAD_REQUEST, 100, None, "Unknown edge"),
    }
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/v20.0/oauth/access_token", get(access_token))
        .route("/v20.0/me", get(me))
        .route("/v20.0/me/accounts", get(accounts))
        .route("/v20.0/{id}/{edge}", post(edge))
        .with_state(seen.clone());
    (router, seen)
}
