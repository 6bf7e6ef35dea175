//! The Slack provider against the fake Slack Web API.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{serve, slack};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn setup() -> (Arc<dyn Provider>, slack::Shared) {
    let (app, seen) = slack::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("SLACK_URL", base.as_str()),
        ("SLACK_ID", slack::CLIENT_ID),
        ("SLACK_SECRET", slack::CLIENT_SECRET),
    ]);
    (Providers::new(&config).get("slack").unwrap(), seen)
}

fn msg(text: &str, channel: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "m".into(),
        message: text.into(),
        settings: json!({"channel": channel}),
        media,
    }
}

#[tokio::test]
async fn install_post_thread_and_channels() {
    let (p, seen) = setup().await;
    let req = p.auth_url().await.unwrap();
    assert!(
        req.url
            .contains("/oauth/v2/authorize?client_id=slack-client")
            && req.url.contains("chat%3Awrite"),
        "{}",
        req.url
    );
    assert!(matches!(
        p.authenticate("bad-code", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(slack::GOOD_CODE, "").await.unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("T0TEAM", "Postiz Bot"));
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: None,
        custom: None,
    };
    let channels = p.tool(&auth, "channels", &json!({})).await.unwrap();
    assert_eq!(channels[0], json!({"id": "C01GENERAL", "name": "general"}));
    let image = Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/chart.png".into(),
        alt: Some("chart".into()),
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &msg("Release notes", "C01GENERAL", vec![image]))
        .await
        .unwrap();
    assert!(
        root.url
            .starts_with("https://acme.slack.example/archives/C01GENERAL/p"),
        "{}",
        root.url
    );
    p.comment(
        &auth,
        &root.id,
        &root.id,
        &msg("details in thread", "C01GENERAL", vec![]),
    )
    .await
    .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.joined, vec!["C01GENERAL"]);
    assert_eq!(s.messages[0]["blocks"][1]["type"], "image");
    assert_eq!(
        s.messages[1]["thread_ts"],
        root.id.as_str(),
        "replies go to the root's thread"
    );
}

#[tokio::test]
async fn slack_errors_in_ok_false_bodies() {
    let (p, _) = setup().await;
    let auth = ChannelAuth {
        internal_id: "T0TEAM".into(),
        access_token: slack::BOT_TOKEN.into(),
        refresh_token: None,
        custom: None,
    };
    assert!(
        p.check(&PostDetails {
            settings: json!({}),
            ..msg("x", "", vec![])
        })
        .is_err(),
        "a channel is required"
    );
    match p.publish(&auth, &msg("hi", "Xnope", vec![])).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert!(user_message.contains("not found"), "{user_message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &msg("FAIL:archived", "C01GENERAL", vec![]))
            .await,
        Err(ProviderError::BadRequest { .. })
    ));
    match p
        .publish(&auth, &msg("FAIL:ratelimited", "C01GENERAL", vec![]))
        .await
    {
        Err(ProviderError::Transient { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(5)))
        }
        other => panic!("{other:?}"),
    }
    let revoked = ChannelAuth {
        access_token: "xoxb-revoked".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&revoked, &msg("hi", "C01GENERAL", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
}
