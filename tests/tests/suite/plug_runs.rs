//! Plug runs on the embedded store with a fixed clock, through the publish queue, against
//! the fakes of X and LinkedIn: a global plug checks the post's likes every six hours up to
//! three times and acts once when the threshold is reached; internal plugs make other
//! channels repost or comment after their delay; a duplicate message acts once.

use chrono::{Duration as Span, SecondsFormat};
use postiz_core::Clock;
use postiz_posts::request::CreatePost;
use postiz_posts::{Outcome, PlugOutcome};
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::schema::PUBLISH_QUEUE;
use postiz_tests::fakes::{linkedin, serve, x};
use serde_json::{json, Value};

use crate::util::EmbeddedPosts;

const ORG: &str = "org-plugs";

struct World {
    w: EmbeddedPosts,
    x: x::Shared,
    li: linkedin::Shared,
}

/// The world on `storage`: `"embedded"`, or `"aws"` (DynamoDB and SQS on the emulator;
/// `None` without it).
async fn world(storage: &str) -> Option<World> {
    let (x_app, x_seen) = x::app();
    let x_base = serve(x_app).await;
    let (li_app, li_seen) = linkedin::app();
    let li_base = serve(li_app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("X_URL", x_base.as_str()),
        ("X_UPLOAD_URL", x_base.as_str()),
        ("X_WEB_URL", "https://x.example"),
        ("X_API_KEY", x::KEY),
        ("X_API_SECRET", x::SECRET),
        ("LINKEDIN_URL", li_base.as_str()),
        ("LINKEDIN_WEB_URL", li_base.as_str()),
        ("LINKEDIN_CLIENT_ID", linkedin::CLIENT_ID),
        ("LINKEDIN_CLIENT_SECRET", linkedin::CLIENT_SECRET),
    ]);
    let providers = Providers::new(&config);
    let w = if storage == "aws" {
        crate::util::aws_posts(providers).await?
    } else {
        crate::util::embedded_posts(providers)
    };
    Some(World {
        w,
        x: x_seen,
        li: li_seen,
    })
}

/// One test per storage for each scenario.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn embedded() {
                    super::$scenario(super::world("embedded").await.unwrap()).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn dynamodb_and_sqs() {
                    if let Some(w) = super::world("aws").await {
                        super::$scenario(w).await;
                    }
                }
            }
        )*
    };
}

on_both_stores!(
    auto_repost_checks_likes_every_six_hours_and_acts_once,
    auto_plug_replies_with_the_promotion_and_stops_after_three_checks,
    a_duplicate_message_acts_once,
    internal_plugs_make_other_channels_repost_and_comment_after_their_delay,
);

