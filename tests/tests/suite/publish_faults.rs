//! The fault suite: 200 posts due at once, on the embedded adapters and on DynamoDB + SQS
//! (moto), with every message delivered twice, workers killed between claim and provider
//! call and after the provider accepted, 503/429 bursts, a 401 with a working refresh, and a
//! 401 with a dead refresh. Every post must end PUBLISHED or ERROR with a reason, none sent
//! twice, none left in QUEUE or PUBLISHING.

use async_trait::async_trait;
use chrono::{Duration as Span, SecondsFormat, Utc};
use postiz_core::crypto::{new_key_base64, Cipher};
use postiz_core::jwt::JwtSigner;
use postiz_integrations::Channels;
use postiz_posts::request::CreatePost;
use postiz_posts::{worker, Gate, LocalGate, PostState, PostsModule, PublisherConfig, TableGate};
use postiz_providers::{
    AuthRequest, AuthTokens, ChannelAuth, PostDetails, Provider, ProviderConfig, ProviderInfo,
    ProviderResult, Providers, Published,
};
use postiz_storage::aws::{Provisioner, SqsQueue};
use postiz_storage::queue::Message;
use postiz_storage::schema::{queues, PUBLISH_QUEUE};
use postiz_storage::{AppKeys, Queue, StorageResult, Table};
use postiz_tests::fakes::pinterest::RefreshMode;
use postiz_tests::fakes::{mastodon, pinterest, serve};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A queue that delivers every message twice (SQS may).
struct Duplicating(Arc<dyn Queue>);

#[async_trait]
impl Queue for Duplicating {
    async fn send(&self, q: &str, body: &str, delay: Duration) -> StorageResult<String> {
        self.0.send(q, body, delay).await?;
        self.0.send(q, body, delay).await
    }
    async fn receive(
        &self,
        q: &str,
        max: usize,
        vis: Duration,
        wait: Duration,
    ) -> StorageResult<Vec<Message>> {
        self.0.receive(q, max, vis, wait).await
    }
    async fn ack(&self, q: &str, receipt: &str) -> StorageResult<()> {
        self.0.ack(q, receipt).await
    }
    async fn change_visibility(&self, q: &str, receipt: &str, vis: Duration) -> StorageResult<()> {
        self.0.change_visibility(q, receipt, vis).await
    }
}

/// Where a wrapped provider hangs forever (the worker is then killed) for chosen messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Crash {
    /// Before the request leaves.
    BeforeSend,
    /// After the network accepted the message.
    AfterAccept,
}

/// The real provider client, with crashes injected on the first attempt of chosen messages.
struct Crashing {
    inner: Arc<dyn Provider>,
    plan: Arc<Mutex<HashMap<String, Crash>>>,
}

impl Crashing {
    async fn maybe_crash<T>(
        &self,
        id: &str,
        call: impl std::future::Future<Output = ProviderResult<T>>,
    ) -> ProviderResult<T> {
        let part = id.split('.').next().unwrap_or(id).to_string();
        let crash = self.plan.lock().unwrap().remove(&part);
        match crash {
            Some(Crash::BeforeSend) => std::future::pending().await,
            Some(Crash::AfterAccept) => {
                let _ = call.await;
                std::future::pending().await
            }
            None => call.await,
        }
    }
}

#[async_trait]
impl Provider for Crashing {
    fn info(&self) -> &ProviderInfo {
        self.inner.info()
    }
    fn idempotent_publish(&self) -> bool {
        self.inner.idempotent_publish()
    }
    fn check(&self, post: &PostDetails) -> Result<(), String> {
        self.inner.check(post)
    }
    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        self.inner.auth_url().await
    }
    async fn authenticate(&self, code: &str, verifier: &str) -> ProviderResult<AuthTokens> {
        self.inner.authenticate(code, verifier).await
    }
    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        self.inner.refresh(auth).await
    }
    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.maybe_crash(&post.id, self.inner.publish(auth, post))
            .await
    }
    async fn comment(
        &self,
        auth: &ChannelAuth,
        root: &str,
        to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.maybe_crash(&post.id, self.inner.comment(auth, root, to, post))
            .await
    }
}

struct World {
    module: PostsModule,
    channels: Arc<Channels>,
    queue: Arc<dyn Queue>,
    masto: mastodon::Shared,
    pins: pinterest::Shared,
    plan: Arc<Mutex<HashMap<String, Crash>>>,
    _dir: Option<tempfile::TempDir>,
}

