//! Publishing rules on the embedded store with a fixed clock and the fake Mastodon: the
//! scheduler reads only what is due, a comment's delay is honoured, a disabled channel and a
//! refused message end in ERROR with a notification.

use chrono::{Duration as Span, SecondsFormat};
use postiz_core::{Clock, FixedClock};
use postiz_integrations::Channels;
use postiz_posts::request::CreatePost;
use postiz_posts::{Outcome, PostState, PostsModule, PublishMessage};
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::Queue;
use postiz_tests::fakes::{mastodon, serve};
use serde_json::json;
use std::sync::Arc;

struct World {
    module: PostsModule,
    channels: Arc<Channels>,
    queue: Arc<dyn Queue>,
    clock: Arc<FixedClock>,
    fake: mastodon::Shared,
    channel: String,
    _dir: tempfile::TempDir,
}

const ORG: &str = "org-rules";

async fn world() -> World {
    let (app, fake) = mastodon::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", base.as_str()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
    ]);
    let w = crate::util::embedded_posts(Providers::new(&config));
    let channel =
        crate::util::connect_channel(&w.channels, ORG, "mastodon", mastodon::GOOD_CODE).await;
    World {
        module: w.module,
        channels: w.channels,
        queue: w.queue,
        clock: w.clock,
        fake,
        channel,
        _dir: w.dir,
    }
}