/// The fake X account connected through the three-legged flow.
async fn connect_x(w: &World) -> String {
    let start =
        w.w.channels
            .start_connect(ORG, "user-1", "x", None)
            .await
            .unwrap();
    let url = start["url"].as_str().unwrap();
    let token = url.split("oauth_token=").nth(1).unwrap().to_string();
    let v =
        w.w.channels
            .connect("x", &token, x::VERIFIER)
            .await
            .unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Publishes `settings`/`text` on `channel` now; the post id.
async fn publish(w: &World, channel: &str, provider: &str, extra: Value, text: &str) -> String {
    let mut settings = json!({ "__type": provider });
    if provider == "x" {
        settings["who_can_reply_post"] = json!("everyone");
    }
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        settings[k] = v;
    }
    let req: CreatePost = serde_json::from_value(json!({
        "type": "schedule",
        "date": w.w.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "posts": [{"integration": {"id": channel}, "settings": settings, "value": [{"content": format!("<p>{text}</p>")}]}],
    }))
    .unwrap();
    let id = w.w.module.posts.create(ORG, req, "API").await.unwrap()[0]["postId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(drain(w).await, vec![Outcome::Published]);
    id
}

async fn drain(w: &World) -> Vec<Outcome> {
    crate::util::drain(&w.w.module, &w.w.queue).await
}

/// Moves the clock on, runs the scheduler and handles what it sent.
async fn later(w: &World, by: Span) -> Vec<Outcome> {
    w.w.clock.advance(by);
    let report = w.w.module.scheduler.run().await.unwrap();
    let out = drain(w).await;
    assert_eq!(report.plug_runs, out.len(), "{report:?} {out:?}");
    out
}

fn plug(o: PlugOutcome) -> Vec<Outcome> {
    vec![Outcome::Plug(o)]
}

async fn release_of(w: &World, post: &str) -> String {
    let p = w.w.module.posts.get(ORG, post).await.unwrap();
    p.parts[0].release_id.clone().unwrap()
}

async fn auto_repost_checks_likes_every_six_hours_and_acts_once(w: World) {
    let channel = connect_x(&w).await;
    let fields = json!([{"name": "likesAmount", "value": "10"}]);
    assert!(w
        .w
        .channels
        .save_plug(ORG, &channel, "autoRepostPost", &fields)
        .await
        .unwrap());
    let post = publish(&w, &channel, "x", json!({}), "hello").await;
    let release = release_of(&w, &post).await;

    // Not due before six hours.
    assert!(later(&w, Span::hours(5)).await.is_empty());
    // First check: 7 likes on the fake, below 10.
    assert_eq!(later(&w, Span::hours(1)).await, plug(PlugOutcome::Waiting));
    assert!(w.x.lock().unwrap().retweets.is_empty());
    // Second check: 12 likes, so the channel reposts.
    w.x.lock().unwrap().likes.insert(release.clone(), 12);
    assert_eq!(later(&w, Span::hours(6)).await, plug(PlugOutcome::Acted));
    assert_eq!(
        w.x.lock().unwrap().retweets,
        vec![("42".to_string(), release.clone())]
    );
    // Acting ends the plug's runs for this post: no third check.
    assert!(later(&w, Span::hours(6)).await.is_empty());
    assert_eq!(w.x.lock().unwrap().retweets.len(), 1);
}

async fn auto_plug_replies_with_the_promotion_and_stops_after_three_checks(w: World) {
    let channel = connect_x(&w).await;
    let fields = json!([{"name": "likesAmount", "value": "5"}, {"name": "post", "value": "<p>Buy my course</p>"}]);
    w.w.channels
        .save_plug(ORG, &channel, "autoPlugPost", &fields)
        .await
        .unwrap();
    let post = publish(&w, &channel, "x", json!({}), "first").await;
    let release = release_of(&w, &post).await;
    // 7 likes >= 5: the reply goes out at the first check, chained on the post.
    assert_eq!(later(&w, Span::hours(6)).await, plug(PlugOutcome::Acted));
    let reply = w.x.lock().unwrap().tweets.last().cloned().unwrap();
    assert_eq!(reply["text"], "Buy my course");
    assert_eq!(reply["reply"]["in_reply_to_tweet_id"], json!(release));

    // A threshold never reached: three checks, then the run ends without a reply.
    let fields =
        json!([{"name": "likesAmount", "value": "1000"}, {"name": "post", "value": "Buy it"}]);
    w.w.channels
        .save_plug(ORG, &channel, "autoPlugPost", &fields)
        .await
        .unwrap();
    publish(&w, &channel, "x", json!({}), "second").await;
    let tweets = w.x.lock().unwrap().tweets.len();
    assert_eq!(later(&w, Span::hours(6)).await, plug(PlugOutcome::Waiting));
    assert_eq!(later(&w, Span::hours(6)).await, plug(PlugOutcome::Waiting));
    assert_eq!(later(&w, Span::hours(6)).await, plug(PlugOutcome::Finished));
    assert!(later(&w, Span::hours(6)).await.is_empty());
    assert_eq!(w.x.lock().unwrap().tweets.len(), tweets, "no reply sent");

    // A plug switched off before its check is dropped without reading the network.
    let third = publish(&w, &channel, "x", json!({}), "third").await;
    let third_release = release_of(&w, &third).await;
    w.x.lock().unwrap().likes.insert(third_release, 5000);
    let id = w.w.channels.plugs_of(ORG, &channel).await.unwrap()[0]
        .id
        .clone();
    w.w.channels.switch_plug(ORG, &id, false).await.unwrap();
    let lookups = w.x.lock().unwrap().lookups;
    assert_eq!(
        later(&w, Span::hours(6)).await,
        plug(PlugOutcome::Dropped("the plug is off".into()))
    );
    assert_eq!(w.x.lock().unwrap().lookups, lookups);
    assert_eq!(w.x.lock().unwrap().tweets.len(), tweets + 1);
}

async fn a_duplicate_message_acts_once(w: World) {
    let channel = connect_x(&w).await;
    let fields = json!([{"name": "likesAmount", "value": "1"}]);
    w.w.channels
        .save_plug(ORG, &channel, "autoRepostPost", &fields)
        .await
        .unwrap();
    publish(&w, &channel, "x", json!({}), "dup").await;
    w.w.clock.advance(Span::hours(6));
    assert_eq!(w.w.module.scheduler.run().await.unwrap().plug_runs, 1);
    // The same message delivered twice (SQS is at-least-once).
    let msgs =
        w.w.queue
            .receive(
                PUBLISH_QUEUE,
                10,
                std::time::Duration::from_secs(60),
                std::time::Duration::ZERO,
            )
            .await
            .unwrap();
    assert_eq!(msgs.len(), 1);
    let body = msgs[0].body.clone();
    w.w.queue
        .ack(PUBLISH_QUEUE, &msgs[0].receipt)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        postiz_posts::worker::process(&w.w.module.publisher, &body),
        postiz_posts::worker::process(&w.w.module.publisher, &body),
    );
    let mut outcomes = vec![a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes[0],
        Outcome::Plug(PlugOutcome::Acted),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[1], Outcome::Plug(PlugOutcome::Skipped(_))),
        "{outcomes:?}"
    );
    assert_eq!(w.x.lock().unwrap().retweets.len(), 1);
    // The sweep does not send it again once acted.
    assert!(later(&w, Span::hours(1)).await.is_empty());
}

