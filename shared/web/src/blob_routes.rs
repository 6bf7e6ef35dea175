//! `/blobs/<key>`: the local server's stand-in for S3 presigned URLs, and `/uploads/<key>`:
//! its public media links (signed, never expiring) (embedded mode only).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use postiz_storage::embedded::{FileBlobs, PresignedRequest};
use postiz_storage::Blobs;
use serde::Deserialize;

/// The largest body a presigned PUT accepts: the 1 GiB video cap and 1 MiB more (a file
/// above the cap still arrives, so the media layer can answer with its size message).
pub const PUT_LIMIT: usize = (1 << 30) + (1 << 20);

/// The signature part of a presigned URL.
#[derive(Debug, Deserialize)]
pub struct Signed {
    op: String,
    expires: i64,
    signature: String,
}

/// The signature of a public link.
#[derive(Debug, Deserialize)]
pub struct PublicSig {
    #[serde(default)]
    sig: String,
}

/// Routes serving `blobs` under presigned URLs and public links, for any router state.
pub fn router<S: Clone + Send + Sync + 'static>(blobs: FileBlobs) -> Router<S> {
    Router::new()
        .route("/blobs/{*key}", get(download).put(upload))
        .route("/uploads/{*key}", get(public_download))
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

/// The media types a public link is served as; anything else goes out as an opaque download.
const SERVED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "image/tiff",
    "video/mp4",
];

async fn public_download(
    State(blobs): State<FileBlobs>,
    Path(key): Path<String>,
    Query(q): Query<PublicSig>,
) -> Response {
    if !blobs.verify_public(&key, &q.sig) {
        return (StatusCode::FORBIDDEN, "invalid signature").into_response();
    }
    match blobs.get(&key).await {
        Ok(Some(b)) => {
            let content_type = if SERVED_TYPES.contains(&b.content_type.as_str()) {
                b.content_type
            } else {
                "application/octet-stream".into()
            };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (
                        header::CACHE_CONTROL,
                        "public, max-age=31536000, immutable".into(),
                    ),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                ],
                b.bytes,
            )
                .into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

async fn upload(
    State(blobs): State<FileBlobs>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // The signature is checked before any of the body is read.
    if !verified(&blobs, &key, "put", &q) {
        return forbidden();
    }
    let body = match axum::body::to_bytes(body, PUT_LIMIT).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response(),
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
