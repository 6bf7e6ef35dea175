//! A fake Bluesky PDS (XRPC): createSession, getProfile, uploadBlob, createRecord and
//! getRecord, with the AT Protocol's error bodies. Sessions can be expired per test.

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
        .route("/xrpc/com.atproto.repo.listRecords", get(list_records))
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
