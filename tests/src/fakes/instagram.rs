//! A fake Instagram Graph API serving both logins: Facebook Login (`v20.0`: code and
//! long-lived exchange, `me`, pages with a linked business account) and Instagram Login
//! (`/oauth/access_token`, `ig_exchange_token`, `ig_refresh_token`, `v21.0/me`); media
//! containers that finish after one status check, publishing, permalinks and comments.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// App credentials (both logins use these in the fake).
pub const APP_ID: &str = "ig-app";
/// App secret.
pub const APP_SECRET: &str = "ig-secret";
/// The only code the fake accepts.
pub const GOOD_CODE: &str = "ig-code";
/// The business account linked to the user's page.
pub const IG_ID: &str = "17841400000000001";
const FB_USER_TOKEN: &str = "fb-long-user";
/// The page token of the Instagram business account.
pub const PAGE_TOKEN: &str = "ig-page-token";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Standalone tokens issued.
    pub standalone_tokens: Vec<String>,
    /// Containers: id → (params, checks).
    pub containers: HashMap<String, (HashMap<String, String>, u32)>,
    /// Published media: (media id, container params).
    pub published: Vec<(String, HashMap<String, String>)>,
    /// Comments: (media id, message).
    pub comments: Vec<(String, String)>,
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

type Q = Query<HashMap<String, String>>;

fn graph_error(code: i64, subcode: Option<i64>, message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode}}))).into_response()
}

fn token_ok(seen: &Shared, q: &HashMap<String, String>) -> bool {
    let t = q.get("access_token").map(String::as_str).unwrap_or("");
    t == FB_USER_TOKEN
        || t == PAGE_TOKEN
        || seen
            .lock()
            .unwrap()
            .standalone_tokens
            .iter()
            .any(|s| s == t)
}

fn expired() -> Response {
    graph_error(
        190,
        Some(463),
        "Error validating access token: Session has expired",
    )
}

async fn get1(State(seen): State<Shared>, Path(name): Path<String>, Query(q): Q) -> Response {
    match name.as_str() {
        "access_token"
            if q.get("grant_type").map(String::as_str) == Some("ig_exchange_token")
                && q.get("access_token").map(String::as_str) == Some("igs-short") =>
        {
            let mut s = seen.lock().unwrap();
            let t = format!("igs-long-{}", s.standalone_tokens.len() + 1);
            s.standalone_tokens.push(t.clone());
            Json(json!({"access_token": t, "token_type": "bearer", "expires_in": 5_183_944}))
                .into_response()
        }
        "refresh_access_token" if token_ok(&seen, &q) => {
            let mut s = seen.lock().unwrap();
            let t = format!("igs-long-{}", s.standalone_tokens.len() + 1);
            s.standalone_tokens.push(t.clone());
            Json(json!({"access_token": t, "token_type": "bearer", "expires_in": 5_183_944}))
                .into_response()
        }
        _ => expired(),
    }
}

async fn ig_code(Form(f): Form<HashMap<String, String>>) -> Response {
    if f.get("client_id").map(String::as_str) != Some(APP_ID)
        || f.get("code").map(String::as_str) != Some(GOOD_CODE)
    {
        return (StatusCode::BAD_REQUEST, Json(json!({"error_type": "OAuthException", "code": 400, "error_message": "Invalid authorization code"}))).into_response();
    }
    Json(json!({"access_token": "igs-short", "user_id": IG_ID.parse::<u64>().unwrap(), "permissions": ["instagram_business_basic"]})).into_response()
}

async fn get2(
    State(seen): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    Query(q): Q,
) -> Response {
    if !token_ok(&seen, &q) {
        return expired();
    }
    if id == "me" {
        return if version == "v21.0" {
            Json(json!({"user_id": IG_ID, "username": "shop.gram", "name": "Shop Gram", "profile_picture_url": "https://ig.example/shop.jpg"})).into_response()
        } else {
            Json(json!({"id": "fb-user-1", "name": "Gina Business"})).into_response()
        };
    }
    if id == IG_ID {
        return Json(json!({"id": IG_ID, "name": "Shop Gram", "username": "shop.gram", "profile_picture_url": "https://ig.example/shop.jpg"})).into_response();
    }
    let mut s = seen.lock().unwrap();
    if let Some((_, checks)) = s.containers.get_mut(&id) {
        *checks += 1;
        let status = if *checks >= 2 {
            "FINISHED"
        } else {
            "IN_PROGRESS"
        };
        return Json(json!({"id": id, "status_code": status})).into_response();
    }
    if s.published.iter().any(|(m, _)| *m == id) {
        return Json(
            json!({"id": id, "permalink": format!("https://www.instagram.example/p/{id}/")}),
        )
        .into_response();
    }
    graph_error(
        100,
        Some(33),
        "Unsupported get request. Object does not exist",
    )
}

