//! Autopost runs in-process, on the embedded store with a fake Mastodon channel and a feed
//! server: new items become one draft each, once (a second run gets 304 and creates nothing;
//! two runs at once create nothing twice); a thousand-item feed posts only its newest on the
//! first run and at most 20 later; malformed, huge and redirected-to-loopback feeds end in a
//! clean error and create nothing.

use postiz_autopost::feed::{feed_policy, MAX_FEED_BYTES};
use postiz_autopost::runner::{draft_id, MAX_NEW_PER_RUN};
use postiz_autopost::{AutoPost, AutopostRepo, AutopostService, Runner};
use postiz_fetch::{FetchPolicy, GuardedFetcher};
use postiz_posts::PostState;
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::{KeyRange, Query};
use postiz_tests::fakes::{feed, mastodon, serve};
use std::net::SocketAddr;

use crate::util::{connect_channel, embedded_posts, EmbeddedPosts};

const ORG: &str = "org-autopost";

struct World {
    w: EmbeddedPosts,
    channel: String,
    feed_url: String,
    feed: feed::Shared,
    runner: Runner,
    repo: AutopostRepo,
}

async fn world() -> World {
    let (fake, _) = mastodon::app();
    let fake_url = serve(fake).await;
    let providers = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", fake_url.as_str()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
    ]));
    let w = embedded_posts(providers);
    let channel = connect_channel(&w.channels, ORG, "mastodon", mastodon::GOOD_CODE).await;
    let (app, shared) = feed::app();
    let base = serve(app).await;
    let repo = AutopostRepo::new(w.table.clone());
    let open = FetchPolicy {
        allow_private: true,
        https_only: false,
        ..feed_policy()
    };
    let runner = Runner::new(
        repo.clone(),
        w.module.posts.clone(),
        w.clock.clone(),
        None,
        None,
    )
    .with_fetcher(GuardedFetcher::new(open));
    World {
        w,
        channel,
        feed_url: format!("{base}/feed.xml"),
        feed: shared,
        runner,
        repo,
    }
}

impl World {
    async fn autopost(&self, id: &str, url: &str, last_url: Option<String>, sync_last: bool) {
        let now = chrono::Utc::now();
        self.repo
            .put(&AutoPost {
                id: id.into(),
                organization_id: ORG.into(),
                title: "Blog".into(),
                content: None,
                url: url.into(),
                last_url,
                on_slot: false,
                sync_last,
                active: true,
                add_picture: false,
                generate_content: false,
                integrations: vec![],
                created_at: now,
                updated_at: now,
                deleted_at: None,
            })
            .await
            .unwrap();
    }

