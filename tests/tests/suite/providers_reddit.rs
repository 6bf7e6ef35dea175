//! The Reddit provider against the fake Reddit.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{reddit, serve};
use serde_json::{json, Value};
use std::sync::Arc;

async fn setup() -> (Arc<dyn Provider>, reddit::Shared) {
    let (p, seen, _) = setup_at().await;
    (p, seen)
}

/// The provider on a fresh fake, and the fake's base URL.
async fn setup_at() -> (Arc<dyn Provider>, reddit::Shared, String) {
    let (app, seen) = reddit::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("REDDIT_URL", base.as_str()),
        ("REDDIT_OAUTH_URL", base.as_str()),
        ("REDDIT_CLIENT_ID", reddit::CLIENT_ID),
        ("REDDIT_CLIENT_SECRET", reddit::CLIENT_SECRET),
    ]);
    (Providers::new(&config).get("reddit").unwrap(), seen, base)
}

fn post(text: &str, subs: Value) -> PostDetails {
    PostDetails {
        id: "r".into(),
        message: text.into(),
        settings: json!({ "subreddit": subs }),
        media: vec![],
    }
}

fn sub(name: &str, title: &str, kind: &str) -> Value {
    json!({"value": {"subreddit": name, "title": title, "type": kind, "url": if kind == "link" { "https://example.com" } else { "" }}})
}

/// The fake account, connected with the good code.
async fn connected(p: &Arc<dyn Provider>) -> ChannelAuth {
    let t = p.authenticate(reddit::GOOD_CODE, "").await.unwrap();
    ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    }
}

#[tokio::test]
async fn connect_refresh_submit_and_comment_chain() {
    let (p, seen) = setup().await;
    assert!(p
        .auth_url()
        .await
        .unwrap()
        .url
        .contains("duration=permanent"));
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(reddit::GOOD_CODE, "").await.unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("rd42", "redditor_al"));
    assert_eq!(t.expires_in, Some(86400));
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    };
    assert!(p.refresh(&auth).await.is_ok());
    let dead = ChannelAuth {
        refresh_token: Some("nope".into()),
        ..auth.clone()
    };
    assert!(matches!(
        p.refresh(&dead).await,
        Err(ProviderError::RefreshNeeded(_))
    ));

    let root = p
        .publish(
            &auth,
            &post(
                "Body text",
                json!([
                    sub("/r/rust", "A title", "self"),
                    sub("r/programming", "Link title", "link")
                ]),
            ),
        )
        .await
        .unwrap();
    assert_eq!(root.url, "https://www.reddit.example/r/rust/comments/p1/");
    let c1 = p
        .comment(&auth, &root.id, &root.id, &post("first comment", json!([])))
        .await
        .unwrap();
    p.comment(&auth, &root.id, &c1.id, &post("second comment", json!([])))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.submissions.len(), 2, "every subreddit gets the post");
    assert_eq!(
        (
            s.submissions[0]["sr"].as_str(),
            s.submissions[0]["kind"].as_str()
        ),
        ("rust", "self")
    );
    assert_eq!(s.submissions[1]["url"], "https://example.com");
    assert_eq!(s.comments[0]["thing_id"], "t3_p1");
    assert_eq!(
        s.comments[1]["thing_id"],
        format!("t1_{}", c1.id),
        "later comments reply to the previous one"
    );
}

#[tokio::test]
async fn reddit_errors_and_rules() {
    let (p, _) = setup().await;
    let auth = connected(&p).await;
    match p
        .publish(&auth, &post("x", json!([sub("doesnotexist", "t", "self")])))
        .await
    {
        Err(ProviderError::BadRequest { user_message }) => {
            assert!(user_message.contains("doesn't exist"), "{user_message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(
            &auth,
            &post("x", json!([sub("rust", "FAIL:ratelimit", "self")]))
        )
        .await,
        Err(ProviderError::Transient { .. })
    ));
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&expired, &post("x", json!([sub("rust", "t", "self")])))
            .await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    assert!(
        p.check(&post("x", json!([]))).is_err(),
        "a subreddit is required"
    );
    assert!(
        p.check(&post("x", json!([sub("rust", "", "self")])))
            .is_err(),
        "a title is required"
    );
    assert!(
        p.check(&post(
            "x",
            json!([{"value": {"subreddit": "rust", "title": "t", "type": "link", "url": ""}}])
        ))
        .is_err(),
        "a link needs a URL"
    );
}

