//! A fake Threads Graph API: code exchange, long-lived exchange, refresh, `me`, containers
//! (TEXT, IMAGE, VIDEO, CAROUSEL, replies) that become `FINISHED` after one status check,
//! publishing, permalinks; Graph error bodies.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The app id the fake expects.
pub const APP_ID: &str = "th-app";
/// The app secret the fake expects.
pub const APP_SECRET: &str = "th-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "th-code";
/// The account id.
pub const USER_ID: &str = "th-user-7";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Valid tokens.
    pub tokens: Vec<String>,
    /// Containers: id → (params, status checks so far).
    pub containers: HashMap<String, (HashMap<String, String>, u32)>,
    /// Published posts: (post id, container params).
    pub published: Vec<(String, HashMap<String, String>)>,
    /// When each post was published (unix seconds), by post id.
    pub published_at: HashMap<String, i64>,
    /// Like counts of published posts, set by a test (the insights fake's figure otherwise).
    pub likes: HashMap<String, u64>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    (status, Json(json!({"error": {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode}}))).into_response()
}

fn valid(seen: &Shared, q: &HashMap<String, String>) -> bool {
    q.get("access_token")
        .is_some_and(|t| seen.lock().unwrap().tokens.contains(t))
}

fn expired() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        190,
        Some(463),
        "Error validating access token: Session has expired",
    )
}

async fn code(Form(f): Form<HashMap<String, String>>) -> Response {
    if f.get("client_id").map(String::as_str) != Some(APP_ID)
        || f.get("code").map(String::as_str) != Some(GOOD_CODE)
    {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Invalid verification code format.",
        );
    }
    Json(json!({"access_token": "th-short", "user_id": USER_ID})).into_response()
}

async fn exchange(
    State(seen): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("access_token").map(String::as_str) != Some("th-short")
        || q.get("client_secret").map(String::as_str) != Some(APP_SECRET)
    {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            None,
            "Invalid OAuth access token.",
        );
    }
    let mut s = seen.lock().unwrap();
    let t = format!("th-long-{}", s.tokens.len() + 1);
    s.tokens.push(t.clone());
    Json(json!({"access_token": t, "token_type": "bearer", "expires_in": 5_183_944}))
        .into_response()
}

async fn refresh(State(seen): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    if !valid(&seen, &q) {
        return expired();
    }
    let mut s = seen.lock().unwrap();
    let t = format!("th-long-{}", s.tokens.len() + 1);
    s.tokens.push(t.clone());
    Json(json!({"access_token": t, "token_type": "bearer", "expires_in": 5_183_944}))
        .into_response()
}

async fn node(
    State(seen): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !valid(&seen, &q) {
        return expired();
    }
    if id == "me" {
        return Json(json!({"id": USER_ID, "username": "threadsy", "name": "Thready", "threads_profile_picture_url": "https://cdn.threads.example/t.jpg"})).into_response();
    }
    let mut s = seen.lock().unwrap();
    if let Some((_, checks)) = s.containers.get_mut(&id) {
        *checks += 1;
        let status = if *checks >= 2 {
            "FINISHED"
        } else {
            "IN_PROGRESS"
        };
        return Json(json!({"id": id, "status": status})).into_response();
    }
    if s.published.iter().any(|(p, _)| *p == id) {
        return Json(json!({"id": id, "permalink": format!("https://www.threads.example/@threadsy/post/{id}")})).into_response();
    }
    graph_error(
        StatusCode::BAD_REQUEST,
        100,
        Some(33),
        "Object does not exist",
    )
}

async fn create(
    State(seen): State<Shared>,
    Path((user, edge)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !valid(&seen, &q) {
        return expired();
    }
    if user != USER_ID {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Unsupported post request",
        );
    }
    let mut s = seen.lock().unwrap();
    match edge.as_str() {
        "threads" => {
            let text = q.get("text").cloned().unwrap_or_default();
            if text.chars().count() > 500 {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    Some(2207003),
                    "Param text must be at most 500 characters long.",
                );
            }
            if text.contains("FAIL:busy") {
                return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "code": 2, "is_transient": true}}))).into_response();
            }
            if text.contains("FAIL:spam") {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    Some(2207051),
                    "Action is blocked",
                );
            }
            let id = format!("container-{}", s.containers.len() + 1);
            s.containers.insert(id.clone(), (q.clone(), 0));
            Json(json!({"id": id})).into_response()
        }
        "threads_publish" => {
            let creation = q.get("creation_id").cloned().unwrap_or_default();
            let Some((params, checks)) = s.containers.get(&creation).cloned() else {
                return graph_error(StatusCode::BAD_REQUEST, 100, None, "Invalid creation id");
            };
            if checks < 2 {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    9007,
                    Some(2207027),
                    "Media is not ready to be published.",
                );
            }
            let id = format!("{}", 18_000_000 + s.published.len());
            s.published.push((id.clone(), params));
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            s.published_at.insert(id.clone(), now);
            Json(json!({"id": id})).into_response()
        }
        _ => graph_error(StatusCode::BAD_REQUEST, 100, None, "Unknown edge"),
    }
}

/// `GET /{user}/threads`: the user's posts, newest first, since `since` (unix seconds), with
/// Threads' timestamp format (`+0000` offsets).
async fn list(
    State(seen): State<Shared>,
    Path((user, edge)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !valid(&seen, &q) {
        return expired();
    }
    let set_likes = seen.lock().unwrap().likes.get(&user).copied();
    if let (true, Some(n)) = (edge == "insights", set_likes) {
        if q.get("metric").map(String::as_str) == Some("likes") {
            return Json(json!({"data": [{"name": "likes", "period": "lifetime", "values": [{"value": n}]}]})).into_response();
        }
    }
    if edge == "threads_insights" || edge == "insights" {
        return Json(super::insights::answer(&q, edge == "insights")).into_response();
    }
    if user != USER_ID || edge != "threads" {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Unsupported get request",
        );
    }
    let since: i64 = q.get("since").and_then(|v| v.parse().ok()).unwrap_or(0);
    let s = seen.lock().unwrap();
    let data: Vec<_> = s
        .published
        .iter()
        .rev()
        .filter_map(|(id, params)| {
            let at = *s.published_at.get(id)?;
            (at >= since).then(|| {
                let ts = chrono::DateTime::from_timestamp(at, 0)
                    .unwrap_or_default()
                    .format("%Y-%m-%dT%H:%M:%S+0000")
                    .to_string();
                json!({"id": id, "text": params.get("text").cloned().unwrap_or_default(), "timestamp": ts, "permalink": format!("https://www.threads.example/@threadsy/post/{id}")})
            })
        })
        .collect();
    Json(json!({"data": data, "paging": {}})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/oauth/access_token", post(code))
        .route("/access_token", get(exchange))
        .route("/refresh_access_token", get(refresh))
        .route("/v1.0/{id}", get(node))
        .route("/v1.0/{user}/{edge}", post(create).get(list))
        .with_state(seen.clone());
    (router, seen)
}