async fn world(aws: bool) -> World {
    let (mapp, masto) = mastodon::app();
    let (papp, pins) = pinterest::app();
    let (mbase, pbase) = (serve(mapp).await, serve(papp).await);
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", mbase.as_str()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
        ("PINTEREST_URL", pbase.as_str()),
        ("PINTEREST_WEB_URL", "https://www.pinterest.example"),
        ("PINTEREST_CLIENT_ID", pinterest::CLIENT_ID),
        ("PINTEREST_CLIENT_SECRET", pinterest::CLIENT_SECRET),
        ("FRONTEND_URL", "http://127.0.0.1:4200"),
    ]);
    let plan: Arc<Mutex<HashMap<String, Crash>>> = Arc::default();
    let base = Providers::new(&config);
    let mut providers = base.clone();
    for id in ["mastodon", "pinterest"] {
        providers = providers.with(Arc::new(Crashing {
            inner: base.get(id).unwrap(),
            plan: plan.clone(),
        }));
    }
    let clock = crate::util::system_clock();
    type Ports = (
        Arc<dyn Table>,
        Arc<dyn Queue>,
        Arc<dyn Gate>,
        Option<tempfile::TempDir>,
    );
    let (table, queue, gate, dir): Ports = if aws {
        let sdk = postiz_tests::aws_config().await;
        let table: Arc<dyn Table> = Arc::new(crate::util::dynamo(clock.clone()).await);
        let prefix = postiz_tests::unique("faults-");
        let p = Provisioner::new(&sdk, true);
        for def in queues() {
            if let Some(dlq) = def.dlq() {
                p.create_queue(&prefix, &dlq).await.unwrap();
            }
            p.create_queue(&prefix, &def).await.unwrap();
        }
        let gate = Arc::new(TableGate::new(
            table.clone(),
            clock.clone(),
            Span::seconds(5),
        ));
        (table, Arc::new(SqsQueue::new(&sdk, &prefix)), gate, None)
    } else {
        let (store, dir) = crate::util::embedded(clock.clone(), queues());
        let store = Arc::new(store);
        (
            store.clone(),
            store,
            Arc::new(LocalGate::default()),
            Some(dir),
        )
    };
    let keys = Arc::new(AppKeys::fixed(
        JwtSigner::new("test"),
        Cipher::from_secret(&new_key_base64()).unwrap(),
    ));
    let channels = Arc::new(Channels::on_table(
        table.clone(),
        providers,
        keys,
        clock.clone(),
    ));
    let config = PublisherConfig {
        lease: Span::seconds(6),
        max_attempts: 8,
        inline_retries: 3,
        max_inline_wait: Duration::from_secs(1),
        backoff: Span::seconds(1),
    };
    let module = PostsModule::new(
        table,
        Arc::new(Duplicating(queue.clone())),
        channels.clone(),
        clock,
        gate,
        Span::seconds(5),
        config,
    );
    World {
        module,
        channels,
        queue,
        masto,
        pins,
        plan,
        _dir: dir,
    }
}

async fn connect(w: &World, org: &str, provider: &str, code: &str) -> String {
    crate::util::connect_channel(&w.channels, org, provider, code).await
}

async fn create(w: &World, org: &str, channel: &str, provider: &str, texts: &[String]) -> String {
    let settings = if provider == "pinterest" {
        json!({"__type": "pinterest", "board": "board-1", "title": "A pin"})
    } else {
        json!({"__type": provider})
    };
    let image = if provider == "pinterest" {
        json!([{"id": "m1", "path": "https://cdn.example/0.png"}])
    } else {
        json!([])
    };
    let value: Vec<_> = texts
        .iter()
        .map(|t| json!({"content": format!("<p>{t}</p>"), "image": image}))
        .collect();
    let req: CreatePost = serde_json::from_value(json!({
        "type": "schedule",
        "date": (Utc::now() + Span::seconds(1)).to_rfc3339_opts(SecondsFormat::Millis, true),
        "posts": [{"integration": {"id": channel}, "settings": settings, "value": value}],
    }))
    .unwrap();
    let out = w.module.posts.create(org, req, "API").await.unwrap();
    out[0]["postId"].as_str().unwrap().to_string()
}

