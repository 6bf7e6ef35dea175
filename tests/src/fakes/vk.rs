//! A fake VK: VK ID (`/oauth2/auth` code and refresh grants with PKCE and device id,
//! `/oauth2/user_info`), the API methods a wall post needs (`photos.getWallUploadServer`, the
//! upload server, `photos.saveWallPhoto`, `wall.post`, `wall.createComment`) with the token
//! in the body, errors as VK sends them (HTTP 200 with `{"error": …}`), and pictures at
//! `/files/*`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::json;

use super::recorder::{picture, record, to, Calls};

/// The app id the fake expects.
pub const CLIENT_ID: &str = "51234567";
/// The code the fake accepts.
pub const GOOD_CODE: &str = "vk-code";

async fn handle(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    let b = &call.body;
    let path = uri.path();
    let host = h
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    match path {
        "/oauth2/auth" => {
            let ok = b["client_id"] == CLIENT_ID
                && match b["grant_type"].as_str() {
                    Some("authorization_code") => b["code"] == GOOD_CODE && b["device_id"] == "dev-1" && b["code_verifier"].as_str().is_some_and(|v| v.len() >= 43),
                    Some("refresh_token") => b["refresh_token"].as_str().is_some_and(|t| t.starts_with("vk-refresh")) && b["device_id"] == "dev-1",
                    _ => false,
                };
            if !ok {
                return Json(json!({"error": "invalid_grant", "error_description": "Invalid code or refresh token"})).into_response();
            }
            let n = to(&calls, "POST", "/oauth2/auth").len();
            Json(json!({"access_token": format!("vk-access-{n}"), "refresh_token": format!("vk-refresh-{n}"), "expires_in": 3600, "user_id": 1001, "scope": "wall photos"})).into_response()
        }
        "/oauth2/user_info" => Json(json!({"user": {"user_id": "1001", "first_name": "Ivan", "last_name": "Petrov", "avatar": "https://vk.example/a.jpg"}})).into_response(),
        "/upload" => Json(json!({"server": 777, "photo": "[{\"photo\":\"abc\"}]", "hash": "h4sh"})).into_response(),
        p if p.starts_with("/method/") => {
            if !b["access_token"].as_str().is_some_and(|t| t.starts_with("vk-access-")) {
                return Json(json!({"error": {"error_code": 5, "error_msg": "User authorization failed: invalid access_token (4)."}})).into_response();
            }
            if uri.query().is_some_and(|q| q.contains("access_token")) {
                return Json(json!({"error": {"error_code": 100, "error_msg": "token in the URL"}})).into_response();
            }
            match p.trim_start_matches("/method/") {
                "photos.getWallUploadServer" => Json(json!({"response": {"upload_url": format!("http://{host}/upload"), "album_id": -14, "user_id": 1001}})).into_response(),
                "photos.saveWallPhoto" => Json(json!({"response": [{"id": 4567, "owner_id": 1001}]})).into_response(),
                "wall.post" => {
                    if b["message"].as_str().unwrap_or_default().is_empty() {
                        return Json(json!({"error": {"error_code": 100, "error_msg": "One of the parameters specified was missing or invalid: message is undefined"}})).into_response();
                    }
                    Json(json!({"response": {"post_id": 88}})).into_response()
                }
                "wall.createComment" => Json(json!({"response": {"comment_id": 90 + to(&calls, "POST", "/method/wall.createComment").len()}})).into_response(),
                _ => Json(json!({"error": {"error_code": 3, "error_msg": "Unknown method passed"}})).into_response(),
            }
        }
        _ => Json(json!({"error": {"error_code": 3, "error_msg": "Unknown method passed"}})).into_response(),
    }
}

/// A fake VK (id, API and upload server on one base).
pub fn app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .route("/files/{name}", get(picture))
            .fallback(any(handle))
            .with_state(calls.clone()),
        calls,
    )
}
