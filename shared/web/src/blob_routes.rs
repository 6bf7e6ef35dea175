//! `/blobs/<key>`: the local server's stand-in for S3 presigned URLs (embedded mode only).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use postiz_storage::embedded::{FileBlobs, PresignedRequest};
use postiz_storage::Blobs;
use serde::Deserialize;

/// The signature part of a presigned URL.
#[derive(Debug, Deserialize)]
pub struct Signed {
    op: String,
    expires: i64,
    signature: String,
}

/// Routes serving `blobs` under presigned URLs, for any router state.
pub fn router<S: Clone + Send + Sync + 'static>(blobs: FileBlobs) -> Router<S> {
    Router::new()
        .route("/blobs/{*key}", get(download).put(upload))
        .with_state(blobs)
}

fn verified(blobs: &FileBlobs, key: &str, op: &str, q: &Signed) -> bool {
    q.op == op
        && blobs.verify(&PresignedRequest {
            op: &q.op,
            key,
            expires: q.expires,
            signature: &q.signature,
        })
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "invalid or expired signature").into_response()
}

async fn download(
    State(blobs): State<FileBlobs>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
) -> Response {
    if !verified(&blobs, &key, "get", &q) {
        return forbidden();
    }
    match blobs.get(&key).await {
        Ok(Some(b)) => ([(header::CONTENT_TYPE, b.content_type)], b.bytes).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

async fn upload(
    State(blobs): State<FileBlobs>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !verified(&blobs, &key, "put", &q) {
        return forbidden();
    }
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
