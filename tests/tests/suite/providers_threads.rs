//! The Threads provider against the fake Threads Graph API.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{serve, threads};
use serde_json::json;
use std::sync::Arc;

async fn setup() -> (Arc<dyn Provider>, threads::Shared) {
    let (app, seen) = threads::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("THREADS_URL", base.as_str()),
        ("THREADS_WEB_URL", "https://www.threads.example"),
        ("THREADS_APP_ID", threads::APP_ID),
        ("THREADS_APP_SECRET", threads::APP_SECRET),
        ("THREADS_POLL_MS", "5"),
    ]);
    (Providers::new(&config).get("threads").unwrap(), seen)
}

fn post(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "th".into(),
        message: text.into(),
        settings: json!({}),
        media,
    }
}

#[tokio::test]
async fn connect_refresh_and_a_thread_of_containers() {
    let (p, seen) = setup().await;
    assert!(p
        .auth_url()
        .await
        .unwrap()
        .url
        .starts_with("https://www.threads.example/oauth/authorize?client_id=th-app"));
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(threads::GOOD_CODE, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        (threads::USER_ID, "Thready")
    );
    assert_eq!(
        t.refresh_token.as_deref(),
        Some(t.access_token.as_str()),
        "the long-lived token refreshes itself"
    );
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    let fresh = p.refresh(&auth).await.unwrap();
    assert_ne!(fresh.access_token, auth.access_token);
    let dead = ChannelAuth {
        refresh_token: Some("revoked".into()),
        ..auth.clone()
    };
    assert!(matches!(
        p.refresh(&dead).await,
        Err(ProviderError::RefreshNeeded(_))
    ));

    let img = |n: u8| Media {
        kind: MediaKind::Image,
        url: format!("https://cdn.example/{n}.jpg"),
        alt: None,
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &post("hello threads", vec![]))
        .await
        .unwrap();
    assert_eq!(
        root.url,
        format!("https://www.threads.example/@threadsy/post/{}", root.id)
    );
    let r1 = p
        .comment(&auth, &root.id, &root.id, &post("a picture", vec![img(1)]))
        .await
        .unwrap();
    p.comment(
        &auth,
        &root.id,
        &r1.id,
        &post("a carousel", vec![img(2), img(3)]),
    )
    .await
    .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.published.len(), 3);
    assert_eq!(s.published[0].1["media_type"], "TEXT");
    assert_eq!(s.published[1].1["media_type"], "IMAGE");
    assert_eq!(s.published[1].1["reply_to_id"], root.id);
    assert_eq!(s.published[2].1["media_type"], "CAROUSEL");
    assert_eq!(s.published[2].1["children"].split(',').count(), 2);
    assert_eq!(
        s.published[2].1["reply_to_id"], r1.id,
        "replies chain on the previous post"
    );
}

#[tokio::test]
async fn threads_errors() {
    let (p, _) = setup().await;
    let t = p.authenticate(threads::GOOD_CODE, "").await.unwrap();
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    match p.publish(&auth, &post(&"x".repeat(501), vec![])).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(user_message, "Post text exceeds 500 characters limit")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &post("FAIL:spam", vec![])).await,
        Err(ProviderError::BadRequest { .. })
    ));
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    match p.publish(&expired, &post("hi", vec![])).await {
        Err(ProviderError::RefreshNeeded(m)) => assert_eq!(m, "Threads access token expired"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_post_is_found_among_the_account_threads() {
    let (p, _) = setup().await;
    let t = p.authenticate(threads::GOOD_CODE, "").await.unwrap();
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    assert!(p.finds_published());
    let since = chrono::Utc::now();
    let sent = p.publish(&auth, &post("look me up", vec![])).await.unwrap();
    let found = p
        .find_published(&auth, &post("look me up", vec![]), since)
        .await
        .unwrap()
        .expect("the published post is found");
    assert_eq!(found, sent);
    assert!(p
        .find_published(&auth, &post("never sent", vec![]), since)
        .await
        .unwrap()
        .is_none());
    // Only posts from a minute before `since` on count.
    let later = since + chrono::Duration::minutes(5);
    assert!(p
        .find_published(&auth, &post("look me up", vec![]), later)
        .await
        .unwrap()
        .is_none());
}
