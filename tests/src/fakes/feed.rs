//! A feed server: `/feed.xml` serves RSS 2.0 with the items it holds (newest first), an
//! `ETag` and `304 Not Modified` to a matching `If-None-Match`; `/malformed.xml` is broken
//! XML; `/huge.xml` streams 50 MB; `/moved` redirects to the `redirect_to` URL. It counts
//! requests and conditional ones.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::{Arc, Mutex};

/// What the feed holds and saw.
#[derive(Debug, Default)]
pub struct Feed {
    /// Items `(guid, title, link)`, oldest first.
    pub items: Vec<(String, String, String)>,
    /// Requests of `/feed.xml`.
    pub requests: usize,
    /// Those that came with `If-None-Match` and got 304.
    pub not_modified: usize,
    /// Where `/moved` sends.
    pub redirect_to: String,
}

impl Feed {
    /// Adds an item numbered `n` (`https://blog.example/posts/<n>`).
    pub fn add(&mut self, n: usize) {
        self.items.push((
            format!("guid-{n}"),
            format!("Post number {n}"),
            format!("https://blog.example/posts/{n}"),
        ));
    }
}

/// The shared state.
pub type Shared = Arc<Mutex<Feed>>;

/// The server.
pub fn app() -> (Router, Shared) {
    let shared: Shared = Arc::default();
    let router = Router::new()
        .route("/feed.xml", get(feed))
        .route(
            "/malformed.xml",
            get(|| async { "<rss><channel><item><title>broken" }),
        )
        .route("/huge.xml", get(huge))
        .route("/moved", get(moved))
        .with_state(shared.clone());
    (router, shared)
}

fn etag(f: &Feed) -> String {
    format!("\"v{}\"", f.items.len())
}

async fn feed(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut f = s.lock().unwrap();
    f.requests += 1;
    let tag = etag(&f);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(tag.as_str())
    {
        f.not_modified += 1;
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    let mut xml = String::from(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://blog.example</link>"#,
    );
    for (guid, title, link) in f.items.iter().rev() {
        xml.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><guid>{guid}</guid><description>About {title}</description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, tag),
        ],
        xml,
    )
        .into_response()
}

async fn huge() -> Response {
    let chunk = bytes::Bytes::from(vec![b' '; 1024 * 1024]);
    let stream =
        futures_util::stream::iter((0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    Response::new(Body::from_stream(stream))
}

async fn moved(State(s): State<Shared>) -> Response {
    let to = s.lock().unwrap().redirect_to.clone();
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}
