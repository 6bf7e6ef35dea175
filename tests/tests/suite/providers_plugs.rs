//! What each network's plugs read and do, against its fake: the post's likes (the
//! threshold's counter), the repost, and the promotion reply chained on the post, for
//! Bluesky, Threads and LinkedIn pages (X's run end to end in `plug_runs`).

use base64::Engine;
use postiz_providers::plugs::{self, global_plug, internal_plug};
use postiz_providers::{ChannelAuth, PostDetails, Provider, ProviderConfig, Providers};
use postiz_tests::fakes::{bluesky, linkedin, serve, threads};
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn text(s: &str) -> PostDetails {
    PostDetails {
        id: "p".into(),
        message: s.into(),
        settings: json!({}),
        media: Vec::new(),
    }
}

fn likes_amount(n: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("likesAmount".into(), json!(n));
    m
}

fn auth(t: postiz_providers::AuthTokens, custom: Option<Value>) -> ChannelAuth {
    ChannelAuth {
        internal_id: t.id,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        custom,
    }
}

#[tokio::test]
async fn bluesky_reads_like_count_reposts_and_replies() {
    let (app, seen) = bluesky::app();
    let base = serve(app).await;
    let p: Arc<dyn Provider> = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("BLUESKY_WEB_URL", "https://bsky.example"),
    ]))
    .get("bluesky")
    .unwrap();
    let custom =
        json!({"service": base, "identifier": bluesky::HANDLE, "password": bluesky::PASSWORD});
    let code = base64::engine::general_purpose::STANDARD.encode(custom.to_string());
    let a = auth(p.authenticate(&code, "").await.unwrap(), Some(custom));
    let post = p.publish(&a, &text("launch")).await.unwrap();
    let rkey = post.id.rsplit('/').next().unwrap().to_string();

    assert_eq!(p.likes(&a, &post.id).await.unwrap(), 0);
    seen.lock().unwrap().likes.insert(rkey.clone(), 4);
    assert_eq!(p.likes(&a, &post.id).await.unwrap(), 4);
    assert!(
        !plugs::threshold_reached(p.as_ref(), &a, &post.id, &likes_amount("5"))
            .await
            .unwrap()
    );
    assert!(
        plugs::threshold_reached(p.as_ref(), &a, &post.id, &likes_amount("4"))
            .await
            .unwrap()
    );

    let repost = global_plug(p.as_ref(), "autoRepostPost").unwrap();
    plugs::act(p.as_ref(), &a, &repost, &post.id, "", "run-1")
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().reposts,
        vec![json!({"uri": post.id, "cid": format!("bafycid{rkey}")})]
    );
    let promote = global_plug(p.as_ref(), "autoPlugPost").unwrap();
    plugs::act(p.as_ref(), &a, &promote, &post.id, "Buy my course", "run-2")
        .await
        .unwrap();
    let reply = seen.lock().unwrap().records.last().unwrap().1.clone();
    assert_eq!(reply["text"], "Buy my course");
    assert_eq!(reply["reply"]["parent"]["uri"], json!(post.id));
    assert_eq!(reply["reply"]["root"]["uri"], json!(post.id));
    // A post that is not there: the network's refusal, not a count.
    assert!(p
        .likes(
            &a,
            &format!("at://{}/app.bsky.feed.post/nope", bluesky::DID)
        )
        .await
        .is_err());
}

