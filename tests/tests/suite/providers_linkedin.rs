//! The LinkedIn providers (person and page) against the fake LinkedIn.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{linkedin, serve};
use serde_json::json;
use std::sync::Arc;

async fn setup(id: &str) -> (Arc<dyn Provider>, linkedin::Shared, String) {
    let (app, seen) = linkedin::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("LINKEDIN_URL", base.as_str()),
        ("LINKEDIN_WEB_URL", base.as_str()),
        ("LINKEDIN_CLIENT_ID", linkedin::CLIENT_ID),
        ("LINKEDIN_CLIENT_SECRET", linkedin::CLIENT_SECRET),
    ]);
    (Providers::new(&config).get(id).unwrap(), seen, base)
}

fn post(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: "l".into(),
        message: text.into(),
        settings: json!({}),
        media,
    }
}

async fn connect(p: &Arc<dyn Provider>) -> ChannelAuth {
    let t = p.authenticate(linkedin::GOOD_CODE, "").await.unwrap();
    ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom: None,
    }
}

#[tokio::test]
async fn person_connect_refresh_post_images_and_comment() {
    let (p, seen, base) = setup("linkedin").await;
    let req = p.auth_url().await.unwrap();
    assert!(
        req.url.starts_with(&format!(
            "{base}/oauth/v2/authorization?response_type=code&client_id=li-client"
        )),
        "{}",
        req.url
    );
    assert!(matches!(
        p.authenticate("bad", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let auth = connect(&p).await;
    assert_eq!(auth.internal_id, "abc123");
    let fresh = p.refresh(&auth).await.unwrap();
    assert!(fresh.refresh_token.is_some());
    let revoked = ChannelAuth {
        refresh_token: Some("revoked".into()),
        ..auth.clone()
    };
    assert!(matches!(
        p.refresh(&revoked).await,
        Err(ProviderError::RefreshNeeded(_))
    ));

    let img = |n: u8| Media {
        kind: MediaKind::Image,
        url: format!("{base}/files/{n}.png"),
        alt: None,
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &post("Hiring!", vec![img(1), img(2)]))
        .await
        .unwrap();
    assert!(root.id.starts_with("urn:li:share:"));
    assert_eq!(root.url, format!("{base}/feed/update/{}", root.id));
    p.comment(&auth, &root.id, &root.id, &post("Apply here", vec![]))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.images.len(), 2);
    assert_eq!(s.posts[0]["author"], "urn:li:person:abc123");
    assert_eq!(
        s.posts[0]["content"]["multiImage"]["images"],
        json!([{"id": "urn:li:image:IMG1"}, {"id": "urn:li:image:IMG2"}])
    );
    assert_eq!(s.comments[0].0, root.id, "comments go on the root post");
}

#[tokio::test]
async fn page_is_chosen_then_posts_as_the_organization() {
    let (p, seen, _) = setup("linkedin-page").await;
    assert!(p.info().two_step);
    let user = connect(&p).await;
    let pages = p.pages(&user).await.unwrap();
    assert_eq!(
        (pages[0].id.as_str(), pages[0].name.as_str()),
        (linkedin::ORG_ID, "Lin Corp")
    );
    assert!(matches!(
        p.select_page(&user, "999").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let page = p.select_page(&user, linkedin::ORG_ID).await.unwrap();
    assert_eq!(page.name, "Lin Corp");
    assert_eq!(
        page.refresh_token, user.refresh_token,
        "the page refreshes with the user's token"
    );
    let auth = ChannelAuth {
        internal_id: page.id,
        access_token: page.access_token,
        refresh_token: page.refresh_token,
        custom: None,
    };
    p.publish(&auth, &post("Company news", vec![]))
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().posts[0]["author"],
        format!("urn:li:organization:{}", linkedin::ORG_ID)
    );
}

#[tokio::test]
async fn linkedin_errors_and_rules() {
    let (p, _, _) = setup("linkedin").await;
    let auth = connect(&p).await;
    assert!(matches!(
        p.publish(&auth, &post("FAIL:dup", vec![])).await,
        Err(ProviderError::BadRequest { .. })
    ));
    assert!(matches!(
        p.publish(&auth, &post("FAIL:activity", vec![])).await,
        Err(ProviderError::Transient { .. })
    ));
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(&expired, &post("hi", vec![])).await,
        Err(ProviderError::RefreshNeeded(_))
    ));
    let carousel = PostDetails {
        settings: json!({"post_as_images_carousel": true}),
        ..post(
            "c",
            vec![Media {
                kind: MediaKind::Image,
                url: "x".into(),
                alt: None,
                thumbnail: None,
            }],
        )
    };
    assert!(p.check(&carousel).is_err(), "a carousel needs two pictures");
    assert!(p.check(&post(&"x".repeat(3001), vec![])).is_err());
}
