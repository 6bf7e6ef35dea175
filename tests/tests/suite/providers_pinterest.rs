//! The Pinterest provider against the fake Pinterest: connect, refresh, pins, the boards
//! tool, rules and error classes.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{pinterest, serve};
use serde_json::json;
use std::sync::Arc;

/// The Pinterest provider pointed at a fresh fake; also returns the provider config.
pub async fn setup() -> (Arc<dyn Provider>, pinterest::Shared, ProviderConfig) {
    let (app, seen) = pinterest::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("PINTEREST_URL", base.as_str()),
        ("PINTEREST_WEB_URL", "https://www.pinterest.example"),
        ("PINTEREST_CLIENT_ID", pinterest::CLIENT_ID),
        ("PINTEREST_CLIENT_SECRET", pinterest::CLIENT_SECRET),
        ("FRONTEND_URL", "http://127.0.0.1:4200"),
        ("PINTEREST_POLL_MS", "5"),
    ]);
    (
        Providers::new(&config).get("pinterest").unwrap(),
        seen,
        config,
    )
}

fn pin(id: &str, settings: serde_json::Value, images: usize) -> PostDetails {
    let media = (0..images)
        .map(|i| Media {
            kind: MediaKind::Image,
            url: format!("https://cdn.example/{i}.png"),
            alt: None,
            thumbnail: None,
        })
        .collect();
    PostDetails {
        id: id.into(),
        message: "A nice pin".into(),
        settings,
        media,
    }
}

#[tokio::test]
async fn connect_refresh_pin_and_boards() {
    let (p, seen, config) = setup().await;
    let req = p.auth_url().await.unwrap();
    assert!(
        req.url
            .starts_with("https://www.pinterest.example/oauth/?client_id=pin-client"),
        "{}",
        req.url
    );
    assert!(req.url.contains("scope=boards%3Aread%2Cboards%3Awrite"));
    let t = p
        .authenticate(pinterest::GOOD_CODE, &req.code_verifier)
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("pin-user-1", "pinner"));
    assert_eq!(t.expires_in, Some(pinterest::EXPIRES_IN));
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let mut auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };

    let fresh = p.refresh(&auth).await.unwrap();
    assert_ne!(fresh.access_token, auth.access_token);
    assert!(fresh.refresh_token.is_some());
    seen.lock().unwrap().refresh_mode = pinterest::RefreshMode::OkWithoutRefreshToken;
    let kept = p.refresh(&auth).await.unwrap();
    assert_eq!(
        kept.refresh_token, auth.refresh_token,
        "an answer without refresh token keeps the old one"
    );
    seen.lock().unwrap().refresh_mode = pinterest::RefreshMode::Dead;
    assert!(matches!(
        p.refresh(&auth).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    seen.lock().unwrap().refresh_mode = pinterest::RefreshMode::Down;
    assert!(matches!(
        p.refresh(&auth).await,
        Err(ProviderError::Transient { .. })
    ));
    auth.access_token = fresh.access_token;

    let one = p
        .publish(
            &auth,
            &pin(
                "p1",
                json!({"board": "1001", "title": "Soup", "link": "https://x.example"}),
                1,
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        one.url,
        format!("https://www.pinterest.example/pin/{}", one.id)
    );
    p.publish(&auth, &pin("p2", json!({"board": "1001"}), 3))
        .await
        .unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(s.pins.len(), 2);
        assert_eq!(s.pins[0].1["media_source"]["source_type"], "image_url");
        assert_eq!(s.pins[0].1["title"], "Soup");
        assert_eq!(
            s.pins[1].1["media_source"]["items"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
    let api = config.get("PINTEREST_URL").unwrap().to_string();
    let video = PostDetails {
        media: vec![
            Media {
                kind: MediaKind::Video,
                url: format!("{api}/files/v.mp4"),
                alt: None,
                thumbnail: None,
            },
            Media {
                kind: MediaKind::Image,
                url: "https://cdn.example/cover.png".into(),
                alt: None,
                thumbnail: None,
            },
        ],
        ..pin("p3", json!({"board": "1001"}), 0)
    };
    p.publish(&auth, &video).await.unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(
            s.videos,
            vec![("media-1".to_string(), 64)],
            "the video went to the storage URL"
        );
        assert_eq!(
            s.pins[2].1["media_source"],
            json!({"source_type": "video_id", "media_id": "media-1", "cover_image_url": "https://cdn.example/cover.png"})
        );
    }
    let boards = p.tool(&auth, "boards", &json!({})).await.unwrap();
    assert_eq!(
        boards,
        json!([{"id": "1001", "name": "Recipes"}, {"id": "1002", "name": "Travel"}])
    );
}

#[tokio::test]
async fn rules_and_errors() {
    let (p, _, _) = setup().await;
    let t = p.authenticate(pinterest::GOOD_CODE, "").await.unwrap();
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    assert!(
        p.check(&pin("c1", json!({}), 1)).is_err(),
        "a board is required"
    );
    assert!(
        p.check(&pin("c2", json!({"board": "1"}), 0)).is_err(),
        "a picture is required"
    );
    assert!(
        p.check(&pin("c3", json!({"board": "1"}), 6)).is_err(),
        "at most 5 pictures"
    );
    assert!(p.check(&pin("c4", json!({"board": "1"}), 5)).is_ok());
    match p
        .publish(&auth, &pin("e1", json!({"board": "404"}), 1))
        .await
    {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(
                user_message,
                "The specified board was not found. Please check the board ID."
            )
        }
        other => panic!("{other:?}"),
    }
    let expired = ChannelAuth {
        access_token: "expired".into(),
        ..auth.clone()
    };
    assert!(matches!(
        p.publish(&expired, &pin("e2", json!({"board": "1001"}), 1))
            .await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    assert!(matches!(
        p.tool(&auth, "deleteEverything", &json!({})).await,
        Err(ProviderError::BadRequest { .. })
    ));
}
