//! A fake Google OAuth + YouTube Data API: token (code and refresh), userinfo, the user's
//! channels, and the resumable upload protocol (session POST → Location; bytes PUT → video);
//! Google's error bodies.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "yt-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "yt-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "yt-code";
/// The user's channel.
pub const CHANNEL_ID: &str = "UCfake123";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Valid access tokens.
    pub access: Vec<String>,
    /// Valid refresh tokens.
    pub refresh: Vec<String>,
    /// Upload sessions: id → metadata.
    pub sessions: HashMap<String, Value>,
    /// Videos: (id, metadata, bytes).
    pub videos: Vec<(String, Value, usize)>,
    /// Custom thumbnails set: (video id, content type, bytes).
    pub thumbnails: Vec<(String, String, usize)>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn google_error(status: StatusCode, reason: &str, message: &str) -> Response {
    (status, Json(json!({"error": {"code": status.as_u16(), "message": message, "errors": [{"message": message, "domain": "youtube", "reason": reason}]}}))).into_response()
}

fn authed(h: &HeaderMap, seen: &Shared) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| seen.lock().unwrap().access.iter().any(|a| a == t))
}

fn unauthorized() -> Response {
    google_error(
        StatusCode::UNAUTHORIZED,
        "authError",
        "Request had invalid authentication credentials.",
    )
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
    let refreshing = f.get("grant_type").map(String::as_str) == Some("refresh_token");
    let ok = if refreshing {
        f.get("refresh_token")
            .is_some_and(|r| s.refresh.contains(r))
    } else {
        f.get("code").map(String::as_str) == Some(GOOD_CODE)
    };
    if !ok {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}))).into_response();
    }
    let n = s.access.len() + 1;
    s.access.push(format!("ya29.access-{n}"));
    let mut v = json!({"access_token": format!("ya29.access-{n}"), "expires_in": 3599, "token_type": "Bearer"});
    if !refreshing {
        s.refresh.push(format!("1//refresh-{n}"));
        v["refresh_token"] = json!(format!("1//refresh-{n}"));
    }
    Json(v).into_response()
}

async fn userinfo(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    Json(json!({"id": "google-user-1", "name": "Yuki Tube", "picture": "https://lh3.example/yuki.jpg"})).into_response()
}

/// YouTube Analytics `reports`: three days of the asked metrics, per day.
async fn reports(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    if q.get("ids").map(String::as_str) != Some("channel==MINE")
        || q.get("dimensions").map(String::as_str) != Some("day")
    {
        return google_error(
            StatusCode::BAD_REQUEST,
            "badRequest",
            "Unknown identifier or dimensions",
        );
    }
    let metrics: Vec<String> = q
        .get("metrics")
        .map(|m| m.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let mut headers = vec![json!({"name": "day", "columnType": "DIMENSION"})];
    headers.extend(
        metrics
            .iter()
            .map(|m| json!({"name": m, "columnType": "METRIC"})),
    );
    let rows: Vec<Value> = super::insights::last_days()
        .into_iter()
        .map(|(day, ago)| {
            let mut row = vec![json!(day)];
            row.extend(
                metrics
                    .iter()
                    .map(|m| json!(super::insights::daily(m, ago))),
            );
            Value::Array(row)
        })
        .collect();
    Json(json!({"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers, "rows": rows}))
        .into_response()
}

/// `videos?part=statistics`: a video's counters (as strings, as YouTube sends them).
async fn video_stats(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let items = if q.get("id").is_some_and(|id| id.starts_with("vid")) {
        json!([{"id": q["id"], "statistics": {"viewCount": "1200", "likeCount": "80", "favoriteCount": "0", "commentCount": "9"}}])
    } else {
        json!([])
    };
    Json(json!({"items": items})).into_response()
}

async fn channels(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    Json(json!({"items": [{"id": CHANNEL_ID, "snippet": {"title": "Yuki Cooks", "customUrl": "@yukicooks", "thumbnails": {"default": {"url": "https://yt3.example/yuki.jpg"}}}}]})).into_response()
}

async fn open_session(
    State(seen): State<Shared>,
    h: HeaderMap,
    Json(meta): Json<Value>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let title = meta["snippet"]["title"].as_str().unwrap_or("");
    if title.contains("FAIL:quota") {
        return google_error(
            StatusCode::FORBIDDEN,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
        );
    }
    if title.contains("FAIL:limit") {
        return google_error(
            StatusCode::BAD_REQUEST,
            "uploadLimitExceeded",
            "The user has exceeded the number of videos they may upload.",
        );
    }
    let host = h.get("host").and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut s = seen.lock().unwrap();
    let id = format!("session-{}", s.sessions.len() + 1);
    s.sessions.insert(id.clone(), meta);
    (
        StatusCode::OK,
        [("location", format!("http://{host}/upload/session/{id}"))],
    )
        .into_response()
}

async fn upload(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let mut s = seen.lock().unwrap();
    let Some(meta) = s.sessions.remove(&id) else {
        return google_error(
            StatusCode::NOT_FOUND,
            "notFound",
            "Upload session not found",
        );
    };
    let vid = format!("vid{}", s.videos.len() + 1);
    s.videos.push((vid.clone(), meta, body.len()));
    (
        StatusCode::OK,
        Json(json!({"kind": "youtube#video", "id": vid, "status": {"uploadStatus": "uploaded"}})),
    )
        .into_response()
}

/// `thumbnails.set`: a JPEG or PNG for one of the channel's videos.
async fn set_thumbnail(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let video = q.get("videoId").cloned().unwrap_or_default();
    let mut s = seen.lock().unwrap();
    if !s.videos.iter().any(|(id, _, _)| *id == video) {
        return google_error(StatusCode::NOT_FOUND, "videoNotFound", "Video not found");
    }
    let content_type = h
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !["image/jpeg", "image/png"].contains(&content_type.as_str()) {
        return google_error(
            StatusCode::BAD_REQUEST,
            "mediaBodyRequired",
            "The request does not include the image content.",
        );
    }
    s.thumbnails.push((video, content_type, body.len()));
    Json(json!({"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "https://i.ytimg.example/t.jpg"}}]})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/token", post(token))
        .route("/oauth2/v2/userinfo", get(userinfo))
        .route("/youtube/v3/channels", get(channels))
        .route("/youtube/v3/videos", get(video_stats))
        .route("/v2/reports", get(reports))
        .route("/upload/youtube/v3/videos", post(open_session))
        .route("/upload/session/{id}", put(upload))
        .route("/upload/youtube/v3/thumbnails/set", post(set_thumbnail))
        .route(
            "/images/{name}",
            get(
                |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    let kind = if name.ends_with(".gif") {
                        "image/gif"
                    } else {
                        "image/png"
                    };
                    ([("content-type", kind)], b"\x89PNG\r\n\x1a\nthumb".to_vec())
                },
            ),
        )
        .route(
            "/files/{name}",
            get(|| async {
                (
                    [("content-type", "video/mp4")],
                    vec![
                        0u8, 0, 0, 24, b'f', b't', b'y', b'p', b'm', b'p', b'4', b'2',
                    ],
                )
            }),
        )
        .with_state(seen.clone());
    (router, seen)
}
