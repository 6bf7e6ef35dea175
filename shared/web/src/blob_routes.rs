//! `/blobs/<key>`: the local server's stand-in for S3 presigned URLs (embedded mode only).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use postiz_storage::Blobs;
use serde::Deserialize;

use crate::AppState;

/// The signature part of a presigned URL.
#[derive(Debug, Deserialize)]
pub struct Signed {
    op: String,
    expires: i64,
    signature: String,
}

/// Routes serving the blob folder under presigned URLs.
pub fn router() -> Router<AppState> {
    Router::new().route("/blobs/{*key}", get(download).put(upload))
}

fn check(
    state: &AppState,
    key: &str,
    op: &str,
    q: &Signed,
) -> Option<postiz_storage::embedded::FileBlobs> {
    let blobs = state.adapters.file_blobs.clone()?;
    let req = postiz_storage::embedded::PresignedRequest {
        op: &q.op,
        key,
        expires: q.expires,
        signature: &q.signature,
    };
    (q.op == op && blobs.verify(&req)).then_some(blobs)
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "invalid or expired signature").into_response()
}

async fn download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
) -> Response {
    let Some(blobs) = check(&state, &key, "get", &q) else {
        return forbidden();
    };
    match blobs.get(&key).await {
        Ok(Some(b)) => ([(header::CONTENT_TYPE, b.content_type)], b.bytes).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

async fn upload(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(blobs) = check(&state, &key, "put", &q) else {
        return forbidden();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    match blobs.put(&key, body, &content_type).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}
