//! The Bluesky provider against the fake PDS: credential connect, posts with images,
//! threads with root/parent references, re-login on expired sessions, errors.

use base64::Engine;
use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{bluesky, serve};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn setup() -> (Arc<dyn Provider>, bluesky::Shared, String) {
    let (app, seen) = bluesky::app();
    let base = serve(app).await;
    let p = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("BLUESKY_WEB_URL", "https://bsky.example"),
        ("BLUESKY_VIDEO_URL", base.as_str()),
        ("BLUESKY_VIDEO_POLL_MS", "10"),
        ("BLUESKY_VIDEO_WAIT_SECS", "1"),
    ]))
    .get("bluesky")
    .unwrap();
    (p, seen, base)
}

fn code(service: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(
        json!({"service": service, "identifier": bluesky::HANDLE, "password": password})
            .to_string(),
    )
}

fn post(id: &str, text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: id.into(),
        message: text.into(),
        settings: json!({}),
        media,
    }
}

#[tokio::test]
async fn connects_with_credentials_and_posts_a_thread() {
    let (p, seen, base) = setup().await;
    assert!(
        p.info().custom_fields.is_some(),
        "credential providers show a form"
    );
    let req = p.auth_url().await.unwrap();
    assert_eq!(
        req.url, req.state,
        "no authorization page: the URL is the state"
    );
    assert!(matches!(
        p.authenticate(&code(&base, "wrong"), "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    assert!(matches!(
        p.authenticate("not base64!", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p
        .authenticate(&code(&base, bluesky::PASSWORD), "")
        .await
        .unwrap();
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        (bluesky::DID, "Alice Sky")
    );
    let custom =
        json!({"service": base, "identifier": bluesky::HANDLE, "password": bluesky::PASSWORD});
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: None,
        custom: Some(custom),
    };

    let img = Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/a.jpg"),
        alt: Some("alt text".into()),
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &post("b1", "Hello sky", vec![img]))
        .await
        .unwrap();
    assert!(root
        .id
        .starts_with(&format!("at://{}/app.bsky.feed.post/", bluesky::DID)));
    assert_eq!(
        root.url,
        format!("https://bsky.example/profile/{}/post/3kpost1", bluesky::DID)
    );
    let r1 = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &post("b2", "first reply", vec![]),
        )
        .await
        .unwrap();
    p.comment(&auth, &root.id, &r1.id, &post("b3", "second reply", vec![]))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.blobs.len(), 1);
    assert_eq!(s.records[0].1["embed"]["images"][0]["alt"], "alt text");
    assert_eq!(s.records[1].1["reply"]["root"]["uri"], root.id.as_str());
    assert_eq!(s.records[2].1["reply"]["root"]["uri"], root.id.as_str());
    assert_eq!(
        s.records[2].1["reply"]["parent"]["uri"],
        r1.id.as_str(),
        "each reply chains on the previous one"
    );
    assert_eq!(s.records[2].1["reply"]["parent"]["cid"], "bafycid3kpost2");
}

async fn connect(p: &Arc<dyn Provider>, base: &str) -> ChannelAuth {
    let t = p
        .authenticate(&code(base, bluesky::PASSWORD), "")
        .await
        .unwrap();
    ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: None,
        custom: Some(
            json!({"service": base, "identifier": bluesky::HANDLE, "password": bluesky::PASSWORD}),
        ),
    }
}

fn video(base: &str, name: &str) -> Vec<Media> {
    vec![Media {
        kind: MediaKind::Video,
        url: format!("{base}/videos/{name}"),
        alt: Some("a clip".into()),
        thumbnail: None,
    }]
}

#[tokio::test]
async fn a_video_goes_through_the_video_service_and_is_embedded_once_encoded() {
    let (p, seen, base) = setup().await;
    let auth = connect(&p, &base).await;
    let done = p
        .publish(&auth, &post("v1", "Watch this", video(&base, "clip.mp4")))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(
        s.service_tokens.len(),
        1,
        "one service token for the upload"
    );
    assert_eq!((s.video_uploads.len(), s.jobs.len()), (1, 1));
    assert!(s.blobs.is_empty(), "a video is not a PDS blob upload");
    let record = &s.records[0].1;
    assert_eq!(record["embed"]["$type"], "app.bsky.embed.video");
    assert_eq!(record["embed"]["video"]["ref"]["$link"], "bafkvideojob1");
    assert_eq!(record["embed"]["alt"], "a clip");
    assert!(done.url.ends_with("/post/3kpost1"));
    assert!(p
        .check(&post(
            "v2",
            "mixed",
            [
                video(&base, "b.mp4"),
                vec![Media {
                    kind: MediaKind::Image,
                    url: format!("{base}/files/a.jpg"),
                    alt: None,
                    thumbnail: None,
                }]
            ]
            .concat()
        ))
        .is_err());
}

