//! The Facebook Page provider against the fake Graph API, and the two-step connect flow
//! (pick a page) over HTTP on a real `postiz-server`.

use postiz_providers::{
    ChannelAuth, Media, MediaKind, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::{facebook, serve};
use postiz_tests::{unique, Running};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

fn config(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("FACEBOOK_GRAPH_URL", base.to_string()),
        ("FACEBOOK_WEB_URL", "https://facebook.example".to_string()),
        ("FACEBOOK_APP_ID", facebook::APP_ID.to_string()),
        ("FACEBOOK_APP_SECRET", facebook::APP_SECRET.to_string()),
    ]
}

async fn setup() -> (Arc<dyn Provider>, facebook::Shared) {
    let (app, seen) = facebook::app();
    let base = serve(app).await;
    (
        Providers::new(&ProviderConfig::from_pairs(config(&base)))
            .get("facebook")
            .unwrap(),
        seen,
    )
}

fn post(text: &str, media: Vec<Media>) -> PostDetails {
    PostDetails {
        id: unique("fb-"),
        message: text.into(),
        settings: json!({"post_type": "post"}),
        media,
    }
}

#[tokio::test]
async fn connect_pick_a_page_post_and_comment() {
    let (p, seen) = setup().await;
    assert!(p.info().two_step);
    let req = p.auth_url().await.unwrap();
    assert!(
        req.url
            .starts_with("https://facebook.example/v20.0/dialog/oauth?client_id=fb-app"),
        "{}",
        req.url
    );
    assert!(matches!(
        p.authenticate("used-code", "").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let user = p.authenticate(facebook::GOOD_CODE, "").await.unwrap();
    assert_eq!(user.name, "Frank Page-Owner");
    assert!(user.expires_in.is_some());
    let user_auth = ChannelAuth {
        internal_id: user.id,
        access_token: user.access_token,
        refresh_token: None,
        custom: None,
    };
    let pages = p.pages(&user_auth).await.unwrap();
    assert_eq!(pages.len(), 2);
    assert!(matches!(
        p.select_page(&user_auth, "not-mine").await,
        Err(ProviderError::BadRequest { .. })
    ));
    let page = p.select_page(&user_auth, facebook::PAGE_ID).await.unwrap();
    assert_eq!(
        (page.name.as_str(), page.access_token.as_str()),
        ("Frank's Bakery", facebook::PAGE_TOKEN)
    );
    let auth = ChannelAuth {
        internal_id: page.id,
        access_token: page.access_token,
        refresh_token: None,
        custom: None,
    };

    let photo = Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/bread.jpg".into(),
        alt: None,
        thumbnail: None,
    };
    let root = p
        .publish(&auth, &post("Fresh bread today", vec![photo]))
        .await
        .unwrap();
    assert_eq!(root.url, format!("https://facebook.example/{}", root.id));
    p.comment(&auth, &root.id, &root.id, &post("Open until 6pm", vec![]))
        .await
        .unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(
        s.photos,
        vec![(
            facebook::PAGE_ID.to_string(),
            "https://cdn.example/bread.jpg".to_string()
        )]
    );
    assert_eq!(
        s.posts[0].1["attached_media"],
        json!([{"media_fbid": "photo-1"}])
    );
    assert_eq!(s.comments[0].0, root.id, "comments go on the root post");
}

#[tokio::test]
async fn maps_graph_errors() {
    let (p, _) = setup().await;
    let auth = ChannelAuth {
        internal_id: facebook::PAGE_ID.into(),
        access_token: facebook::PAGE_TOKEN.into(),
        refresh_token: None,
        custom: None,
    };
    match p.publish(&auth, &post("FAIL:fast", vec![])).await {
        Err(ProviderError::BadRequest { user_message }) => {
            assert_eq!(user_message, "You are posting too fast, please slow down")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.publish(&auth, &post("FAIL:limit", vec![])).await,
        Err(ProviderError::Transient { .. })
    ));
    let expired = ChannelAuth {
        access_token: "old".into(),
        ..auth
    };
    match p.publish(&expired, &post("hello", vec![])).await {
        Err(ProviderError::RefreshNeeded(m)) => {
            assert_eq!(m, "Please re-authenticate your Facebook account")
        }
        other => panic!("{other:?}"),
    }
    let story = PostDetails {
        settings: json!({"post_type": "story"}),
        ..post("story", vec![])
    };
    assert!(p.check(&story).is_err(), "a story needs media");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_step_connect_over_http() {
    let (app, _) = facebook::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let mut envs = config(&fake);
    envs.push(("DATA_DIR", data.path().display().to_string()));
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let (base, http) = (server.base.clone(), reqwest::Client::new());
    let r = http
        .post(format!("{base}/auth/register"))
        .json(&json!({"email": format!("{}@example.com", unique("fb")), "password": "fb-pass", "company": "Bakery Co", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    let token = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|c| {
            c.to_str()
                .unwrap()
                .strip_prefix("auth=")
                .map(|v| v.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let start: Value = http
        .get(format!("{base}/integrations/social/facebook"))
        .header("auth", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state = start["url"]
        .as_str()
        .unwrap()
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let connected: Value = http
        .post(format!("{base}/integrations/social-connect/facebook"))
        .json(&json!({"state": state, "code": facebook::GOOD_CODE, "timezone": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(connected["inBetweenSteps"], true);
    assert_eq!(connected["pages"].as_array().unwrap().len(), 2);
    // The web app's page picker reads Graph's `picture.data.url`.
    let first = &connected["pages"][0];
    assert!(first["id"].is_string() && first["name"].is_string());
    assert!(first["picture"]["data"]["url"].is_string(), "{first}");
    let id = connected["id"].as_str().unwrap().to_string();
    // Reopened later, the picker asks for the pages through `/integrations/function`.
    let again: Value = http
        .post(format!("{base}/integrations/function"))
        .header("auth", &token)
        .json(&json!({"id": id, "name": "pages", "data": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, connected["pages"]);
    let pick = http
        .post(format!("{base}/integrations/provider/{id}/connect"))
        .header("auth", &token)
        .json(&json!({"page": "not-mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(pick.status(), 400);
    let pick = http
        .post(format!("{base}/integrations/provider/{id}/connect"))
        .header("auth", &token)
        .json(&json!({"page": facebook::PAGE_ID}))
        .send()
        .await
        .unwrap();
    assert_eq!(pick.status(), 201);
    assert_eq!(
        pick.json::<Value>().await.unwrap(),
        json!({"success": true})
    );
    let list: Value = http
        .get(format!("{base}/integrations/list"))
        .header("auth", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ch = &list["integrations"][0];
    assert_eq!(
        (
            ch["name"].as_str(),
            ch["internalId"].as_str(),
            ch["inBetweenSteps"].as_bool()
        ),
        (Some("Frank's Bakery"), Some(facebook::PAGE_ID), Some(false))
    );
    assert_eq!(list["integrations"].as_array().unwrap().len(), 1);
    let again = http
        .post(format!("{base}/integrations/provider/{id}/connect"))
        .header("auth", &token)
        .json(&json!({"page": facebook::PAGE_ID}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400, "a page is chosen once");
}

#[tokio::test]
async fn a_story_publishes_each_media_as_its_own_story() {
    let (p, seen) = setup().await;
    let auth = ChannelAuth {
        internal_id: facebook::PAGE_ID.into(),
        access_token: facebook::PAGE_TOKEN.into(),
        refresh_token: None,
        custom: None,
    };
    let media = |kind: MediaKind, name: &str| Media {
        kind,
        url: format!("https://cdn.example/{name}"),
        alt: None,
        thumbnail: None,
    };
    let story = |items: Vec<Media>| PostDetails {
        settings: json!({"post_type": "story"}),
        ..post("", items)
    };
    assert!(
        p.check(&story(vec![])).is_err(),
        "a story needs at least one media"
    );
    let done = p
        .publish(
            &auth,
            &story(vec![
                media(MediaKind::Image, "a.jpg"),
                media(MediaKind::Video, "b.mp4"),
            ]),
        )
        .await
        .unwrap();
    {
        let s = seen.lock().unwrap();
        assert_eq!(
            s.stories,
            [
                (facebook::PAGE_ID.to_string(), "photo-1".to_string()),
                (facebook::PAGE_ID.to_string(), "vs-1".to_string())
            ]
        );
        assert_eq!(
            s.story_videos["vs-1"].as_deref(),
            Some("https://cdn.example/b.mp4"),
            "the upload host fetched the video from its URL"
        );
        assert!(s.posts.is_empty(), "nothing on the feed");
    }
    assert_eq!(done.id, "story-2");
    assert_eq!(done.url, "https://facebook.example/stories/story-2");

    // A refused upload publishes nothing: every file goes up before the first story.
    let refused = p
        .publish(
            &auth,
            &story(vec![
                media(MediaKind::Image, "c.jpg"),
                media(MediaKind::Image, "FAIL.jpg"),
            ]),
        )
        .await;
    assert_eq!(refused, Err(ProviderError::bad("Invalid file")));
    assert_eq!(seen.lock().unwrap().stories.len(), 2);

    // A story refused after an earlier one went out is not sent again blindly.
    let partial = p
        .publish(
            &auth,
            &story(vec![
                media(MediaKind::Image, "d.jpg"),
                media(MediaKind::Video, "BROKEN.mp4"),
            ]),
        )
        .await;
    assert_eq!(
        partial,
        Err(ProviderError::Unknown("Facebook may have already published part of the story, please check your page before posting again to avoid duplicates".into()))
    );
    assert_eq!(seen.lock().unwrap().stories.len(), 3);
}
