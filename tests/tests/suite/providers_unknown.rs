//! The fourth error class, for every provider: an answer that is not what the network's API
//! returns (here: HTML with status 200, as a captive portal or a broken proxy would send)
//! is `Unknown` — never taken as a success, never as the user's fault.

use axum::Router;
use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::serve;
use serde_json::json;

/// Every provider identifier the catalogue must list.
pub const ALL: [&str; 35] = [
    "bluesky",
    "devto",
    "discord",
    "dribbble",
    "facebook",
    "gmb",
    "hashnode",
    "instagram",
    "instagram-standalone",
    "kick",
    "lemmy",
    "linkedin",
    "linkedin-page",
    "listmonk",
    "mastodon",
    "medium",
    "mewe",
    "moltbook",
    "nostr",
    "pinterest",
    "reddit",
    "skool",
    "slack",
    "telegram",
    "threads",
    "tiktok",
    "tiktok-business",
    "tumblr",
    "twitch",
    "vk",
    "whop",
    "wordpress",
    "wrapcast",
    "x",
    "youtube",
];

fn media(base: &str, kind: MediaKind) -> Media {
    Media {
        kind,
        url: format!("{base}/file"),
        alt: None,
        thumbnail: None,
    }
}

#[tokio::test]
async fn a_garbage_answer_is_unknown_for_every_provider() {
    let garbage = Router::new().fallback(|| async {
        (
            [("content-type", "text/html")],
            "<html>Welcome to the hotel wifi</html>",
        )
    });
    let base = serve(garbage).await;
    let url_vars = [
        "MASTODON_URL",
        "PINTEREST_URL",
        "FACEBOOK_GRAPH_URL",
        "INSTAGRAM_FB_GRAPH_URL",
        "INSTAGRAM_GRAPH_URL",
        "SLACK_URL",
        "DISCORD_URL",
        "TELEGRAM_URL",
        "X_URL",
        "X_UPLOAD_URL",
        "LINKEDIN_URL",
        "THREADS_URL",
        "REDDIT_URL",
        "REDDIT_OAUTH_URL",
        "YOUTUBE_API_URL",
        "TIKTOK_URL",
        "DEVTO_URL",
        "MEDIUM_URL",
        "HASHNODE_URL",
        "KICK_API_URL",
        "TWITCH_API_URL",
        "VK_API_URL",
        "DRIBBBLE_API_URL",
        "TUMBLR_API_URL",
        "MOLTBOOK_URL",
        "NEYNAR_URL",
        "WHOP_URL",
        "MEWE_HOST",
        "SKOOL_API_URL",
        "GMB_POSTS_URL",
        "TIKTOK_BUSINESS_URL",
    ];
    let providers = Providers::new(&ProviderConfig::from_pairs(
        url_vars
            .iter()
            .map(|v| (*v, base.as_str()))
            .chain([("FETCH_ALLOW_PRIVATE", "true")]),
    ));
    assert_eq!(providers.identifiers(), ALL.to_vec());
    // Nostr speaks WebSocket to relays, not HTTP: a server that is no relay fails the
    // handshake, a transport failure (its own test covers refusals).
    for id in ALL.into_iter().filter(|id| *id != "nostr") {
        let p = providers.get(id).unwrap();
        let (settings, media) = match id {
            "pinterest" => (json!({"board": "1"}), vec![media(&base, MediaKind::Image)]),
            "reddit" => (
                json!({"subreddit": [{"value": {"subreddit": "rust", "title": "t", "type": "self"}}]}),
                vec![],
            ),
            "slack" | "discord" => (json!({"channel": "C1"}), vec![]),
            "youtube" => (
                json!({"title": "t", "type": "public"}),
                vec![media(&base, MediaKind::Video)],
            ),
            "instagram" | "instagram-standalone" => (
                json!({"post_type": "post"}),
                vec![media(&base, MediaKind::Image)],
            ),
            "tiktok" | "tiktok-business" => (json!({}), vec![media(&base, MediaKind::Video)]),
            "devto" | "medium" => (json!({"title": "t"}), vec![]),
            "hashnode" => (
                json!({"title": "a title", "publication": "p", "tags": [{"value": "1"}]}),
                vec![],
            ),
            "wordpress" => (json!({"title": "t", "type": "posts"}), vec![]),
            "listmonk" => (json!({"subject": "s", "list": "1"}), vec![]),
            "lemmy" => (
                json!({"subreddit": [{"value": {"id": "1", "title": "t"}}]}),
                vec![],
            ),
            "dribbble" => (json!({"title": "t"}), vec![media(&base, MediaKind::Image)]),
            "whop" => (json!({"company": "c", "experience": "e"}), vec![]),
            "mewe" => (json!({"postType": "timeline"}), vec![]),
            "skool" => (json!({"group": "g", "label": "l", "title": "t"}), vec![]),
            _ => (json!({}), vec![]),
        };
        let post = PostDetails {
            id: "u".into(),
            message: "hello".into(),
            settings,
            media,
        };
        assert!(p.check(&post).is_ok(), "{id}: {:?}", p.check(&post));
        let auth = ChannelAuth {
            internal_id: if id == "gmb" {
                "accounts/1/locations/2".into()
            } else {
                "123".into()
            },
            access_token: "token:secret".into(),
            refresh_token: None,
            custom: Some(json!({
                "service": base, "identifier": "a", "password": "b",
                "domain": base, "username": "a", "url": base,
                "auth_token": "a", "client_id": "c",
            })),
        };
        match p.publish(&auth, &post).await {
            Err(ProviderError::Unknown(_)) => {}
            other => panic!("{id}: a garbage answer must be Unknown, got {other:?}"),
        }
    }
}
