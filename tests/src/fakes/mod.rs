//! Local fake servers speaking the documented HTTP APIs of social networks, so the real
//! provider clients run against them. Each counts what it received.

pub mod articles;
pub mod bluesky;
pub mod community;
pub mod discord;
pub mod dribbble;
pub mod facebook;
pub mod feed;
pub mod gmb;
pub mod insights;
pub mod instagram;
pub mod lemmy;
pub mod linkedin;
pub mod mastodon;
pub mod nostr_relay;
pub mod openai;
pub mod pinterest;
pub mod receiver;
pub mod recorder;
pub mod reddit;
pub mod resend;
pub mod shortener;
pub mod slack;
pub mod streams;
pub mod stripe;
pub mod tavily;
pub mod telegram;
pub mod threads;
pub mod tiktok;
pub mod tiktok_business;
pub mod tumblr;
pub mod vk;
pub mod x;
pub mod youtube;

/// Serves `app` on a free loopback port; returns its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}
