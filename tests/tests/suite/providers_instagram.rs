//! The Instagram providers (business via Facebook, and standalone) against the fake Graph API.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{instagram, serve};
use serde_json::json;
use std::sync::Arc;

async fn setup(id: &str) -> (Arc<dyn Provider>, instagram::Shared) {
    let (app, seen) = instagram::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("INSTAGRAM_FB_GRAPH_URL", base.as_str()),
        ("INSTAGRAM_GRAPH_URL", base.as_str()),
        ("INSTAGRAM_API_URL", base.as_str()),
        ("INSTAGRAM_WEB_URL", "https://www.instagram.example"),
        ("FACEBOOK_WEB_URL", "https://facebook.example"),
        ("FACEBOOK_APP_ID", instagram::APP_ID),
        ("FACEBOOK_APP_SECRET", instagram::APP_SECRET),
        ("INSTAGRAM_APP_ID", instagram::APP_ID),
        ("INSTAGRAM_APP_SECRET", instagram::APP_SECRET),
        ("INSTAGRAM_POLL_MS", "5"),
    ]);
    (Providers::new(&config).get(id).unwrap(), seen)
}

fn img(n: u8) -> Media {
    Media {
        kind: MediaKind::Image,
        url: format!("https://cdn.example/{n}.jpg"),
        alt: None,
        thumbnail: None,
    }
}

fn post(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "ig".into(),
        message: text.into(),
        settings: json!({"post_type": "post"}),
        media,
    }
}

#[tokio::test]
async fn business_account_through_a_facebook_page() {
    let (p, seen) = setup("instagram").await;
    assert!(p.info().two_step);
    assert!(p
        .auth_url()
        .await
        .unwrap()
        .url
        .starts_with("https://facebook.example/v20.0/dialog/oauth?client_id=ig-app"));
    let user = p.authenticate(instagram::GOOD_CODE, "").await.unwrap();
    let user_auth = ChannelAuth {
        internal_id: user.id,
        access_token: user.access_token,
        refresh_token: None,
        custom: None,
    };
    let pages = p.pages(&user_auth).await.unwrap();
    assert_eq!(pages.len(), 1, "only pages with a linked business account");
    assert_eq!(
        (pages[0].id.as_str(), pages[0].name.as_str()),
        (instagram::IG_ID, "Shop Gram")
    );
    let chosen = p.select_page(&user_auth, instagram::IG_ID).await.unwrap();
    let auth = ChannelAuth {
        internal_id: chosen.id,
        access_token: chosen.access_token,
        refresh_token: None,
        custom: None,
    };

    let single = p
        .publish(&auth, &post("New in store", vec![img(1)]))
        .await
        .unwrap();
    assert_eq!(
        single.url,
        format!("https://www.instagram.example/p/{}/", single.id)
    );
    p.publish(&auth, &post("A carousel", vec![img(2), img(3)]))
        .await
        .unwrap();
    p.comment(
        &auth,
        &single.id,
        &single.id,
        &post("first comment", vec![]),
    )
    .await
    .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.published[0].1["caption"], "New in store");
    assert_eq!(s.published[1].1["media_type"], "CAROUSEL");
    assert_eq!(s.published[1].1["children"].split(',').count(), 2);
    assert_eq!(s.comments[0].0, single.id);
}

