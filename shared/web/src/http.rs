//! What every router gets around it: Nest-style 404s, the logout cookie on 401, CORS as
//! Postiz configures it, request ids in tracing spans, and a body size limit.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;
use std::time::Duration;
use tower::util::MapResponseLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::WebConfig;
use crate::guard::{guard, AllowedOrigins};
use crate::{cookies, AppState};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The largest request body accepted (bigger uploads go to presigned URLs).
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

/// Nest's answer for an unknown route: 404 `Cannot <METHOD> <path>`.
pub async fn not_found(req: Request) -> Response {
    let message = format!("Cannot {} {}", req.method(), req.uri().path());
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"message": message, "error": "Not Found", "statusCode": 404})),
    )
        .into_response()
}

/// On a 401 that logs out, also expires the `auth` cookie, so browsers stop looping.
fn logout_cookie(web: &WebConfig, mut res: Response) -> Response {
    if res.status() == StatusCode::UNAUTHORIZED && res.headers().contains_key("logout") {
        let c = cookies::set(web, "auth", None);
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// CORS as Postiz sets it (exact origins, echoed), except that credentials are allowed in
/// `NOT_SECURED` mode too: there the web app still sends some requests with credentials
/// (its uploads, its assistant's requests), which Postiz's CORS refuses whenever the app and
/// the API are on different ports.
pub fn cors(web: &WebConfig) -> CorsLayer {
    let origins: Vec<HeaderValue> = AllowedOrigins::of(web)
        .list()
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let mut expose = vec![
        HeaderName::from_static("reload"),
        HeaderName::from_static("onboarding"),
        HeaderName::from_static("activate"),
        HeaderName::from_static("x-copilotkit-runtime-client-gql-version"),
    ];
    if web.not_secured {
        expose.extend(["auth", "showorg", "impersonate"].map(HeaderName::from_static));
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
        ])
        .allow_headers(
            [
                "content-type",
                "authorization",
                "auth",
                "showorg",
                "impersonate",
                "x-copilotkit-runtime-client-gql-version",
            ]
            .map(HeaderName::from_static),
        )
        .expose_headers(expose)
        .max_age(Duration::from_secs(600))
}

/// Wraps `routes` with the fallback and the shared layers, and binds the state.
pub fn finish(routes: Router<AppState>, state: AppState) -> Router {
    let web = state.web.clone();
    let cors = cors(&web);
    let origins = AllowedOrigins::of(&web);
    routes
        .fallback(not_found)
        // A plain response map: no boxed future or service clone per request.
        .layer(MapResponseLayer::new(move |res| logout_cookie(&web, res)))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(origins, guard))
        .layer(cors)
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %logged_path(req.uri().path()), user_id = tracing::field::Empty, impersonated_by = tracing::field::Empty)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// A public metadata document (OAuth, RFC 8414 / RFC 9728): JSON any origin may read,
/// cacheable for an hour.
pub fn public_metadata(document: serde_json::Value) -> Response {
    let mut r = axum::Json(document).into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    r
}

/// The path as logged: the API key of `/mcp/:apiKey` masked.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/mcp/") {
        "/mcp/[REDACTED]"
    } else {
        path
    }
}

/// Collapses leading slashes (`//public/v1/x` → `/public/v1/x`), which clients produce when
/// their base URL ends with `/`. Applied before routing.
pub fn normalize_path<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    if path.starts_with("//") {
        let fixed = format!("/{}", path.trim_start_matches('/'));
        let pq = match req.uri().query() {
            Some(q) => format!("{fixed}?{q}"),
            None => fixed,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// A response body that is already JSON text (hot paths serialise straight to bytes).
#[derive(Debug, Clone)]
pub struct RawJson(pub bytes::Bytes);

impl IntoResponse for RawJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}
