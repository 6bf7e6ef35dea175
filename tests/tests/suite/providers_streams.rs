//! Kick and Twitch against their fakes: OAuth (Kick with PKCE), chat messages and replies,
//! Twitch announcements, dropped messages and token refresh.

use postiz_providers::ProviderError;
use postiz_tests::fakes::recorder::to;
use postiz_tests::fakes::{serve, streams};
use serde_json::json;

use crate::providers_articles::{channel, message, provider};

fn query_of(url: &str, key: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn kick_connects_with_pkce_and_chats() {
    let (app, fake) = streams::kick_app();
    let base = serve(app).await;
    let p = provider(
        "kick",
        &[
            ("KICK_ID_URL", &base),
            ("KICK_API_URL", &base),
            ("KICK_WEB_URL", "https://kick.example"),
            ("KICK_CLIENT_ID", streams::CLIENT_ID),
            ("KICK_SECRET", streams::CLIENT_SECRET),
        ],
    );
    let req = p.auth_url().await.unwrap();
    assert_eq!(query_of(&req.url, "code_challenge_method"), "S256");
    *fake.challenge.lock().unwrap() = Some(query_of(&req.url, "code_challenge"));
    assert!(
        p.authenticate(streams::GOOD_CODE, "another-verifier")
            .await
            .is_err(),
        "the verifier is checked"
    );
    let t = p
        .authenticate(streams::GOOD_CODE, &req.code_verifier)
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("424242", "AdaKicks"));
    assert_eq!(t.expires_in, Some(3600));
    let auth = channel(&t, None);

    let root = p
        .publish(&auth, &message("k1", "going live", json!({})))
        .await
        .unwrap();
    assert_eq!(root.url, "https://kick.example/adakicks");
    let reply = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &message("k2", "link in bio", json!({})),
        )
        .await
        .unwrap();
    assert_ne!(reply.id, root.id);
    let chats = to(&fake.calls, "POST", "/public/v1/chat");
    assert_eq!(chats[0].body["content"], "going live");
    assert_eq!(chats[1].body["reply_to_message_id"], root.id.as_str());

    let refreshed = p.refresh(&auth).await.unwrap();
    assert_ne!(refreshed.access_token, t.access_token);
    let dead = postiz_providers::ChannelAuth {
        refresh_token: Some("revoked".into()),
        ..auth
    };
    assert!(matches!(
        p.refresh(&dead).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
}

#[tokio::test]
async fn twitch_sends_messages_and_announcements() {
    let (app, fake) = streams::twitch_app();
    let base = serve(app).await;
    let p = provider(
        "twitch",
        &[
            ("TWITCH_ID_URL", &base),
            ("TWITCH_API_URL", &base),
            ("TWITCH_WEB_URL", "https://twitch.example"),
            ("TWITCH_CLIENT_ID", streams::CLIENT_ID),
            ("TWITCH_CLIENT_SECRET", streams::CLIENT_SECRET),
        ],
    );
    let req = p.auth_url().await.unwrap();
    assert!(query_of(&req.url, "scope").contains("moderator:manage:announcements"));
    assert!(matches!(
        p.authenticate("bad-code", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(streams::GOOD_CODE, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.username.as_deref()),
        ("141981764", Some("twitchdev"))
    );
    let auth = channel(&t, None);

    let root = p
        .publish(
            &auth,
            &message("t1", "hello chat", json!({"messageType": "message"})),
        )
        .await
        .unwrap();
    assert_eq!(root.url, "https://twitch.example/twitchdev");
    p.comment(
        &auth,
        &root.id,
        &root.id,
        &message("t2", "reply", json!({})),
    )
    .await
    .unwrap();
    let msgs = to(&fake.calls, "POST", "/helix/chat/messages");
    assert_eq!(msgs[0].body["broadcaster_id"], "141981764");
    assert_eq!(msgs[1].body["reply_parent_message_id"], root.id.as_str());

    let ann = p
        .publish(
            &auth,
            &message(
                "t3",
                "big news",
                json!({"messageType": "announcement", "announcementColor": "purple"}),
            ),
        )
        .await
        .unwrap();
    assert!(ann.id.starts_with("announcement-"));
    assert_eq!(
        to(&fake.calls, "POST", "/helix/chat/announcements")[0].body,
        json!({"message": "big news", "color": "purple"})
    );

    let dropped = p
        .publish(&auth, &message("t4", "BANNED words", json!({})))
        .await;
    assert_eq!(
        dropped.unwrap_err(),
        ProviderError::bad("Your message is being checked by mods and has not been sent.")
    );
    assert!(p.refresh(&auth).await.is_ok());
}
