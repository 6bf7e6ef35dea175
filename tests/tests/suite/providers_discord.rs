//! The Discord provider against the fake Discord API.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{discord, serve};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn setup() -> (Arc<dyn Provider>, discord::Shared, String) {
    let (app, seen) = discord::app();
    let base = serve(app).await;
    let api = format!("{base}/api");
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("DISCORD_URL", api.as_str()),
        ("DISCORD_WEB_URL", "https://discord.example"),
        ("DISCORD_CLIENT_ID", discord::CLIENT_ID),
        ("DISCORD_CLIENT_SECRET", discord::CLIENT_SECRET),
        ("DISCORD_BOT_TOKEN_ID", discord::BOT_TOKEN),
    ]);
    (Providers::new(&config).get("discord").unwrap(), seen, base)
}

fn msg(text: &str, channel: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "d".into(),
        message: text.into(),
        settings: json!({"channel": channel}),
        media,
    }
}

#[tokio::test]
async fn install_refresh_post_thread_channels() {
    let (p, seen, base) = setup().await;
    let req = p.auth_url().await.unwrap();
    assert!(
        req.url
            .starts_with("https://discord.example/oauth2/authorize?client_id=dc-client"),
        "{}",
        req.url
    );
    assert!(req.url.contains("scope=bot+identify+guilds"));
    assert!(matches!(
        p.authenticate("nope", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(discord::GOOD_CODE, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        (discord::GUILD, "Postiz App")
    );
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    let fresh = p.refresh(&auth).await.unwrap();
    assert!(fresh.refresh_token.is_some() && fresh.access_token != auth.access_token);
    let dead = ChannelAuth {
        refresh_token: Some("revoked".into()),
        ..auth.clone()
    };
    assert!(matches!(
        p.refresh(&dead).await,
        Err(ProviderError::RefreshNeeded(_))
    ));

    assert_eq!(
        p.tool(&auth, "channels", &json!({})).await.unwrap(),
        json!([{"id": "C1", "name": "general"}, {"id": "C2", "name": "news"}])
    );
    let img = Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/a.png"),
        alt: None,
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &msg("Patch notes", "C1", vec![img]))
        .await
        .unwrap();
    assert_eq!(
        root.url,
        format!(
            "https://discord.example/channels/{}/C1/{}",
            discord::GUILD,
            root.id
        )
    );
    p.comment(&auth, &root.id, &root.id, &msg("first reply", "C1", vec![]))
        .await
        .unwrap();
    p.comment(
        &auth,
        &root.id,
        &root.id,
        &msg("second reply", "C1", vec![]),
    )
    .await
    .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.messages[0].files, 1);
    assert_eq!(
        s.messages[1].channel, root.id,
        "replies go to the thread of the root message"
    );
    assert_eq!(
        s.messages[2].channel, root.id,
        "the existing thread is reused"
    );
    assert_eq!(s.threads.len(), 1);
}

#[tokio::test]
async fn discord_errors() {
    let (p, _, _) = setup().await;
    let auth = ChannelAuth {
        internal_id: discord::GUILD.into(),
        access_token: "x".into(),
        refresh_token: None,
        custom: None,
    };
    assert!(p
        .check(&PostDetails {
            settings: json!({}),
            ..msg("x", "", vec![])
        })
        .is_err());
    assert!(p.check(&msg(&"x".repeat(1981), "C1", vec![])).is_err());
    match p.publish(&auth, &msg("hi", "unknown", vec![])).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(user_message, "Channel no longer exists")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &msg("FAIL:403", "C1", vec![])).await,
        Err(ProviderError::BadRequest { .. })
    ));
    match p.publish(&auth, &msg("FAIL:429", "C1", vec![])).await {
        Err(ProviderError::Transient { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_millis(1500)))
        }
        other => panic!("{other:?}"),
    }
}
