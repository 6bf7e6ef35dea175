//! A fake Pinterest API v5: OAuth token exchange and refresh (Basic client auth), user
//! account, boards and pins, with Pinterest's error bodies. The refresh behaviour is set
//! per test through [`RefreshMode`].

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "pin-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "pin-secret";
/// The only authorization code the fake accepts.
pub const GOOD_CODE: &str = "pin-code";
/// Lifetime of access tokens, seconds (30 days).
pub const EXPIRES_IN: i64 = 2_592_000;

/// How the token endpoint answers refresh requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefreshMode {
    /// New access and refresh tokens.
    #[default]
    Ok,
    /// A new access token but no refresh token.
    OkWithoutRefreshToken,
    /// `invalid_grant`: the refresh token is dead.
    Dead,
    /// 503: Pinterest is down.
    Down,
}

/// What the fake saw, and how it behaves.
#[derive(Debug, Default)]
pub struct Seen {
    /// Refresh behaviour.
    pub refresh_mode: RefreshMode,
    /// Refresh requests received.
    pub refreshes: usize,
    /// Valid access tokens.
    pub access: Vec<String>,
    /// Valid refresh tokens.
    pub refresh: Vec<String>,
    /// Videos uploaded to the storage URL: (media id, bytes).
    pub videos: Vec<(String, usize)>,
    /// Status checks per media id.
    pub media_checks: std::collections::HashMap<String, u32>,
    /// Pins created: (id, request body).
    pub pins: Vec<(String, Value)>,
    /// Reads of the account's statistics.
    pub stats_reads: usize,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

fn error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

fn client_ok(h: &HeaderMap) -> bool {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn bearer_ok(h: &HeaderMap, seen: &Shared) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| seen.lock().unwrap().access.iter().any(|a| a == t))
}

fn issue(s: &mut Seen, with_refresh: bool) -> Value {
    let n = s.access.len() + 1;
    let access = format!("pin-access-{n}");
    s.access.push(access.clone());
    let mut v = json!({"access_token": access, "token_type": "bearer", "expires_in": EXPIRES_IN, "scope": "boards:read,boards:write,pins:read,pins:write,user_accounts:read"});
    if with_refresh {
        let refresh = format!("pin-refresh-{n}");
        s.refresh.push(refresh.clone());
        v["refresh_token"] = json!(refresh);
        v["refresh_token_expires_in"] = json!(31_536_000);
    }
    v
}

async fn token(
    State(seen): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !client_ok(&h) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    let mut s = seen.lock().unwrap();
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") if f.get("code").map(String::as_str) == Some(GOOD_CODE) => {
            Json(issue(&mut s, true)).into_response()
        }
        Some("authorization_code") => {
            error(StatusCode::BAD_REQUEST, 1, "Invalid authorization code.")
        }
        Some("refresh_token") => {
            s.refreshes += 1;
            let known = f
                .get("refresh_token")
                .is_some_and(|r| s.refresh.contains(r));
            match s.refresh_mode {
                RefreshMode::Down => {
                    error(StatusCode::SERVICE_UNAVAILABLE, 0, "Service unavailable")
                }
                RefreshMode::Dead => error(
                    StatusCode::BAD_REQUEST,
                    1,
                    "invalid_grant: refresh token is expired or revoked",
                ),
                _ if !known => error(
                    StatusCode::BAD_REQUEST,
                    1,
                    "invalid_grant: unknown refresh token",
                ),
                RefreshMode::Ok => Json(issue(&mut s, true)).into_response(),
                RefreshMode::OkWithoutRefreshToken => Json(issue(&mut s, false)).into_response(),
            }
        }
        _ => error(StatusCode::BAD_REQUEST, 1, "Unsupported grant type."),
    }
}

async fn user_account(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    Json(json!({"id": "pin-user-1", "username": "pinner", "profile_image": "https://i.pinimg.example/pinner.jpg", "account_type": "BUSINESS"})).into_response()
}

