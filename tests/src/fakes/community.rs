//! Fakes of the community networks: Moltbook (agents API), Neynar (Farcaster signers, users,
//! casts, channel search), Whop (OAuth 2 PKCE public client, files with upload URLs, forum
//! posts), MeWe (login-request token exchange, photos, timeline and group posts, paged groups)
//! and the endpoints Skool's web app uses (cookie sessions, files with write URLs, posts).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

use super::recorder::{error, picture, record, to, Calls};

fn host(h: &HeaderMap) -> String {
    h.get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn with_files(handler: Router<Calls>, calls: &Calls) -> Router {
    handler
        .route("/files/{name}", get(picture))
        .with_state(calls.clone())
}

/// The agent API key Moltbook's fake accepts.
pub const MOLTBOOK_KEY: &str = "moltbook_sk_agent";

async fn moltbook(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    let path = uri.path();
    if path == "/api/v1/agents/register" {
        if call.body["name"].as_str().unwrap_or_default().is_empty() {
            return Json(json!({"success": false, "error": "name is required"})).into_response();
        }
        return Json(json!({"success": true, "agent": {"api_key": MOLTBOOK_KEY, "claim_url": "https://moltbook.example/claim/abc", "verification_code": "reef-X4B2"}})).into_response();
    }
    if call.auth.as_deref() != Some(&format!("Bearer {MOLTBOOK_KEY}")) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"success": false, "error": "Invalid API key"}),
        );
    }
    match (method.as_str(), path) {
        ("GET", "/api/v1/agents/me") => Json(json!({"success": true, "agent": {"id": "a-1", "name": "postiz_bot", "display_name": "Postiz Bot"}})).into_response(),
        ("GET", "/api/v1/agents/status") => Json(json!({"status": "claimed"})).into_response(),
        ("POST", "/api/v1/posts") => {
            if call.body["submolt"] == "closed" {
                return Json(json!({"success": false, "error": "Submolt not found"})).into_response();
            }
            Json(json!({"success": true, "post": {"id": format!("p{}", to(&calls, "POST", "/api/v1/posts").len())}})).into_response()
        }
        ("POST", p) if p.ends_with("/comments") => Json(json!({"success": true, "comment": {"id": format!("c{}", to(&calls, "POST", "/api/v1/posts/").len())}})).into_response(),
        _ => Json(json!({"success": false, "error": "Not found"})).into_response(),
    }
}

/// A fake Moltbook (`/api/v1`).
pub fn moltbook_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(moltbook))
            .with_state(calls.clone()),
        calls,
    )
}

/// The Neynar API key the fake expects.
pub const NEYNAR_KEY: &str = "NEYNAR-KEY";
/// An approved signer of fid 3.
pub const SIGNER: &str = "19d0c5fd-9b33-4a48-a0e2-bc7b0555baec";

async fn neynar(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if h.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(NEYNAR_KEY) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"message": "Invalid API key"}),
        );
    }
    let q = uri.query().unwrap_or_default();
    match (method.as_str(), uri.path()) {
        ("GET", "/v2/farcaster/signer") => {
            if q.contains(SIGNER) {
                Json(json!({"signer_uuid": SIGNER, "status": "approved", "fid": 3})).into_response()
            } else {
                error(StatusCode::NOT_FOUND, json!({"message": "Signer not found"}))
            }
        }
        ("GET", "/v2/farcaster/user/bulk") => Json(json!({"users": [{"fid": 3, "username": "dwr", "display_name": "Dan", "pfp_url": "https://n.example/dan.png"}]})).into_response(),
        ("GET", "/v2/farcaster/channel/search") => Json(json!({"channels": [{"id": "rust", "name": "Rust"}]})).into_response(),
        ("POST", "/v2/farcaster/cast") => {
            if call.body["signer_uuid"] != SIGNER {
                return error(StatusCode::FORBIDDEN, json!({"message": "Signer is not approved"}));
            }
            let n = to(&calls, "POST", "/v2/farcaster/cast").len();
            Json(json!({"success": true, "cast": {"hash": format!("0xcast{n}"), "author": {"fid": 3, "username": "dwr"}, "text": call.body["text"]}})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"message": "Not found"})),
    }
}

