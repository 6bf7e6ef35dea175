//! A request whose answer was lost, on a network that can be asked (Bluesky): the publisher
//! looks the message up instead of sending it again blindly or giving up as "unconfirmed".

use async_trait::async_trait;
use base64::Engine;
use chrono::{Duration as Span, SecondsFormat};
use postiz_core::{Clock, FixedClock};
use postiz_posts::request::CreatePost;
use postiz_posts::{Outcome, PostState, PostsModule};
use postiz_providers::{
    AuthRequest, AuthTokens, ChannelAuth, PostDetails, Provider, ProviderConfig, ProviderError,
    ProviderInfo, ProviderResult, Providers, Published,
};
use postiz_storage::Queue;
use postiz_tests::fakes::{bluesky, serve};
use serde_json::json;
use std::sync::{Arc, Mutex};

const ORG: &str = "org-lookup";

/// How the next publish request loses its answer.
#[derive(Debug, Clone, Copy)]
enum Lost {
    /// The network applied it; the answer never came back.
    AfterApplied,
    /// It never reached the network.
    BeforeArrival,
}

/// The real Bluesky client, losing the answer of the next publish as planned.
struct LosesAnswers {
    inner: Arc<dyn Provider>,
    next: Arc<Mutex<Option<Lost>>>,
}

#[async_trait]
impl Provider for LosesAnswers {
    fn info(&self) -> &ProviderInfo {
        self.inner.info()
    }
    fn finds_published(&self) -> bool {
        self.inner.finds_published()
    }
    async fn find_published(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        since: chrono::DateTime<chrono::Utc>,
    ) -> ProviderResult<Option<Published>> {
        self.inner.find_published(auth, post, since).await
    }
    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        self.inner.auth_url().await
    }
    async fn authenticate(&self, code: &str, verifier: &str) -> ProviderResult<AuthTokens> {
        self.inner.authenticate(code, verifier).await
    }
    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let lost = self.next.lock().unwrap().take();
        match lost {
            Some(Lost::AfterApplied) => {
                self.inner.publish(auth, post).await?;
                Err(ProviderError::Unknown(
                    "connection reset after sending".into(),
                ))
            }
            Some(Lost::BeforeArrival) => Err(ProviderError::Unknown("connection reset".into())),
            None => self.inner.publish(auth, post).await,
        }
    }
}

struct World {
    module: PostsModule,
    queue: Arc<dyn Queue>,
    clock: Arc<FixedClock>,
    fake: bluesky::Shared,
    next: Arc<Mutex<Option<Lost>>>,
    channel: String,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let (app, fake) = bluesky::app();
    let base = serve(app).await;
    let config = ProviderConfig::from_pairs([("FETCH_ALLOW_PRIVATE", "true")]);
    let next: Arc<Mutex<Option<Lost>>> = Arc::default();
    let providers = Providers::new(&config);
    let inner = providers.get("bluesky").unwrap();
    let providers = providers.with(Arc::new(LosesAnswers {
        inner,
        next: next.clone(),
    }));
    let w = crate::util::embedded_posts(providers);
    let state = w
        .channels
        .start_connect(ORG, "user-1", "bluesky", None)
        .await
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let code = base64::engine::general_purpose::STANDARD.encode(
        json!({"service": base, "identifier": bluesky::HANDLE, "password": bluesky::PASSWORD})
            .to_string(),
    );
    let connected = w.channels.connect("bluesky", &state, &code).await.unwrap();
    World {
        module: w.module,
        queue: w.queue,
        clock: w.clock,
        fake,
        next,
        channel: connected["id"].as_str().unwrap().to_string(),
        _dir: w.dir,
    }
}

async fn post_now(w: &World, text: &str) -> String {
    let req: CreatePost = serde_json::from_value(json!({
        "type": "schedule",
        "date": w.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "posts": [{"integration": {"id": w.channel}, "settings": {"__type": "bluesky"}, "value": [{"content": format!("<p>{text}</p>")}]}],
    }))
    .unwrap();
    w.module.posts.create(ORG, req, "API").await.unwrap()[0]["postId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs the scheduler, then every visible message through the publisher.
async fn tick(w: &World) -> Vec<Outcome> {
    w.module.scheduler.run().await.unwrap();
    crate::util::drain(&w.module, &w.queue).await
}

fn posted(w: &World, text: &str) -> usize {
    let f = w.fake.lock().unwrap();
    f.records.iter().filter(|(_, r)| r["text"] == text).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_looked_up_before_anything_is_sent_again() {
    let w = world().await;

    // Applied but unanswered: found on the network and recorded, never sent twice.
    *w.next.lock().unwrap() = Some(Lost::AfterApplied);
    let applied = post_now(&w, "applied").await;
    assert_eq!(
        tick(&w).await,
        vec![Outcome::Requeued],
        "parked to look it up"
    );
    let p = w.module.posts.get(ORG, &applied).await.unwrap();
    assert_eq!(p.state, PostState::Publishing);
    assert!(p.parts[0].sending_since.is_some() && p.parts[0].release_id.is_none());
    w.clock.advance(Span::seconds(30));
    assert_eq!(tick(&w).await, vec![Outcome::Published]);
    let p = w.module.posts.get(ORG, &applied).await.unwrap();
    assert_eq!(p.state, PostState::Published);
    assert!(p.parts[0]
        .release_id
        .as_deref()
        .is_some_and(|id| id.starts_with("at://")));
    assert_eq!(posted(&w, "applied"), 1, "found, not sent again");

    // Lost before it arrived: not found, and only once the network had time to show it
    // is it sent again — once.
    *w.next.lock().unwrap() = Some(Lost::BeforeArrival);
    let lost = post_now(&w, "lost").await;
    assert_eq!(tick(&w).await, vec![Outcome::Requeued]);
    w.clock.advance(Span::seconds(30));
    assert_eq!(
        tick(&w).await,
        vec![Outcome::Requeued],
        "absent, but too early to be sure"
    );
    assert_eq!(posted(&w, "lost"), 0);
    w.clock.advance(Span::seconds(90));
    assert_eq!(tick(&w).await, vec![Outcome::Published]);
    assert_eq!(posted(&w, "lost"), 1);
    let p = w.module.posts.get(ORG, &lost).await.unwrap();
    assert_eq!(p.state, PostState::Published);
}
