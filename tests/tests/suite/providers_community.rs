//! Moltbook, Farcaster, Whop, MeWe and Skool against their fakes: connect, publish (with
//! media where the network takes it), comments where it has them, editor helpers, refusals.

use postiz_providers::{ChannelAuth, Media, MediaKind, ProviderError};
use postiz_tests::fakes::community;
use postiz_tests::fakes::recorder::to;
use postiz_tests::fakes::serve;
use serde_json::json;

use crate::providers_articles::{channel, form, message, provider};

fn picture(base: &str) -> Media {
    Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/p.png"),
        alt: None,
        thumbnail: None,
    }
}

#[tokio::test]
async fn moltbook_registers_an_agent_and_posts_to_a_submolt() {
    let (app, calls) = community::moltbook_app();
    let base = serve(app).await;
    let p = provider(
        "moltbook",
        &[
            ("MOLTBOOK_URL", &format!("{base}/api/v1")),
            ("MOLTBOOK_WEB_URL", "https://moltbook.example"),
        ],
    );
    assert!(p.info().is_web3);
    let reg = p
        .discover(&json!({"action": "register", "name": "postiz_bot", "description": "d"}))
        .await
        .unwrap();
    assert_eq!(reg["apiKey"], community::MOLTBOOK_KEY);
    assert_eq!(reg["verificationCode"], "reef-X4B2");
    let refused = p
        .discover(&json!({"action": "register", "name": ""}))
        .await
        .unwrap();
    assert_eq!(refused["error"], "name is required");
    assert_eq!(
        p.discover(&json!({"action": "status", "apiKey": community::MOLTBOOK_KEY}))
            .await
            .unwrap(),
        json!({"claimed": true})
    );
    assert_eq!(
        p.discover(&json!({"action": "status", "apiKey": "nope"}))
            .await
            .unwrap(),
        json!({"claimed": false})
    );

    assert_eq!(
        p.authenticate("wrong", "").await.unwrap_err(),
        ProviderError::bad("Invalid credentials")
    );
    let t = p.authenticate(community::MOLTBOOK_KEY, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        ("postiz_bot", "Postiz Bot")
    );
    let auth = channel(&t, None);
    let long = "x".repeat(150);
    let root = p
        .publish(&auth, &message("m1", &long, json!({"submolt": "agents"})))
        .await
        .unwrap();
    assert_eq!(
        root.url,
        format!("https://moltbook.example/post/{}", root.id)
    );
    let posted = &to(&calls, "POST", "/api/v1/posts")[0].body;
    assert_eq!(posted["title"].as_str().unwrap().len(), 100);
    assert_eq!(posted["submolt"], "agents");
    let c1 = p
        .comment(&auth, &root.id, &root.id, &message("m2", "one", json!({})))
        .await
        .unwrap();
    p.comment(&auth, &root.id, &c1.id, &message("m3", "two", json!({})))
        .await
        .unwrap();
    let comments = to(
        &calls,
        "POST",
        &format!("/api/v1/posts/{}/comments", root.id),
    );
    assert!(comments[0].body.get("parent_id").is_none());
    assert_eq!(comments[1].body["parent_id"], c1.id.as_str());
    assert_eq!(
        p.publish(&auth, &message("m4", "x", json!({"submolt": "closed"})))
            .await
            .unwrap_err(),
        ProviderError::bad("Submolt not found")
    );
}