async fn schedule(w: &World, values: serde_json::Value, after: Span) -> String {
    let req: CreatePost = serde_json::from_value(json!({
        "type": "schedule",
        "date": (w.clock.now() + after).to_rfc3339_opts(SecondsFormat::Secs, true),
        "posts": [{"integration": {"id": w.channel}, "settings": {"__type": "mastodon"}, "value": values}],
    }))
    .unwrap();
    w.module.posts.create(ORG, req, "API").await.unwrap()[0]["postId"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn drain(w: &World) -> Vec<Outcome> {
    crate::util::drain(&w.module, &w.queue).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_reads_only_what_is_due() {
    let w = world().await;
    for i in 0..40 {
        schedule(
            &w,
            json!([{"content": format!("<p>later {i}</p>")}]),
            Span::days(1 + i),
        )
        .await;
    }
    let due = schedule(&w, json!([{"content": "<p>soon</p>"}]), Span::minutes(30)).await;
    // The first run ever looks back 48 hour buckets; later runs start at the cursor.
    let first = w.module.scheduler.run().await.unwrap();
    assert_eq!((first.read, first.sent), (0, 0), "{first:?}");
    w.clock.advance(Span::minutes(29));
    let run = w.module.scheduler.run().await.unwrap();
    assert_eq!(
        (run.read, run.sent),
        (1, 1),
        "only the due post is read: {run:?}"
    );
    assert!(run.buckets <= 2, "{run:?}");
    let again = w.module.scheduler.run().await.unwrap();
    assert_eq!(
        (again.read, again.sent),
        (0, 0),
        "a dispatched post is not read again before its re-drive time"
    );
    w.clock.advance(Span::minutes(1));
    assert_eq!(drain(&w).await, vec![Outcome::Published]);
    assert_eq!(
        w.module.posts.get(ORG, &due).await.unwrap().state,
        PostState::Published
    );
    assert_eq!(w.fake.lock().unwrap().statuses.len(), 1);

    // A reference to a published post becomes its URL when sent.
    schedule(
        &w,
        json!([{"content": format!("<p>see (post:{due}) and (post:unknown)</p>")}]),
        Span::zero(),
    )
    .await;
    assert_eq!(drain(&w).await, vec![Outcome::Published]);
    let f = w.fake.lock().unwrap();
    let url = format!("https://mastodon.example/@alice/{}", f.statuses[0].id);
    assert_eq!(f.statuses[1].text, format!("see {url} and (post:unknown)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_waits_for_its_delay() {
    let w = world().await;
    let id = schedule(
        &w,
        json!([{"content": "<p>root</p>"}, {"content": "<p>ten minutes later</p>", "delay": 10}]),
        Span::seconds(10),
    )
    .await;
    w.clock.advance(Span::seconds(10));
    assert_eq!(
        drain(&w).await,
        vec![Outcome::Requeued],
        "root sent, the comment parked"
    );
    let p = w.module.posts.get(ORG, &id).await.unwrap();
    assert_eq!(p.state, PostState::Publishing);
    assert!(p.parts[0].release_id.is_some() && p.parts[1].release_id.is_none());
    assert_eq!(w.fake.lock().unwrap().statuses.len(), 1);
    w.clock.advance(Span::minutes(5));
    w.module.scheduler.run().await.unwrap();
    assert!(drain(&w).await.is_empty(), "not before its delay");
    w.clock.advance(Span::minutes(5));
    w.module.scheduler.run().await.unwrap();
    assert_eq!(drain(&w).await, vec![Outcome::Published]);
    let f = w.fake.lock().unwrap();
    assert_eq!(f.statuses.len(), 2);
    assert_eq!(f.statuses[1].reply_to.as_ref(), Some(&f.statuses[0].id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_end_in_error_with_a_notification() {
    let w = world().await;
    // The network refuses the content: ERROR with its message, and a notification.
    let refused = schedule(&w, json!([{"content": "<p>FAIL:422</p>"}]), Span::zero()).await;
    let outcomes = drain(&w).await;
    assert!(
        matches!(&outcomes[..], [Outcome::Failed(m)] if m.contains("character limit")),
        "{outcomes:?}"
    );
    let p = w.module.posts.get(ORG, &refused).await.unwrap();
    assert_eq!(p.state, PostState::Error);
    // A disabled channel: ERROR "Channel disabled", nothing sent.
    w.channels
        .set_disabled(ORG, &w.channel, true)
        .await
        .unwrap();
    let off = schedule(
        &w,
        json!([{"content": "<p>while disabled</p>"}]),
        Span::zero(),
    )
    .await;
    drain(&w).await;
    let p = w.module.posts.get(ORG, &off).await.unwrap();
    assert_eq!(
        (p.state, p.error.as_deref()),
        (PostState::Error, Some("Channel disabled"))
    );
    let (notes, _) = w.channels.notifications().page(ORG, 0, 100).await.unwrap();
    let text: Vec<&str> = notes.iter().map(|n| n.content.as_str()).collect();
    assert!(
        text.iter().any(|t| t.contains("Error posting on Mastodon")),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t.contains("disabled")), "{text:?}");
    assert!(!w
        .fake
        .lock()
        .unwrap()
        .statuses
        .iter()
        .any(|s| s.text.contains("while disabled")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeating_post_goes_out_at_every_occurrence() {
    let w = world().await;
    let start = w.clock.now() + Span::seconds(10);
    let req: CreatePost = serde_json::from_value(json!({
        "type": "schedule",
        "date": start.to_rfc3339_opts(SecondsFormat::Secs, true),
        "inter": 1,
        "posts": [{"integration": {"id": w.channel}, "settings": {"__type": "mastodon"},
            "value": [{"content": "<p>daily</p>"}, {"content": "<p>reply</p>"}]}],
    }))
    .unwrap();
    let id = w.module.posts.create(ORG, req, "API").await.unwrap()[0]["postId"]
        .as_str()
        .unwrap()
        .to_string();
    w.clock.advance(Span::seconds(10));
    assert_eq!(drain(&w).await, vec![Outcome::Published]);
    let p = w.module.posts.get(ORG, &id).await.unwrap();
    assert_eq!(p.state, PostState::Published);
    assert_eq!(
        p.repeat_at,
        Some(start + Span::days(1)),
        "next occurrence planned"
    );
    let first_url = p.root().release_url.clone();

    // Nothing before the next occurrence; then the whole thread again, chained anew.
    w.clock.advance(Span::hours(23));
    w.module.scheduler.run().await.unwrap();
    assert!(drain(&w).await.is_empty(), "not before its next occurrence");
    w.clock.advance(Span::minutes(59));
    let run = w.module.scheduler.run().await.unwrap();
    assert_eq!(run.sent, 1, "{run:?}");
    w.clock.advance(Span::minutes(1));
    assert_eq!(drain(&w).await, vec![Outcome::Published]);
    {
        let f = w.fake.lock().unwrap();
        let texts: Vec<&str> = f.statuses.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["daily", "reply", "daily", "reply"]);
        assert_eq!(f.statuses[3].reply_to.as_ref(), Some(&f.statuses[2].id));
    }
    let p = w.module.posts.get(ORG, &id).await.unwrap();
    assert_eq!(p.state, PostState::Published);
    assert_ne!(p.root().release_url, first_url, "the new round's URL");
    assert_eq!(p.repeat_at, Some(start + Span::days(2)));
    // A duplicate message of that round finds nothing to do.
    let dup = PublishMessage {
        org: ORG.into(),
        id: id.clone(),
    };
    assert!(matches!(
        w.module.publisher.handle(&dup).await.unwrap(),
        Outcome::Skipped(_)
    ));

    // The server was down for days: the missed occurrences are not posted late.
    w.clock.advance(Span::days(3));
    w.module.scheduler.run().await.unwrap();
    let outcomes = drain(&w).await;
    assert!(
        matches!(&outcomes[..], [Outcome::Skipped(_)]),
        "{outcomes:?}"
    );
    assert_eq!(w.fake.lock().unwrap().statuses.len(), 4);
    let p = w.module.posts.get(ORG, &id).await.unwrap();
    assert_eq!(p.repeat_at, Some(start + Span::days(5)), "re-anchored");

    // Deleted: never again.
    w.module.posts.delete_group(ORG, &p.group).await.unwrap();
    w.clock.advance(Span::days(2));
    let run = w.module.scheduler.run().await.unwrap();
    assert_eq!((run.read, run.sent), (0, 0), "{run:?}");
    assert_eq!(w.fake.lock().unwrap().statuses.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_counted_for_a_plan_are_the_live_scheduled_and_published_ones() {
    let w = world().await;
    let repo = &w.module.posts.repo;
    let start = w.clock.now();
    schedule(&w, json!([{"content": "<p>now</p>"}]), Span::zero()).await;
    assert_eq!(drain(&w).await, vec![Outcome::Published]);
    for day in 1..=3 {
        schedule(
            &w,
            json!([{"content": format!("<p>day {day}</p>")}]),
            Span::days(day),
        )
        .await;
    }
    let deleted = schedule(&w, json!([{"content": "<p>gone</p>"}]), Span::days(1)).await;
    let group = w.module.posts.get(ORG, &deleted).await.unwrap().group;
    w.module.posts.delete_group(ORG, &group).await.unwrap();
    let draft: CreatePost = serde_json::from_value(json!({
        "type": "draft",
        "date": (start + Span::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true),
        "posts": [{"integration": {"id": w.channel}, "settings": {"__type": "mastodon"}, "value": [{"content": "<p>draft</p>"}]}],
    }))
    .unwrap();
    w.module.posts.create(ORG, draft, "API").await.unwrap();

    let since = start - Span::hours(1);
    assert_eq!(
        repo.count_for_plan(ORG, since).await.unwrap(),
        4,
        "one published and three scheduled; the draft and the deleted post do not count"
    );
    assert_eq!(
        repo.count_for_plan(ORG, start + Span::hours(36))
            .await
            .unwrap(),
        2
    );
    assert_eq!(repo.count_for_plan("another-org", since).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_whose_channel_was_deleted_is_deleted_not_failed() {
    let w = world().await;
    let id = schedule(&w, json!([{"content": "<p>orphan</p>"}]), Span::zero()).await;
    // The channel goes without the cascade reaching the post (a crash between the two).
    w.channels.delete(ORG, &w.channel).await.unwrap();
    assert_eq!(drain(&w).await, vec![Outcome::Skipped("channel deleted")]);
    let p = w.module.posts.get(ORG, &id).await;
    assert!(p.is_err(), "{p:?}");
    let (notes, _) = w.channels.notifications().page(ORG, 0, 100).await.unwrap();
    assert!(notes.is_empty(), "no failure to report: {notes:?}");
    assert!(w.fake.lock().unwrap().statuses.is_empty());
}
