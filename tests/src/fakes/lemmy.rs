//! A fake Lemmy instance (API v3): login with username or email and password for a JWT,
//! the user's profile, community search, posts and comments (with `parent_id`), and Lemmy's
//! error bodies (`{"error": "incorrect_login"}`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::json;

use super::recorder::{error, record, to, Calls};

/// The username the fake accepts.
pub const USER: &str = "ada";
/// The password the fake accepts.
pub const PASSWORD: &str = "lemmy-pass";
const JWT: &str = "lemmy.jwt.token";

async fn handle(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    let path = uri.path();
    if path == "/api/v3/user/login" {
        if call.body["username_or_email"] != USER || call.body["password"] != PASSWORD {
            return error(StatusCode::BAD_REQUEST, json!({"error": "incorrect_login"}));
        }
        return Json(
            json!({"jwt": JWT, "registration_created": false, "verify_email_sent": false}),
        )
        .into_response();
    }
    if call.auth.as_deref() != Some(&format!("Bearer {JWT}")) {
        return error(StatusCode::UNAUTHORIZED, json!({"error": "not_logged_in"}));
    }
    match (method.as_str(), path) {
        ("GET", "/api/v3/user") => Json(json!({"person_view": {"person": {"id": 8841, "name": USER, "display_name": "Ada Lemmy", "avatar": "https://lemmy.example/pictrs/ada.png"}}})).into_response(),
        ("GET", "/api/v3/search") => Json(json!({"type_": "Communities", "communities": [
            {"community": {"id": 12, "name": "rust", "title": "Rust Programming"}},
            {"community": {"id": 31, "name": "rustaceans", "title": "Rustaceans"}}
        ]})).into_response(),
        ("POST", "/api/v3/post") => {
            if call.body["name"].as_str().unwrap_or_default().is_empty() {
                return error(StatusCode::BAD_REQUEST, json!({"error": "invalid_post_title"}));
            }
            let n = to(&calls, "POST", "/api/v3/post").len();
            Json(json!({"post_view": {"post": {"id": 5000 + n, "name": call.body["name"], "community_id": call.body["community_id"]}}})).into_response()
        }
        ("POST", "/api/v3/comment") => {
            let n = to(&calls, "POST", "/api/v3/comment").len();
            Json(json!({"comment_view": {"comment": {"id": 7000 + n, "post_id": call.body["post_id"], "content": call.body["content"]}}})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"error": "not_found"})),
    }
}

/// A fake Lemmy instance.
pub fn app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(handle))
            .with_state(calls.clone()),
        calls,
    )
}
