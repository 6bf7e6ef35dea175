//! VK, Dribbble and Tumblr against their fakes: connect (VK with PKCE and device id, Tumblr
//! with the blog step), publish with media, comments where the network has them, refresh.

use postiz_providers::{Media, MediaKind, ProviderError};
use postiz_tests::fakes::recorder::to;
use postiz_tests::fakes::{dribbble, serve, tumblr, vk};
use serde_json::json;

use crate::providers_articles::{channel, message, provider};

fn picture(base: &str, name: &str) -> Media {
    Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/{name}"),
        alt: Some("alt".into()),
        thumbnail: None,
    }
}

#[tokio::test]
async fn vk_posts_to_the_wall_with_photos_and_comments() {
    let (app, calls) = vk::app();
    let base = serve(app).await;
    let p = provider(
        "vk",
        &[
            ("VK_ID_URL", &base),
            ("VK_API_URL", &base),
            ("VK_WEB_URL", "https://vk.example"),
            ("VK_ID", vk::CLIENT_ID),
        ],
    );
    let req = p.auth_url().await.unwrap();
    assert!(req.url.contains("code_challenge_method=S256"));
    assert!(matches!(
        p.authenticate("bad&&&&dev-1", &req.code_verifier).await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p
        .authenticate(&format!("{}&&&&dev-1", vk::GOOD_CODE), &req.code_verifier)
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("1001", "Ivan Petrov"));
    let stored = t.refresh_token.clone().unwrap();
    assert!(
        stored.starts_with("vk-refresh-") && stored.ends_with("&&&&dev-1"),
        "the device id travels with the refresh token: {stored}"
    );
    let auth = channel(&t, None);

    let mut post = message("v1", "Привет", json!({}));
    post.media = vec![picture(&base, "a.png")];
    let done = p.publish(&auth, &post).await.unwrap();
    assert_eq!(
        (done.id.as_str(), done.url.as_str()),
        ("88", "https://vk.example/feed?w=wall1001_88")
    );
    let wall = &to(&calls, "POST", "/method/wall.post")[0];
    assert_eq!(wall.body["attachments"], "photo1001_4567");
    assert_eq!(wall.body["message"], "Привет");
    assert!(
        !wall.path.contains("access_token"),
        "the token is never in a URL"
    );
    let c = p
        .comment(&auth, &done.id, &done.id, &message("v2", "more", json!({})))
        .await
        .unwrap();
    assert_eq!(c.id, "91");
    assert_eq!(
        to(&calls, "POST", "/method/wall.createComment")[0].body["post_id"],
        "88"
    );

    let refreshed = p.refresh(&auth).await.unwrap();
    let renewed = refreshed.refresh_token.unwrap();
    assert!(
        renewed.ends_with("&&&&dev-1") && renewed != stored,
        "{renewed}"
    );
    let expired = postiz_providers::ChannelAuth {
        access_token: "old".into(),
        ..auth.clone()
    };
    assert!(matches!(
        p.publish(&expired, &message("v3", "x", json!({}))).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    assert_eq!(
        p.publish(&auth, &message("v4", "", json!({})))
            .await
            .unwrap_err(),
        ProviderError::bad(
            "One of the parameters specified was missing or invalid: message is undefined"
        )
    );
}

#[tokio::test]
async fn dribbble_uploads_a_shot_for_a_team() {
    let (app, calls) = dribbble::app();
    let base = serve(app).await;
    let p = provider(
        "dribbble",
        &[
            ("DRIBBBLE_URL", &base),
            ("DRIBBBLE_API_URL", &base),
            ("DRIBBBLE_CLIENT_ID", dribbble::CLIENT_ID),
            ("DRIBBBLE_CLIENT_SECRET", dribbble::CLIENT_SECRET),
        ],
    );
    assert!(matches!(
        p.authenticate("nope", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let t = p.authenticate(dribbble::GOOD_CODE, "").await.unwrap();
    assert_eq!(
        (t.id.as_str(), t.username.as_deref()),
        ("483195", Some("adashots"))
    );
    let token_call = &to(&calls, "POST", "/oauth/token")[0];
    assert!(
        !token_call.path.contains("secret"),
        "the secret goes in the body"
    );
    let auth = channel(&t, None);

    let mut shot = message(
        "s1",
        "A new logo",
        json!({"title": "Shot one", "team": "39"}),
    );
    assert_eq!(p.check(&shot).unwrap_err(), "Requires one item");
    shot.media = vec![picture(&base, "logo.png")];
    p.check(&shot).unwrap();
    let done = p.publish(&auth, &shot).await.unwrap();
    assert_eq!(done.url, format!("{base}/shots/{}", done.id));
    assert!(done.id.starts_with("47100"));
    let mut untitled = shot.clone();
    untitled.settings = json!({"title": "Other"});
    assert_eq!(
        p.publish(&auth, &untitled).await.unwrap_err(),
        ProviderError::bad("Invalid image size. Requires 400x300 or 800x600 px images.")
    );
    assert_eq!(
        p.tool(&auth, "teams", &json!({})).await.unwrap(),
        json!([{"id": 39, "name": "Dribbble Team"}])
    );
    let mut video = shot.clone();
    video.media = vec![Media {
        kind: MediaKind::Video,
        url: format!("{base}/files/v.mp4"),
        alt: None,
        thumbnail: None,
    }];
    assert_eq!(p.check(&video).unwrap_err(), "Does not support mp4 files");
}

#[tokio::test]
async fn tumblr_picks_a_blog_and_posts_npf_with_pictures() {
    let (app, calls) = tumblr::app();
    let base = serve(app).await;
    let p = provider(
        "tumblr",
        &[
            ("TUMBLR_URL", &base),
            ("TUMBLR_API_URL", &base),
            ("TUMBLR_CLIENT_ID", tumblr::CLIENT_ID),
            ("TUMBLR_CLIENT_SECRET", tumblr::CLIENT_SECRET),
        ],
    );
    assert!(p.info().two_step);
    let t = p.authenticate(tumblr::GOOD_CODE, "").await.unwrap();
    let account = channel(&t, None);
    let blogs = p.pages(&account).await.unwrap();
    assert_eq!(
        blogs.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(),
        ["adatumbles", "adaart"]
    );
    let chosen = p.select_page(&account, "adaart").await.unwrap();
    assert_eq!(
        (chosen.id.as_str(), chosen.name.as_str()),
        ("adaart", "Ada's art")
    );
    assert!(p.select_page(&account, "someone-else").await.is_err());
    let auth = channel(&chosen, None);

    let text = message(
        "u1",
        "First paragraph\n\nSecond",
        json!({"title": "Hello", "link": "example.com/x", "tags": [{"value": "art", "label": "art"}], "sourceUrl": "https://src.example"}),
    );
    let plain = p.publish(&auth, &text).await.unwrap();
    assert_eq!(plain.url, "https://adaart.tumblr.com/post/1234567891234567");
    let mut with_pictures = message("u2", "Look", json!({}));
    with_pictures.media = vec![picture(&base, "a.png"), picture(&base, "b.png")];
    p.publish(&auth, &with_pictures).await.unwrap();

    let posts = to(&calls, "POST", "/v2/blog/adaart/posts");
    let first = &posts[0].body["payload"];
    assert_eq!(
        first["content"][0],
        json!({"type": "text", "subtype": "heading1", "text": "Hello"})
    );
    assert_eq!(first["content"][2]["text"], "Second");
    assert_eq!(
        first["content"][3],
        json!({"type": "link", "url": "https://example.com/x"})
    );
    assert_eq!(first["tags"], "art");
    assert_eq!(first["source_url"], "https://src.example");
    assert_eq!(
        posts[1].body["parts"],
        json!(["media-0", "media-1"]),
        "each picture is its own part"
    );
    assert_eq!(posts[1].body["payload"]["content"][1]["alt_text"], "alt");

    assert_eq!(
        p.publish(&auth, &message("u3", "LIMIT", json!({})))
            .await
            .unwrap_err(),
        ProviderError::bad("Tumblr daily posting limit reached.")
    );
    let refreshed = p.refresh(&auth).await.unwrap();
    assert_eq!(refreshed.id, "adaart", "a refresh keeps the chosen blog");
}
