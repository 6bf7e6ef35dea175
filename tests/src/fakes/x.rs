//! A fake X API that checks every OAuth 1.0a signature (its own implementation of RFC 5849,
//! separate from the provider's): request token, access token, `users/me`, media upload,
//! tweets; X's error bodies.

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
    /// Media uploads (simple, or chunked INITs).
    pub uploads: usize,
    /// Chunked uploads by media id.
    pub chunked: HashMap<String, Chunked>,
    /// Requests refused for a bad signature.
    pub bad_signatures: usize,
    /// Reads of a user's timeline (`GET /2/users/:id/tweets`), pages included.
    pub timeline_reads: usize,
    /// Reads of one post (`GET /2/tweets/:id`).
    pub lookups: usize,
    /// Like counts set by a test for published posts (7 otherwise).
    pub likes: HashMap<String, u64>,
    /// Retweets: (user id, tweet id).
    pub retweets: Vec<(String, String)>,
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

/// X's consent page, already approved: back to the callback of the request token with the
/// verifier, as X redirects after the user authorizes the app.
async fn authorize(
    State(seen): State<Shared>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let s = seen.lock().unwrap();
    let token = q.get("oauth_token").cloned().unwrap_or_default();
    let Some(n) = token
        .strip_prefix("req-token-")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n >= 1 && *n <= s.callbacks.len())
    else {
        return (StatusCode::BAD_REQUEST, "unknown oauth_token").into_response();
    };
    let callback = &s.callbacks[n - 1];
    let sep = if callback.contains('?') { '&' } else { '?' };
    axum::response::Redirect::to(&format!(
        "{callback}{sep}oauth_token={token}&oauth_verifier={VERIFIER}"
    ))
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

/// A chunked upload in progress or done.
#[derive(Debug, Clone, Default)]
pub struct Chunked {
    /// `total_bytes` announced by INIT.
    pub total: usize,
    /// Media type announced by INIT.
    pub media_type: String,
    /// Sizes of the segments received, by index.
    pub segments: Vec<usize>,
    /// FINALIZE received.
    pub finalized: bool,
    /// STATUS reads left before processing ends.
    pub reads_left: usize,
}

fn media_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"errors": [{"code": 324, "message": message}]})),
    )
        .into_response()
}

/// The chunked upload commands (`INIT`, `APPEND`, `FINALIZE`, `STATUS`), as X documents them.
async fn chunked(
    seen: &Shared,
    q: &HashMap<String, String>,
    req: axum::extract::Request,
) -> Response {
    let id = q.get("media_id").cloned().unwrap_or_default();
    match q.get("command").map(String::as_str) {
        Some("INIT") => {
            let total = q
                .get("total_bytes")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let media_type = q.get("media_type").cloned().unwrap_or_default();
            if total == 0 || !media_type.starts_with("video/") {
                return media_error("total_bytes and a video media_type are required");
            }
            let mut s = seen.lock().unwrap();
            s.uploads += 1;
            let id = format!("{}", 710_000 + s.uploads);
            let upload = Chunked {
                total,
                media_type,
                reads_left: 1,
                ..Default::default()
            };
            s.chunked.insert(id.clone(), upload);
            Json(json!({"media_id": 710_000 + s.uploads, "media_id_string": id, "expires_after_secs": 86_400})).into_response()
        }
        Some("APPEND") => {
            use axum::extract::FromRequest;
            let Ok(mut form) = axum::extract::Multipart::from_request(req, &()).await else {
                return media_error("APPEND takes a multipart body");
            };
            let mut size = None;
            while let Ok(Some(field)) = form.next_field().await {
                if field.name() == Some("media") {
                    size = field.bytes().await.ok().map(|b| b.len());
                }
            }
            let index: usize = q
                .get("segment_index")
                .and_then(|i| i.parse().ok())
                .unwrap_or(usize::MAX);
            let mut s = seen.lock().unwrap();
            match (s.chunked.get_mut(&id), size) {
                (Some(c), Some(n)) if index == c.segments.len() && !c.finalized => {
                    c.segments.push(n);
                    StatusCode::NO_CONTENT.into_response()
                }
                _ => media_error("Segments must follow INIT in order"),
            }
        }
        Some("FINALIZE") => {
            let mut s = seen.lock().unwrap();
            let Some(c) = s.chunked.get_mut(&id) else {
                return media_error("Invalid media_id");
            };
            if c.segments.iter().sum::<usize>() != c.total {
                return media_error("File size does not match total_bytes");
            }
            c.finalized = true;
            Json(json!({"media_id_string": id, "processing_info": {"state": "pending", "check_after_secs": 0}})).into_response()
        }
        Some("STATUS") => {
            let mut s = seen.lock().unwrap();
            let Some(c) = s.chunked.get_mut(&id).filter(|c| c.finalized) else {
                return media_error("Invalid media_id");
            };
            let info = if c.reads_left > 0 {
                c.reads_left -= 1;
                json!({"state": "in_progress", "check_after_secs": 0, "progress_percent": 50})
            } else if c.total == BROKEN_VIDEO.len() {
                json!({"state": "failed", "error": {"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}})
            } else {
                json!({"state": "succeeded", "progress_percent": 100})
            };
            Json(json!({"media_id_string": id, "processing_info": info})).into_response()
        }
        _ => media_error("Unknown command"),
    }
}

/// Size of the video the fake serves at `/videos/<name>` (three chunks of X's upload).
pub const VIDEO_LEN: usize = 9 * 1024 * 1024;

/// A video X fails to process (recognised by its size).
pub const BROKEN_VIDEO: &[u8] = b"not really a video";

async fn upload(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    req: axum::extract::Request,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    let q: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if q.contains_key("command") {
        return chunked(&seen, &q, req).await;
    }
    let body = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
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
    let unready = b["media"]["media_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|id| {
            s.chunked
                .get(id)
                .is_some_and(|c| !c.finalized || c.reads_left > 0)
        });
    if unready {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"message": "Your media IDs are invalid.", "code": 324}]})),
        )
            .into_response();
    }
    s.tweets.push(b.clone());
    let id = format!("{}", 1_800_000_000_000_000_000u64 + s.tweets.len() as u64);
    Json(json!({"data": {"id": id, "text": text, "edit_history_tweet_ids": [id]}})).into_response()
}