#[tokio::test]
async fn image_posts_upload_through_a_media_lease_and_are_found_in_the_listing() {
    let (p, seen, base) = setup_at().await;
    let auth = connected(&p).await;
    let picture = Media {
        kind: MediaKind::Image,
        url: format!("{base}/media/pic.png"),
        alt: None,
        thumbnail: None,
    };
    let mut details = post(
        "body",
        json!([
            sub("rust", "Look at this", "image"),
            sub("pics", "Look at this", "media")
        ]),
    );
    details.media = vec![picture.clone()];
    assert!(p.check(&details).is_ok(), "{:?}", p.check(&details));
    let published = p.publish(&auth, &details).await.unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(s.uploads.len(), 1, "one upload serves every subreddit");
        assert_eq!(s.uploads[0].1, reddit::PNG.len());
        assert_eq!(s.uploads[0].2, "image/png");
        let kinds: Vec<&str> = s.submissions.iter().map(|f| f["kind"].as_str()).collect();
        assert_eq!(kinds, ["image", "image"]);
        assert!(s.submissions[0]["url"].ends_with(&s.uploads[0].0));
        assert_eq!(s.submissions[1]["sr"], "pics");
    }
    assert_eq!(
        published.id, "p1",
        "the first subreddit's post, found in the listing"
    );
    assert_eq!(published.url, format!("{base}/r/rust/comments/p1/post/"));

    // A media post needs exactly one file (Postiz's words).
    let mut none = post("x", json!([sub("rust", "t", "image")]));
    assert_eq!(
        p.check(&none).unwrap_err(),
        "When posting a media post, you must attached exactly one media file."
    );
    none.media = vec![picture.clone(), picture];
    assert!(p.check(&none).is_err());
}

#[tokio::test]
async fn video_posts_upload_the_video_and_its_poster_and_are_found_in_the_listing() {
    let (p, seen, base) = setup_at().await;
    let auth = connected(&p).await;
    let mut clip = Media {
        kind: MediaKind::Video,
        url: format!("{base}/media/clip.mp4"),
        alt: None,
        thumbnail: None,
    };
    let mut details = post(
        "body",
        json!([
            sub("videos", "Watch", "media"),
            sub("rust", "Watch", "video")
        ]),
    );
    details.media = vec![clip.clone()];
    assert_eq!(
        p.check(&details).unwrap_err(),
        "You must attach a thumbnail to your video post.",
        "Reddit needs a poster image"
    );
    clip.thumbnail = Some(format!("{base}/media/pic.png"));
    details.media = vec![clip];
    assert!(p.check(&details).is_ok(), "{:?}", p.check(&details));
    let published = p.publish(&auth, &details).await.unwrap();
    let s = seen.lock().unwrap();
    let uploads: Vec<(usize, &str)> = s.uploads.iter().map(|u| (u.1, u.2.as_str())).collect();
    assert_eq!(
        uploads,
        [
            (reddit::VIDEO.len(), "video/mp4"),
            (reddit::PNG.len(), "image/png")
        ],
        "the video and its poster, once for both subreddits"
    );
    for f in &s.submissions {
        assert_eq!(f["kind"], "video");
        assert!(f["url"].ends_with(&s.uploads[0].0));
        assert!(f["video_poster_url"].ends_with(&s.uploads[1].0));
    }
    assert_eq!(s.submissions.len(), 2);
    assert_eq!(published.id, "p1");
    assert_eq!(published.url, format!("{base}/r/videos/comments/p1/post/"));
}

#[tokio::test]
async fn the_editor_finds_subreddits_and_their_rules() {
    let (p, _seen) = setup().await;
    assert_eq!(p.info().tools, ["subreddits", "restrictions"]);
    let auth = connected(&p).await;
    // Public subreddits that take more than pictures, in Postiz's shape.
    let found = p
        .tool(&auth, "subreddits", &json!({"word": "rust"}))
        .await
        .unwrap();
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["/r/rust/", "/r/rustjobs/"]);
    assert_eq!(found[0]["title"], "The rust community");
    assert!(found[0]["id"].is_string());
    // What a subreddit accepts, and its flairs.
    let rust = p
        .tool(&auth, "restrictions", &json!({"subreddit": "/r/rust"}))
        .await
        .unwrap();
    assert_eq!(
        rust,
        json!({"subreddit": "/r/rust", "allow": ["self", "link", "media"], "is_flair_required": true,
               "flairs": [{"id": "fl-1", "name": "Discussion"}, {"id": "fl-2", "name": "News"}]})
    );
    // Hidden flairs are none; links only.
    let jobs = p
        .tool(&auth, "restrictions", &json!({"subreddit": "/r/rustjobs/"}))
        .await
        .unwrap();
    assert_eq!(jobs["allow"], json!(["link"]));
    assert_eq!(jobs["flairs"], json!([]));
    assert_eq!(jobs["is_flair_required"], false);
    for bad in ["", "/r/", "/r/../admin", "/r/a b"] {
        assert!(
            matches!(
                p.tool(&auth, "restrictions", &json!({ "subreddit": bad }))
                    .await,
                Err(ProviderError::BadRequest { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(p.tool(&auth, "deleteEverything", &json!({})).await.is_err());
}