/// Runs the scheduler and `workers` workers until every post is final; a message taking
/// longer than `kill_after` has its worker killed (the task dropped, nothing acknowledged).
async fn run_until_final(w: &World, org: &str, ids: &[String], within: Duration) {
    let kill_after = Duration::from_secs(4);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    {
        let (scheduler, stop) = (w.module.scheduler.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if let Err(e) = scheduler.run().await {
                    eprintln!("scheduler run failed: {e}");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    for _ in 0..8 {
        let (m, q, stop) = (w.module.clone(), w.queue.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let msgs = match q
                    .receive(
                        PUBLISH_QUEUE,
                        5,
                        Duration::from_secs(3),
                        Duration::from_secs(1),
                    )
                    .await
                {
                    Ok(m) => m,
                    Err(e) => {
                        eprintln!("receive failed: {e}");
                        continue;
                    }
                };
                for msg in msgs {
                    let run = worker::process(&m.publisher, &msg.body);
                    if let Ok(Ok(_)) = tokio::time::timeout(kill_after, run).await {
                        let _ = q.ack(PUBLISH_QUEUE, &msg.receipt).await;
                    }
                }
            }
        }));
    }
    let deadline = Instant::now() + within;
    loop {
        let mut open = Vec::new();
        for id in ids {
            let p = w.module.posts.repo.get(org, id).await.unwrap().unwrap();
            if matches!(p.state, PostState::Queue | PostState::Publishing) {
                open.push((
                    p.provider_identifier.clone(),
                    p.state,
                    p.attempts,
                    p.error.clone(),
                    p.due_at.map(|d| (d - Utc::now()).num_seconds()),
                ));
            }
        }
        if open.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} posts still open: {:?}",
            open.len(),
            &open[..open.len().min(5)]
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for t in tasks {
        t.abort();
    }
}