/// One post of the timeline: its id, age in days and metrics (impressions, likes,
/// retweets, replies, quotes, bookmarks).
const TIMELINE: &[(&str, i64, [u64; 6])] = &[
    ("1790000000000000003", 1, [1000, 40, 5, 3, 1, 2]),
    ("1790000000000000002", 2, [500, 10, 1, 0, 0, 1]),
    ("1790000000000000001", 20, [200, 4, 0, 1, 0, 0]),
];

fn metrics(m: &[u64; 6]) -> Value {
    json!({"impression_count": m[0], "like_count": m[1], "retweet_count": m[2], "reply_count": m[3], "quote_count": m[4], "bookmark_count": m[5]})
}

/// `GET /2/users/:id/tweets`: the posts within `start_time..end_time`, one per page (so
/// pagination is exercised), with `public_metrics` and `created_at`.
async fn timeline(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    axum::extract::Path(user): axum::extract::Path<String>,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    seen.lock().unwrap().timeline_reads += 1;
    if user != "42" {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"title": "Forbidden", "detail": "not your timeline", "status": 403})),
        )
            .into_response();
    }
    let q: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let start = q
        .get("start_time")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    let now = chrono::Utc::now();
    let within: Vec<&(&str, i64, [u64; 6])> = TIMELINE
        .iter()
        .filter(|(_, age, _)| start.is_none_or(|s| now - chrono::Duration::days(*age) >= s))
        .collect();
    let page: usize = q
        .get("pagination_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let Some((id, age, m)) = within.get(page) else {
        return Json(json!({"meta": {"result_count": 0}})).into_response();
    };
    let created = (now - chrono::Duration::days(*age))
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string();
    let mut meta = json!({"result_count": 1});
    if page + 1 < within.len() {
        meta["next_token"] = json!((page + 1).to_string());
    }
    Json(json!({"data": [{"id": id, "text": "t", "created_at": created, "public_metrics": metrics(m)}], "meta": meta})).into_response()
}

/// `GET /2/tweets/:id` with `public_metrics`.
async fn lookup(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    seen.lock().unwrap().lookups += 1;
    let published = seen.lock().unwrap().tweets.len() as u64;
    let known = TIMELINE
        .iter()
        .find(|(t, _, _)| *t == id)
        .map(|(_, _, m)| *m)
        .or_else(|| {
            let n: u64 = id.parse().ok()?;
            (n > 1_800_000_000_000_000_000 && n <= 1_800_000_000_000_000_000 + published)
                .then_some([77, 7, 1, 1, 0, 0])
        })
        .map(|mut m| {
            if let Some(likes) = seen.lock().unwrap().likes.get(&id) {
                m[1] = *likes;
            }
            m
        });
    match known {
        Some(m) => Json(json!({"data": {"id": id, "text": "t", "public_metrics": metrics(&m)}})).into_response(),
        None => (StatusCode::OK, Json(json!({"errors": [{"title": "Not Found Error", "detail": format!("Could not find tweet with id: [{id}]."), "type": "https://api.twitter.com/2/problems/resource-not-found"}]}))).into_response(),
    }
}

/// `POST /2/users/:id/retweets` with `{tweet_id}`: the post must exist (published here).
async fn retweet(
    State(seen): State<Shared>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    axum::extract::Path(user): axum::extract::Path<String>,
    Json(b): Json<Value>,
) -> Response {
    if verify(&seen, &method, &headers, &uri).is_none() {
        return unauthorized(&seen);
    }
    let tweet = b["tweet_id"].as_str().unwrap_or_default().to_string();
    let mut s = seen.lock().unwrap();
    let known = tweet
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_sub(1_800_000_000_000_000_000))
        .is_some_and(|k| k >= 1 && k <= s.tweets.len() as u64);
    if !known {
        return (StatusCode::BAD_REQUEST, Json(json!({"errors": [{"message": "The `tweet_id` query parameter value is not valid"}], "title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request"}))).into_response();
    }
    s.retweets.push((user, tweet));
    Json(json!({"data": {"retweeted": true}})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/oauth/request_token", post(request_token))
        .route("/oauth/access_token", post(access_token))
        .route("/oauth/authorize", get(authorize))
        .route("/2/users/me", get(me))
        .route("/1.1/media/upload.json", post(upload).get(upload))
        .route(
            "/videos/{name}",
            get(
                |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    let body = if name.starts_with("broken") {
                        BROKEN_VIDEO.to_vec()
                    } else {
                        vec![7u8; VIDEO_LEN]
                    };
                    ([("content-type", "video/mp4")], body)
                },
            ),
        )
        .route("/2/tweets", post(tweets))
        .route("/2/tweets/{id}", get(lookup))
        .route("/2/users/{id}/retweets", post(retweet))
        .route("/2/users/{id}/tweets", get(timeline))
        .route(
            "/files/{name}",
            get(|| async {
                (
                    [("content-type", "image/png")],
                    b"\x89PNG\r\n\x1a\nimg".to_vec(),
                )
            }),
        )
        // X takes chunks of up to 5 MB.
        .layer(axum::extract::DefaultBodyLimit::max(5 << 20))
        .with_state(seen.clone());
    (router, seen)
}
