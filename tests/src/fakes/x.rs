//! A fake X API that checks every OAuth 1.0a signature (its own implementation of RFC 5849,
//! separate from the provider's): request token, access token, `users/me`, media upload,
//! tweets; X's error bodies.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The consumer key the fake expects.
pub const KEY: &str = "x-consumer-key";
/// The consumer secret the fake expects.
pub const SECRET: &str = "x-consumer-secret";
/// The verifier X would send back to the callback.
pub const VERIFIER: &str = "x-verifier";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Token secrets issued: token → secret.
    pub secrets: HashMap<String, String>,
    /// Callbacks received with request tokens.
    pub callbacks: Vec<String>,
    /// Tweets: request bodies.
    pub tweets: Vec<Value>,
    /// Media uploads.
    pub uploads: usize,
    /// Requests refused for a bad signature.
    pub bad_signatures: usize,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn enc(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                vec![c.to_string()]
            } else {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

fn dec(s: &str) -> String {
    url::form_urlencoded::parse(format!("v={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Checks the request's OAuth header; returns its oauth parameters when the signature holds.
fn verify(
    seen: &Shared,
    method: &Method,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Option<HashMap<String, String>> {
    let header = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("OAuth ")?;
    let oauth: HashMap<String, String> = header
        .split(", ")
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (dec(k), dec(v.trim_matches('"'))))
        .collect();
    if oauth.get("oauth_consumer_key").map(String::as_str) != Some(KEY) {
        return None;
    }
    let token_secret = match oauth.get("oauth_token") {
        Some(t) => seen.lock().unwrap().secrets.get(t).cloned()?,
        None => String::new(),
    };
    let host = headers.get("host")?.to_str().ok()?;
    let base_url = format!("http://{host}{}", uri.path());
    let mut pairs: Vec<String> = oauth
        .iter()
        .filter(|(k, _)| *k != "oauth_signature")
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .chain(
            url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| format!("{}={}", enc(&k), enc(&v))),
        )
        .collect();
    pairs.sort();
    let base = [
        method.as_str().to_string(),
        enc(&base_url),
        enc(&pairs.join("&")),
    ]
    .join("&");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(
        format!("{}&{}", enc(SECRET), enc(&token_secret)).as_bytes(),
    )
    .ok()?;
    mac.update(base.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (oauth.get("oauth_signature") == Some(&expected)).then_some(oauth)
}

fn unauthorized(seen: &Shared) -> Response {
    seen.lock().unwrap().bad_signatures += 1;
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"errors": [{"code": 32, "message": "Could not authenticate you."}]})),
    )
        .into_response()
}

async fn request_token(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let Some(oauth) = verify(&seen, &method, &headers, &uri) else {
        return unauthorized(&seen);
    };
    let Some(callback) = oauth.get("oauth_callback").cloned() else {
        return unauthorized(&seen);
    };
    let mut s = seen.lock().unwrap();
    s.callbacks.push(callback);
    let n = s.secrets.len() + 1;
    let (t, sec) = (format!("req-token-{n}"), format!("req-secret-{n}"));
    s.secrets.insert(t.clone(), sec.clone());
    format!("oauth_token={t}&oauth_token_secret={sec}&oauth_callback_confirmed=true")
        .into_response()
}

async fn access_token(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let Some(oauth) = verify(&seen, &method, &headers, &uri) else {
        return unauthorized(&seen);
    };
    if oauth.get("oauth_verifier").map(String::as_str) != Some(VERIFIER)
        || !oauth
            .get("oauth_token")
            .is_some_and(|t| t.starts_with("req-"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            "Error processing your OAuth request: Invalid oauth_verifier parameter",
        )
            .into_response();
    }
    let mut s = seen.lock().unwrap();
    s.secrets
        .insert("42-access-token".into(), "access-secret".into());
    "oauth_token=42-access-token&oauth_token_secret=access-secret&user_id=42&screen_name=xalice"
        .into_response()
}

async fn me(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    Json(json!({"data": {"id": "42", "name": "Alice X", "username": "xalice", "profile_image_url": "https://pbs.example/alice.jpg", "verified": false}})).into_response()
}

async fn upload(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    if body.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"code": 38, "message": "media parameter is missing."}]})),
        )
            .into_response();
    }
    let mut s = seen.lock().unwrap();
    s.uploads += 1;
    Json(json!({"media_id": 710_000 + s.uploads, "media_id_string": format!("{}", 710_000 + s.uploads)})).into_response()
}

async fn tweets(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Json(b): Json<Value>,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    let text = b["text"].as_str().unwrap_or("");
    if text.contains("FAIL:dup") {
        return (StatusCode::FORBIDDEN, Json(json!({"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank", "title": "Forbidden", "status": 403}))).into_response();
    }
    if text.contains("FAIL:429") {
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "9")], Json(json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}))).into_response();
    }
    let mut s = seen.lock().unwrap();
    s.tweets.push(b.clone());
    let id = format!("{}", 1_800_000_000_000_000_000u64 + s.tweets.len() as u64);
    Json(json!({"data": {"id": id, "text": text, "edit_history_tweet_ids": [id]}})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/oauth/request_token", post(request_token))
        .route("/oauth/access_token", post(access_token))
        .route("/2/users/me", get(me))
        .route("/1.1/media/upload.json", post(upload))
        .route("/2/tweets", post(tweets))
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
