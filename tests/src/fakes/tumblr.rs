//! A fake Tumblr API v2: OAuth 2 token grants, `/v2/user/info` with blogs, and NPF post
//! creation on a blog as JSON or multipart (a `json` part plus one part per media
//! identifier), Tumblr's error bodies with codes; pictures at `/files/*`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::recorder::{error, picture, record, to, Calls};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "tumblr-client";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "tumblr-secret";
/// The code the fake accepts.
pub const GOOD_CODE: &str = "tumblr-code";

fn tumblr_error(status: StatusCode, code: u32, detail: &str) -> Response {
    error(
        status,
        json!({"meta": {"status": status.as_u16(), "msg": "Bad Request"}, "response": [], "errors": [{"title": "Bad Request", "code": code, "detail": detail}]}),
    )
}

/// The NPF payload of a multipart post (its `json` part), with the media identifiers sent.
fn multipart_payload(body: &[u8]) -> (Value, Vec<String>) {
    let text = String::from_utf8_lossy(body);
    let mut payload = Value::Null;
    let mut names = Vec::new();
    for section in text
        .split("Content-Disposition: form-data; name=\"")
        .skip(1)
    {
        let name = section.split('"').next().unwrap_or_default().to_string();
        if name == "json" {
            let json = section.split("\r\n\r\n").nth(1).unwrap_or_default();
            let json = json.split("\r\n--").next().unwrap_or_default();
            payload = serde_json::from_str(json).unwrap_or(Value::Null);
        } else {
            names.push(name);
        }
    }
    (payload, names)
}

async fn handle(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let mut call = record(&calls, &method, &uri, &h, &body);
    let path = uri.path();
    if path == "/v2/oauth2/token" {
        let b = &call.body;
        let ok = b["client_id"] == CLIENT_ID
            && b["client_secret"] == CLIENT_SECRET
            && (b["code"] == GOOD_CODE
                || b["refresh_token"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("tumblr-refresh")));
        if !ok {
            return error(
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_grant", "error_description": "Invalid grant"}),
            );
        }
        let n = to(&calls, "POST", "/v2/oauth2/token").len();
        return Json(json!({"access_token": format!("tumblr-access-{n}"), "refresh_token": format!("tumblr-refresh-{n}"), "expires_in": 2520, "scope": "write offline_access"})).into_response();
    }
    if !call
        .auth
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer tumblr-access-"))
    {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"meta": {"status": 401, "msg": "Unauthorized"}, "response": []}),
        );
    }
    match (method.as_str(), path) {
        ("GET", "/v2/user/info") => Json(json!({"meta": {"status": 200, "msg": "OK"}, "response": {"user": {"name": "adatumbles", "blogs": [
            {"name": "adatumbles", "title": "Ada's tumbles", "primary": true, "url": "https://adatumbles.tumblr.com/"},
            {"name": "adaart", "title": "Ada's art", "primary": false, "url": "https://adaart.tumblr.com/"}
        ]}}})).into_response(),
        ("POST", p) if p.starts_with("/v2/blog/") && p.ends_with("/posts") => {
            let media = if call.body.get("bytes").is_some() {
                let (payload, names) = multipart_payload(&body);
                call.body = payload.clone();
                calls.lock().unwrap().last_mut().unwrap().body = json!({"payload": payload, "parts": names});
                names
            } else {
                calls.lock().unwrap().last_mut().unwrap().body = json!({"payload": call.body, "parts": []});
                vec![]
            };
            let content = call.body["content"].as_array().cloned().unwrap_or_default();
            if content.is_empty() {
                return tumblr_error(StatusCode::BAD_REQUEST, 8001, "Post content is empty");
            }
            if content.iter().any(|b| b["text"].as_str().is_some_and(|t| t.contains("LIMIT"))) {
                return tumblr_error(StatusCode::BAD_REQUEST, 8023, "You have reached the daily posting limit");
            }
            let referenced: Vec<String> = content.iter().filter_map(|b| {
                let m = if b["media"].is_array() { &b["media"][0] } else { &b["media"] };
                m["identifier"].as_str().map(str::to_string)
            }).collect();
            if referenced != media {
                return tumblr_error(StatusCode::BAD_REQUEST, 8005, "media identifiers do not match the parts");
            }
            (StatusCode::CREATED, Json(json!({"meta": {"status": 201, "msg": "Created"}, "response": {"id": "1234567891234567", "state": "published", "display_text": "Posted"}}))).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"meta": {"status": 404, "msg": "Not Found"}})),
    }
}

/// A fake Tumblr (web authorize, API and token endpoint on one base).
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
