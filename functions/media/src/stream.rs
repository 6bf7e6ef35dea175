//! `GET /public/stream?url=`: a video the media settings preview plays (and captures a
//! thumbnail frame from, so it must come from the API's origin with CORS). Our own media
//! links are answered with a redirect to themselves (served by this API, or the public
//! bucket); any other `.mp4` URL is fetched through the guarded fetcher (public addresses
//! only, every redirect re-checked, at most the video size cap) and streamed through.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use postiz_fetch::{FetchError, FetchPolicy, GuardedFetcher, Streamed};
use std::collections::HashMap;

use crate::Ctx;

/// The fetcher of outside videos: the policy for users' URLs, up to the video size cap.
pub fn video_fetcher() -> GuardedFetcher {
    GuardedFetcher::new(FetchPolicy::user_urls(postiz_media::VIDEO_MAX))
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

/// Whether the URL's path names an `.mp4` file (as Postiz requires).
fn is_mp4(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.to_ascii_lowercase().ends_with(".mp4")
}

pub(crate) async fn stream(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(url) = q.get("url").map(|u| u.trim()).filter(|u| !u.is_empty()) else {
        return plain(StatusCode::BAD_REQUEST, "url should not be empty");
    };
    if !is_mp4(url) {
        return plain(StatusCode::BAD_REQUEST, "Invalid video URL");
    }
    if ctx.media.urls().issued(url) {
        return Redirect::temporary(url).into_response();
    }
    match ctx.fetcher.open(url).await {
        Ok(body) => streamed(body),
        Err(FetchError::Refused(_)) => plain(StatusCode::BAD_REQUEST, "Blocked URL"),
        Err(FetchError::TooLarge) => plain(StatusCode::PAYLOAD_TOO_LARGE, "The video is too large"),
        Err(FetchError::Failed(why)) => {
            tracing::info!(%why, "video stream: the source failed");
            plain(StatusCode::BAD_GATEWAY, "The video could not be fetched")
        }
    }
}

/// The source's body, piece by piece, with its type and length.
fn streamed(source: Streamed) -> Response {
    let content_type = source
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let length = source.content_length;
    let pieces = futures_util::stream::unfold(source, |mut s| async move {
        match s.chunk().await {
            Ok(Some(piece)) => Some((Ok::<_, FetchError>(piece), s)),
            Ok(None) => None,
            Err(e) => Some((Err(e), s)),
        }
    });
    let mut res = Response::new(Body::from_stream(pieces));
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Some(n) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_mp4_paths() {
        assert!(super::is_mp4("https://cdn.example/v/clip.MP4?sig=1"));
        assert!(!super::is_mp4("https://cdn.example/v/clip.mov"));
        assert!(!super::is_mp4("https://cdn.example/?f=clip.mp4"));
    }
}
