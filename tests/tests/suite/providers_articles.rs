//! The article networks against their fakes: Dev.to, Medium, Hashnode, WordPress and
//! listmonk connect with their credential forms, publish one article (with its settings),
//! answer their editor tools, and map refusals to Postiz's messages.

use base64::Engine;
use postiz_providers::{
    AuthTokens, ChannelAuth, PostDetails, Provider, ProviderConfig, ProviderError, Providers,
};
use postiz_tests::fakes::recorder::{to, Calls};
use postiz_tests::fakes::{articles, serve};
use serde_json::{json, Value};
use std::sync::Arc;

/// The provider `id` configured with `pairs` (plus private addresses allowed: the fakes run
/// on loopback).
pub(crate) fn provider(id: &str, pairs: &[(&str, &str)]) -> Arc<dyn Provider> {
    let mut all = vec![("FETCH_ALLOW_PRIVATE", "true")];
    all.extend_from_slice(pairs);
    Providers::new(&ProviderConfig::from_pairs(
        all.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    ))
    .get(id)
    .unwrap()
}

/// The `code` of a credential connect: the base64 JSON of the form.
pub(crate) fn form(v: Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.to_string())
}

/// The channel's credentials as the service would keep them after connecting.
pub(crate) fn channel(t: &AuthTokens, custom: Option<Value>) -> ChannelAuth {
    ChannelAuth {
        internal_id: t.id.clone(),
        access_token: t.access_token.clone(),
        refresh_token: t.refresh_token.clone(),
        custom,
    }
}

/// One message with `settings`.
pub(crate) fn message(id: &str, text: &str, settings: Value) -> PostDetails {
    PostDetails {
        id: id.into(),
        message: text.into(),
        settings,
        media: vec![],
    }
}

async fn connected(
    id: &str,
    env: &str,
    app: axum::Router,
) -> (Arc<dyn Provider>, ChannelAuth, String) {
    let base = serve(app).await;
    let p = provider(id, &[(env, base.as_str())]);
    let refused = p.authenticate(&form(json!({"apiKey": "wrong"})), "").await;
    assert_eq!(
        refused.unwrap_err(),
        ProviderError::bad("Invalid credentials"),
        "{id}"
    );
    let t = p
        .authenticate(&form(json!({"apiKey": articles::API_KEY})), "")
        .await
        .unwrap();
    assert_eq!(t.access_token, articles::API_KEY);
    (p, channel(&t, None), base)
}

#[tokio::test]
async fn devto_publishes_an_article_with_its_settings() {
    let (app, calls) = articles::devto_app();
    let (p, auth, _) = connected("devto", "DEVTO_URL", app).await;
    assert_eq!(auth.internal_id, "1234");
    let settings = json!({
        "title": "Hello Forem", "canonical": "https://blog.example/hello", "organization": 77,
        "tags": [{"value": 6, "label": "rust"}], "main_image": {"path": "https://cdn.example/c.png"}
    });
    let done = p
        .publish(&auth, &message("d1", "# Body\n\ntext", settings))
        .await
        .unwrap();
    assert_eq!(done.url, "https://dev.example/ada/post-1");
    assert_eq!(done.id, "901");
    let sent = &to(&calls, "POST", "/api/articles")[0].body["article"];
    assert_eq!(sent["body_markdown"], "# Body\n\ntext");
    assert_eq!(sent["tags"], json!(["rust"]));
    assert_eq!(sent["organization_id"], 77);
    assert_eq!(sent["main_image"], "https://cdn.example/c.png");
    assert_eq!(sent["published"], true);

    let taken = p
        .publish(
            &auth,
            &message(
                "d2",
                "x",
                json!({"title": "T", "canonical": "https://taken.example"}),
            ),
        )
        .await;
    assert_eq!(
        taken.unwrap_err(),
        ProviderError::bad("Canonical URL already exists")
    );

    let tags = p.tool(&auth, "tags", &json!({})).await.unwrap();
    assert_eq!(tags[0], json!({"value": 6, "label": "rust"}));
    let orgs = p.tool(&auth, "organizations", &json!({})).await.unwrap();
    assert_eq!(
        orgs,
        json!([{"id": 77, "name": "Acme", "username": "acme"}]),
        "deduplicated"
    );
}

