//! Memory of re-uploading a big video to a network: the peak RSS of this process while the
//! YouTube provider publishes a video of `--mb` megabytes (default 256) read from a local
//! media server and uploaded to a local sink that discards what it receives. `streamed` is
//! what the publisher does (`Http::open_media`: one piece in memory at a time); `buffered`
//! reads the whole file first, as every provider did before, for comparison.
//!
//! `bench_media [streamed|buffered] [--mb N]` — one mode per process, since the peak RSS of a
//! process never goes down.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;
use futures_util::StreamExt;
use postiz_providers::http::Http;
use postiz_providers::{ChannelAuth, Media, MediaKind, PostDetails, ProviderConfig, Providers};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const PIECE: usize = 64 * 1024;

fn kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Serves `size` bytes of video with a `Content-Length`, produced as they are sent.
async fn video(State(size): State<u64>) -> impl IntoResponse {
    let pieces = (size as usize).div_ceil(PIECE);
    let stream = futures_util::stream::iter(0..pieces).map(move |i| {
        let len = PIECE.min(size as usize - i * PIECE);
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![(i % 251) as u8; len]))
    });
    let mut h = HeaderMap::new();
    h.insert("content-type", "video/mp4".parse().unwrap());
    h.insert("content-length", size.to_string().parse().unwrap());
    (h, Body::from_stream(stream))
}

/// YouTube's resumable upload, discarding the bytes.
async fn open_session(State(base): State<String>) -> impl IntoResponse {
    let mut h = HeaderMap::new();
    h.insert("location", format!("{base}/session").parse().unwrap());
    (StatusCode::OK, h)
}

async fn receive(State(received): State<Arc<AtomicU64>>, body: Body) -> impl IntoResponse {
    let mut stream = body.into_data_stream();
    while let Some(Ok(piece)) = stream.next().await {
        received.fetch_add(piece.len() as u64, Ordering::SeqCst);
    }
    axum::Json(json!({"id": "bench-video"}))
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("streamed");
    let mb: u64 = args
        .iter()
        .position(|a| a == "--mb")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let size = mb * 1024 * 1024;
    let source = serve(
        Router::new()
            .route("/video.mp4", get(video))
            .with_state(size),
    )
    .await;
    let received = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route(
            "/upload/youtube/v3/videos",
            post(open_session).with_state(sink.clone()),
        )
        .route("/session", put(receive).with_state(received.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("{source}/video.mp4");
    let before = kb("VmHWM:");
    let started = Instant::now();
    match mode {
        "buffered" => {
            let http = Http::default().guarded(true, None);
            let (bytes, _) = http.fetch_media(&url).await.unwrap();
            received.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        }
        _ => {
            let config = ProviderConfig::from_pairs([
                ("FETCH_ALLOW_PRIVATE", "true"),
                ("YOUTUBE_API_URL", sink.as_str()),
                ("YOUTUBE_CLIENT_ID", "bench"),
                ("YOUTUBE_CLIENT_SECRET", "bench"),
            ]);
            let youtube = Providers::new(&config).get("youtube").unwrap();
            let auth = ChannelAuth {
                internal_id: "channel".into(),
                access_token: "token".into(),
                refresh_token: None,
                custom: None,
            };
            let post = PostDetails {
                id: "bench".into(),
                message: "A big video".into(),
                settings: json!({"title": "Bench", "type": "unlisted"}),
                media: vec![Media {
                    kind: MediaKind::Video,
                    url: url.clone(),
                    alt: None,
                    thumbnail: None,
                }],
            };
            youtube.publish(&auth, &post).await.unwrap();
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(received.load(Ordering::SeqCst), size, "every byte arrived");
    let peak = kb("VmHWM:");
    println!("mode: {mode}");
    println!("video: {mb} MiB");
    println!("time: {:.2} s", elapsed.as_secs_f64());
    println!("peak RSS before: {:.1} MB", before as f64 / 1024.0);
    println!("peak RSS after: {:.1} MB", peak as f64 / 1024.0);
    println!(
        "peak RSS growth: {:.1} MB",
        (peak.saturating_sub(before)) as f64 / 1024.0
    );
}
