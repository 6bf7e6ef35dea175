//! The Telegram provider against the fake Bot API: chat discovery, connect, messages,
//! photos, replies, errors.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{serve, telegram};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn setup() -> (Arc<dyn Provider>, telegram::Shared) {
    let (app, seen) = telegram::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("TELEGRAM_URL", base.as_str()),
        ("TELEGRAM_TOKEN", telegram::TOKEN),
    ]);
    (Providers::new(&config).get("telegram").unwrap(), seen)
}

fn msg(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "t".into(),
        message: text.into(),
        settings: json!({}),
        media,
    }
}

#[tokio::test]
async fn discover_connect_post_reply() {
    let (p, seen) = setup().await;
    assert!(p.info().is_web3);
    assert_eq!(
        p.discover(&json!({"word": "other"})).await.unwrap(),
        json!({})
    );
    let found = p.discover(&json!({"word": telegram::WORD})).await.unwrap();
    assert_eq!(found, json!({"chatId": telegram::CHAT_ID}));
    assert!(matches!(
        p.authenticate("999", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p
        .authenticate(&telegram::CHAT_ID.to_string(), "")
        .await
        .unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        ("postiz_news", "Postiz News")
    );
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: None,
        custom: None,
    };
    let root = p
        .publish(&auth, &msg("<b>Launch</b> day", vec![]))
        .await
        .unwrap();
    assert_eq!(root.url, format!("https://t.me/postiz_news/{}", root.id));
    let photo = Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/p.png".into(),
        alt: None,
        thumbnail: None,
    };
    let reply = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &msg("with a photo", vec![photo.clone()]),
        )
        .await
        .unwrap();
    p.comment(
        &auth,
        &root.id,
        &reply.id,
        &msg("an album", vec![photo.clone(), photo]),
    )
    .await
    .unwrap();
    let s = seen.lock().unwrap();
    let sends: Vec<&(String, serde_json::Value)> = s
        .calls
        .iter()
        .filter(|(m, _)| m.starts_with("send"))
        .collect();
    assert_eq!(sends[0].0, "sendMessage");
    assert_eq!(sends[0].1["parse_mode"], "HTML");
    assert_eq!(sends[1].0, "sendPhoto");
    assert_eq!(sends[1].1["reply_to_message_id"].to_string(), root.id);
    assert_eq!(sends[2].0, "sendMediaGroup");
    assert_eq!(
        sends[2].1["reply_to_message_id"].to_string(),
        reply.id,
        "replies chain on the previous message"
    );
}

#[tokio::test]
async fn bot_api_errors() {
    let (p, _) = setup().await;
    let auth = ChannelAuth {
        internal_id: "postiz_news".into(),
        access_token: telegram::CHAT_ID.to_string(),
        refresh_token: None,
        custom: None,
    };
    match p.publish(&auth, &msg("FAIL:429", vec![])).await {
        Err(ProviderError::Transient { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(4)))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &msg("FAIL:kicked", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let gone = ChannelAuth {
        access_token: "-1".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&gone, &msg("hi", vec![])).await,
        Err(ProviderError::BadRequest { .. })
    ));
    assert!(p.check(&msg(&"x".repeat(4097), vec![])).is_err());
}

#[tokio::test]
async fn without_a_bot_token_discovery_says_what_is_missing() {
    let (app, seen) = telegram::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([("TELEGRAM_URL", base.as_str())]);
    let p = Providers::new(&config).get("telegram").unwrap();
    match p.discover(&json!({"word": telegram::WORD})).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert!(user_message.contains("TELEGRAM_TOKEN"), "{user_message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        seen.lock().unwrap().calls.is_empty(),
        "nothing is sent without a token"
    );
}