async fn two_hundred_posts_with_faults(aws: bool) {
    let w = world(aws).await;
    let org = "org-faults";
    let masto = connect(&w, org, "mastodon", mastodon::GOOD_CODE).await;
    let pin_ok = connect(&w, org, "pinterest", pinterest::GOOD_CODE).await;

    let started_create = Instant::now();
    // 150 Mastodon posts (every fifth a two-message thread), 40 Pinterest posts.
    let mut masto_ids = Vec::new();
    for i in 0..150 {
        let texts: Vec<String> = if i % 5 == 0 {
            vec![format!("m{i} root"), format!("m{i} reply")]
        } else {
            vec![format!("m{i}")]
        };
        masto_ids.push(create(&w, org, &masto, "mastodon", &texts).await);
    }
    let mut pin_ids = Vec::new();
    for i in 0..40 {
        pin_ids.push(create(&w, org, &pin_ok, "pinterest", &[format!("p{i}")]).await);
    }
    eprintln!(
        "190 posts created in {:.1} s",
        started_create.elapsed().as_secs_f64()
    );
    // Kills: ten Mastodon messages before the request leaves, ten after it was accepted;
    // two Pinterest pins before the request leaves (no idempotency key there).
    {
        let mut plan = w.plan.lock().unwrap();
        for id in &masto_ids[..10] {
            plan.insert(id.clone(), Crash::BeforeSend);
        }
        for id in &masto_ids[10..20] {
            plan.insert(id.clone(), Crash::AfterAccept);
        }
        for id in &pin_ids[..2] {
            plan.insert(id.clone(), Crash::BeforeSend);
        }
    }
    // Bursts of 503 and 429 at Mastodon; every Pinterest access token revoked (the refresh works).
    {
        let mut m = w.masto.lock().unwrap();
        for i in 0..40 {
            m.fail_next.push_back(if i % 4 == 0 {
                (429, Some(1))
            } else {
                (503, None)
            });
        }
        let mut p = w.pins.lock().unwrap();
        p.refresh_mode = RefreshMode::Ok;
        p.access.clear();
    }
    // Then 10 pins on a channel whose refresh is dead.
    let started = Instant::now();
    let all: Vec<String> = masto_ids.iter().chain(&pin_ids).cloned().collect();
    run_until_final(&w, org, &all, Duration::from_secs(240)).await;
    let first_phase = started.elapsed();

    let pin_dead = connect(&w, "org-dead", "pinterest", pinterest::GOOD_CODE).await;
    let mut dead_ids = Vec::new();
    for i in 0..10 {
        dead_ids.push(create(&w, "org-dead", &pin_dead, "pinterest", &[format!("d{i}")]).await);
    }
    {
        let mut p = w.pins.lock().unwrap();
        p.refresh_mode = RefreshMode::Dead;
        p.access.clear();
    }
    run_until_final(&w, "org-dead", &dead_ids, Duration::from_secs(60)).await;

    // Mastodon: all published, each message received once, threads chained.
    let statuses = w.masto.lock().unwrap().statuses.clone();
    let mut texts = HashSet::new();
    for s in &statuses {
        assert!(texts.insert(s.text.clone()), "{} was sent twice", s.text);
    }
    assert_eq!(statuses.len(), 150 + 30, "every Mastodon message once");
    for id in &masto_ids {
        let p = w.module.posts.repo.get(org, id).await.unwrap().unwrap();
        assert_eq!(p.state, PostState::Published, "{id}: {:?}", p.error);
        for part in &p.parts {
            assert!(part.release_id.is_some() && part.release_url.is_some());
        }
        if p.parts.len() == 2 {
            let reply = statuses
                .iter()
                .find(|s| Some(&s.id) == p.parts[1].release_id.as_ref())
                .unwrap();
            assert_eq!(reply.reply_to.as_ref(), p.parts[0].release_id.as_ref());
        }
    }
    // Pinterest, working refresh: published once each, except pins killed before their
    // request left, which end ERROR "unconfirmed" (never resent blindly).
    let (pins, refreshes) = {
        let f = w.pins.lock().unwrap();
        (f.pins.clone(), f.refreshes)
    };
    let mut descriptions = HashSet::new();
    for (_, body) in &pins {
        let d = body["description"].as_str().unwrap_or_default().to_string();
        assert!(descriptions.insert(d.clone()), "pin {d} was sent twice");
    }
    assert!(refreshes >= 1, "the 401 led to a refresh");
    let mut published_pins = 0;
    for (i, id) in pin_ids.iter().enumerate() {
        let p = w.module.posts.repo.get(org, id).await.unwrap().unwrap();
        match p.state {
            PostState::Published => published_pins += 1,
            PostState::Error => {
                assert!(i < 2, "pin {i} failed: {:?}", p.error);
                assert!(
                    p.error.as_deref().unwrap().starts_with("unconfirmed"),
                    "{:?}",
                    p.error
                );
            }
            s => panic!("pin {i} ended {s:?}"),
        }
    }
    assert!(
        published_pins >= 38,
        "{published_pins} of 40 pins published"
    );
    assert!(
        !w.channels
            .repo
            .get(org, &pin_ok)
            .await
            .unwrap()
            .unwrap()
            .refresh_needed
    );
    // Dead refresh: every post ERROR with a reason, the channel refreshNeeded, notified.
    for id in &dead_ids {
        let p = w
            .module
            .posts
            .repo
            .get("org-dead", id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.state, PostState::Error);
        assert!(p.error.is_some());
    }
    assert!(
        w.channels
            .repo
            .get("org-dead", &pin_dead)
            .await
            .unwrap()
            .unwrap()
            .refresh_needed
    );
    let notes = w
        .channels
        .notifications()
        .page("org-dead", 0, 100)
        .await
        .unwrap()
        .0;
    assert!(format!("{notes:?}").contains("reconnect"), "{notes:?}");
    eprintln!(
        "fault suite ({}): 190 posts settled in {:.1} s; {} Mastodon requests for 180 messages",
        if aws { "moto" } else { "embedded" },
        first_phase.as_secs_f64(),
        w.masto.lock().unwrap().status_requests
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_posts_with_faults_embedded() {
    two_hundred_posts_with_faults(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_posts_with_faults_dynamodb_sqs() {
    if !postiz_tests::aws_available() {
        return;
    }
    two_hundred_posts_with_faults(true).await;
}

/// The slot gate on DynamoDB: at most `cap` holders; a slot nobody renews lapses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_gate_caps_and_lapses() {
    if !postiz_tests::aws_available() {
        return;
    }
    let clock = crate::util::system_clock();
    let table: Arc<dyn Table> = Arc::new(crate::util::dynamo(clock.clone()).await);
    let gate = TableGate::new(table, clock, Span::seconds(2));
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(
            gate.try_acquire("reddit", 2)
                .await
                .unwrap()
                .expect("a free slot"),
        );
    }
    assert!(
        gate.try_acquire("reddit", 2).await.unwrap().is_none(),
        "capped at 2"
    );
    assert!(
        gate.try_acquire("tiktok", 10_000).await.unwrap().is_some(),
        "large caps are not enforced"
    );
    gate.release(&held.pop().unwrap()).await;
    assert!(
        gate.try_acquire("reddit", 2).await.unwrap().is_some(),
        "a released slot is free"
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert!(
        gate.try_acquire("reddit", 2).await.unwrap().is_some(),
        "a lapsed slot is free"
    );
}