#[tokio::test]
async fn medium_publishes_public_or_as_a_publication_draft() {
    let (app, calls) = articles::medium_app();
    let (p, auth, _) = connected("medium", "MEDIUM_URL", app).await;
    let own = p
        .publish(
            &auth,
            &message(
                "m1",
                "Story",
                json!({"title": "Mine", "tags": [{"value": "rust", "label": "Rust"}]}),
            ),
        )
        .await
        .unwrap();
    assert!(own
        .url
        .starts_with("https://medium.com/@majelbstoat/story-"));
    let in_pub = p
        .publish(
            &auth,
            &message(
                "m2",
                "Story",
                json!({"title": "Theirs", "publication": "b969ac62a46b"}),
            ),
        )
        .await
        .unwrap();
    assert!(!in_pub.id.is_empty());
    let posts = to(&calls, "POST", "/v1/");
    assert_eq!(
        posts[0].path,
        format!("/v1/users/{}/posts", auth.internal_id)
    );
    assert_eq!(posts[0].body["publishStatus"], "public");
    assert_eq!(posts[0].body["contentFormat"], "markdown");
    assert_eq!(posts[0].body["tags"], json!(["rust"]));
    assert_eq!(posts[1].path, "/v1/publications/b969ac62a46b/posts");
    assert_eq!(posts[1].body["publishStatus"], "draft");
    let pubs = p.tool(&auth, "publications", &json!({})).await.unwrap();
    assert_eq!(pubs[0]["id"], "b969ac62a46b");
    assert!(matches!(
        p.publish(&auth, &message("m3", "x", json!({"title": "FAIL"})))
            .await,
        Err(ProviderError::BadRequest { .. })
    ));
}

#[tokio::test]
async fn hashnode_publishes_through_graphql() {
    let (app, calls) = articles::hashnode_app();
    let (p, auth, _) = connected("hashnode", "HASHNODE_URL", app).await;
    assert_eq!(auth.internal_id, "hn-user-1");
    let settings = json!({
        "title": "A long title", "subtitle": "Sub", "publication": "pub-1",
        "tags": [{"value": "56744721958ef13879b94ffc", "label": "Rust"}],
        "main_image": {"path": "https://cdn.example/cover.png"}, "canonical": "https://blog.example/a"
    });
    let done = p
        .publish(&auth, &message("h1", "**md**", settings))
        .await
        .unwrap();
    assert_eq!(done.url, "https://ada.hashnode.dev/first-article");
    let input = calls.lock().unwrap().last().unwrap().body["variables"]["input"].clone();
    assert_eq!(input["publicationId"], "pub-1");
    assert_eq!(input["contentMarkdown"], "**md**");
    assert_eq!(input["tags"], json!([{"id": "56744721958ef13879b94ffc"}]));
    assert_eq!(
        input["coverImageOptions"]["coverImageURL"],
        "https://cdn.example/cover.png"
    );
    assert_eq!(input["originalArticleURL"], "https://blog.example/a");
    let no_tags = p
        .publish(
            &auth,
            &message(
                "h2",
                "x",
                json!({"title": "A long title", "publication": "pub-1", "tags": []}),
            ),
        )
        .await;
    assert_eq!(
        no_tags.unwrap_err(),
        ProviderError::bad("At least one tag is required")
    );
    assert_eq!(
        p.tool(&auth, "publications", &json!({})).await.unwrap(),
        json!([{"id": "pub-1", "name": "Ada's blog"}])
    );
    assert_eq!(
        p.tool(&auth, "tagsList", &json!({"word": "Rust"}))
            .await
            .unwrap(),
        json!([{"value": "56744721958ef13879b94ffc", "label": "Rust"}])
    );
    let stranger = ChannelAuth {
        access_token: "revoked".into(),
        ..auth
    };
    assert!(matches!(
        p.publish(
            &stranger,
            &message("h3", "x", json!({"title": "A long title"}))
        )
        .await,
        Err(ProviderError::RefreshNeeded(_))
    ));
}

fn site_form(base: &str, password: &str) -> Value {
    json!({"domain": base, "username": articles::USER, "password": password})
}