/// A fake Neynar.
pub fn neynar_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(neynar))
            .with_state(calls.clone()),
        calls,
    )
}

/// The Whop client id the fake expects.
pub const WHOP_CLIENT: &str = "app_whop";
/// The code Whop's fake accepts.
pub const WHOP_CODE: &str = "whop-code";

/// Whop's fake: calls and the PKCE challenge of the authorization.
#[derive(Clone, Default)]
pub struct WhopFake {
    /// Calls answered.
    pub calls: Calls,
    /// The authorization's `code_challenge` (tests set it).
    pub challenge: Arc<Mutex<String>>,
}

async fn whop(
    State(fake): State<WhopFake>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&fake.calls, &method, &uri, &h, &body);
    let b = &call.body;
    match (method.as_str(), uri.path()) {
        ("POST", "/oauth/token") => {
            let verified = URL_SAFE_NO_PAD.encode(Sha256::digest(b["code_verifier"].as_str().unwrap_or_default().as_bytes())) == *fake.challenge.lock().unwrap();
            let ok = b["client_id"] == WHOP_CLIENT
                && b.get("client_secret").is_none()
                && ((b["grant_type"] == "authorization_code" && b["code"] == WHOP_CODE && verified)
                    || (b["grant_type"] == "refresh_token" && b["refresh_token"] == "whop-refresh"));
            if !ok {
                return error(StatusCode::BAD_REQUEST, json!({"error": "invalid_grant", "error_description": "The authorization code is invalid"}));
            }
            Json(json!({"access_token": "whop-access", "refresh_token": "whop-refresh", "expires_in": 7200, "token_type": "Bearer"})).into_response()
        }
        ("PUT", "/upload-target") => StatusCode::OK.into_response(),
        _ if call.auth.as_deref() != Some("Bearer whop-access") => error(StatusCode::UNAUTHORIZED, json!({"error": "invalid_token"})),
        ("GET", "/oauth/userinfo") => Json(json!({"sub": "user_42", "name": "Ada Whop", "preferred_username": "adawhop", "picture": "https://whop.example/a.png"})).into_response(),
        ("GET", "/api/v1/companies") => Json(json!({"data": [{"id": "biz_1", "title": "Ada's Academy"}]})).into_response(),
        ("GET", "/api/v1/forums") => Json(json!({"data": [{"id": "forum_1", "experience": {"id": "exp_9", "name": "Announcements"}}]})).into_response(),
        ("POST", "/api/v1/files") => Json(json!({"id": "file_1", "upload_url": format!("http://{}/upload-target", host(&h)), "upload_headers": {"x-upload-token": "t"}})).into_response(),
        ("GET", "/api/v1/files/file_1") => {
            let polls = to(&fake.calls, "GET", "/api/v1/files/file_1").len();
            Json(json!({"id": "file_1", "upload_status": if polls < 2 { "pending" } else { "ready" }})).into_response()
        }
        ("POST", "/api/v1/forum_posts") => {
            if b["experience_id"] != "exp_9" {
                return error(StatusCode::NOT_FOUND, json!({"error": {"type": "not_found", "message": "Experience not found"}}));
            }
            let n = to(&fake.calls, "POST", "/api/v1/forum_posts").len();
            Json(json!({"id": format!("post_{n}"), "content": b["content"]})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"error": {"type": "not_found"}})),
    }
}

/// A fake Whop (OAuth and API on one base).
pub fn whop_app() -> (Router, WhopFake) {
    let fake = WhopFake::default();
    (
        Router::new()
            .route("/files/{name}", get(picture))
            .fallback(any(whop))
            .with_state(fake.clone()),
        fake,
    )
}

/// MeWe's app id and key, and the approved login request.
pub const MEWE_APP: (&str, &str) = ("mewe-app", "mewe-key");
/// An approved login request token.
pub const MEWE_LOGIN: &str = "lrt-approved";

