//! A fake Bluesky PDS (XRPC): createSession, getProfile, uploadBlob, createRecord and
//! getRecord, with the AT Protocol's error bodies, plus getServiceAuth and the video
//! service (uploadVideo, getJobStatus) on the same address. Sessions can be expired per test.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The account's handle.
pub const HANDLE: &str = "alice.bsky.example";
/// The account's DID.
pub const DID: &str = "did:plc:alice123";
/// The app password the fake accepts.
pub const PASSWORD: &str = "app-pass-1234";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Sessions created (logins).
    pub logins: usize,
    /// Valid access tokens.
    pub tokens: Vec<String>,
    /// Blobs uploaded (sizes).
    pub blobs: Vec<usize>,
    /// Records created: rkey → record.
    pub records: Vec<(String, Value)>,
    /// Service tokens granted for the video service.
    pub service_tokens: Vec<String>,
    /// Video uploads received (sizes), a re-upload of a known file included.
    pub video_uploads: Vec<usize>,
    /// Video jobs, one per distinct file.
    pub jobs: Vec<VideoJob>,
    /// Like counts of posts by rkey, set by a test (0 otherwise).
    pub likes: HashMap<String, u64>,
    /// Reposts: the `subject` of each `app.bsky.feed.repost` record.
    pub reposts: Vec<Value>,
}

/// One encoding job of the fake video service.
#[derive(Debug, Clone)]
pub struct VideoJob {
    /// The job id.
    pub id: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// Status reads left before the job ends (a test may set it to 0).
    pub reads_left: usize,
    /// Whether it ends failed (files containing `FAIL`).
    pub fails: bool,
}

impl VideoJob {
    fn status(&self) -> Value {
        let mut v = json!({"jobId": self.id, "did": DID});
        if self.reads_left > 0 {
            v["state"] = json!("JOB_STATE_ENCODING");
            v["progress"] = json!(50);
        } else if self.fails {
            v["state"] = json!("JOB_STATE_FAILED");
            v["error"] = json!("Video is too long");
        } else {
            v["state"] = json!("JOB_STATE_COMPLETED");
            v["blob"] = json!({"$type": "blob", "ref": {"$link": format!("bafkvideo{}", self.id)}, "mimeType": "video/mp4", "size": self.bytes.len()});
        }
        v
    }
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn xrpc_error(status: StatusCode, error: &str, message: &str) -> Response {
    (status, Json(json!({"error": error, "message": message}))).into_response()
}

/// `None` when the bearer token is valid, else the error answer.
fn authed(h: &HeaderMap, seen: &Shared) -> Option<Response> {
    let token = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if seen.lock().unwrap().tokens.iter().any(|x| x == t) => None,
        Some(_) => Some(xrpc_error(
            StatusCode::BAD_REQUEST,
            "ExpiredToken",
            "Token has expired",
        )),
        None => Some(xrpc_error(
            StatusCode::UNAUTHORIZED,
            "AuthMissing",
            "Authentication Required",
        )),
    }
}

async fn create_session(State(seen): State<Shared>, Json(b): Json<Value>) -> Response {
    let ok = (b["identifier"] == HANDLE || b["identifier"] == DID) && b["password"] == PASSWORD;
    if !ok {
        return xrpc_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationRequired",
            "Invalid identifier or password",
        );
    }
    let mut s = seen.lock().unwrap();
    s.logins += 1;
    let token = format!("bsky-access-{}", s.logins);
    s.tokens.push(token.clone());
    Json(json!({"accessJwt": token, "refreshJwt": format!("bsky-refresh-{}", s.logins), "handle": HANDLE, "did": DID, "active": true})).into_response()
}

async fn get_profile(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    if q.get("actor").map(String::as_str) != Some(DID) {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Profile not found",
        );
    }
    Json(json!({"did": DID, "handle": HANDLE, "displayName": "Alice Sky", "avatar": "https://cdn.bsky.example/alice.jpg"})).into_response()
}

