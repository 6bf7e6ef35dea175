//! Adapter factories shared by the contract suites.

use chrono::{TimeZone, Utc};
use postiz_core::{Clock, FixedClock, SystemClock};
use postiz_storage::aws::{DynamoTable, Provisioner};
use postiz_storage::embedded::EmbeddedStore;
use postiz_storage::schema::QueueDef;
use std::sync::Arc;
use tempfile::TempDir;

pub use postiz_tests::client::{
    api_key, auth_cookie, connect_mastodon, mastodon_env, register, try_connect_mastodon, PASSWORD,
};

/// A fixed clock at a round instant.
pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    ))
}

/// A fresh embedded store in a temporary folder.
pub fn embedded(clock: Arc<dyn Clock>, queues: Vec<QueueDef>) -> (EmbeddedStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("db.redb"), clock, queues).unwrap();
    (store, dir)
}

/// A fresh uniquely named DynamoDB table on the emulator.
pub async fn dynamo(clock: Arc<dyn Clock>) -> DynamoTable {
    let config = postiz_tests::aws_config().await;
    let name = postiz_tests::unique("table-");
    Provisioner::new(&config, true)
        .create_table(&name)
        .await
        .unwrap();
    DynamoTable::new(&config, &name, clock)
}

/// The system clock.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Declares one test per adapter for a contract function taking the port and the clock.
#[macro_export]
macro_rules! both_adapters {
    ($name:ident, $contract:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let clock = $crate::util::fixed_clock();
                let (store, _dir) = $crate::util::embedded(clock.clone(), vec![]);
                $contract(std::sync::Arc::new(store), clock).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb() {
                if !postiz_tests::aws_available() {
                    return;
                }
                let clock = $crate::util::fixed_clock();
                let table = $crate::util::dynamo(clock.clone()).await;
                $contract(std::sync::Arc::new(table), clock).await;
            }
        }
    };
}