async fn get3(Path((_version, id, edge)): Path<(String, String, String)>, Query(q): Q) -> Response {
    match (id.as_str(), edge.as_str()) {
        ("oauth", "access_token") if q.get("client_id").map(String::as_str) == Some(APP_ID) => {
            if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
                return Json(json!({"access_token": FB_USER_TOKEN, "expires_in": 5_183_944})).into_response();
            }
            if q.get("code").map(String::as_str) == Some(GOOD_CODE) {
                return Json(json!({"access_token": "fb-short"})).into_response();
            }
            graph_error(100, Some(36009), "This authorization code has been used.")
        }
        (_, "insights") if q.get("access_token").is_some_and(|t| t == PAGE_TOKEN || t.starts_with("igs")) => {
            Json(super::insights::answer(&q, id != IG_ID)).into_response()
        }
        ("me", "accounts") if q.get("access_token").map(String::as_str) == Some(FB_USER_TOKEN) => Json(json!({"data": [
            {"id": "page-1", "name": "Shop Page", "access_token": PAGE_TOKEN, "instagram_business_account": {"id": IG_ID}},
            {"id": "page-2", "name": "No IG Page", "access_token": "other"}
        ]}))
        .into_response(),
        _ => expired(),
    }
}

/// What the Graph API says about a container's options, as documented: up to 3 collaborator
/// usernames (not on stories), trial and audio settings only on Reels.
fn refused_options(q: &HashMap<String, String>) -> Option<&'static str> {
    let reel = q.get("media_type").map(String::as_str) == Some("REELS");
    if let Some(c) = q.get("collaborators") {
        let names: Vec<String> = serde_json::from_str(c).ok()?;
        if names.len() > 3 || q.get("media_type").map(String::as_str) == Some("STORIES") {
            return Some("(#100) Invalid parameter collaborators");
        }
    }
    if let Some(t) = q.get("trial_params") {
        let v: serde_json::Value = serde_json::from_str(t).unwrap_or_default();
        let strategy = v["graduation_strategy"].as_str().unwrap_or("");
        if !reel || !["MANUAL", "SS_PERFORMANCE"].contains(&strategy) {
            return Some("(#100) Invalid parameter trial_params");
        }
    }
    if q.contains_key("audio_configuration") && !reel {
        return Some("(#100) audio_configuration is only supported for Reels");
    }
    None
}

async fn post3(
    State(seen): State<Shared>,
    Path((_version, id, edge)): Path<(String, String, String)>,
    Query(q): Q,
) -> Response {
    if !token_ok(&seen, &q) {
        return expired();
    }
    let mut s = seen.lock().unwrap();
    match edge.as_str() {
        "media" if id == IG_ID => {
            if q.get("caption").is_some_and(|c| c.contains("FAIL:unknown")) {
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1, "is_transient": true}}))).into_response();
            }
            if q.get("caption")
                .is_some_and(|c| c.contains("FAIL:restricted"))
            {
                return graph_error(9, Some(2207050), "The user is restricted");
            }
            if !q.contains_key("image_url")
                && !q.contains_key("video_url")
                && q.get("media_type").map(String::as_str) != Some("CAROUSEL")
            {
                return graph_error(
                    100,
                    None,
                    "Only photo or video can be accepted as media type.",
                );
            }
            if let Some(refused) = refused_options(&q) {
                return graph_error(100, None, refused);
            }
            let cid = format!("c{}", s.containers.len() + 1);
            s.containers.insert(cid.clone(), (q, 0));
            Json(json!({"id": cid})).into_response()
        }
        "media_publish" if id == IG_ID => {
            let creation = q.get("creation_id").cloned().unwrap_or_default();
            match s.containers.get(&creation).cloned() {
                Some((params, checks)) if checks >= 2 => {
                    let mid = format!("{}", 18_100_000 + s.published.len());
                    s.published.push((mid.clone(), params));
                    Json(json!({"id": mid})).into_response()
                }
                Some(_) => graph_error(9007, Some(2207027), "Media ID is not available"),
                None => graph_error(100, None, "Invalid creation id"),
            }
        }
        "comments" => {
            s.comments
                .push((id, q.get("message").cloned().unwrap_or_default()));
            Json(json!({"id": format!("cm{}", s.comments.len())})).into_response()
        }
        _ => graph_error(100, None, "Unsupported post request"),
    }
}

/// The fake's routes and its shared state.
pub fn app() -> (Router, Shared) {
    let seen: Shared = Arc::default();
    let router = Router::new()
        .route("/oauth/access_token", post(ig_code))
        .route("/{name}", get(get1))
        .route("/{version}/{id}", get(get2))
        .route("/{version}/{id}/{edge}", get(get3).post(post3))
        .with_state(seen.clone());
    (router, seen)
}
