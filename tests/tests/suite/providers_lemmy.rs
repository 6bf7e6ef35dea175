//! Lemmy against its fake: credential login, one post per chosen community (ids joined),
//! comments under each with `parent_id` chaining, community search, the cover rule.

use postiz_providers::{Media, MediaKind, ProviderError};
use postiz_tests::fakes::recorder::to;
use postiz_tests::fakes::{lemmy, serve};
use serde_json::json;

use crate::providers_articles::{channel, form, message, provider};

#[tokio::test]
async fn lemmy_posts_to_each_community_and_threads_comments() {
    let (app, calls) = lemmy::app();
    let base = serve(app).await;
    let p = provider("lemmy", &[]);
    let creds = |pw: &str| json!({"service": base, "identifier": lemmy::USER, "password": pw});
    assert_eq!(
        p.authenticate(&form(creds("bad")), "").await.unwrap_err(),
        ProviderError::bad("Invalid credentials")
    );
    let t = p
        .authenticate(&form(creds(lemmy::PASSWORD)), "")
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("8841", "Ada Lemmy"));
    let auth = channel(&t, Some(creds(lemmy::PASSWORD)));

    let settings = json!({"subreddit": [
        {"value": {"id": 12, "title": "Rust 2027", "url": "blog.example/rust"}},
        {"value": {"id": "31", "title": "Rust 2027 too", "url": ""}}
    ]});
    let root = p
        .publish(&auth, &message("e1", "Body text", settings))
        .await
        .unwrap();
    assert_eq!(root.id, "5001,5002");
    assert_eq!(root.url, format!("{base}/post/5001,{base}/post/5002"));
    let posts = to(&calls, "POST", "/api/v3/post");
    assert_eq!(posts[0].body["community_id"], 12);
    assert_eq!(posts[0].body["url"], "https://blog.example/rust");
    assert_eq!(posts[1].body["community_id"], 31);
    assert!(posts[1].body.get("url").is_none());

    let c1 = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &message("e2", "first", json!({})),
        )
        .await
        .unwrap();
    assert_eq!(c1.id, "7001,7002");
    p.comment(&auth, &root.id, &c1.id, &message("e3", "second", json!({})))
        .await
        .unwrap();
    let comments = to(&calls, "POST", "/api/v3/comment");
    assert_eq!(
        comments[0].body,
        json!({"post_id": 5001, "content": "first"})
    );
    assert_eq!(comments[3].body["post_id"], 5002);
    assert_eq!(
        comments[3].body["parent_id"], 7002,
        "each reply chains on its community's comment"
    );

    let found = p
        .tool(&auth, "subreddits", &json!({"word": "rust"}))
        .await
        .unwrap();
    assert_eq!(
        found[0],
        json!({"title": "Rust Programming", "name": "Rust Programming", "id": 12})
    );

    let video = Media {
        kind: MediaKind::Video,
        url: "https://x.example/v.mp4".into(),
        alt: None,
        thumbnail: None,
    };
    let mut with_video = message("e4", "x", json!({}));
    with_video.media = vec![video];
    assert_eq!(
        p.check(&with_video).unwrap_err(),
        "You can set only one picture for a cover"
    );
    let logins = to(&calls, "POST", "/api/v3/user/login");
    assert!(
        logins.len() >= 4,
        "each call logs in with the stored credentials"
    );
}