/// Connects a channel of `org` through the channels service (OAuth start + callback).
pub async fn connect_channel(
    channels: &postiz_integrations::Channels,
    org: &str,
    provider: &str,
    code: &str,
) -> String {
    let url = channels
        .start_connect(org, "user-1", provider, None)
        .await
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let v = channels.connect(provider, &state, code).await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Receives every visible message of the publish queue and handles it as a worker does
/// (posts through the publisher, plug runs through their runner); the outcomes.
pub async fn drain(
    module: &postiz_posts::PostsModule,
    queue: &std::sync::Arc<dyn postiz_storage::Queue>,
) -> Vec<postiz_posts::Outcome> {
    use postiz_storage::schema::PUBLISH_QUEUE;
    let mut out = Vec::new();
    loop {
        let msgs = queue
            .receive(
                PUBLISH_QUEUE,
                10,
                std::time::Duration::from_secs(60),
                std::time::Duration::ZERO,
            )
            .await
            .unwrap();
        if msgs.is_empty() {
            return out;
        }
        for m in msgs {
            // Post messages and plug-run messages share the queue.
            out.push(
                postiz_posts::worker::process(&module.publisher, &m.body)
                    .await
                    .unwrap(),
            );
            queue.ack(PUBLISH_QUEUE, &m.receipt).await.unwrap();
        }
    }
}

/// The posts module on a fresh embedded store with a fixed clock, its channels on `providers`,
/// the local gate and default publishing limits: the world of the publishing-rule tests.
pub struct EmbeddedPosts {
    /// Posts, scheduler and publisher.
    pub module: postiz_posts::PostsModule,
    /// Channels service.
    pub channels: Arc<postiz_integrations::Channels>,
    /// The store's queue.
    pub queue: Arc<dyn postiz_storage::Queue>,
    /// The clock everything reads.
    pub clock: Arc<FixedClock>,
    /// The store's table.
    pub table: Arc<dyn postiz_storage::Table>,
    /// The keys channel tokens are sealed with.
    pub keys: Arc<postiz_storage::AppKeys>,
    /// Holds the store's folder.
    pub dir: TempDir,
}

/// See [`EmbeddedPosts`].
pub fn embedded_posts(providers: postiz_providers::Providers) -> EmbeddedPosts {
    let clock = fixed_clock();
    let (store, dir) = embedded(clock.clone(), postiz_storage::schema::queues());
    let store = Arc::new(store);
    posts_world(store.clone(), store, clock, dir, providers)
}

/// The same world on the emulator: a fresh DynamoDB table and SQS queues (the fixed clock
/// drives the rules; the queues keep real time). `None` without the emulator.
pub async fn aws_posts(providers: postiz_providers::Providers) -> Option<EmbeddedPosts> {
    if !postiz_tests::aws_available() {
        return None;
    }
    let clock = fixed_clock();
    let table = Arc::new(dynamo(clock.clone()).await);
    let config = postiz_tests::aws_config().await;
    let prefix = postiz_tests::unique("posts-");
    let p = Provisioner::new(&config, true);
    for def in postiz_storage::schema::queues() {
        if let Some(dlq) = def.dlq() {
            p.create_queue(&prefix, &dlq).await.unwrap();
        }
        p.create_queue(&prefix, &def).await.unwrap();
    }
    let queue = Arc::new(postiz_storage::aws::SqsQueue::new(&config, &prefix));
    let dir = tempfile::tempdir().unwrap();
    Some(posts_world(table, queue, clock, dir, providers))
}

fn posts_world(
    table: Arc<dyn postiz_storage::Table>,
    queue: Arc<dyn postiz_storage::Queue>,
    clock: Arc<FixedClock>,
    dir: TempDir,
    providers: postiz_providers::Providers,
) -> EmbeddedPosts {
    let keys = Arc::new(postiz_storage::AppKeys::fixed(
        postiz_core::jwt::JwtSigner::new("test"),
        postiz_core::crypto::Cipher::from_secret(&postiz_core::crypto::new_key_base64()).unwrap(),
    ));
    let channels = Arc::new(postiz_integrations::Channels::on_table(
        table.clone(),
        providers,
        keys.clone(),
        clock.clone(),
    ));
    let module = postiz_posts::PostsModule::new(
        table.clone(),
        queue.clone(),
        channels.clone(),
        clock.clone(),
        Arc::new(postiz_posts::LocalGate::default()),
        chrono::Duration::seconds(90),
        postiz_posts::PublisherConfig::default(),
    );
    EmbeddedPosts {
        module,
        channels,
        queue,
        clock,
        table,
        keys,
        dir,
    }
}

/// A signed-in client of a running server: sends JSON with the session's `auth` header.
pub struct Session {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The server's base URL.
    pub base: String,
    /// The session token.
    pub token: String,
}

impl Session {
    /// Registers a new organization on the server; its owner's session and email.
    pub async fn register(base: &str) -> (Self, String) {
        let http = reqwest::Client::new();
        let (email, token) = register(&http, base).await;
        let s = Self {
            http,
            base: base.to_string(),
            token,
        };
        (s, email)
    }

    /// Sends `method path` with an optional JSON body; the status and the JSON answer (null
    /// when the answer is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("auth", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `POST /media/upload-server` of `bytes` as `name` (`mime`); the status and the answer.
    pub async fn upload(&self, name: &str, mime: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap();
        let r = self
            .http
            .post(format!("{}/media/upload-server", self.base))
            .header("auth", &self.token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `GET path`, which must answer 200.
    pub async fn get(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}

/// `GET /public/v1/is-connected` with `credential` (an API key or a `pos_` token): the status.
pub async fn is_connected(http: &reqwest::Client, base: &str, credential: &str) -> u16 {
    http.get(format!("{base}/public/v1/is-connected"))
        .header("authorization", credential)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The `code` parameter of the `redirect` an OAuth consent answers.
pub fn code_in_redirect(answer: &serde_json::Value) -> String {
    let redirect = url::Url::parse(answer["redirect"].as_str().expect("a redirect")).unwrap();
    let code = redirect.query_pairs().find(|(k, _)| k == "code");
    code.expect("a code").1.into_owned()
}

/// A `postiz-server` on its own data folder with a fake Mastodon (and its log) and `extra`
/// settings.
pub async fn mastodon_server(
    extra: &[(&str, String)],
) -> (
    postiz_tests::Running,
    TempDir,
    postiz_tests::fakes::mastodon::Shared,
) {
    let (fake, seen) = postiz_tests::fakes::mastodon::app();
    let fake_url = postiz_tests::fakes::serve(fake).await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = vec![("DATA_DIR", dir.path().display().to_string())];
    env.extend(postiz_tests::client::mastodon_env(fake_url));
    env.extend(extra.iter().cloned());
    let srv = postiz_tests::Running::server(&env)
        .ready(std::time::Duration::from_secs(60))
        .await;
    (srv, dir, seen)
}

/// A `postiz-server` on its own data folder with a fake X.
pub async fn x_server() -> (
    postiz_tests::Running,
    TempDir,
    postiz_tests::fakes::x::Shared,
) {
    use postiz_tests::fakes::x;
    let (app, seen) = x::app();
    let fake = postiz_tests::fakes::serve(app).await;
    let dir = tempfile::tempdir().unwrap();
    let srv = postiz_tests::Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("X_URL", fake.clone()),
        ("X_UPLOAD_URL", fake),
        ("X_API_KEY", x::KEY.to_string()),
        ("X_API_SECRET", x::SECRET.to_string()),
    ])
    .ready(std::time::Duration::from_secs(30))
    .await;
    (srv, dir, seen)
}

/// Publishes `text` at once on the Mastodon channel; the post's id.
pub async fn publish_now(s: &Session, channel: &str, text: &str) -> String {
    let (status, posted) = s
        .call(
            reqwest::Method::POST,
            "/posts",
            Some(serde_json::json!({
                "type": "now", "date": chrono::Utc::now().to_rfc3339(), "shortLink": false,
                "tags": [],
                "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                           "value": [{"content": format!("<p>{text}</p>")}]}],
            })),
        )
        .await;
    assert!(status < 300, "{posted}");
    posted[0]["postId"].as_str().unwrap().to_string()
}

/// Connects the fake X account to the session's organization through the server (the
/// three-legged flow's callback); the channel id.
pub async fn connect_x(s: &Session) -> String {
    let start = s.get("/integrations/social/x").await;
    let state = start["url"]
        .as_str()
        .unwrap()
        .split("oauth_token=")
        .nth(1)
        .unwrap()
        .to_string();
    let (status, ch) = s
        .call(
            reqwest::Method::POST,
            "/integrations/social-connect/x",
            Some(serde_json::json!({"state": state, "code": postiz_tests::fakes::x::VERIFIER})),
        )
        .await;
    assert_eq!(status, 201, "{ch}");
    ch["id"].as_str().unwrap().to_string()
}
