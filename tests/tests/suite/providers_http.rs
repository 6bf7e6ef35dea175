//! The new networks through the whole server: a credential form connects Dev.to and
//! WordPress (`/integrations/social-connect/:provider` with the base64 form), the editor's
//! helpers answer through `/integrations/function`, a post's HTML becomes markdown for
//! Dev.to and stays HTML for WordPress, settings are checked against the network's rules,
//! and the publisher sends both with the stored (encrypted) credentials.

use postiz_tests::fakes::recorder::{to, Calls};
use postiz_tests::fakes::{articles, serve};
use serde_json::{json, Value};
use std::time::Duration;

use crate::providers_articles::form;
use crate::util::Session;

async fn connect(s: &Session, provider: &str, code: String) -> String {
    let start = s.get(&format!("/integrations/social/{provider}")).await;
    let state = start["url"].as_str().expect("a state").to_string();
    let (status, channel) = s
        .call(
            reqwest::Method::POST,
            &format!("/integrations/social-connect/{provider}"),
            Some(json!({"state": state, "code": code, "timezone": 0})),
        )
        .await;
    assert!(status < 300, "{provider}: {status} {channel}");
    channel["id"].as_str().unwrap().to_string()
}

async fn post_now(s: &Session, channel: &str, settings: Value, html: &str) -> (u16, Value) {
    s.call(
        reqwest::Method::POST,
        "/posts",
        Some(json!({
            "type": "now", "date": chrono::Utc::now().to_rfc3339(), "shortLink": false, "tags": [],
            "posts": [{"integration": {"id": channel}, "settings": settings, "value": [{"content": html}]}],
        })),
    )
    .await
}

async fn until_sent(calls: &Calls, method: &str, path: &str) -> Value {
    for _ in 0..100 {
        if let Some(c) = to(calls, method, path).first() {
            return c.body.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing reached {path}");
}

#[tokio::test]
async fn credential_networks_connect_and_publish_through_the_server() {
    let (devto, devto_calls) = articles::devto_app();
    let (wp, wp_calls) = articles::wordpress_app();
    let (devto_url, wp_url) = (serve(devto).await, serve(wp).await);
    let dir = tempfile::tempdir().unwrap();
    let srv = postiz_tests::Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("DEVTO_URL", devto_url),
        ("FETCH_ALLOW_PRIVATE", "true".into()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let (s, _) = Session::register(&srv.base).await;

    let catalogue = s.get("/integrations").await;
    let mut listed: Vec<&str> = catalogue["social"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identifier"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        crate::providers_unknown::ALL.to_vec(),
        "the catalogue lists Postiz's 35 networks"
    );
    let wordpress = catalogue["social"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identifier"] == "wordpress")
        .unwrap()
        .clone();
    assert_eq!(wordpress["customFields"][2]["type"], "password");

    let devto_channel = connect(&s, "devto", form(json!({"apiKey": articles::API_KEY}))).await;
    let site =
        json!({"domain": wp_url, "username": articles::USER, "password": articles::PASSWORD});
    let wp_channel = connect(&s, "wordpress", form(site)).await;

    // The editor's helpers, through the channel's stored credentials.
    let (status, types) = s
        .call(
            reqwest::Method::POST,
            "/integrations/function",
            Some(json!({"id": wp_channel, "name": "postTypes", "data": {}})),
        )
        .await;
    assert_eq!(status, 201, "{types}");
    assert!(
        types.as_array().unwrap().iter().any(|t| t["id"] == "pages"),
        "{types}"
    );

    // Settings are the network's: Dev.to needs a title.
    let (status, refused) =
        post_now(&s, &devto_channel, json!({"__type": "devto"}), "<p>x</p>").await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("title"), "{refused}");

    let html = "<p>Hello <strong>world</strong></p>";
    let (status, answer) = post_now(
        &s,
        &devto_channel,
        json!({"__type": "devto", "title": "Hello", "tags": []}),
        html,
    )
    .await;
    assert!(status < 300, "{answer}");
    let article = until_sent(&devto_calls, "POST", "/api/articles").await;
    let markdown = article["article"]["body_markdown"].as_str().unwrap();
    assert!(
        markdown.contains("**world**"),
        "markdown for Dev.to: {markdown}"
    );

    let (status, answer) = post_now(
        &s,
        &wp_channel,
        json!({"__type": "wordpress", "title": "Launch", "type": "posts"}),
        html,
    )
    .await;
    assert!(status < 300, "{answer}");
    let created = until_sent(&wp_calls, "POST", "/wp-json/wp/v2/posts").await;
    assert!(
        created["content"]
            .as_str()
            .unwrap()
            .contains("<strong>world</strong>"),
        "{created}"
    );
}
