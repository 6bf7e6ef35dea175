//! A fake Reddit: token endpoint (Basic client auth; code and refresh grants) on the www
//! host, and `api/v1/me`, `api/submit`, `api/comment` on the OAuth host (one base here),
//! answering errors in Reddit's `{"json": {"errors": [...]}}` shape. Image posts: a media
//! asset lease (`api/media/asset.json`) whose upload form posts to an S3-like endpoint of the
//! fake, a submission answered without the post's id, and the user's submitted listing
//! (`user/<name>/submitted`) where the post then appears. The editor's lookups: subreddit
//! search (`subreddits/search`), a subreddit's `about`, its `post_requirements` and its
//! `link_flair_v2`, over a small directory: `r/rust` (any kind, pictures, flair required),
//! `r/rustjobs` (links only, flairs hidden: 403), `r/rustpics` (pictures only) and
//! `r/rustsecret` (private).

use axum::extract::{Multipart, Path, State};
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
    /// Files posted to the upload form: (key, bytes, content type).
    pub uploads: Vec<(String, usize, String)>,
    /// Posts as the submitted listing shows them, oldest first.
    pub listing: Vec<serde_json::Value>,
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
    let kind = f.get("kind").cloned().unwrap_or_default();
    let uploaded = |field: &str| {
        let url = f.get(field).cloned().unwrap_or_default();
        s.uploads
            .iter()
            .any(|(key, _, _)| url.ends_with(key.as_str()))
    };
    if (kind == "image" || kind == "video") && !uploaded("url") {
        return Json(
            json!({"json": {"errors": [["BAD_IMAGE", "the media was not uploaded", "url"]]}}),
        )
        .into_response();
    }
    if kind == "video" && !uploaded("video_poster_url") {
        return Json(json!({"json": {"errors": [["NO_VIDEO_POSTER", "a video post needs an uploaded poster image", "video_poster_url"]]}})).into_response();
    }
    let title = f.get("title").cloned().unwrap_or_default();
    s.submissions.push(f);
    let id = format!("p{}", s.submissions.len());
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let permalink = format!("/r/{sr}/comments/{id}/post/");
    s.listing.push(json!({"id": id, "name": format!("t3_{id}"), "subreddit": sr, "title": title, "created_utc": created, "permalink": permalink}));
    if kind == "image" || kind == "video" {
        // Media submissions answer only where to watch for the result.
        return Json(json!({"json": {"errors": [], "data": {"user_submitted_page": "https://www.reddit.example/user/redditor_al/submitted/", "websocket_url": format!("wss://ws.reddit.example/{id}")}}})).into_response();
    }
    Json(json!({"json": {"errors": [], "data": {"id": id, "name": format!("t3_{id}"), "url": format!("https://www.reddit.example/r/{sr}/comments/{id}/")}}})).into_response()
}

async fn media_asset(
    State(seen): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let (Some(path), Some(mime)) = (f.get("filepath"), f.get("mimetype")) else {
        return Json(json!({"json": {"errors": [["BAD_REQUEST", "filepath and mimetype are required", "filepath"]]}})).into_response();
    };
    let host = h
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let n = seen.lock().unwrap().uploads.len() + 1;
    Json(json!({
        "args": {"action": format!("//{host}/s3-upload"), "fields": [
            {"name": "key", "value": format!("rte_images/{n}-{path}")},
            {"name": "Content-Type", "value": mime},
            {"name": "x-amz-signature", "value": "fake-signature"},
        ]},
        "asset": {"asset_id": format!("asset{n}"), "processing_state": "incomplete", "websocket_url": format!("wss://ws.reddit.example/asset{n}")},
    }))
    .into_response()
}

/// The S3 form upload: every field of the lease, then the file; 201 with the location.
async fn s3_upload(State(seen): State<Shared>, h: HeaderMap, mut form: Multipart) -> Response {
    let (mut key, mut signed, mut file) = (None, false, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default().to_string().as_str() {
            "key" => key = field.text().await.ok(),
            "x-amz-signature" => {
                signed = field.text().await.ok().as_deref() == Some("fake-signature")
            }
            "file" => {
                let ct = field.content_type().unwrap_or_default().to_string();
                file = field.bytes().await.ok().map(|b| (b.len(), ct));
            }
            _ => {}
        }
    }
    let (Some(key), true, Some((len, ct))) = (key, signed, file) else {
        return (
            StatusCode::BAD_REQUEST,
            "<Error><Code>InvalidArgument</Code></Error>",
        )
            .into_response();
    };
    let host = h
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    seen.lock().unwrap().uploads.push((key.clone(), len, ct));
    (
        StatusCode::CREATED,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><PostResponse><Location>http://{host}/s3/{key}</Location><Key>{key}</Key></PostResponse>"),
    )
        .into_response()
}