#[tokio::test]
async fn a_video_still_encoding_is_retried_on_the_same_job_and_a_failed_job_is_refused() {
    let (p, seen, base) = setup().await;
    let auth = connect(&p, &base).await;
    let slow = post("v1", "Long one", video(&base, "slow.mp4"));
    assert!(
        matches!(
            p.publish(&auth, &slow).await,
            Err(ProviderError::Transient { .. })
        ),
        "still encoding after the wait: try again later"
    );
    assert!(
        seen.lock().unwrap().records.is_empty(),
        "nothing posted yet"
    );
    seen.lock().unwrap().jobs[0].reads_left = 0;
    p.publish(&auth, &slow).await.unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(s.video_uploads.len(), 2, "the retry sends the file again");
        assert_eq!(s.jobs.len(), 1, "and the service answers the same job");
        assert_eq!(s.records.len(), 1);
        assert_eq!(
            s.records[0].1["embed"]["video"]["ref"]["$link"],
            "bafkvideojob1"
        );
    }
    let failed = p
        .publish(&auth, &post("v2", "Broken", video(&base, "fail.mp4")))
        .await;
    assert_eq!(
        failed.unwrap_err(),
        ProviderError::bad("Could not upload video, job failed: Video is too long")
    );
    assert_eq!(seen.lock().unwrap().records.len(), 1);
}

#[tokio::test]
async fn expired_sessions_log_in_again_and_errors_are_classified() {
    let (p, seen, base) = setup().await;
    let t = p
        .authenticate(&code(&base, bluesky::PASSWORD), "")
        .await
        .unwrap();
    let custom =
        json!({"service": base, "identifier": bluesky::HANDLE, "password": bluesky::PASSWORD});
    let auth = ChannelAuth {
        internal_id: t.id,
        access_token: "expired".into(),
        refresh_token: None,
        custom: Some(custom.clone()),
    };
    assert!(matches!(
        p.publish(&auth, &post("x1", "hi", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let fresh = p.refresh(&auth).await.unwrap();
    assert_eq!(seen.lock().unwrap().logins, 2);
    let auth = ChannelAuth {
        access_token: fresh.access_token,
        ..auth
    };
    match p.publish(&auth, &post("x2", "FAIL:429", vec![])).await {
        Err(ProviderError::Transient { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(3)))
        }
        other => panic!("{other:?}"),
    }
    let long = "y".repeat(301);
    assert!(matches!(
        p.publish(&auth, &post("x3", &long, vec![])).await,
        Err(ProviderError::BadRequest { .. })
    ));
    assert!(p.check(&post("x4", &long, vec![])).is_err());
    let five = (0..5)
        .map(|i| Media {
            kind: MediaKind::Image,
            url: format!("{base}/files/{i}.jpg"),
            alt: None,
            thumbnail: None,
        })
        .collect();
    assert!(
        p.check(&post("x5", "pics", five)).is_err(),
        "at most 4 pictures"
    );
    let changed = ChannelAuth {
        custom: Some(
            json!({"service": base, "identifier": bluesky::HANDLE, "password": "revoked"}),
        ),
        ..auth
    };
    assert!(
        matches!(
            p.refresh(&changed).await,
            Err(ProviderError::RefreshNeeded(_))
        ),
        "revoked app password: reconnect"
    );
}

#[tokio::test]
async fn a_service_on_an_internal_address_is_refused() {
    let (_, seen, base) = setup().await;
    // Without FETCH_ALLOW_PRIVATE the loopback fake is an internal address: no request leaves.
    let guarded = Providers::new(&ProviderConfig::from_pairs([(
        "BLUESKY_WEB_URL",
        "https://bsky.example",
    )]))
    .get("bluesky")
    .unwrap();
    for service in [
        base.as_str(),
        "http://127.1:9",
        "http://2130706433",
        "http://[::1]/",
    ] {
        let refused = guarded
            .authenticate(&code(service, bluesky::PASSWORD), "")
            .await;
        assert!(
            matches!(&refused, Err(ProviderError::BadRequest { user_message }) if user_message.contains("cannot be used")),
            "{service}: {refused:?}"
        );
    }
    assert_eq!(seen.lock().unwrap().logins, 0, "nothing reached the fake");
}

#[tokio::test]
async fn media_links_to_internal_addresses_are_not_fetched() {
    let (app, _) = bluesky::app();
    let base = serve(app).await;
    let ours = format!("{base}/ours.png");
    let http = postiz_providers::http::Http::default().guarded(
        false,
        Some(Arc::new({
            let ours = ours.clone();
            move |u: &str| u == ours
        })),
    );
    for url in [
        format!("{base}/theirs.png"),
        "http://169.254.169.254/latest/meta-data/x.png".into(),
        "http://0x7f000001/a.png".into(),
    ] {
        let refused = http.fetch_media(&url).await;
        assert!(
            matches!(&refused, Err(ProviderError::BadRequest { user_message }) if user_message.contains("not allowed")),
            "{url}: {refused:?}"
        );
    }
    // Our own link is fetched directly (the fake answers 404 for it: a plain refusal).
    let own = http.fetch_media(&ours).await;
    assert!(
        matches!(&own, Err(ProviderError::BadRequest { user_message }) if !user_message.contains("not allowed")),
        "{own:?}"
    );
}