async fn internal_plugs_make_other_channels_repost_and_comment_after_their_delay(w: World) {
    let person =
        crate::util::connect_channel(&w.w.channels, ORG, "linkedin", linkedin::GOOD_CODE).await;
    let page =
        crate::util::connect_channel(&w.w.channels, ORG, "linkedin-page", linkedin::GOOD_CODE)
            .await;
    w.w.channels
        .select_page(ORG, &page, linkedin::ORG_ID)
        .await
        .unwrap();
    let settings = json!({
        "plug--linkedin-repost-post-users--active": true,
        "plug--linkedin-repost-post-users--delay": "0",
        "plug--linkedin-repost-post-users--integrations": [{"id": person}],
        "plug--linkedin-add-comment--active": true,
        "plug--linkedin-add-comment--delay": "3600000",
        "plug--linkedin-add-comment--integrations": [{"id": person}, {"id": page}],
        "plug--linkedin-add-comment--comment": "Great post!",
    });
    let post = publish(&w, &page, "linkedin-page", settings, "launch day").await;
    let release = release_of(&w, &post).await;

    // The repost has no delay: it runs at the next sweep, as the person.
    assert_eq!(later(&w, Span::minutes(1)).await, plug(PlugOutcome::Acted));
    let reshare = w.li.lock().unwrap().posts.last().cloned().unwrap();
    assert_eq!(reshare["author"], "urn:li:person:abc123");
    assert_eq!(reshare["reshareContext"]["parent"], json!(release));
    // The comment waits an hour; the page itself is not asked to comment on its own post.
    assert!(later(&w, Span::minutes(30)).await.is_empty());
    assert_eq!(later(&w, Span::minutes(30)).await, plug(PlugOutcome::Acted));
    let comments = w.li.lock().unwrap().comments.clone();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].0, release);
    assert_eq!(comments[0].1["actor"], "urn:li:person:abc123");
    assert_eq!(comments[0].1["message"]["text"], "Great post!");

    // An absurd delay is held to 30 days (no overflow), and a plug LinkedIn does not offer
    // (X's) is not scheduled.
    let settings = json!({
        "plug--linkedin-repost-post-users--active": "true",
        "plug--linkedin-repost-post-users--delay": "9000000000000000000",
        "plug--linkedin-repost-post-users--integrations": [{"id": person}],
        "plug--x-repost-post-users--active": true,
        "plug--x-repost-post-users--integrations": [{"id": person}],
    });
    publish(&w, &page, "linkedin-page", settings, "later news").await;
    let reshares = w.li.lock().unwrap().posts.len();
    assert!(later(&w, Span::days(29)).await.is_empty());
    assert_eq!(later(&w, Span::days(1)).await, plug(PlugOutcome::Acted));
    assert_eq!(w.li.lock().unwrap().posts.len(), reshares + 1);
}