#[tokio::test]
async fn wordpress_publishes_a_post_with_its_featured_image() {
    let (app, calls) = articles::wordpress_app();
    let base = serve(app).await;
    let p = provider("wordpress", &[]);
    let refused = p
        .authenticate(&form(site_form(&base, "wrong")), "")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("WordPress rejected the login"),
        "{refused}"
    );
    let t = p
        .authenticate(&form(site_form(&base, articles::PASSWORD)), "")
        .await
        .unwrap();
    assert_eq!(t.id, format!("{base}_3"));
    assert_eq!(
        t.picture.as_deref(),
        Some("https://wp.example/a96.png"),
        "the largest avatar"
    );
    assert!(
        !t.access_token.contains(articles::PASSWORD),
        "the password stays in the encrypted form"
    );
    let auth = channel(&t, Some(site_form(&base, articles::PASSWORD)));

    let settings = json!({
        "title": "Launch Day!", "type": "posts", "status": "draft", "categories": [5, "x"], "tags": ["9"],
        "main_image": {"path": format!("{base}/files/cover.png")}
    });
    let done = p
        .publish(&auth, &message("w1", "<p>Hi</p>", settings))
        .await
        .unwrap();
    assert_eq!(done.url, "https://wp.example/posts/launch-day");
    let created = &to(&calls, "POST", "/wp-json/wp/v2/posts")[0].body;
    assert_eq!(created["content"], "<p>Hi</p>");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["categories"], json!([5]));
    assert_eq!(created["tags"], json!([9]));
    assert_eq!(created["featured_media"], 42);
    assert_eq!(to(&calls, "POST", "/wp-json/wp/v2/media").len(), 1);

    let denied = p
        .publish(
            &auth,
            &message("w2", "x", json!({"title": "FAIL", "type": "pages"})),
        )
        .await;
    assert_eq!(
        denied.unwrap_err(),
        ProviderError::bad("The connect user has insufficient permissions to create posts")
    );
    assert!(p
        .publish(
            &auth,
            &message("w3", "x", json!({"title": "T", "type": "../users"}))
        )
        .await
        .is_err());

    let types = p.tool(&auth, "postTypes", &json!({})).await.unwrap();
    let mut ids: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["pages", "posts"],
        "attachments, blocks and menus are left out"
    );
    assert_eq!(
        p.tool(&auth, "categoriesList", &json!({})).await.unwrap()[1],
        json!({"id": 5, "name": "News"})
    );
    assert_eq!(
        p.tool(&auth, "tagsList", &json!({})).await.unwrap(),
        json!([{"id": 9, "name": "launch"}])
    );
}

#[tokio::test]
async fn listmonk_sends_a_campaign_to_the_chosen_list() {
    let (app, calls): (_, Calls) = articles::listmonk_app();
    let base = serve(app).await;
    let p = provider("listmonk", &[]);
    let creds = |pw: &str| json!({"url": base, "username": articles::USER, "password": pw});
    assert_eq!(
        p.authenticate(&form(creds("nope")), "").await.unwrap_err(),
        ProviderError::bad("Invalid credentials")
    );
    let t = p
        .authenticate(&form(creds(articles::PASSWORD)), "")
        .await
        .unwrap();
    assert_eq!(t.name, "Ada's Letters");
    let auth = channel(&t, Some(creds(articles::PASSWORD)));
    let settings = json!({"subject": "Weekly news", "preview": "Inside: <things>", "list": "4", "template": "3"});
    let done = p
        .publish(&auth, &message("l1", "<p>Hello readers</p>", settings))
        .await
        .unwrap();
    assert_eq!(done.id, "2e8c1b2a-9f5e-4d3c-8b7a-1a2b3c4d5e6f");
    assert_eq!(done.url, format!("{base}/api/campaigns/17/preview"));
    let campaign = &to(&calls, "POST", "/api/campaigns")[0].body;
    assert_eq!(campaign["lists"], json!([4]));
    assert_eq!(campaign["template_id"], 3);
    assert_eq!(campaign["name"], "weekly-news");
    assert!(campaign["body"]
        .as_str()
        .unwrap()
        .contains("Inside: &lt;things&gt;"));
    assert!(campaign["body"]
        .as_str()
        .unwrap()
        .contains("<p>Hello readers</p>"));
    assert_eq!(
        to(&calls, "PUT", "/api/campaigns/17/status")[0].body["status"],
        "running",
        "started at once"
    );
    assert_eq!(
        p.tool(&auth, "list", &json!({})).await.unwrap(),
        json!([{"id": 1, "name": "Default list"}, {"id": 4, "name": "Subscribers"}])
    );
    let templates = p.tool(&auth, "templates", &json!({})).await.unwrap();
    assert_eq!(templates[0], json!({"id": 0, "name": "Default"}));
    assert_eq!(templates.as_array().unwrap().len(), 3);
    assert_eq!(
        p.publish(
            &auth,
            &message("l2", "x", json!({"subject": "S", "list": "none"}))
        )
        .await
        .unwrap_err(),
        ProviderError::bad("list must be an id")
    );
}