async fn upload_blob(State(seen): State<Shared>, h: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    let mime = h
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut s = seen.lock().unwrap();
    s.blobs.push(body.len());
    Json(json!({"blob": {"$type": "blob", "ref": {"$link": format!("bafkblob{}", s.blobs.len())}, "mimeType": mime, "size": body.len()}})).into_response()
}

async fn create_record(State(seen): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    if b["repo"] == DID && b["collection"] == "app.bsky.feed.repost" {
        let subject = &b["record"]["subject"];
        let mut s = seen.lock().unwrap();
        let rkey = subject["uri"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        let known =
            s.records.iter().any(|(k, _)| *k == rkey) && subject["cid"] == format!("bafycid{rkey}");
        if !known {
            return xrpc_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "Invalid repost subject",
            );
        }
        s.reposts.push(subject.clone());
        let n = s.reposts.len();
        return Json(json!({"uri": format!("at://{DID}/app.bsky.feed.repost/3krepost{n}"), "cid": format!("bafyrepost{n}")})).into_response();
    }
    if b["repo"] != DID || b["collection"] != "app.bsky.feed.post" {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Invalid repo or collection",
        );
    }
    let text = b["record"]["text"].as_str().unwrap_or("");
    if text.chars().count() > 300 {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
        );
    }
    if text.contains("FAIL:429") {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "3")],
            Json(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
        )
            .into_response();
    }
    let mut s = seen.lock().unwrap();
    let rkey = format!("3kpost{}", s.records.len() + 1);
    s.records.push((rkey.clone(), b["record"].clone()));
    Json(json!({"uri": format!("at://{DID}/app.bsky.feed.post/{rkey}"), "cid": format!("bafycid{rkey}")})).into_response()
}

async fn get_record(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    let rkey = q.get("rkey").cloned().unwrap_or_default();
    let s = seen.lock().unwrap();
    match s.records.iter().find(|(k, _)| *k == rkey) {
        Some((k, v)) => Json(json!({"uri": format!("at://{DID}/app.bsky.feed.post/{k}"), "cid": format!("bafycid{k}"), "value": v})).into_response(),
        None => xrpc_error(StatusCode::BAD_REQUEST, "RecordNotFound", "Could not locate record"),
    }
}

/// `app.bsky.feed.getPostThread` (depth 0): the post with its `likeCount`.
async fn get_post_thread(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    let uri = q.get("uri").cloned().unwrap_or_default();
    let rkey = uri.rsplit('/').next().unwrap_or("").to_string();
    let s = seen.lock().unwrap();
    if !uri.starts_with(&format!("at://{DID}/app.bsky.feed.post/"))
        || !s.records.iter().any(|(k, _)| *k == rkey)
    {
        return xrpc_error(StatusCode::BAD_REQUEST, "NotFound", "Post not found");
    }
    let likes = s.likes.get(&rkey).copied().unwrap_or(0);
    Json(json!({"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": uri, "cid": format!("bafycid{rkey}"), "likeCount": likes, "repostCount": s.reposts.len()}}})).into_response()
}

/// `com.atproto.repo.listRecords`: the account's posts, newest first.
async fn list_records(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    if q.get("repo").map(String::as_str) != Some(DID) {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Could not find repo",
        );
    }
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
    let s = seen.lock().unwrap();
    let records: Vec<Value> = s
        .records
        .iter()
        .rev()
        .take(limit)
        .map(|(k, v)| json!({"uri": format!("at://{DID}/app.bsky.feed.post/{k}"), "cid": format!("bafycid{k}"), "value": v}))
        .collect();
    Json(json!({"records": records})).into_response()
}

