//! A fake LinkedIn (OAuth endpoints and the API on one base): token exchange and refresh,
//! `userinfo`, `me`, organization ACLs, image upload (`initializeUpload` + PUT), versioned
//! posts answering the URN in `x-restli-id`, comments through social actions.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "li-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "li-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "li-code";
/// The organization the user administers.
pub const ORG_ID: &str = "5550001";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Valid access tokens.
    pub access: Vec<String>,
    /// Valid refresh tokens.
    pub refresh: Vec<String>,
    /// Images uploaded (sizes).
    pub images: Vec<usize>,
    /// Posts: request bodies.
    pub posts: Vec<Value>,
    /// Video parts uploaded (sizes).
    pub video_parts: Vec<usize>,
    /// Videos finalized.
    pub videos_finalized: usize,
    /// Comments: (object, body).
    pub comments: Vec<(String, Value)>,
    /// Like counts of posts by URN, set by a test (0 otherwise).
    pub likes: HashMap<String, u64>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn li_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"status": status.as_u16(), "serviceErrorCode": 65600, "code": "ERROR", "message": message}))).into_response()
}

fn authed(h: &HeaderMap, seen: &Shared) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| seen.lock().unwrap().access.iter().any(|a| a == t))
}

fn versioned(h: &HeaderMap) -> bool {
    h.get("linkedin-version").is_some()
        && h.get("x-restli-protocol-version")
            .and_then(|v| v.to_str().ok())
            == Some("2.0.0")
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
    let ok = match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => f.get("code").map(String::as_str) == Some(GOOD_CODE),
        Some("refresh_token") => f
            .get("refresh_token")
            .is_some_and(|r| s.refresh.contains(r)),
        _ => false,
    };
    if !ok {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "The token used in the request has been revoked by the user"}))).into_response();
    }
    let n = s.access.len() + 1;
    s.access.push(format!("li-access-{n}"));
    s.refresh.push(format!("li-refresh-{n}"));
    Json(json!({"access_token": format!("li-access-{n}"), "expires_in": 5_184_000, "refresh_token": format!("li-refresh-{n}"), "refresh_token_expires_in": 31_536_000, "scope": "openid,profile,w_member_social"})).into_response()
}

async fn userinfo(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    Json(json!({"sub": "abc123", "name": "Lin Kedin", "picture": "https://media.licdn.example/lin.jpg"})).into_response()
}

async fn me(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    Json(json!({"id": "abc123", "vanityName": "linkedin-lin"})).into_response()
}

async fn acls(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    Json(json!({"elements": [{"role": "ADMINISTRATOR", "organizationalTarget": format!("urn:li:organization:{ORG_ID}"), "organizationalTarget~": {"localizedName": "Lin Corp", "vanityName": "lin-corp"}}]})).into_response()
}

async fn organization(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    if id != ORG_ID {
        return li_error(
            StatusCode::FORBIDDEN,
            "Not enough permissions to access: organizations",
        );
    }
    Json(json!({"id": ORG_ID.parse::<i64>().unwrap(), "localizedName": "Lin Corp", "vanityName": "lin-corp"})).into_response()
}

async fn init_upload(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if !authed(&h, &seen) || !versioned(&h) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    let host = h.get("host").and_then(|v| v.to_str().ok()).unwrap_or("");
    let n = seen.lock().unwrap().images.len() + 1;
    let owner = b["initializeUploadRequest"]["owner"].as_str().unwrap_or("");
    if owner.is_empty() {
        return li_error(StatusCode::UNPROCESSABLE_ENTITY, "owner is required");
    }
    Json(json!({"value": {"uploadUrl": format!("http://{host}/upload/{n}"), "image": format!("urn:li:image:IMG{n}"), "uploadUrlExpiresAt": 1}})).into_response()
}

async fn upload(State(seen): State<Shared>, body: Bytes) -> Response {
    seen.lock().unwrap().images.push(body.len());
    StatusCode::CREATED.into_response()
}

async fn posts(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    if !versioned(&h) {
        return li_error(StatusCode::BAD_REQUEST, "A version must be present");
    }
    let text = b["commentary"].as_str().unwrap_or("");
    if text.contains("FAIL:dup") {
        return li_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Content is a duplicate of urn:li:share:1",
        );
    }
    if text.contains("FAIL:activity") {
        return li_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Unable to obtain activity",
        );
    }
    let mut s = seen.lock().unwrap();
    s.posts.push(b);
    let urn = format!("urn:li:share:{}", 7_000_000 + s.posts.len());
    (StatusCode::CREATED, [("x-restli-id", urn)], "").into_response()
}

/// `GET /rest/socialActions/:urn`: the post's likes summary.
async fn social_actions(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path(object): Path<String>,
) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    if !versioned(&h) {
        return li_error(StatusCode::BAD_REQUEST, "A version must be present");
    }
    let s = seen.lock().unwrap();
    let known = object
        .strip_prefix("urn:li:share:")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(7_000_000))
        .is_some_and(|k| k >= 1 && k <= s.posts.len());
    if !known {
        return li_error(StatusCode::NOT_FOUND, "Not Found");
    }
    let likes = s.likes.get(&object).copied().unwrap_or(0);
    Json(json!({"target": object, "likesSummary": {"totalLikes": likes, "likedByCurrentUser": false}, "commentsSummary": {"count": s.comments.iter().filter(|(o, _)| *o == object).count()}})).into_response()
}