async fn mewe(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    let header = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    if header("x-app-id") != MEWE_APP.0 || header("x-api-key") != MEWE_APP.1 {
        return error(StatusCode::FORBIDDEN, json!({"message": "Forbidden"}));
    }
    let q = uri.query().unwrap_or_default().to_string();
    if uri.path() == "/api/dev/token" {
        return if q.contains(MEWE_LOGIN) {
            Json(json!({"apiToken": "mewe-api-token", "expiresAt": "2030-01-01T00:00:00Z"}))
                .into_response()
        } else if q.contains("lrt-pending") {
            Json(json!({"pending": true})).into_response()
        } else {
            error(
                StatusCode::NOT_FOUND,
                json!({"message": "Unknown login request"}),
            )
        };
    }
    if call.auth.as_deref() != Some("Bearer mewe-api-token") {
        return error(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}));
    }
    match (method.as_str(), uri.path()) {
        ("GET", "/api/dev/me") => Json(
            json!({"userId": "5f1a", "firstName": "Ada", "lastName": "MeWe", "handle": "ada.mewe"}),
        )
        .into_response(),
        ("GET", "/api/dev/groups") => {
            if q.contains("page=2") {
                Json(json!({"groups": [{"groupId": "g2", "name": "Second"}]})).into_response()
            } else {
                Json(json!({"groups": [{"groupId": "g1", "name": "First"}], "nextPage": "/api/dev/groups?page=2"})).into_response()
            }
        }
        ("POST", "/api/dev/photo/upload") => Json(json!({"id": "photo-1"})).into_response(),
        ("POST", "/api/dev/me/post") | ("POST", "/api/dev/group/g1/post") => {
            Json(json!({"postId": format!("mp{}", to(&calls, "POST", "/api/dev/").len())}))
                .into_response()
        }
        ("POST", _) => error(StatusCode::FORBIDDEN, json!({"message": "Forbidden"})),
        _ => error(StatusCode::NOT_FOUND, json!({"message": "Not found"})),
    }
}

/// A fake MeWe (`/api/dev`), pictures at `/files/*`.
pub fn mewe_app() -> (Router, Calls) {
    let calls = Calls::default();
    (with_files(Router::new().fallback(any(mewe)), &calls), calls)
}

/// Skool's session cookies the fake accepts.
pub const SKOOL_COOKIES: (&str, &str) = ("skool-auth", "skool-client");

async fn skool(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if uri.path() == "/write-target" {
        return StatusCode::OK.into_response();
    }
    let cookie = h
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if cookie
        != format!(
            "auth_token={}; client_id={}",
            SKOOL_COOKIES.0, SKOOL_COOKIES.1
        )
    {
        return error(StatusCode::UNAUTHORIZED, json!({"error": "unauthorized"}));
    }
    match (method.as_str(), uri.path()) {
        ("GET", "/self") => Json(json!({"id": "u77", "first_name": "Ada", "last_name": "Skool", "name": "ada-skool", "metadata": {"picture_profile": "https://skool.example/a.png"}})).into_response(),
        ("GET", "/users/u77/groups") => Json(json!({"groups": [{"id": "grp1", "metadata": {"display_name": "Builders"}}]})).into_response(),
        ("GET", "/groups/grp1") => Json(json!({"metadata": {"labels": "lab1"}})).into_response(),
        ("GET", "/labels/lab1") => Json(json!({"id": "lab1", "metadata": {"display_name": "Wins"}})).into_response(),
        ("POST", "/files") => Json(json!({"write_url": format!("http://{}/write-target", host(&h)), "content_type": call.body["content_type"], "acl": "public-read", "file": {"id": "f1"}})).into_response(),
        ("POST", "/posts") => {
            if call.body["metadata"]["labels"] == "locked" {
                return error(StatusCode::BAD_REQUEST, json!({"error": "cannot post to this label"}));
            }
            let n = to(&calls, "POST", "/posts").len();
            Json(json!({"id": format!("sp{n}"), "name": format!("post-{n}")})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"error": "not found"})),
    }
}

/// A fake of Skool's web API, pictures at `/files/*`.
pub fn skool_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        with_files(Router::new().fallback(any(skool)), &calls),
        calls,
    )
}