#[tokio::test]
async fn reel_options_go_with_the_container() {
    let (p, seen) = setup("instagram").await;
    let auth = ChannelAuth {
        internal_id: instagram::IG_ID.into(),
        access_token: "placeholder".into(),
        refresh_token: None,
        custom: None,
    };
    // The page token comes from selecting the page.
    let user = p.authenticate(instagram::GOOD_CODE, "").await.unwrap();
    let user_auth = ChannelAuth {
        internal_id: user.id,
        access_token: user.access_token,
        ..auth.clone()
    };
    let chosen = p.select_page(&user_auth, instagram::IG_ID).await.unwrap();
    let auth = ChannelAuth {
        access_token: chosen.access_token,
        ..auth
    };
    let clip = Media {
        kind: MediaKind::Video,
        url: "https://cdn.example/clip.mp4".into(),
        alt: None,
        thumbnail: None,
    };
    let reel = PostDetails {
        settings: json!({
            "post_type": "post",
            "collaborators": [{"label": "bob"}, {"label": "carol"}],
            "is_trial_reel": "true",
            "graduation_strategy": "SS_PERFORMANCE",
            "audio": {"id": "9001", "audio_volume": 0.5},
        }),
        ..post("A reel", vec![clip.clone()])
    };
    p.publish(&auth, &reel).await.unwrap();
    let story = PostDetails {
        settings: json!({"post_type": "story", "collaborators": [{"label": "bob"}]}),
        ..post("", vec![clip])
    };
    p.publish(&auth, &story).await.unwrap();
    let s = seen.lock().unwrap();
    let reel = &s.published[0].1;
    assert_eq!(reel["media_type"], "REELS");
    assert_eq!(reel["collaborators"], r#"["bob","carol"]"#);
    assert_eq!(
        reel["trial_params"],
        r#"{"graduation_strategy":"SS_PERFORMANCE"}"#
    );
    assert_eq!(
        reel["audio_configuration"],
        r#"{"audio_id":"9001","audio_volume":0.5}"#
    );
    let story = &s.published[1].1;
    assert_eq!(story["media_type"], "STORIES");
    assert!(
        !story.contains_key("collaborators"),
        "stories take no collaborators"
    );
}

#[tokio::test]
async fn standalone_login_refresh_and_errors() {
    let (p, _) = setup("instagram-standalone").await;
    assert!(p
        .auth_url()
        .await
        .unwrap()
        .url
        .starts_with("https://www.instagram.example/oauth/authorize?client_id=ig-app"));
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(instagram::GOOD_CODE, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        (instagram::IG_ID, "Shop Gram")
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
    p.publish(&auth, &post("standalone post", vec![img(1)]))
        .await
        .unwrap();
    match p
        .publish(&auth, &post("FAIL:restricted", vec![img(1)]))
        .await
    {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(user_message, "Instagram user is restricted")
        }
        other => panic!("{other:?}"),
    }
    match p.publish(&auth, &post("FAIL:unknown", vec![img(1)])).await {
        Err(ProviderError::Transient { message, .. }) => {
            assert_eq!(message, "An unknown error occurred, please try again later")
        }
        other => panic!("{other:?}"),
    }
    assert!(p.check(&post("no media", vec![])).is_err());
    assert!(p
        .check(&post("eleven", (0..11).map(|i| img(i as u8)).collect()))
        .is_err());
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    // Meta's expired-token body (code 190): refreshed (Postiz reads it as missing permissions).
    assert_eq!(
        p.publish(&expired, &post("x", vec![img(1)])).await,
        Err(ProviderError::RefreshNeeded(
            "Something is wrong with your connected user, please re-authenticate".into()
        ))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_is_checked_root_first_then_its_comments() {
    let (app, _) = instagram::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("INSTAGRAM_GRAPH_URL", base.as_str()),
        ("INSTAGRAM_API_URL", base.as_str()),
        ("INSTAGRAM_APP_ID", instagram::APP_ID),
        ("INSTAGRAM_APP_SECRET", instagram::APP_SECRET),
    ]);
    let w = crate::util::embedded_posts(Providers::new(&config));
    let channel = crate::util::connect_channel(
        &w.channels,
        "org-ig",
        "instagram-standalone",
        instagram::GOOD_CODE,
    )
    .await;
    let entry = |values: serde_json::Value| {
        serde_json::from_value::<postiz_posts::request::ChannelPost>(json!({
            "integration": {"id": channel},
            "settings": {"__type": "instagram-standalone", "post_type": "post"},
            "value": values,
        }))
        .unwrap()
    };
    let picture = json!([{"id": "m1", "path": "https://cdn.example/1.jpg"}]);
    let verdicts = w
        .module
        .posts
        .validate(
            "org-ig",
            &[
                entry(json!([
                    {"content": "<p>root</p>", "image": picture},
                    {"content": "<p>a text comment</p>", "image": []},
                ])),
                entry(json!([{"content": "<p>no media</p>", "image": []}])),
                entry(json!([
                    {"content": "<p>root</p>", "image": picture},
                    {"content": "<p>comment with a picture</p>", "image": picture},
                ])),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        verdicts[0]["errors"], true,
        "a text comment under a picture post: {verdicts}"
    );
    assert_eq!(verdicts[1]["errors"], "Should have at least one media");
    assert_eq!(
        verdicts[2]["errors"],
        "Instagram comments can only contain text"
    );
}