#[tokio::test]
async fn farcaster_checks_the_signer_and_casts_to_channels() {
    let (app, calls) = community::neynar_app();
    let base = serve(app).await;
    let p = provider(
        "wrapcast",
        &[
            ("NEYNAR_URL", &base),
            ("NEYNAR_SECRET_KEY", community::NEYNAR_KEY),
            ("NEYNAR_CLIENT_ID", "neynar-client"),
            ("FARCASTER_WEB_URL", "https://warpcast.example"),
        ],
    );
    let req = p.auth_url().await.unwrap();
    assert_eq!(req.url, format!("neynar-client||{}", req.state));
    let forged = form(json!({"fid": 99, "signer_uuid": community::SIGNER}));
    assert!(
        p.authenticate(&forged, "").await.is_err(),
        "a signer of another fid is refused"
    );
    let unknown = form(json!({"fid": 3, "signer_uuid": "made-up"}));
    assert!(p.authenticate(&unknown, "").await.is_err());
    let t = p
        .authenticate(
            &form(json!({"fid": 3, "signer_uuid": community::SIGNER})),
            "",
        )
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.username.as_deref()), ("3", Some("dwr")));
    let auth = channel(&t, None);

    let mut post = message(
        "f1",
        "gm",
        json!({"subreddit": [{"value": {"id": "rust"}}, {"value": {"id": "dev"}}]}),
    );
    post.media = vec![Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/a.png".into(),
        alt: None,
        thumbnail: None,
    }];
    let root = p.publish(&auth, &post).await.unwrap();
    assert_eq!(root.id, "0xcast1,0xcast2");
    assert_eq!(
        root.url,
        "https://warpcast.example/dwr/0xcast1,https://warpcast.example/dwr/0xcast2"
    );
    let reply = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &message("f2", "reply", json!({})),
        )
        .await
        .unwrap();
    assert_eq!(reply.id, "0xcast3,0xcast4", "a reply under each cast");
    let casts = to(&calls, "POST", "/v2/farcaster/cast");
    assert_eq!(casts[0].body["channel_id"], "rust");
    assert_eq!(
        casts[0].body["embeds"],
        json!([{"url": "https://cdn.example/a.png"}])
    );
    assert_eq!(casts[3].body["parent"], "0xcast2");
    assert_eq!(
        p.tool(&auth, "subreddits", &json!({"word": "ru"}))
            .await
            .unwrap(),
        json!([{"title": "Rust", "name": "Rust", "id": "rust"}])
    );
    let revoked = ChannelAuth {
        access_token: "other-signer".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&revoked, &message("f3", "x", json!({}))).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let mut video = message("f4", "x", json!({}));
    video.media = vec![Media {
        kind: MediaKind::Video,
        url: "https://cdn.example/v.mp4".into(),
        alt: None,
        thumbnail: None,
    }];
    assert_eq!(p.check(&video).unwrap_err(), "Can only accept images");
}

#[tokio::test]
async fn whop_connects_as_a_public_client_and_posts_to_a_forum() {
    let (app, fake) = community::whop_app();
    let base = serve(app).await;
    let p = provider(
        "whop",
        &[
            ("WHOP_URL", &base),
            ("WHOP_WEB_URL", "https://whop.example"),
            ("WHOP_CLIENT_ID", community::WHOP_CLIENT),
            ("WHOP_UPLOAD_POLL_MS", "10"),
        ],
    );
    let req = p.auth_url().await.unwrap();
    let challenge = url::Url::parse(&req.url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .unwrap()
        .1
        .to_string();
    *fake.challenge.lock().unwrap() = challenge;
    assert!(p
        .authenticate(community::WHOP_CODE, "wrong-verifier")
        .await
        .unwrap_err()
        .to_string()
        .starts_with("Authentication failed"));
    let t = p
        .authenticate(community::WHOP_CODE, &req.code_verifier)
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("user_42", "Ada Whop"));
    let auth = channel(&t, None);

    let mut post = message(
        "w1",
        "**Hello** members",
        json!({"experience": "exp_9", "title": "Welcome"}),
    );
    post.media = vec![picture(&base)];
    let root = p.publish(&auth, &post).await.unwrap();
    assert_eq!(
        root.url,
        format!("https://whop.example/experiences/exp_9/{}", root.id)
    );
    let first = &to(&fake.calls, "POST", "/api/v1/forum_posts")[0].body;
    assert_eq!(first["attachments"], json!([{"id": "file_1"}]));
    assert_eq!(first["title"], "Welcome");
    assert_eq!(to(&fake.calls, "PUT", "/upload-target").len(), 1);
    assert!(
        to(&fake.calls, "GET", "/api/v1/files/file_1").len() >= 2,
        "waits until the file is ready"
    );
    p.comment(
        &auth,
        &root.id,
        &root.id,
        &message("w2", "reply", json!({"experience": "exp_9"})),
    )
    .await
    .unwrap();
    assert_eq!(
        to(&fake.calls, "POST", "/api/v1/forum_posts")[1].body["parent_id"],
        root.id.as_str()
    );
    assert_eq!(
        p.publish(&auth, &message("w3", "x", json!({"experience": "exp_0"})))
            .await
            .unwrap_err(),
        ProviderError::bad("Forum or experience not found")
    );
    assert_eq!(
        p.tool(&auth, "companies", &json!({})).await.unwrap(),
        json!([{"id": "biz_1", "name": "Ada's Academy"}])
    );
    assert_eq!(
        p.tool(&auth, "experiences", &json!({"id": "biz_1"}))
            .await
            .unwrap(),
        json!([{"id": "exp_9", "name": "Announcements"}])
    );
    assert!(p.refresh(&auth).await.is_ok());
}

