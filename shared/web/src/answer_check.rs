//! The answer check of `POSTIZ_CHECK_ANSWERS=1` (tests and fuzzing only): a route's success
//! answer must have the status and [`Shape`] its registration documents, and a JSON error
//! answer (4xx) the shape of every error ([`crate::documented::ERROR_ANSWER`]), or it becomes
//! a 500 that names the difference, so every HTTP test and the fuzzer catch an answer that
//! drifted from the OpenAPI document.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::shape::Shape;

/// Runs the route and checks its answer against `expected` (status, shape).
pub(crate) async fn checked(
    route: String,
    expected: Option<(u16, Shape)>,
    req: Request,
    next: Next,
) -> Response {
    let response = next.run(req).await;
    let Some((status, shape)) = expected else {
        return response;
    };
    if response.status().is_client_error() {
        return checked_error(&route, response).await;
    }
    if !response.status().is_success() {
        return response;
    }
    if response.status().as_u16() != status {
        let answered = response.status().as_u16();
        return broken(&route, format!("answered {answered}, documented {status}"));
    }
    // A text answer may be a stream (a video): passed on without being read.
    if shape == Shape::Text {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return broken(&route, "the body could not be read".into());
    };
    let problem = match shape {
        Shape::Empty if bytes.is_empty() => None,
        Shape::Empty => Some(format!("a body of {} bytes, documented none", bytes.len())),
        shape => {
            let json = is_json(&parts);
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) if json => shape.check(&value).err(),
                Ok(_) => Some("a JSON body without the JSON content type".into()),
                Err(_) => Some("a body that is not JSON".into()),
            }
        }
    };
    match problem {
        Some(p) => broken(&route, p),
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

fn is_json(parts: &axum::http::response::Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// A 4xx in JSON must have the error shape; plain-text and empty ones pass.
async fn checked_error(route: &str, response: Response) -> Response {
    static ERROR: std::sync::OnceLock<Shape> = std::sync::OnceLock::new();
    let (parts, body) = response.into_parts();
    if !is_json(&parts) {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return broken(route, "the error body could not be read".into());
    };
    let shape = ERROR.get_or_init(|| {
        Shape::parse(crate::documented::ERROR_ANSWER).expect("the error answer's shape parses")
    });
    let problem = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => shape.check(&value).err(),
        Err(_) => Some("an error body that is not JSON".into()),
    };
    match problem {
        Some(p) => broken(
            route,
            format!("a {} error answer: {p}", parts.status.as_u16()),
        ),
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

fn broken(route: &str, problem: String) -> Response {
    let message = format!("{route}: the answer does not match its documented shape: {problem}");
    tracing::error!(%message, "answer check");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(
            json!({"statusCode": 500, "message": message, "error": "Internal Server Error"}),
        ),
    )
        .into_response()
}
