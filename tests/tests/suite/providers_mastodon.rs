//! The Mastodon provider against the fake Mastodon: connect, publish with media, threads,
//! idempotent resends, and each error class.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{mastodon, serve};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn setup() -> (Arc<dyn Provider>, mastodon::Shared, String) {
    let (app, seen) = mastodon::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", base.as_str()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
        ("MASTODON_MEDIA_POLL_MS", "10"),
        ("FRONTEND_URL", "http://127.0.0.1:4200"),
    ]);
    let p = Providers::new(&config).get("mastodon").unwrap();
    (p, seen, base)
}

fn post(id: &str, text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: id.into(),
        message: text.into(),
        settings: json!({}),
        media,
    }
}

async fn connected(p: &Arc<dyn Provider>) -> ChannelAuth {
    let t = p.authenticate(mastodon::GOOD_CODE, "").await.unwrap();
    ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    }
}

#[tokio::test]
async fn auth_url_and_code_exchange() {
    let (p, _, base) = setup().await;
    let req = p.auth_url().await.unwrap();
    assert!(
        req.url.starts_with(&format!("{base}/oauth/authorize?")),
        "{}",
        req.url
    );
    assert!(req
        .url
        .contains(&format!("client_id={}", mastodon::CLIENT_ID)));
    assert!(req.url.contains(&format!("state={}", req.state)));
    assert!(req
        .url
        .contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A4200%2Fintegrations%2Fsocial%2Fmastodon"));
    assert!(req
        .url
        .contains("scope=write%3Astatuses+profile+write%3Amedia"));
    let t = p
        .authenticate(mastodon::GOOD_CODE, &req.code_verifier)
        .await
        .unwrap();
    assert_eq!(t.id, "109348");
    assert_eq!(t.name, "Alice Mastodon");
    assert_eq!(t.username.as_deref(), Some("alice"));
    assert!(
        t.refresh_token.is_none() && t.expires_in.is_none(),
        "Mastodon tokens do not expire"
    );
    let bad = p.authenticate("stolen-code", "").await;
    assert!(
        matches!(bad, Err(ProviderError::BadRequest { .. })),
        "{bad:?}"
    );
    assert!(matches!(
        p.refresh(&connected(&p).await).await,
        Err(ProviderError::NotSupported(_))
    ));
}

#[tokio::test]
async fn publishes_a_thread_with_media_once() {
    let (p, seen, base) = setup().await;
    let auth = connected(&p).await;
    let image = Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/cat.png"),
        alt: Some("a cat".into()),
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &post("post-1", "Hello fediverse", vec![image]))
        .await
        .unwrap();
    assert!(root.url.contains(&root.id));
    let reply = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &post("post-2", "and a reply", vec![]),
        )
        .await
        .unwrap();
    let reply2 = p
        .comment(
            &auth,
            &root.id,
            &reply.id,
            &post("post-3", "and another", vec![]),
        )
        .await
        .unwrap();
    // A resend of the same message (after an unknown outcome) is deduplicated by its key.
    let again = p
        .comment(
            &auth,
            &root.id,
            &reply.id,
            &post("post-3", "and another", vec![]),
        )
        .await
        .unwrap();
    assert_eq!(again.id, reply2.id);
    let s = seen.lock().unwrap();
    assert_eq!(s.statuses.len(), 3, "{:?}", s.statuses);
    assert_eq!(s.status_requests, 4);
    assert_eq!(
        s.statuses[0].media.len(),
        1,
        "the image is attached once processed"
    );
    assert_eq!(s.statuses[1].reply_to.as_deref(), Some(root.id.as_str()));
    assert_eq!(
        s.statuses[2].reply_to.as_deref(),
        Some(reply.id.as_str()),
        "replies chain on the previous message"
    );
}

#[tokio::test]
async fn maps_each_error_class() {
    let (p, _, _) = setup().await;
    let auth = connected(&p).await;
    match p
        .publish(&auth, &post("e1", "too long FAIL:422", vec![]))
        .await
    {
        Err(ProviderError::BadRequest { user_message }) => {
            assert!(user_message.contains("character limit"), "{user_message}")
        }
        other => panic!("{other:?}"),
    }
    match p
        .publish(&auth, &post("e2", "FAIL:processing", vec![]))
        .await
    {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(
                user_message,
                "The media was still processing when the post was published, please try again"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &post("e3", "FAIL:disabled", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    match p.publish(&auth, &post("e4", "FAIL:429", vec![])).await {
        Err(ProviderError::Transient { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &post("e5", "FAIL:503", vec![])).await,
        Err(ProviderError::Transient { .. })
    ));
    let revoked = ChannelAuth {
        access_token: "revoked".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&revoked, &post("e6", "hi", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let long = "x".repeat(501);
    assert!(
        p.check(&post("e7", &long, vec![])).is_err(),
        "500 characters is Mastodon's limit"
    );
    assert!(p.check(&post("e8", &"x".repeat(500), vec![])).is_ok());
}
