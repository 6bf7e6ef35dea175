//! Google Business Profile and TikTok Business against their fakes: connect (the location
//! step for Google), publish (events and offers; videos and pictures polled to completion),
//! the editor's helpers and the mapped refusals.

use postiz_providers::{Media, MediaKind, ProviderError};
use postiz_tests::fakes::recorder::to;
use postiz_tests::fakes::{gmb, serve, tiktok_business};
use serde_json::json;

use crate::providers_articles::{channel, message, provider};

#[tokio::test]
async fn gmb_picks_a_location_and_posts_updates_events_and_offers() {
    let (app, calls) = gmb::app();
    let base = serve(app).await;
    let p = provider(
        "gmb",
        &[
            ("GMB_ACCOUNTS_URL", &base),
            ("GMB_INFO_URL", &base),
            ("GMB_POSTS_URL", &base),
            ("YOUTUBE_API_URL", &base),
            ("GOOGLE_TOKEN_URL", &base),
            ("GOOGLE_ACCOUNTS_URL", "https://accounts.example"),
            ("YOUTUBE_CLIENT_ID", gmb::CLIENT_ID),
            ("YOUTUBE_CLIENT_SECRET", gmb::CLIENT_SECRET),
        ],
    );
    assert!(
        p.auth_url().await.unwrap().url.contains("business.manage"),
        "YouTube's app serves when GMB has none"
    );
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(gmb::GOOD_CODE, "").await.unwrap();
    let account = channel(&t, None);
    let locations = p.pages(&account).await.unwrap();
    let ids: Vec<&str> = locations.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        ["accounts/111/locations/9001", "accounts/222/locations/9002"],
        "every page of accounts"
    );
    assert_eq!(
        locations[0].picture.as_deref(),
        Some("https://g.example/profile.jpg"),
        "the profile photo first"
    );
    let chosen = p
        .select_page(&account, "accounts/111/locations/9001")
        .await
        .unwrap();
    assert_eq!(chosen.name, "Ada's Cafe - Main St");
    let auth = channel(&chosen, None);

    let mut update = message(
        "g1",
        "Fresh bread today",
        json!({"callToActionType": "ORDER", "callToActionUrl": "https://cafe.example"}),
    );
    update.media = vec![Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/bread.jpg".into(),
        alt: None,
        thumbnail: None,
    }];
    let done = p.publish(&auth, &update).await.unwrap();
    assert_eq!(done.url, "https://local.google.example/post/1");
    let event = message(
        "g2",
        "Join us",
        json!({"topicType": "EVENT", "eventTitle": "Tasting", "eventStartDate": "2027-01-02", "eventEndDate": "2027-01-02", "eventStartTime": "18:00"}),
    );
    p.publish(&auth, &event).await.unwrap();
    let offer = message(
        "g3",
        "Deal",
        json!({"topicType": "OFFER", "offerCouponCode": "BREAD10", "offerTerms": "One per visit"}),
    );
    p.publish(&auth, &offer).await.unwrap();
    let posts = to(&calls, "POST", "/v4/accounts/111/locations/9001/localPosts");
    assert_eq!(
        posts[0].body["callToAction"],
        json!({"actionType": "ORDER", "url": "https://cafe.example"})
    );
    assert_eq!(
        posts[0].body["media"],
        json!([{"mediaFormat": "PHOTO", "sourceUrl": "https://cdn.example/bread.jpg"}])
    );
    assert_eq!(posts[1].body["event"]["schedule"]["startTime"]["hours"], 18);
    assert_eq!(
        posts[2].body["offer"],
        json!({"couponCode": "BREAD10", "termsConditions": "One per visit"})
    );

    assert_eq!(
        p.check(&message("g4", "x", json!({"topicType": "EVENT"})))
            .unwrap_err(),
        "Event posts require an event title"
    );
    assert_eq!(
        p.publish(&auth, &message("g5", "POLICY words", json!({}))).await.unwrap_err(),
        ProviderError::bad("Google rejected this post for a content policy violation. Please review the post content and try again.")
    );
    let elsewhere = postiz_providers::ChannelAuth {
        internal_id: "accounts/111/locations/404".into(),
        ..auth.clone()
    };
    assert_eq!(
        p.publish(&elsewhere, &message("g6", "x", json!({})))
            .await
            .unwrap_err(),
        ProviderError::bad("Business location not found. It may have been deleted.")
    );
    assert!(p.refresh(&auth).await.is_ok());
}

