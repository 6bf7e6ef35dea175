//! The TikTok provider against the fake TikTok API.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{serve, tiktok};
use serde_json::json;
use std::sync::Arc;

async fn setup() -> (Arc<dyn Provider>, tiktok::Shared) {
    let (app, seen) = tiktok::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("TIKTOK_URL", base.as_str()),
        ("TIKTOK_WEB_URL", "https://www.tiktok.example"),
        ("TIKTOK_CLIENT_ID", tiktok::CLIENT_KEY),
        ("TIKTOK_CLIENT_SECRET", tiktok::CLIENT_SECRET),
        ("TIKTOK_POLL_MS", "5"),
    ]);
    (Providers::new(&config).get("tiktok").unwrap(), seen)
}

fn post(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "tt".into(),
        message: text.into(),
        settings: json!({"privacy_level": "SELF_ONLY", "duet": false, "comment": true, "stitch": true}),
        media,
    }
}

fn video() -> Media {
    Media {
        kind: MediaKind::Video,
        url: "https://cdn.example/v.mp4".into(),
        alt: None,
        thumbnail: None,
    }
}

fn photo(n: u8) -> Media {
    Media {
        kind: MediaKind::Image,
        url: format!("https://cdn.example/{n}.jpg"),
        alt: None,
        thumbnail: None,
    }
}

#[tokio::test]
async fn connect_refresh_video_and_photos() {
    let (p, seen) = setup().await;
    assert!(p
        .auth_url()
        .await
        .unwrap()
        .url
        .starts_with("https://www.tiktok.example/v2/auth/authorize/?client_key=tt-key"));
    assert!(matches!(
        p.authenticate("expired", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(tiktok::GOOD_CODE, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str(), t.username.as_deref()),
        ("tt-open-1", "Tik Tammy", Some("tiktammy"))
    );
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    assert!(p.refresh(&auth).await.unwrap().refresh_token.is_some());
    let dead = ChannelAuth {
        refresh_token: Some("revoked".into()),
        ..auth.clone()
    };
    assert!(matches!(
        p.refresh(&dead).await,
        Err(ProviderError::RefreshNeeded(_))
    ));

    let v = p
        .publish(&auth, &post("dance", vec![video()]))
        .await
        .unwrap();
    assert_eq!(
        v.url,
        format!("https://www.tiktok.example/@tiktammy/video/{}", v.id)
    );
    p.publish(&auth, &post("photos", vec![photo(1), photo(2)]))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(
        s.inits[0].1["source_info"]["video_url"],
        "https://cdn.example/v.mp4"
    );
    assert_eq!(s.inits[0].1["post_info"]["disable_duet"], true);
    assert_eq!(s.inits[0].1["post_info"]["privacy_level"], "SELF_ONLY");
    assert_eq!(s.inits[1].1["media_type"], "PHOTO");
    assert_eq!(
        s.inits[1].1["source_info"]["photo_images"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        s.inits.iter().all(|(_, _, polls)| *polls >= 2),
        "publishing waits for TikTok's confirmation"
    );
}

#[tokio::test]
async fn tiktok_errors_and_rules() {
    let (p, _) = setup().await;
    let t = p.authenticate(tiktok::GOOD_CODE, "").await.unwrap();
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    assert!(matches!(
        p.publish(&auth, &post("FAIL:spam", vec![video()])).await,
        Err(ProviderError::BadRequest { .. })
    ));
    assert!(matches!(
        p.publish(&auth, &post("FAIL:rate", vec![video()])).await,
        Err(ProviderError::Transient { .. })
    ));
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&expired, &post("x", vec![video()])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    assert!(p.check(&post("none", vec![])).is_err());
    assert!(p.check(&post("mixed", vec![video(), photo(1)])).is_err());
}