#[tokio::test]
async fn mewe_posts_to_a_group_or_the_timeline() {
    let (app, calls) = community::mewe_app();
    let base = serve(app).await;
    let p = provider(
        "mewe",
        &[
            ("MEWE_HOST", &base),
            ("MEWE_APP_ID", community::MEWE_APP.0),
            ("MEWE_API_KEY", community::MEWE_APP.1),
        ],
    );
    assert_eq!(
        p.authenticate("lrt-pending", "").await.unwrap_err(),
        ProviderError::bad("Login request is still pending. Please approve on MeWe and try again.")
    );
    let t = p.authenticate(community::MEWE_LOGIN, "").await.unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("5f1a", "Ada MeWe"));
    assert!(t.expires_in.unwrap() > 0);
    let auth = channel(&t, None);
    let mut in_group = message(
        "e1",
        "hello group",
        json!({"postType": "group", "group": "g1"}),
    );
    in_group.media = vec![picture(&base)];
    let done = p.publish(&auth, &in_group).await.unwrap();
    assert_eq!(done.url, format!("{base}/group/g1"));
    assert_eq!(
        to(&calls, "POST", "/api/dev/group/g1/post")[0].body["uploadedPhotoIds"],
        json!(["photo-1"])
    );
    p.publish(
        &auth,
        &message("e2", "hello me", json!({"postType": "timeline"})),
    )
    .await
    .unwrap();
    assert_eq!(to(&calls, "POST", "/api/dev/me/post").len(), 1);
    assert_eq!(
        p.publish(
            &auth,
            &message("e3", "x", json!({"postType": "group", "group": "g9"}))
        )
        .await
        .unwrap_err(),
        ProviderError::bad("Insufficient permissions for this action")
    );
    let groups = p.tool(&auth, "groups", &json!({})).await.unwrap();
    assert_eq!(
        groups,
        json!([{"id": "g1", "name": "First"}, {"id": "g2", "name": "Second"}]),
        "every page"
    );
}

#[tokio::test]
async fn skool_posts_with_the_extension_cookies() {
    let (app, calls) = community::skool_app();
    let base = serve(app).await;
    let p = provider(
        "skool",
        &[
            ("SKOOL_API_URL", &base),
            ("SKOOL_WEB_URL", "https://skool.example"),
        ],
    );
    let cookies =
        json!({"auth_token": community::SKOOL_COOKIES.0, "client_id": community::SKOOL_COOKIES.1});
    assert_eq!(
        p.authenticate(&form(json!({"auth_token": "x"})), "")
            .await
            .unwrap_err(),
        ProviderError::bad("Missing required cookies: client_id, auth_token")
    );
    assert_eq!(
        p.authenticate(&form(json!({"auth_token": "old", "client_id": "c"})), "")
            .await
            .unwrap_err(),
        ProviderError::bad("Invalid cookie data")
    );
    let t = p.authenticate(&form(cookies.clone()), "").await.unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("u77", "Ada Skool"));
    assert!(
        !t.access_token.contains(community::SKOOL_COOKIES.0),
        "the cookies stay in the encrypted form"
    );
    let auth = channel(&t, Some(cookies));

    let mut post = message(
        "k1",
        "We shipped",
        json!({"group": "grp1", "title": "Launch", "label": "lab1"}),
    );
    post.media = vec![picture(&base)];
    let root = p.publish(&auth, &post).await.unwrap();
    assert_eq!(root.url, "https://skool.example/grp1/post-1");
    let created = &to(&calls, "POST", "/posts")[0].body;
    assert_eq!(created["metadata"]["attachments"], "f1");
    assert_eq!(created["metadata"]["labels"], "lab1");
    p.comment(
        &auth,
        &root.id,
        &root.id,
        &message("k2", "nice", json!({"group": "grp1"})),
    )
    .await
    .unwrap();
    let comment = &to(&calls, "POST", "/posts")[1].body;
    assert_eq!(
        (comment["post_type"].as_str(), comment["root_id"].as_str()),
        (Some("comment"), Some(root.id.as_str()))
    );
    assert_eq!(
        p.publish(
            &auth,
            &message(
                "k3",
                "x",
                json!({"group": "grp1", "title": "t", "label": "locked"})
            )
        )
        .await
        .unwrap_err(),
        ProviderError::bad("Cannot post to this label")
    );
    assert_eq!(
        p.tool(&auth, "groups", &json!({})).await.unwrap(),
        json!([{"id": "grp1", "name": "Builders"}])
    );
    assert_eq!(
        p.tool(&auth, "label", &json!({"id": "grp1"}))
            .await
            .unwrap(),
        json!([{"id": "lab1", "name": "Wins"}])
    );
    let catalogue =
        postiz_providers::Providers::new(&postiz_providers::ProviderConfig::default()).catalogue();
    let skool = catalogue["social"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identifier"] == "skool")
        .unwrap()
        .clone();
    assert_eq!(skool["isChromeExtension"], true);
    assert_eq!(
        skool["extensionCookies"][1],
        json!({"name": "auth_token", "domain": ".skool.com"})
    );
}