#[tokio::test]
async fn tiktok_business_publishes_videos_and_pictures_and_finds_music() {
    let (app, calls) = tiktok_business::app();
    let base = serve(app).await;
    let p = provider(
        "tiktok-business",
        &[
            ("TIKTOK_BUSINESS_URL", &format!("{base}/open_api/v1.3")),
            ("TIKTOK_WEB_URL", "https://tiktok.example"),
            ("TIKTOK_BUSINESS_CLIENT_ID", tiktok_business::CLIENT_ID),
            (
                "TIKTOK_BUSINESS_CLIENT_SECRET",
                tiktok_business::CLIENT_SECRET,
            ),
            ("TIKTOK_POLL_MS", "10"),
        ],
    );
    assert!(
        p.auth_url()
            .await
            .unwrap()
            .url
            .contains("tiktok-business%2F"),
        "the redirect ends with a slash"
    );
    assert_eq!(
        p.authenticate("bad", "").await.unwrap_err(),
        ProviderError::bad("Invalid auth code")
    );
    let t = p
        .authenticate(tiktok_business::GOOD_CODE, "")
        .await
        .unwrap();
    assert_eq!(
        (t.id.as_str(), t.username.as_deref()),
        ("-000abcOPEN", Some("adatok"))
    );
    let auth = channel(&t, None);

    let mut video = message(
        "t1",
        "my video",
        json!({"privacy_level": "PUBLIC_TO_EVERYONE", "comment": true, "duet": false, "stitch": "true",
        "music": {"id": "clip-1", "audio_volume": 30}}),
    );
    video.media = vec![Media {
        kind: MediaKind::Video,
        url: "https://cdn.example/v.mp4".into(),
        alt: None,
        thumbnail: Some("https://cdn.example/t.jpg".into()),
    }];
    let done = p.publish(&auth, &video).await.unwrap();
    assert_eq!(
        done.url,
        "https://tiktok.example/@adatok/video/7400000000000000001"
    );
    let sent = &to(&calls, "POST", "/open_api/v1.3/business/video/publish/")[0].body;
    assert_eq!(sent["video_url"], "https://cdn.example/v.mp4");
    assert_eq!(sent["custom_thumbnail_url"], "https://cdn.example/t.jpg");
    assert_eq!(
        (
            sent["post_info"]["disable_comment"].as_bool(),
            sent["post_info"]["disable_stitch"].as_bool()
        ),
        (Some(false), Some(false))
    );
    assert_eq!(
        sent["post_info"]["music_sound_info"]["music_sound_volume"],
        30.0
    );

    let mut pictures = message(
        "t2",
        "pics",
        json!({"title": "Album", "content_posting_method": "UPLOAD"}),
    );
    pictures.media = (0..3)
        .map(|i| Media {
            kind: MediaKind::Image,
            url: format!("https://cdn.example/{i}.jpg"),
            alt: None,
            thumbnail: None,
        })
        .collect();
    p.publish(&auth, &pictures).await.unwrap();
    let photo = &to(&calls, "POST", "/open_api/v1.3/business/photo/publish/")[0].body;
    assert_eq!(photo["photo_images"].as_array().unwrap().len(), 3);
    assert_eq!(photo["post_info"]["is_draft"], true);
    assert_eq!(photo["post_info"]["title"], "Album");

    let mut spam = video.clone();
    spam.message = "SPAM".into();
    assert_eq!(
        p.publish(&auth, &spam).await.unwrap_err(),
        ProviderError::bad("TikTok detected potential spam in the post text")
    );
    let expired = postiz_providers::ChannelAuth {
        access_token: "old".into(),
        ..auth.clone()
    };
    assert!(matches!(
        p.publish(&expired, &video).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let music = p.tool(&auth, "musicSearch", &json!({})).await.unwrap();
    assert_eq!(
        music.as_array().unwrap().len(),
        1,
        "tracks without a clip are left out"
    );
    assert_eq!(music[0]["duration"], 30000.0);
    assert_eq!(
        p.tool(&auth, "locationSearch", &json!({"q": "cafe"}))
            .await
            .unwrap()[0]["id"],
        "loc-1"
    );
    assert!(p.refresh(&auth).await.is_ok());
    assert_eq!(
        p.check(&message("t3", "x", json!({}))).unwrap_err(),
        "No video / images selected"
    );
}
