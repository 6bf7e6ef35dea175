//! Fakes of the article networks' documented APIs, each on its own router: Dev.to (Forem
//! API v1, `api-key` header), Medium (v1, bearer integration token), Hashnode (GraphQL with a
//! Personal Access Token), WordPress (REST API `wp/v2` with application passwords) and
//! listmonk (`/api` with Basic auth). Each checks the credential it was given and answers
//! as the real API documents; a title containing `FAIL` gets the network's refusal.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::recorder::{error, picture, record, Calls};

/// The API key (Dev.to, Medium, Hashnode) the fakes accept.
pub const API_KEY: &str = "article-secret-key";
/// The username (WordPress, listmonk) the fakes accept.
pub const USER: &str = "editor";
/// The application password (WordPress, listmonk) the fakes accept.
pub const PASSWORD: &str = "abcd efgh ijkl";

fn basic_ok(auth: Option<&str>) -> bool {
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    auth == Some(format!("Basic {expected}").as_str())
}

async fn devto(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if call.auth.as_deref() != Some(API_KEY) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"error": "unauthorized", "status": 401}),
        );
    }
    let path = uri.path();
    match (method.as_str(), path) {
        ("GET", "/api/users/me") => Json(json!({"type_of": "user", "id": 1234, "username": "ada", "name": "Ada Dev", "profile_image": "https://dev.example/ada.png"})).into_response(),
        ("GET", "/api/tags") => Json(json!([{"id": 6, "name": "rust"}, {"id": 8, "name": "webdev"}])).into_response(),
        ("GET", "/api/articles/me/all") => Json(json!([
            {"id": 1, "organization": {"username": "acme"}}, {"id": 2, "organization": {"username": "acme"}}, {"id": 3}
        ])).into_response(),
        ("GET", "/api/organizations/acme") => Json(json!({"id": 77, "name": "Acme", "username": "acme"})).into_response(),
        ("POST", "/api/articles") => {
            let a = &call.body["article"];
            if a["canonical_url"].as_str().is_some_and(|c| c.contains("taken")) {
                return error(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Canonical url has already been taken", "status": 422}));
            }
            if a["title"].as_str().unwrap_or_default().is_empty() {
                return error(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Title can't be blank", "status": 422}));
            }
            let n = super::recorder::to(&calls, "POST", "/api/articles").len();
            (StatusCode::CREATED, Json(json!({"id": 900 + n, "url": format!("https://dev.example/ada/post-{n}")}))).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"error": "not found", "status": 404})),
    }
}

/// A fake Dev.to.
pub fn devto_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new().fallback(any(devto)).with_state(calls.clone()),
        calls,
    )
}

async fn medium(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if call.auth.as_deref() != Some(&format!("Bearer {API_KEY}")) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"errors": [{"message": "Token was invalid.", "code": 6003}]}),
        );
    }
    let path = uri.path();
    match (method.as_str(), path) {
        ("GET", "/v1/me") => Json(json!({"data": {"id": "5303d74c64f66366f00cb9b2a94f3251bf5", "username": "majelbstoat", "name": "Jamie Talbot", "url": "https://medium.com/@majelbstoat", "imageUrl": "https://images.medium.com/0*fkfQiTzT7TlUGGyI.png"}})).into_response(),
        ("GET", p) if p.ends_with("/publications") => Json(json!({"data": [{"id": "b969ac62a46b", "name": "About Medium", "description": "What is this thing and how does it work?", "url": "https://medium.com/about"}]})).into_response(),
        ("POST", p) if p.ends_with("/posts") => {
            if call.body["title"].as_str().unwrap_or_default().contains("FAIL") {
                return error(StatusCode::BAD_REQUEST, json!({"errors": [{"message": "Invalid title", "code": 2004}]}));
            }
            let n = super::recorder::to(&calls, "POST", "/v1/").len();
            (StatusCode::CREATED, Json(json!({"data": {"id": format!("e6f36a{n}"), "title": call.body["title"], "url": format!("https://medium.com/@majelbstoat/story-{n}"), "publishStatus": call.body["publishStatus"]}}))).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"errors": [{"message": "Not found", "code": 6000}]})),
    }
}

/// A fake Medium.
pub fn medium_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(medium))
            .with_state(calls.clone()),
        calls,
    )
}

async fn hashnode(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if call.auth.as_deref() != Some(API_KEY) {
        return Json(json!({"errors": [{"message": "You are not authenticated.", "extensions": {"code": "UNAUTHENTICATED"}}], "data": null})).into_response();
    }
    let query = call.body["query"].as_str().unwrap_or_default();
    if query.contains("publishPost") {
        let input = &call.body["variables"]["input"];
        if input["tags"].as_array().is_none_or(|t| t.is_empty()) {
            return Json(json!({"errors": [{"message": "At least one tag is required", "extensions": {"code": "BAD_USER_INPUT"}}], "data": null})).into_response();
        }
        return Json(json!({"data": {"publishPost": {"post": {"id": "66a1b2", "url": "https://ada.hashnode.dev/first-article"}}}})).into_response();
    }
    if query.contains("publications") {
        return Json(json!({"data": {"me": {"publications": {"edges": [{"node": {"id": "pub-1", "title": "Ada's blog"}}]}}}})).into_response();
    }
    if query.contains("tag(slug") {
        let slug = call.body["variables"]["slug"].as_str().unwrap_or_default();
        let tag = (slug == "rust")
            .then(|| json!({"id": "56744721958ef13879b94ffc", "name": "Rust", "slug": "rust"}));
        return Json(json!({"data": {"tag": tag}})).into_response();
    }
    Json(json!({"data": {"me": {"id": "hn-user-1", "name": "Ada Hash", "username": "ada", "profilePicture": "https://cdn.hashnode.example/ada.png"}}})).into_response()
}

