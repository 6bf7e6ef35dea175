//! What every request passes through before its handler: the cross-site check and the panic
//! net.
//!
//! Cross-site request forgery: a state-changing request authenticated by the `auth` cookie
//! must come from one of the allowed origins (the web app's, `MAIN_URL`'s).
//!
//! Browsers send `Origin` on every cross-site and same-site `POST`/`PUT`/`PATCH`/`DELETE`;
//! clients that authenticate with a header (`auth`, `Authorization`) are not at risk, since a
//! page on another site cannot set those headers without CORS allowing it.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use postiz_core::Error;
use serde_json::json;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use crate::config::WebConfig;
use crate::{cookies, ApiError};

/// The origins a cookie-authenticated browser request may come from.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(Arc<[String]>);

impl AllowedOrigins {
    /// The web app's origin, `MAIN_URL`, and the MCP inspector's local origin (as CORS).
    pub fn of(web: &WebConfig) -> Self {
        let mut list: Vec<String> = [
            Some(web.frontend_url.as_str()),
            Some("http://localhost:6274"),
            web.main_url.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
        .collect();
        list.dedup();
        Self(list.into())
    }

    /// The origins, without trailing slashes.
    pub fn list(&self) -> &[String] {
        &self.0
    }

    fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.0.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

/// Why the request must be refused as cross-site, or `None` when it may go on.
pub fn cross_site_refusal(
    method: &Method,
    headers: &HeaderMap,
    allowed: &AllowedOrigins,
) -> Option<String> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let header_auth =
        headers.contains_key("auth") || headers.contains_key(axum::http::header::AUTHORIZATION);
    if header_auth || cookies::read(headers, "auth").is_none() {
        return None;
    }
    match headers.get(axum::http::header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok(origin)) if allowed.allows(origin) => None,
        Some(Ok(origin)) => Some(format!(
            "Cross-site request refused: the origin {origin} is not allowed"
        )),
        Some(Err(_)) => Some("Cross-site request refused: unreadable origin".into()),
        None => {
            let site = headers
                .get("sec-fetch-site")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            (site == "cross-site")
                .then(|| "Cross-site request refused: the request has no origin".into())
        }
    }
}

/// Middleware refusing (403) what [`cross_site_refusal`] refuses, and turning a panic in
/// a handler into a logged 500 that names the request id (instead of a dropped connection).
pub async fn guard(State(allowed): State<AllowedOrigins>, req: Request, next: Next) -> Response {
    if let Some(why) = cross_site_refusal(req.method(), req.headers(), &allowed) {
        tracing::warn!(reason = %why, "cross-site request refused");
        return ApiError(Error::Forbidden(why)).into_response();
    }
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            tracing::error!(request_id = %request_id, panic = %what, "handler panicked");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({
                    "statusCode": 500,
                    "message": "Internal server error",
                    "requestId": request_id,
                })),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins(vec!["https://app.example.com".to_string()].into())
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cookie_writes_need_an_allowed_origin() {
        let post = Method::POST;
        let cookie = ("cookie", "auth=tok");
        assert!(cross_site_refusal(
            &post,
            &headers(&[cookie, ("origin", "https://evil.example")]),
            &allowed()
        )
        .is_some());
        assert!(
            cross_site_refusal(&post, &headers(&[cookie, ("origin", "null")]), &allowed())
                .is_some()
        );
        assert!(cross_site_refusal(
            &post,
            &headers(&[cookie, ("sec-fetch-site", "cross-site")]),
            &allowed()
        )
        .is_some());
        assert!(cross_site_refusal(
            &post,
            &headers(&[cookie, ("origin", "https://app.example.com/")]),
            &allowed()
        )
        .is_none());
        // No origin and no fetch metadata: not a browser.
        assert!(cross_site_refusal(&post, &headers(&[cookie]), &allowed()).is_none());
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_request_id() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    if true {
                        panic!("boom");
                    }
                    "unreached"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(allowed(), guard));
        let req = axum::http::Request::get("/boom")
            .header("x-request-id", "req-42")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = app.oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["requestId"], "req-42");
    }

    #[test]
    fn reads_header_tokens_and_cookieless_requests_pass() {
        let evil = ("origin", "https://evil.example");
        assert!(cross_site_refusal(
            &Method::GET,
            &headers(&[("cookie", "auth=t"), evil]),
            &allowed()
        )
        .is_none());
        assert!(cross_site_refusal(
            &Method::POST,
            &headers(&[("auth", "t"), ("cookie", "auth=t"), evil]),
            &allowed()
        )
        .is_none());
        assert!(cross_site_refusal(&Method::DELETE, &headers(&[evil]), &allowed()).is_none());
    }
}