/// `user_account/analytics`: three days of daily metrics.
async fn account_analytics(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    seen.lock().unwrap().stats_reads += 1;
    let daily: Vec<Value> = super::insights::last_days()
        .into_iter()
        .map(|(date, ago)| {
            let d = |m: &str| super::insights::daily(m, ago);
            json!({"date": date, "data_status": "READY", "metrics": {"IMPRESSION": d("IMPRESSION"), "PIN_CLICK": d("PIN_CLICK"), "SAVE": d("SAVE"), "ENGAGEMENT": d("ENGAGEMENT"), "PIN_CLICK_RATE": 0.5}})
        })
        .collect();
    Json(json!({"all": {"daily_metrics": daily, "summary_metrics": {}}})).into_response()
}

/// `pins/:id/analytics`: a pin's lifetime figures.
async fn pin_analytics(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    Json(json!({"all": {"lifetime_metrics": {"IMPRESSION": 300, "PIN_CLICK": 12, "OUTBOUND_CLICK": 4, "SAVE": 6}}})).into_response()
}

async fn boards(State(seen): State<Shared>, h: HeaderMap) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    Json(json!({"items": [{"id": "1001", "name": "Recipes"}, {"id": "1002", "name": "Travel"}], "bookmark": null})).into_response()
}

async fn pins(State(seen): State<Shared>, h: HeaderMap, Json(body): Json<Value>) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    if body["board_id"] == "404" {
        return error(StatusCode::NOT_FOUND, 2, "Board not found.");
    }
    if body["media_source"]["source_type"].is_null() {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid request: media_source is required",
        );
    }
    let mut s = seen.lock().unwrap();
    let id = format!("{}", 900_000 + s.pins.len());
    s.pins.push((id.clone(), body));
    (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
}

async fn register_media(
    State(seen): State<Shared>,
    h: HeaderMap,
    Json(b): Json<Value>,
) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    if b["media_type"] != "video" {
        return error(StatusCode::BAD_REQUEST, 1, "media_type must be video");
    }
    let host = h
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let id = format!("media-{}", seen.lock().unwrap().media_checks.len() + 1);
    seen.lock().unwrap().media_checks.insert(id.clone(), 0);
    Json(json!({"media_id": id, "media_type": "video", "upload_url": format!("http://{host}/s3-upload/{id}"), "upload_parameters": {"key": format!("uploads/{id}"), "policy": "fake-policy"}})).into_response()
}

async fn s3_upload(
    State(seen): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut key, mut size) = (String::new(), 0);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "key" => key = field.text().await.unwrap_or_default(),
            "file" => size = field.bytes().await.map(|b| b.len()).unwrap_or(0),
            _ => {}
        }
    }
    if key != format!("uploads/{id}") || size == 0 {
        return (
            StatusCode::BAD_REQUEST,
            "<Error><Code>InvalidArgument</Code></Error>",
        )
            .into_response();
    }
    seen.lock().unwrap().videos.push((id, size));
    StatusCode::NO_CONTENT.into_response()
}

async fn media_status(
    State(seen): State<Shared>,
    h: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if !bearer_ok(&h, &seen) {
        return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
    }
    let mut s = seen.lock().unwrap();
    let uploaded = s.videos.iter().any(|(v, _)| *v == id);
    let Some(checks) = s.media_checks.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, 2, "Media not found.");
    };
    *checks += 1;
    let status = if !uploaded {
        "registered"
    } else if *checks < 2 {
        "processing"
    } else {
        "succeeded"
    };
    Json(json!({"media_id": id, "media_type": "video", "status": status})).into_response()
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/v5/oauth/token", post(token))
        .route("/v5/user_account", get(user_account))
        .route("/v5/user_account/analytics", get(account_analytics))
        .route("/v5/pins/{id}/analytics", get(pin_analytics))
        .route("/v5/boards", get(boards))
        .route("/v5/pins", post(pins))
        .route("/v5/media", post(register_media))
        .route("/v5/media/{id}", get(media_status))
        .route("/s3-upload/{id}", post(s3_upload))
        .route(
            "/files/{name}",
            get(|| async { ([("content-type", "video/mp4")], vec![1u8; 64]) }),
        )
        .with_state(seen.clone());
    (router, seen)
}
