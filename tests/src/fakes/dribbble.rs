//! A fake Dribbble: OAuth code exchange (secret in the body), `/v2/user` with teams, and
//! `POST /v2/shots` (multipart, 202 with the shot's `Location`), refusing shots without an
//! image or title; pictures at `/files/*`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::json;

use super::recorder::{error, picture, record, to, Calls};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "dribbble-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "dribbble-secret";
/// The code the fake accepts.
pub const GOOD_CODE: &str = "dribbble-code";
const TOKEN: &str = "Bearer dribbble-token";

async fn handle(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    match (method.as_str(), uri.path()) {
        ("POST", "/oauth/token") => {
            let b = &call.body;
            if b["client_id"] != CLIENT_ID || b["client_secret"] != CLIENT_SECRET || b["code"] != GOOD_CODE {
                return error(StatusCode::UNAUTHORIZED, json!({"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"}));
            }
            Json(json!({"access_token": "dribbble-token", "token_type": "bearer", "scope": "public upload"})).into_response()
        }
        _ if call.auth.as_deref() != Some(TOKEN) => error(StatusCode::UNAUTHORIZED, json!({"message": "Bad credentials."})),
        ("GET", "/v2/user") => Json(json!({"id": 483195, "name": "Ada Shots", "login": "adashots", "avatar_url": "https://dribbble.example/a.png", "teams": [{"id": 39, "name": "Dribbble Team"}]})).into_response(),
        ("POST", "/v2/shots") => {
            let text = String::from_utf8_lossy(&body);
            if !text.contains("name=\"image\"") || !text.contains("name=\"title\"\r\n\r\nShot") {
                return error(StatusCode::UNPROCESSABLE_ENTITY, json!({"message": "Validation failed.", "errors": [{"attribute": "image", "message": "image dimensions must be 400x300 or 800x600"}]}));
            }
            let n = to(&calls, "POST", "/v2/shots").len();
            (StatusCode::ACCEPTED, [("location", format!("https://api.dribbble.com/v2/shots/47100{n}"))]).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"message": "Not found."})),
    }
}

/// A fake Dribbble (web OAuth and API on one base).
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
