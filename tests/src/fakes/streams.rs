//! Fakes of the streaming networks: Kick (id.kick.com OAuth 2 with PKCE, the public API's
//! users, channels and chat) and Twitch (id.twitch.tv OAuth 2, Helix users, chat messages
//! and announcements). Codes, refresh tokens and the PKCE verifier are checked.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

use super::recorder::{error, record, to, Calls};

/// The client id both fakes expect.
pub const CLIENT_ID: &str = "stream-client";
/// The client secret both fakes expect.
pub const CLIENT_SECRET: &str = "stream-secret";
/// The code both fakes accept.
pub const GOOD_CODE: &str = "stream-code";

/// State of a streaming fake: calls, and the PKCE challenge of the authorization (Kick).
#[derive(Clone, Default)]
pub struct Fake {
    /// Calls answered.
    pub calls: Calls,
    /// The `code_challenge` the authorization carried (tests set it from the auth URL).
    pub challenge: Arc<Mutex<Option<String>>>,
}

fn token_answer(n: usize) -> Response {
    Json(json!({"access_token": format!("stream-access-{n}"), "refresh_token": format!("stream-refresh-{n}"), "expires_in": 3600, "token_type": "bearer"})).into_response()
}

/// Checks a token request; `Ok(n)` is the number of the token to issue.
fn token(fake: &Fake, form: &serde_json::Value, pkce: bool) -> Result<usize, Box<Response>> {
    if form["client_id"] != CLIENT_ID || form["client_secret"] != CLIENT_SECRET {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            json!({"status": 400, "message": "invalid client"}),
        )));
    }
    let n = to(&fake.calls, "POST", "/oauth").len();
    match form["grant_type"].as_str() {
        Some("authorization_code") if form["code"] == GOOD_CODE => {
            if pkce {
                let verifier = form["code_verifier"].as_str().unwrap_or_default();
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if fake.challenge.lock().unwrap().as_deref() != Some(computed.as_str()) {
                    return Err(Box::new(error(
                        StatusCode::BAD_REQUEST,
                        json!({"error": "invalid_grant", "error_description": "code verifier mismatch"}),
                    )));
                }
            }
            Ok(n)
        }
        Some("refresh_token")
            if form["refresh_token"]
                .as_str()
                .is_some_and(|t| t.starts_with("stream-refresh-")) =>
        {
            Ok(n)
        }
        _ => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            json!({"status": 400, "message": "Invalid authorization code"}),
        ))),
    }
}

fn bearer_ok(auth: Option<&str>) -> bool {
    auth.is_some_and(|a| a.starts_with("Bearer stream-access-"))
}

async fn kick(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&fake.calls, &method, &uri, &h, &body);
    let path = uri.path();
    if path == "/oauth/token" {
        return match token(&fake, &call.body, true) {
            Ok(n) => token_answer(n),
            Err(r) => *r,
        };
    }
    if !bearer_ok(call.auth.as_deref()) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"data": {}, "message": "Unauthorized"}),
        );
    }
    match (method.as_str(), path) {
        ("GET", "/public/v1/users") => Json(json!({"data": [{"user_id": 424242, "name": "AdaKicks", "email": "ada@example.com", "profile_picture": "https://kick.example/ada.png"}], "message": "OK"})).into_response(),
        ("GET", "/public/v1/channels") => Json(json!({"data": [{"broadcaster_user_id": 424242, "slug": "adakicks"}], "message": "OK"})).into_response(),
        ("POST", "/public/v1/chat") => {
            if call.body["broadcaster_user_id"] != 424242 || call.body["type"] != "user" {
                return error(StatusCode::BAD_REQUEST, json!({"data": {}, "message": "invalid request"}));
            }
            let n = to(&fake.calls, "POST", "/public/v1/chat").len();
            Json(json!({"data": {"is_sent": true, "message_id": format!("kick-msg-{n}")}, "message": "OK"})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"data": {}, "message": "Not Found"})),
    }
}

/// A fake Kick (id and public API on one base).
pub fn kick_app() -> (Router, Fake) {
    let fake = Fake::default();
    (
        Router::new().fallback(any(kick)).with_state(fake.clone()),
        fake,
    )
}

async fn twitch(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&fake.calls, &method, &uri, &h, &body);
    let path = uri.path();
    if path == "/oauth2/token" {
        return match token(&fake, &call.body, false) {
            Ok(n) => token_answer(n),
            Err(r) => *r,
        };
    }
    if !bearer_ok(call.auth.as_deref())
        || h.get("client-id").and_then(|v| v.to_str().ok()) != Some(CLIENT_ID)
    {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"error": "Unauthorized", "status": 401, "message": "Invalid OAuth token"}),
        );
    }
    match (method.as_str(), path) {
        ("GET", "/helix/users") => Json(json!({"data": [{"id": "141981764", "login": "twitchdev", "display_name": "TwitchDev", "profile_image_url": "https://twitch.example/dev.png"}]})).into_response(),
        ("POST", "/helix/chat/messages") => {
            if call.body["message"].as_str().unwrap_or_default().contains("BANNED") {
                return Json(json!({"data": [{"message_id": "", "is_sent": false, "drop_reason": {"code": "msg_rejected", "message": "Your message is being checked by mods and has not been sent."}}]})).into_response();
            }
            let n = to(&fake.calls, "POST", "/helix/chat/messages").len();
            Json(json!({"data": [{"message_id": format!("abc-123-{n}"), "is_sent": true}]})).into_response()
        }
        ("POST", "/helix/chat/announcements") => {
            if !uri.query().unwrap_or_default().contains("moderator_id=141981764") {
                return error(StatusCode::BAD_REQUEST, json!({"error": "Bad Request", "status": 400, "message": "Missing required parameter \"moderator_id\""}));
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"error": "Not Found", "status": 404, "message": ""})),
    }
}

/// A fake Twitch (id and Helix on one base).
pub fn twitch_app() -> (Router, Fake) {
    let fake = Fake::default();
    (
        Router::new().fallback(any(twitch)).with_state(fake.clone()),
        fake,
    )
}
