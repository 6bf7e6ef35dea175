//! The YouTube provider against the fake Google/YouTube APIs.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{serve, youtube};
use serde_json::json;
use std::sync::Arc;

async fn setup() -> (Arc<dyn Provider>, youtube::Shared, String) {
    let (app, seen) = youtube::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("YOUTUBE_API_URL", base.as_str()),
        ("GOOGLE_ACCOUNTS_URL", "https://accounts.google.example"),
        ("GOOGLE_TOKEN_URL", base.as_str()),
        ("YOUTUBE_CLIENT_ID", youtube::CLIENT_ID),
        ("YOUTUBE_CLIENT_SECRET", youtube::CLIENT_SECRET),
    ]);
    (Providers::new(&config).get("youtube").unwrap(), seen, base)
}

fn video(base: &str, title: &str) -> PostDetails {
    PostDetails {
        id: "y".into(),
        message: "A description".into(),
        settings: json!({"title": title, "type": "unlisted", "tags": [{"value": "food", "label": "food"}]}),
        media: vec![Media {
            kind: MediaKind::Video,
            url: format!("{base}/files/v.mp4"),
            alt: None,
            thumbnail: None,
        }],
    }
}

#[tokio::test]
async fn connect_pick_channel_refresh_and_upload() {
    let (p, seen, base) = setup().await;
    let url = p.auth_url().await.unwrap().url;
    assert!(
        url.starts_with("https://accounts.google.example/o/oauth2/v2/auth?client_id=yt-client")
            && url.contains("access_type=offline"),
        "{url}"
    );
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(youtube::GOOD_CODE, "").await.unwrap();
    let user = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    let pages = p.pages(&user).await.unwrap();
    assert_eq!(
        (pages[0].id.as_str(), pages[0].name.as_str()),
        (youtube::CHANNEL_ID, "Yuki Cooks")
    );
    assert!(matches!(
        p.select_page(&user, "UCother").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let ch = p.select_page(&user, youtube::CHANNEL_ID).await.unwrap();
    let auth = ChannelAuth {
        internal_id: ch.id,
        access_token: ch.access_token,
        refresh_token: ch.refresh_token,
        custom: None,
    };
    let fresh = p.refresh(&auth).await.unwrap();
    assert_ne!(fresh.access_token, auth.access_token);
    assert!(
        fresh.refresh_token.is_none(),
        "Google keeps the refresh token; the stored one must be kept"
    );
    let dead = ChannelAuth {
        refresh_token: Some("revoked".into()),
        ..auth.clone()
    };
    assert!(matches!(
        p.refresh(&dead).await,
        Err(ProviderError::RefreshNeeded(_))
    ));

    let v = p.publish(&auth, &video(&base, "My recipe")).await.unwrap();
    assert_eq!(v.url, format!("https://www.youtube.com/watch?v={}", v.id));
    let s = seen.lock().unwrap();
    assert_eq!(s.videos[0].1["snippet"]["title"], "My recipe");
    assert_eq!(s.videos[0].1["status"]["privacyStatus"], "unlisted");
    assert_eq!(s.videos[0].1["snippet"]["tags"], json!(["food"]));
    assert_eq!(s.videos[0].2, 12, "the bytes went to the upload session");
    assert!(s.thumbnails.is_empty(), "no thumbnail asked for");
}

#[tokio::test]
async fn a_custom_thumbnail_is_set_after_the_upload() {
    let (p, seen, base) = setup().await;
    let t = p.authenticate(youtube::GOOD_CODE, "").await.unwrap();
    let auth = ChannelAuth {
        internal_id: youtube::CHANNEL_ID.into(),
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    let with_thumbnail = |name: &str| {
        let mut v = video(&base, "With a cover");
        v.settings["thumbnail"] = json!({"id": "m1", "path": format!("{base}/images/{name}")});
        v
    };
    let first = p
        .publish(&auth, &with_thumbnail("cover.png"))
        .await
        .unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(
            s.thumbnails,
            [(first.id.clone(), "image/png".to_string(), 13)]
        );
    }
    // A refused thumbnail does not fail a video that is already public.
    let second = p
        .publish(&auth, &with_thumbnail("cover.gif"))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.videos.len(), 2);
    assert_eq!(s.videos[1].0, second.id);
    assert_eq!(s.thumbnails.len(), 1);
}

#[tokio::test]
async fn youtube_errors_and_rules() {
    let (p, _, base) = setup().await;
    let t = p.authenticate(youtube::GOOD_CODE, "").await.unwrap();
    let auth = ChannelAuth {
        internal_id: youtube::CHANNEL_ID.into(),
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    assert!(matches!(
        p.publish(&auth, &video(&base, "FAIL:quota")).await,
        Err(ProviderError::Transient { .. })
    ));
    match p.publish(&auth, &video(&base, "FAIL:limit")).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(
                user_message,
                "You have reached your daily upload limit, please try again tomorrow."
            )
        }
        other => panic!("{other:?}"),
    }
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&expired, &video(&base, "t")).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let no_video = PostDetails {
        media: vec![],
        ..video(&base, "t")
    };
    assert!(p.check(&no_video).is_err());
    assert!(p.check(&video(&base, "")).is_err(), "a title is required");
}
