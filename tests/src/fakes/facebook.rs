//! A fake Facebook Graph API v20.0: code exchange, long-lived token exchange, `/me`, the
//! user's pages with their page tokens, unpublished photos, page feed posts and comments,
//! photo and video stories (the video fetched by the upload host from `file_url`), with Graph
//! error bodies (`{"error": {"message", "type", "code", "error_subcode"}}`).

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
    /// Stories published: (page, photo id or video id).
    pub stories: Vec<(String, String)>,
    /// Video stories started: video id → the `file_url` uploaded to it, once uploaded.
    pub story_videos: HashMap<String, Option<String>>,
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
    headers: axum::http::HeaderMap,
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
    if body["url"].as_str().is_some_and(|u| u.contains("FAIL")) {
        return graph_error(StatusCode::BAD_REQUEST, 324, Some(2069019), "Invalid file");
    }
    let mut s = seen.lock().unwrap();
    match edge.as_str() {
        "photo_stories" => {
            let photo = body["photo_id"].as_str().unwrap_or_default().to_string();
            if !photo.starts_with("photo-") {
                return graph_error(StatusCode::BAD_REQUEST, 100, None, "Invalid photo_id");
            }
            s.stories.push((id, photo));
            Json(json!({"success": true, "post_id": format!("story-{}", s.stories.len())}))
                .into_response()
        }
        "video_stories" => match body["upload_phase"].as_str() {
            Some("start") => {
                let video = format!("vs-{}", s.story_videos.len() + 1);
                s.story_videos.insert(video.clone(), None);
                let host = headers
                    .get("host")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("localhost");
                Json(json!({"video_id": video, "upload_url": format!("http://{host}/video-upload/v20.0/{video}")}))
                    .into_response()
            }
            Some("finish") => {
                let video = body["video_id"].as_str().unwrap_or_default().to_string();
                match s.story_videos.get(&video) {
                    Some(Some(file)) if file.contains("BROKEN") => {
                        return graph_error(
                            StatusCode::BAD_REQUEST,
                            100,
                            Some(1363130),
                            "Video processing failed",
                        )
                    }
                    Some(Some(_)) => {}
                    _ => {
                        return graph_error(
                            StatusCode::BAD_REQUEST,
                            100,
                            None,
                            "Video not uploaded",
                        )
                    }
                }
                s.stories.push((id, video));
                Json(json!({"success": true, "post_id": format!("story-{}", s.stories.len())}))
                    .into_response()
            }
            _ => graph_error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                "upload_phase is required",
            ),
        },
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

/// The upload host of a video story: the page token as `OAuth`, the file by `file_url`.
async fn video_upload(
    State(seen): State<Shared>,
    Path(video): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("authorization") != Some(&format!("OAuth {PAGE_TOKEN}")) {
        return graph_error(
            StatusCode::UNAUTHORIZED,
            190,
            None,
            "Invalid OAuth access token",
        );
    }
    let Some(file) = header("file_url").map(str::to_string) else {
        return graph_error(StatusCode::BAD_REQUEST, 100, None, "file_url is required");
    };
    match seen.lock().unwrap().story_videos.get_mut(&video) {
        Some(slot) => {
            *slot = Some(file);
            Json(json!({"success": true})).into_response()
        }
        None => graph_error(StatusCode::BAD_REQUEST, 100, None, "Unknown video"),
    }
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/v20.0/oauth/access_token", get(access_token))
        .route("/v20.0/me", get(me))
        .route("/v20.0/me/accounts", get(accounts))
        .route(
            "/v20.0/{id}/{edge}",
            post(edge).get(
                |Path((id, edge)): Path<(String, String)>,
                 Query(q): Query<HashMap<String, String>>| async move {
                    if edge != "insights" || token_of(&q) != Some(PAGE_TOKEN) {
                        return graph_error(
                            StatusCode::BAD_REQUEST,
                            190,
                            Some(463),
                            "Error validating access token: Session has expired",
                        );
                    }
                    Json(super::insights::answer(&q, id != PAGE_ID)).into_response()
                },
            ),
        )
        .route("/video-upload/v20.0/{video}", post(video_upload))
        .with_state(seen.clone());
    (router, seen)
}