    /// Live posts of the organization.
    async fn posts(&self) -> usize {
        self.w
            .table
            .query_all(
                Query::partition(format!("ORG#{ORG}")).range(KeyRange::BeginsWith("POST#".into())),
            )
            .await
            .unwrap()
            .len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_items_become_drafts_once() {
    let w = world().await;
    for n in 1..=3 {
        w.feed.lock().unwrap().add(n);
    }
    // As the web app saves it: lastUrl is the newest item its test saw.
    w.autopost(
        "a1",
        &w.feed_url,
        Some("https://blog.example/posts/3".into()),
        false,
    )
    .await;
    let first = w.runner.run(ORG, "a1").await.unwrap();
    assert_eq!(
        (first.items, first.new_items, first.drafts),
        (3, 0, 0),
        "{first:?}"
    );

    w.feed.lock().unwrap().add(4);
    w.feed.lock().unwrap().add(5);
    let second = w.runner.run(ORG, "a1").await.unwrap();
    assert_eq!((second.new_items, second.drafts), (2, 2), "{second:?}");
    let (state, _) = w.repo.state("a1").await.unwrap();
    let items = postiz_autopost::feed::parse(
        reqwest::get(&w.feed_url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    for item in &items[3..] {
        let id = draft_id("a1", &item.key, &w.channel);
        let post = w.w.module.posts.get(ORG, &id).await.unwrap();
        assert_eq!(post.state, PostState::Draft);
        assert_eq!(post.creation_method, "AUTOPOST");
        assert!(
            post.root().content.contains(&item.link),
            "{}",
            post.root().content
        );
        assert!(post.root().content.contains(&item.title));
    }
    assert!(state.primed);
    assert_eq!(w.posts().await, 2);

    // Nothing changed: the conditional GET answers 304 and nothing is created.
    let third = w.runner.run(ORG, "a1").await.unwrap();
    assert!(third.not_modified, "{third:?}");
    assert_eq!(w.feed.lock().unwrap().not_modified, 1);
    assert_eq!(w.posts().await, 2);

    // Two runs at once on a new item: one draft.
    w.feed.lock().unwrap().add(6);
    let (a, b) = tokio::join!(w.runner.run(ORG, "a1"), w.runner.run(ORG, "a1"));
    a.unwrap();
    b.unwrap();
    assert_eq!(w.posts().await, 3);
    // The autopost shows the newest link, as Postiz's lastUrl.
    let a1 = w.repo.get(ORG, "a1").await.unwrap().unwrap();
    assert_eq!(a1.last_url.as_deref(), Some("https://blog.example/posts/6"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_items_post_the_newest_then_at_most_twenty_a_run() {
    let w = world().await;
    for n in 1..=1000 {
        w.feed.lock().unwrap().add(n);
    }
    w.autopost("a2", &w.feed_url, None, true).await;
    let first = w.runner.run(ORG, "a2").await.unwrap();
    assert_eq!((first.items, first.drafts), (1000, 1), "{first:?}");
    let newest = postiz_autopost::feed::parse(
        reqwest::get(&w.feed_url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
    )
    .unwrap()
    .pop()
    .unwrap();
    assert!(w
        .w
        .module
        .posts
        .get(ORG, &draft_id("a2", &newest.key, &w.channel))
        .await
        .is_ok());
    for n in 1001..=1030 {
        w.feed.lock().unwrap().add(n);
    }
    let second = w.runner.run(ORG, "a2").await.unwrap();
    assert_eq!(second.new_items, 30);
    assert_eq!(second.drafts, MAX_NEW_PER_RUN);
    let third = w.runner.run(ORG, "a2").await.unwrap();
    assert_eq!(third.drafts, 0, "{third:?}");
    assert_eq!(w.posts().await, 1 + MAX_NEW_PER_RUN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_feeds_end_in_a_clean_error_and_create_nothing() {
    let w = world().await;
    let base = w.feed_url.trim_end_matches("/feed.xml").to_string();
    for (id, path, expect) in [
        ("bad", "/malformed.xml", "not an RSS or Atom feed"),
        (
            "big",
            "/huge.xml",
            &*format!("larger than {} MB", MAX_FEED_BYTES / 1024 / 1024),
        ),
    ] {
        w.autopost(id, &format!("{base}{path}"), None, true).await;
        let report = w.runner.run(ORG, id).await.unwrap();
        let why = report.skipped.clone().unwrap_or_default();
        assert!(why.contains(expect), "{path}: {report:?}");
        let (state, _) = w.repo.state(id).await.unwrap();
        assert!(state.last_error.unwrap().contains(expect));
    }

    // A feed whose address is allowed (exactly its socket) that redirects to loopback.
    let (other, _) = feed::app();
    let other_base = serve(other).await;
    w.feed.lock().unwrap().redirect_to = format!("{other_base}/feed.xml");
    let feed_addr: SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let strict = FetchPolicy {
        https_only: false,
        allow_addrs: vec![feed_addr],
        ..feed_policy()
    };
    let runner = w.runner.clone().with_fetcher(GuardedFetcher::new(strict));
    w.autopost("moved", &format!("{base}/moved"), None, true)
        .await;
    let report = runner.run(ORG, "moved").await.unwrap();
    assert!(
        report
            .skipped
            .as_deref()
            .unwrap_or_default()
            .contains("not allowed"),
        "{report:?}"
    );
    assert_eq!(w.posts().await, 0);

    // Without the private-address setting the service refuses a loopback feed outright.
    let service = AutopostService::new(w.w.table.clone(), w.w.queue.clone(), w.w.clock.clone())
        .with_fetcher(GuardedFetcher::new(feed_policy()));
    let refused = service
        .create(
            ORG,
            postiz_autopost::AutopostInput {
                title: Some("x".into()),
                url: Some(w.feed_url.clone()),
                integrations: Some(vec![]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("public HTTPS URL"),
        "{refused}"
    );
    let tested = service.test(&w.feed_url).await.unwrap();
    assert_eq!(tested["success"], false);
}
