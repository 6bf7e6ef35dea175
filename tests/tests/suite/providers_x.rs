//! The X provider against the fake X API, which checks every OAuth 1.0a signature.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{serve, x};
use serde_json::{json, Value};
use std::sync::Arc;

async fn setup(secret: &str) -> (Arc<dyn Provider>, x::Shared, String) {
    let (app, seen) = x::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("X_URL", base.as_str()),
        ("X_UPLOAD_URL", base.as_str()),
        ("X_WEB_URL", "https://x.example"),
        ("X_API_KEY", x::KEY),
        ("X_API_SECRET", secret),
        ("FRONTEND_URL", "http://127.0.0.1:4200"),
    ]);
    (Providers::new(&config).get("x").unwrap(), seen, base)
}

/// The fake account, connected through the three-legged flow.
async fn connected(p: &Arc<dyn Provider>) -> ChannelAuth {
    let req = p.auth_url().await.unwrap();
    let t = p
        .authenticate(x::VERIFIER, &req.code_verifier)
        .await
        .unwrap();
    ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: None,
        custom: None,
    }
}

fn tweet(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "t".into(),
        message: text.into(),
        settings: json!({}),
        media,
    }
}

#[tokio::test]
async fn three_legged_connect_and_a_thread_with_media() {
    let (p, seen, base) = setup(x::SECRET).await;
    let req = p.auth_url().await.unwrap();
    assert_eq!(
        req.url,
        format!("{base}/oauth/authorize?oauth_token={}", req.state)
    );
    assert_eq!(
        seen.lock().unwrap().callbacks,
        vec!["http://127.0.0.1:4200/integrations/social/x"]
    );
    assert!(matches!(
        p.authenticate("wrong-verifier", &req.code_verifier).await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p
        .authenticate(x::VERIFIER, &req.code_verifier)
        .await
        .unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str(), t.username.as_deref()),
        ("42", "Alice X", Some("xalice"))
    );
    assert_eq!(
        t.additional_settings.unwrap()[0],
        json!({"title": "Verified", "description": "Is this a verified user? (Premium)", "type": "checkbox", "value": false}),
        "X says whether the account is Premium, as Postiz records it"
    );
    assert!(
        t.refresh_token.is_none(),
        "X OAuth 1.0a tokens do not expire"
    );
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: None,
        custom: None,
    };
    let img = Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/a.png"),
        alt: None,
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &tweet("Hello X", vec![img]))
        .await
        .unwrap();
    assert_eq!(root.url, format!("https://x.example/i/status/{}", root.id));
    let r1 = p
        .comment(&auth, &root.id, &root.id, &tweet("1/ more", vec![]))
        .await
        .unwrap();
    p.comment(&auth, &root.id, &r1.id, &tweet("2/ end", vec![]))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.bad_signatures, 0);
    assert_eq!(s.uploads, 1);
    assert_eq!(s.tweets[0]["media"]["media_ids"], json!(["710001"]));
    assert_eq!(
        s.tweets[2]["reply"]["in_reply_to_tweet_id"],
        r1.id.as_str(),
        "each tweet replies to the previous one"
    );
}

#[tokio::test]
async fn signatures_and_errors() {
    let (bad, seen, _) = setup("not-the-secret").await;
    assert!(
        bad.auth_url().await.is_err(),
        "a wrong consumer secret is refused"
    );
    assert_eq!(seen.lock().unwrap().bad_signatures, 1);
    let (p, _, _) = setup(x::SECRET).await;
    let auth = connected(&p).await;
    match p.publish(&auth, &tweet("FAIL:dup", vec![])).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(
                user_message,
                "You are not allowed to create a post with duplicate content"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &tweet("FAIL:429", vec![])).await,
        Err(ProviderError::Transient { .. })
    ));
    let revoked = ChannelAuth {
        access_token: "42-access-token:wrong-secret".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&revoked, &tweet("hi", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    // Lengths as X counts them, against the channel's limit.
    assert_eq!(p.max_length(&json!({}), &Value::Null), 280);
    assert_eq!(p.length(&"x".repeat(281)), 281);
    assert_eq!(p.length(&"字".repeat(141)), 282, "CJK characters count 2");
    let long_link = format!(
        "{} https://example.com/{}",
        "x".repeat(250),
        "p".repeat(200)
    );
    assert_eq!(
        p.length(&long_link),
        274,
        "a link counts 23 whatever its length"
    );
    let verified = json!([{"title": "Verified", "type": "checkbox", "value": true}]);
    assert_eq!(p.max_length(&json!({}), &verified), 4000, "Premium");
    assert_eq!(
        p.max_length(&json!({}), &json!([{"title": "Verified", "value": false}])),
        280
    );
    assert_eq!(
        p.max_length(&json!({"post_type": "article"}), &Value::Null),
        100_000
    );
    let video = Media {
        kind: MediaKind::Video,
        url: "v.mp4".into(),
        alt: None,
        thumbnail: None,
    };
    let pic = Media {
        kind: MediaKind::Image,
        url: "p.png".into(),
        alt: None,
        thumbnail: None,
    };
    assert!(
        p.check(&tweet("mixed", vec![video, pic])).is_err(),
        "a video must be alone"
    );
}

#[tokio::test]
async fn a_video_goes_up_in_chunks_and_is_tweeted_once_processed() {
    let (p, seen, base) = setup(x::SECRET).await;
    let auth = connected(&p).await;
    let video = |name: &str| Media {
        kind: MediaKind::Video,
        url: format!("{base}/videos/{name}"),
        alt: None,
        thumbnail: None,
    };
    p.publish(&auth, &tweet("Watch", vec![video("clip.mp4")]))
        .await
        .unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(s.bad_signatures, 0, "every step is signed");
        let (id, upload) = s.chunked.iter().next().unwrap();
        assert_eq!(upload.media_type, "video/mp4");
        assert_eq!(
            upload.segments,
            [4 << 20, 4 << 20, x::VIDEO_LEN - (8 << 20)],
            "4 MB chunks in order"
        );
        assert!(
            upload.finalized && upload.reads_left == 0,
            "processing awaited"
        );
        assert_eq!(s.tweets[0]["media"]["media_ids"], json!([id]));
    }
    let failed = p
        .publish(&auth, &tweet("Broken", vec![video("broken.mp4")]))
        .await;
    assert_eq!(
        failed.unwrap_err(),
        ProviderError::bad("Unsupported video format")
    );
    assert_eq!(seen.lock().unwrap().tweets.len(), 1, "nothing tweeted");
}