/// `com.atproto.server.getServiceAuth`: a token for the video service to write a blob.
async fn get_service_auth(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = authed(&h, &seen) {
        return r;
    }
    let aud_ok = q.get("aud").is_some_and(|a| a.starts_with("did:web:"));
    if !aud_ok || q.get("lxm").map(String::as_str) != Some("com.atproto.repo.uploadBlob") {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "aud must be a did:web and lxm uploadBlob",
        );
    }
    let mut s = seen.lock().unwrap();
    let token = format!("bsky-service-{}", s.service_tokens.len() + 1);
    s.service_tokens.push(token.clone());
    Json(json!({"token": token})).into_response()
}

/// `app.bsky.video.uploadVideo`: a new job (the job itself, not wrapped), or 409
/// `already_exists` with the job that has the same file.
async fn upload_video(
    State(seen): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let token = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let mut s = seen.lock().unwrap();
    if !s.service_tokens.iter().any(|t| t == token) {
        return xrpc_error(
            StatusCode::UNAUTHORIZED,
            "AuthMissing",
            "Service auth token required",
        );
    }
    if q.get("did").map(String::as_str) != Some(DID)
        || h.get("content-type").and_then(|v| v.to_str().ok()) != Some("video/mp4")
    {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "did and a video/mp4 body are required",
        );
    }
    s.video_uploads.push(body.len());
    if let Some(job) = s.jobs.iter().find(|j| j.bytes == body.as_ref()) {
        let mut v = job.status();
        v["error"] = json!("already_exists");
        v["message"] = json!("Video already processed");
        return (StatusCode::CONFLICT, Json(v)).into_response();
    }
    let job = VideoJob {
        id: format!("job{}", s.jobs.len() + 1),
        bytes: body.to_vec(),
        // Files containing `SLOW` encode until a test says otherwise.
        reads_left: if body.windows(4).any(|w| w == b"SLOW") {
            usize::MAX
        } else {
            2
        },
        fails: body.windows(4).any(|w| w == b"FAIL"),
    };
    let v = json!({"jobId": job.id, "did": DID, "state": "JOB_STATE_CREATED"});
    s.jobs.push(job);
    Json(v).into_response()
}

/// `app.bsky.video.getJobStatus` (no authentication, as on the real service).
async fn get_job_status(
    State(seen): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = seen.lock().unwrap();
    let id = q.get("jobId").cloned().unwrap_or_default();
    match s.jobs.iter_mut().find(|j| j.id == id) {
        Some(job) => {
            let v = job.status();
            job.reads_left = job.reads_left.saturating_sub(1);
            Json(json!({"jobStatus": v})).into_response()
        }
        None => xrpc_error(StatusCode::BAD_REQUEST, "NotFound", "Job not found"),
    }
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(create_session),
        )
        .route("/xrpc/app.bsky.actor.getProfile", get(get_profile))
        .route("/xrpc/com.atproto.repo.uploadBlob", post(upload_blob))
        .route("/xrpc/com.atproto.repo.createRecord", post(create_record))
        .route("/xrpc/com.atproto.repo.getRecord", get(get_record))
        .route("/xrpc/app.bsky.feed.getPostThread", get(get_post_thread))
        .route("/xrpc/com.atproto.repo.listRecords", get(list_records))
        .route(
            "/xrpc/com.atproto.server.getServiceAuth",
            get(get_service_auth),
        )
        .route("/xrpc/app.bsky.video.uploadVideo", post(upload_video))
        .route("/xrpc/app.bsky.video.getJobStatus", get(get_job_status))
        .route(
            "/videos/{name}",
            get(
                |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    let mut bytes = b"\x00\x00\x00\x18ftypmp42".to_vec();
                    bytes.extend_from_slice(name.to_uppercase().as_bytes());
                    ([("content-type", "video/mp4")], bytes)
                },
            ),
        )
        .route(
            "/files/{name}",
            get(|| async {
                (
                    [("content-type", "image/jpeg")],
                    vec![0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3],
                )
            }),
        )
        .with_state(seen.clone());
    (router, seen)
}