/// A fake Hashnode GraphQL endpoint (at `/`).
pub fn hashnode_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(hashnode))
            .with_state(calls.clone()),
        calls,
    )
}

async fn wordpress(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if !basic_ok(call.auth.as_deref()) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"code": "incorrect_password", "message": "The provided password is an invalid application password.", "data": {"status": 401}}),
        );
    }
    let path = uri.path();
    match (method.as_str(), path) {
        ("GET", "/wp-json/wp/v2/users/me") => Json(json!({"id": 3, "name": "Ada Press", "avatar_urls": {"24": "https://wp.example/a24.png", "96": "https://wp.example/a96.png", "48": "https://wp.example/a48.png"}})).into_response(),
        ("GET", "/wp-json/wp/v2/types") => Json(json!({
            "post": {"name": "Posts", "rest_base": "posts"}, "page": {"name": "Pages", "rest_base": "pages"},
            "attachment": {"name": "Media", "rest_base": "media"}, "wp_block": {"name": "Patterns", "rest_base": "blocks"},
            "nav_menu_item": {"name": "Navigation Menu Items", "rest_base": "menu-items"}
        })).into_response(),
        ("GET", "/wp-json/wp/v2/categories") => Json(json!([{"id": 1, "name": "Uncategorized"}, {"id": 5, "name": "News"}])).into_response(),
        ("GET", "/wp-json/wp/v2/tags") => Json(json!([{"id": 9, "name": "launch"}])).into_response(),
        ("POST", "/wp-json/wp/v2/media") => {
            let named = h.get("content-disposition").and_then(|v| v.to_str().ok()).is_some_and(|d| d.contains("filename="));
            if !named || body.is_empty() {
                return error(StatusCode::BAD_REQUEST, json!({"code": "rest_upload_no_data", "message": "No data supplied.", "data": {"status": 400}}));
            }
            (StatusCode::CREATED, Json(json!({"id": 42, "source_url": "https://wp.example/uploads/cover.png"}))).into_response()
        }
        ("POST", p) if p.starts_with("/wp-json/wp/v2/") => {
            if call.body["title"].as_str().unwrap_or_default().contains("FAIL") {
                return error(StatusCode::FORBIDDEN, json!({"code": "rest_cannot_create", "message": "Sorry, you are not allowed to create posts as this user.", "data": {"status": 403}}));
            }
            let kind = p.trim_start_matches("/wp-json/wp/v2/");
            (StatusCode::CREATED, Json(json!({"id": 101, "link": format!("https://wp.example/{kind}/{}", call.body["slug"].as_str().unwrap_or_default()), "status": call.body["status"]}))).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({"code": "rest_no_route", "message": "No route was found matching the URL and request method.", "data": {"status": 404}})),
    }
}

/// A fake WordPress site (`/wp-json/wp/v2`), serving `/files/*` pictures too.
pub fn wordpress_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .route("/files/{name}", get(picture))
            .fallback(any(wordpress))
            .with_state(calls.clone()),
        calls,
    )
}

async fn listmonk(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    if !basic_ok(call.auth.as_deref()) {
        return error(
            StatusCode::FORBIDDEN,
            json!({"message": "invalid API credentials"}),
        );
    }
    let path = uri.path();
    match (method.as_str(), path) {
        ("GET", "/api/settings") => Json(json!({"data": {"app.site_name": "Ada's Letters", "app.logo_url": "https://lm.example/logo.png"}})).into_response(),
        ("GET", "/api/lists") => Json(json!({"data": {"results": [{"id": 1, "name": "Default list"}, {"id": 4, "name": "Subscribers"}], "total": 2}})).into_response(),
        ("GET", "/api/templates") => Json(json!({"data": [{"id": 1, "name": "Default campaign template"}, {"id": 3, "name": "Plain"}]})).into_response(),
        ("POST", "/api/campaigns") => {
            let b = &call.body;
            if b["lists"].as_array().is_none_or(|l| l.is_empty()) || b["subject"].as_str().unwrap_or_default().is_empty() {
                return error(StatusCode::BAD_REQUEST, json!({"message": "invalid length for `subject`"}));
            }
            Json(json!({"data": {"id": 17, "uuid": "2e8c1b2a-9f5e-4d3c-8b7a-1a2b3c4d5e6f", "status": "draft", "name": b["name"]}})).into_response()
        }
        ("PUT", "/api/campaigns/17/status") => Json(json!({"data": {"id": 17, "status": call.body["status"]}})).into_response(),
        _ => error(StatusCode::NOT_FOUND, json!({"message": "Unknown endpoint"})),
    }
}

/// A fake listmonk instance (`/api`).
pub fn listmonk_app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(listmonk))
            .with_state(calls.clone()),
        calls,
    )
}

/// Whether a JSON value is a non-empty string.
pub fn filled(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}