async fn comments(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path(object): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    let mut s = seen.lock().unwrap();
    s.comments.push((object.clone(), b));
    let id = format!("{}", 9_000 + s.comments.len());
    (
        StatusCode::CREATED,
        Json(
            json!({"id": id, "object": object, "$URN": format!("urn:li:comment:({object},{id})")}),
        ),
    )
        .into_response()
}

async fn init_video(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if !authed(&h, &seen) || !versioned(&h) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    let size = b["initializeUploadRequest"]["fileSizeBytes"]
        .as_u64()
        .unwrap_or(0);
    if size == 0 {
        return li_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "fileSizeBytes is required",
        );
    }
    let host = h.get("host").and_then(|v| v.to_str().ok()).unwrap_or("");
    // Two parts, as LinkedIn splits files above its part size.
    let half = size / 2;
    Json(json!({"value": {
        "video": "urn:li:video:VID1",
        "uploadToken": "tok-1",
        "uploadInstructions": [
            {"uploadUrl": format!("http://{host}/upload-part/1"), "firstByte": 0, "lastByte": half - 1},
            {"uploadUrl": format!("http://{host}/upload-part/2"), "firstByte": half, "lastByte": size - 1}
        ]
    }}))
    .into_response()
}

async fn video_action(
    state: State<Shared>,
    h: HeaderMap,
    q: axum::extract::Query<HashMap<String, String>>,
    body: Json<Value>,
) -> Response {
    match q.get("action").map(String::as_str) {
        Some("initializeUpload") => init_video(state, h, body).await,
        Some("finalizeUpload") => finalize_video(state, h, body).await,
        _ => li_error(StatusCode::BAD_REQUEST, "Unknown action"),
    }
}

async fn upload_part(State(seen): State<Shared>, Path(n): Path<String>, body: Bytes) -> Response {
    seen.lock().unwrap().video_parts.push(body.len());
    (StatusCode::OK, [("etag", format!("etag-{n}"))]).into_response()
}

async fn finalize_video(
    State(seen): State<Shared>,
    h: HeaderMap,
    Json(b): Json<Value>,
) -> Response {
    if !authed(&h, &seen) {
        return li_error(StatusCode::UNAUTHORIZED, "Invalid access token");
    }
    if b["finalizeUploadRequest"]["uploadedPartIds"] != json!(["etag-1", "etag-2"])
        || b["finalizeUploadRequest"]["uploadToken"] != "tok-1"
    {
        return li_error(StatusCode::BAD_REQUEST, "Upload parts do not match");
    }
    seen.lock().unwrap().videos_finalized += 1;
    StatusCode::OK.into_response()
}

/// The fake's routes and its shared state.
/// The page statistics endpoints: one element per day of the last three.
async fn page_stats(State(seen): State<Shared>, h: HeaderMap, uri: axum::http::Uri) -> Response {
    if !authed(&h, &seen) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"}))).into_response();
    }
    let q = uri.query().unwrap_or_default().to_string();
    // Rest.li 2.0 syntax, literal: `timeIntervals=(timeRange:(start:…,end:…),timeGranularityType:DAY)`.
    let literal =
        q.contains("timeIntervals=(timeRange:(start:") && q.contains("),timeGranularityType:DAY)");
    if !literal || !q.contains("urn%3Ali%3Aorganization%3A") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": 400, "message": "timeIntervals is required"})),
        )
            .into_response();
    }
    let elements: Vec<Value> = super::insights::last_days()
        .into_iter()
        .map(|(day, ago)| {
            let start = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis();
            let d = |m: &str| super::insights::daily(m, ago);
            json!({
                "timeRange": {"start": start, "end": start + 86_400_000},
                "totalPageStatistics": {"views": {"allPageViews": {"pageViews": d("pageViews")}}},
                "followerGains": {"organicFollowerGain": d("organicFollowerGain"), "paidFollowerGain": 0},
                "totalShareStatistics": {"clickCount": d("clickCount"), "shareCount": 1, "engagement": 0.05, "commentCount": 2},
            })
        })
        .collect();
    Json(json!({"elements": elements, "paging": {"count": 10, "start": 0}})).into_response()
}

pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/oauth/v2/accessToken", post(token))
        .route("/v2/userinfo", get(userinfo))
        .route("/v2/me", get(me))
        .route("/v2/organizationalEntityAcls", get(acls))
        .route("/v2/organizations/{id}", get(organization))
        .route("/v2/organizationPageStatistics", get(page_stats))
        .route(
            "/v2/organizationalEntityFollowerStatistics",
            get(page_stats),
        )
        .route("/v2/organizationalEntityShareStatistics", get(page_stats))
        .route("/rest/images", post(init_upload))
        .route("/rest/videos", post(video_action))
        .route("/upload-part/{n}", put(upload_part))
        .route(
            "/video/{name}",
            get(|| async { ([("content-type", "video/mp4")], vec![7u8; 1000]) }),
        )
        .route("/upload/{n}", put(upload))
        .route("/rest/posts", post(posts))
        .route("/rest/socialActions/{object}", get(social_actions))
        .route("/rest/socialActions/{object}/comments", post(comments))
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