async fn submitted(State(seen): State<Shared>, h: HeaderMap, Path(user): Path<String>) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    if user != "redditor_al" {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Not Found", "error": 404})),
        )
            .into_response();
    }
    let s = seen.lock().unwrap();
    let children: Vec<_> = s
        .listing
        .iter()
        .rev()
        .map(|d| json!({"kind": "t3", "data": d}))
        .collect();
    Json(json!({"kind": "Listing", "data": {"children": children}})).into_response()
}

async fn picture() -> Response {
    ([("content-type", "image/png")], PNG.to_vec()).into_response()
}

/// A tiny PNG the fake serves at `/media/pic.png` (for posts with a picture).
pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
];

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
/// The start of an MP4 the fake serves at `/media/clip.mp4`.
pub const VIDEO: &[u8] = &[
    0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'm', b'p', b'4', b'2',
];

/// The fake's subreddits: (name, type, submission type, pictures allowed, flair required).
const DIRECTORY: [(&str, &str, &str, bool, bool); 4] = [
    ("rust", "public", "any", true, true),
    ("rustjobs", "public", "link", false, false),
    ("rustpics", "public", "image", true, false),
    ("rustsecret", "private", "any", true, false),
];

async fn search(
    State(seen): State<Shared>,
    h: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let word = q.get("q").cloned().unwrap_or_default();
    let children: Vec<serde_json::Value> = DIRECTORY
        .iter()
        .filter(|(name, ..)| name.contains(word.as_str()))
        .map(|(name, kind, submission, _, _)| {
            json!({"kind": "t5", "data": {"id": format!("id_{name}"), "title": format!("The {name} community"),
                "url": format!("/r/{name}/"), "subreddit_type": kind, "submission_type": submission}})
        })
        .collect();
    Json(json!({"kind": "Listing", "data": {"children": children}})).into_response()
}

fn entry(name: &str) -> Option<(&'static str, &'static str, &'static str, bool, bool)> {
    DIRECTORY.iter().copied().find(|(n, ..)| *n == name)
}

async fn about(State(seen): State<Shared>, h: HeaderMap, Path(name): Path<String>) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    match entry(&name) {
        Some((n, kind, submission, images, _)) => Json(json!({"kind": "t5", "data": {
            "display_name": n, "subreddit_type": kind, "submission_type": submission,
            "allow_images": images}}))
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Not Found", "error": 404})),
        )
            .into_response(),
    }
}

async fn requirements(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    let required = entry(&name).is_some_and(|e| e.4);
    Json(json!({"is_flair_required": required, "title_text_max_length": 300})).into_response()
}

async fn flairs(State(seen): State<Shared>, h: HeaderMap, Path(name): Path<String>) -> Response {
    if !authed(&h, &seen) {
        return unauthorized();
    }
    if name != "rust" {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"message": "Forbidden", "error": 403})),
        )
            .into_response();
    }
    Json(json!([
        {"id": "fl-1", "text": "Discussion", "type": "text"},
        {"id": "fl-2", "text": "News", "type": "text"}
    ]))
    .into_response()
}

pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/api/v1/access_token", post(token))
        .route("/api/v1/me", get(me))
        .route("/api/submit", post(submit))
        .route("/api/comment", post(comment))
        .route("/api/media/asset.json", post(media_asset))
        .route("/s3-upload", post(s3_upload))
        .route("/user/{user}/submitted", get(submitted))
        .route("/subreddits/search", get(search))
        .route("/r/{name}/about", get(about))
        .route("/api/v1/{name}/post_requirements", get(requirements))
        .route("/r/{name}/api/link_flair_v2", get(flairs))
        .route("/media/pic.png", get(picture))
        .route(
            "/media/clip.mp4",
            get(|| async { ([("content-type", "video/mp4")], VIDEO.to_vec()) }),
        )
        .with_state(seen.clone());
    (router, seen)
}