#[tokio::test]
async fn threads_reads_the_likes_insight_and_replies() {
    let (app, seen) = threads::app();
    let base = serve(app).await;
    let p: Arc<dyn Provider> = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("THREADS_URL", base.as_str()),
        ("THREADS_WEB_URL", "https://www.threads.example"),
        ("THREADS_APP_ID", threads::APP_ID),
        ("THREADS_APP_SECRET", threads::APP_SECRET),
        ("THREADS_POLL_MS", "5"),
    ]))
    .get("threads")
    .unwrap();
    assert!(
        global_plug(p.as_ref(), "autoRepostPost").is_none(),
        "Threads only plugs"
    );
    let a = auth(p.authenticate(threads::GOOD_CODE, "").await.unwrap(), None);
    let post = p.publish(&a, &text("thread")).await.unwrap();
    seen.lock().unwrap().likes.insert(post.id.clone(), 11);
    assert_eq!(p.likes(&a, &post.id).await.unwrap(), 11);
    let promote = global_plug(p.as_ref(), "autoPlugPost").unwrap();
    plugs::act(
        p.as_ref(),
        &a,
        &promote,
        &post.id,
        "Join the waitlist",
        "run-1",
    )
    .await
    .unwrap();
    let (_, params) = seen.lock().unwrap().published.last().cloned().unwrap();
    assert_eq!(
        params.get("text").map(String::as_str),
        Some("Join the waitlist")
    );
    assert_eq!(
        params.get("reply_to_id").map(String::as_str),
        Some(post.id.as_str())
    );
}

#[tokio::test]
async fn linkedin_pages_reshare_and_comment_people_use_internal_plugs() {
    let (app, seen) = linkedin::app();
    let base = serve(app).await;
    let providers = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("LINKEDIN_URL", base.as_str()),
        ("LINKEDIN_WEB_URL", base.as_str()),
        ("LINKEDIN_CLIENT_ID", linkedin::CLIENT_ID),
        ("LINKEDIN_CLIENT_SECRET", linkedin::CLIENT_SECRET),
    ]));
    let page = providers.get("linkedin-page").unwrap();
    let person = providers.get("linkedin").unwrap();
    assert!(
        person.plugs().is_empty(),
        "personal accounts have no global plugs"
    );
    let user = auth(
        page.authenticate(linkedin::GOOD_CODE, "").await.unwrap(),
        None,
    );
    let a = auth(
        page.select_page(&user, linkedin::ORG_ID).await.unwrap(),
        None,
    );
    let post = page.publish(&a, &text("page news")).await.unwrap();

    assert_eq!(page.likes(&a, &post.id).await.unwrap(), 0);
    seen.lock().unwrap().likes.insert(post.id.clone(), 9);
    assert!(
        plugs::threshold_reached(page.as_ref(), &a, &post.id, &likes_amount("9"))
            .await
            .unwrap()
    );
    let repost = global_plug(page.as_ref(), "autoRepostPost").unwrap();
    plugs::act(page.as_ref(), &a, &repost, &post.id, "", "run-1")
        .await
        .unwrap();
    let reshare = seen.lock().unwrap().posts.last().cloned().unwrap();
    assert_eq!(
        reshare["author"],
        format!("urn:li:organization:{}", linkedin::ORG_ID)
    );
    assert_eq!(reshare["reshareContext"]["parent"], json!(post.id));
    let promote = global_plug(page.as_ref(), "autoPlugPost").unwrap();
    plugs::act(page.as_ref(), &a, &promote, &post.id, "Hiring now", "run-2")
        .await
        .unwrap();
    let (object, comment) = seen.lock().unwrap().comments.last().cloned().unwrap();
    assert_eq!(object, post.id);
    assert_eq!(comment["message"]["text"], "Hiring now");

    // The person comments on the page's post through the internal plug; an empty comment
    // is refused before reaching the network.
    let me = auth(
        person.authenticate(linkedin::GOOD_CODE, "").await.unwrap(),
        None,
    );
    let add = internal_plug(person.as_ref(), "linkedin-add-comment").unwrap();
    assert!(
        plugs::act_internal(person.as_ref(), &me, &add, &post.id, "  ", "run-3")
            .await
            .is_err()
    );
    plugs::act_internal(person.as_ref(), &me, &add, &post.id, "Congrats!", "run-3")
        .await
        .unwrap();
    let (_, comment) = seen.lock().unwrap().comments.last().cloned().unwrap();
    assert_eq!(comment["actor"], "urn:li:person:abc123");
    assert_eq!(comment["message"]["text"], "Congrats!");
    assert_eq!(seen.lock().unwrap().comments.len(), 2);
}
