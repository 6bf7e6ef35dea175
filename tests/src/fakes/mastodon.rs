//! A fake Mastodon instance: OAuth token exchange, `verify_credentials`, media upload with
//! asynchronous processing, statuses with `Idempotency-Key` and replies, and Mastodon's
//! error bodies. A status text containing `FAIL:<case>` triggers an error.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "fake-client-id";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "fake-client-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "good-code";

/// A status the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Status id.
    pub id: String,
    /// Text.
    pub text: String,
    /// Replied-to status.
    pub reply_to: Option<String>,
    /// Attached media ids.
    pub media: Vec<String>,
}

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Statuses created (each one counts once, whatever the retries).
    pub statuses: Vec<Received>,
    /// Status requests, including idempotent repeats.
    pub status_requests: usize,
    /// Tokens issued.
    pub tokens: Vec<String>,
    /// Media uploaded: id → (bytes, polls left before ready).
    pub media: HashMap<String, (usize, u32)>,
    /// Statuses (and `Retry-After` seconds) the next status requests fail with, in order.
    pub fail_next: std::collections::VecDeque<(u16, Option<u64>)>,
    /// Milliseconds each status request takes.
    pub latency_ms: u64,
    /// When above 0, every `fail_every`-th status request answers 503 (20: 5 % errors).
    pub fail_every: usize,
    idempotency: HashMap<String, String>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn err(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn bearer(h: &HeaderMap, seen: &Shared) -> Option<String> {
    let t = h
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .to_string();
    seen.lock().unwrap().tokens.contains(&t).then_some(t)
}

async fn token(State(seen): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"}))).into_response();
    }
    if f.get("code").map(String::as_str) != Some(GOOD_CODE)
        || f.get("grant_type").map(String::as_str) != Some("authorization_code")
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."})),
        )
            .into_response();
    }
    let mut s = seen.lock().unwrap();
    let t = format!("masto-secret-token-{}", s.tokens.len() + 1);
    s.tokens.push(t.clone());
    Json(json!({"access_token": t, "token_type": "Bearer", "scope": "write:statuses profile write:media", "created_at": 1_700_000_000})).into_response()
}

async fn verify(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if bearer(&h, &seen).is_none() {
        return err(StatusCode::UNAUTHORIZED, "The access token is invalid");
    }
    Json(json!({"id": "109348", "username": "alice", "acct": "alice", "display_name": "Alice Mastodon", "avatar": "https://files.example/avatars/alice.png"})).into_response()
}

async fn upload(State(seen): State<Shared>, h: HeaderMap, mut form: Multipart) -> Response {
    if bearer(&h, &seen).is_none() {
        return err(StatusCode::UNAUTHORIZED, "The access token is invalid");
    }
    let mut size = 0;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            size = field.bytes().await.map(|b| b.len()).unwrap_or(0);
        }
    }
    if size == 0 {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: File can't be blank",
        );
    }
    let mut s = seen.lock().unwrap();
    let id = format!("media-{}", s.media.len() + 1);
    s.media.insert(id.clone(), (size, 1));
    (
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "type": "image", "url": null})),
    )
        .into_response()
}

async fn media_status(
    State(seen): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if bearer(&h, &seen).is_none() {
        return err(StatusCode::UNAUTHORIZED, "The access token is invalid");
    }
    let mut s = seen.lock().unwrap();
    match s.media.get_mut(&id) {
        Some((_, polls)) if *polls > 0 => {
            *polls -= 1;
            (
                StatusCode::PARTIAL_CONTENT,
                Json(json!({"id": id, "url": null})),
            )
                .into_response()
        }
        Some(_) => Json(json!({"id": id, "url": format!("https://files.example/{id}.png")}))
            .into_response(),
        None => err(StatusCode::NOT_FOUND, "Record not found"),
    }
}

async fn status(State(seen): State<Shared>, h: HeaderMap, body: String) -> Response {
    if bearer(&h, &seen).is_none() {
        return err(StatusCode::UNAUTHORIZED, "The access token is invalid");
    }
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let text = pairs
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let reply_to = pairs
        .iter()
        .find(|(k, _)| k == "in_reply_to_id")
        .map(|(_, v)| v.clone());
    let media: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "media_ids[]")
        .map(|(_, v)| v.clone())
        .collect();
    let key = h
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let latency = seen.lock().unwrap().latency_ms;
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let mut s = seen.lock().unwrap();
    s.status_requests += 1;
    if s.fail_every > 0 && s.status_requests % s.fail_every == 0 {
        return err(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
    }
    if let Some((code, retry)) = s.fail_next.pop_front() {
        let code = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut r = err(code, "Service Unavailable");
        if let Some(secs) = retry {
            r.headers_mut()
                .insert("retry-after", secs.to_string().parse().unwrap());
        }
        return r;
    }
    if let Some(case) = text
        .split("FAIL:")
        .nth(1)
        .map(|c| c.split_whitespace().next().unwrap_or(""))
    {
        return match case {
            "422" => err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Validation failed: Text character limit of 500 exceeded",
            ),
            "disabled" => err(StatusCode::FORBIDDEN, "Your login is currently disabled"),
            "processing" => err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Validation failed: Media attachment not finished processing",
            ),
            "429" => (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "7")],
                Json(json!({"error": "Too many requests"})),
            )
                .into_response(),
            _ => err(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        };
    }
    for m in &media {
        match s.media.get(m) {
            Some((_, 0)) => {}
            Some(_) => {
                return err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Validation failed: Media attachment not finished processing",
                )
            }
            None => {
                return err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Validation failed: Media attachment could not be found",
                )
            }
        }
    }
    if let Some(id) = key.as_ref().and_then(|k| s.idempotency.get(k)).cloned() {
        return Json(json!({"id": id, "url": format!("https://mastodon.example/@alice/{id}")}))
            .into_response();
    }
    let id = format!("{}", 110_000 + s.statuses.len());
    s.statuses.push(Received {
        id: id.clone(),
        text,
        reply_to,
        media,
    });
    if let Some(k) = key {
        s.idempotency.insert(k, id.clone());
    }
    Json(json!({"id": id, "url": format!("https://mastodon.example/@alice/{id}")})).into_response()
}

fn serde_urlencoded_pairs(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/oauth/token", post(token))
        .route("/api/v1/accounts/verify_credentials", get(verify))
        .route("/api/v2/media", post(upload))
        .route("/api/v1/media/{id}", get(media_status))
        .route("/api/v1/statuses", post(status))
        .route(
            "/files/{name}",
            get(|| async {
                (
                    [("content-type", "image/png")],
                    b"\x89PNG\r\n\x1a\nfake-image".to_vec(),
                )
            }),
        )
        .with_state(seen.clone());
    (router, seen)
}
