//! Each function's handler on its events in `events/` (API Gateway HTTP API v2, EventBridge
//! Scheduler, SQS), as `cargo lambda invoke --data-file` would run them: the HTTP functions
//! with the AWS adapters on the emulator, the posts functions on the embedded store and on
//! the emulator.

use aws_lambda_events::event::sqs::SqsEvent;
use axum::body::Body;
use axum::Router;
use http_body_util_shim::collect;
use postiz_core::email::NoopMailer;
use postiz_core::SystemClock;
use postiz_posts::{LocalGate, PublishMessage};
use postiz_storage::aws::{DynamoTable, Provisioner, S3Blobs, SecretsManager, SqsQueue};
use postiz_storage::embedded::{EmbeddedStore, FileBlobs, LocalSecrets};
use postiz_storage::schema::{queues, PUBLISH_QUEUE};
use postiz_storage::Secrets;
use postiz_web::bootstrap::Adapters;
use postiz_web::config::WebConfig;
use postiz_web::http::finish;
use postiz_web::AppState;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tower::ServiceExt;

mod http_body_util_shim {
    /// Reads a whole response body.
    pub async fn collect(body: axum::body::Body) -> Vec<u8> {
        axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }
}

/// The app state on the emulator: a fresh table, secret and queues (the schema's).
async fn state() -> AppState {
    let config = postiz_tests::aws_config().await;
    let p = Provisioner::new(&config, true);
    let table = postiz_tests::unique("lambda-");
    let secret = postiz_tests::unique("postiz/lambda-");
    let prefix = postiz_tests::unique("lambda-");
    p.create_table(&table).await.unwrap();
    p.create_app_secret(&secret).await.unwrap();
    for def in queues() {
        if let Some(dlq) = def.dlq() {
            p.create_queue(&prefix, &dlq).await.unwrap();
        }
        p.create_queue(&prefix, &def).await.unwrap();
    }
    let clock = Arc::new(SystemClock);
    let adapters = Adapters {
        table: Arc::new(DynamoTable::new(&config, &table, clock.clone())),
        queue: Arc::new(SqsQueue::new(&config, &prefix)),
        blobs: Arc::new(S3Blobs::new(&config, "unused", true)),
        secrets: Arc::new(SecretsManager::new(&config, &secret)),
        clock,
        mailer: Arc::new(NoopMailer),
        embedded: None,
        file_blobs: None,
    };
    AppState::new(adapters, WebConfig::from_env())
        .await
        .unwrap()
}

/// The app state on a fresh embedded store (with the schema's queues) and local secrets, as
/// the local server builds it; the folder lives as long as the returned guard.
async fn embedded_state() -> (AppState, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SystemClock);
    let store = EmbeddedStore::open(&dir.path().join("db.redb"), clock.clone(), queues()).unwrap();
    let secrets = LocalSecrets::load_or_init(dir.path()).unwrap();
    let signing = secrets
        .get(postiz_storage::secrets::JWT_SECRET)
        .await
        .unwrap();
    let blobs = FileBlobs::new(
        dir.path().join("blobs"),
        "http://127.0.0.1:3000",
        signing.as_bytes(),
        clock.clone(),
    );
    let adapters = Adapters {
        table: Arc::new(store.clone()),
        queue: Arc::new(store.clone()),
        blobs: Arc::new(blobs.clone()),
        secrets: Arc::new(secrets),
        clock,
        mailer: Arc::new(NoopMailer),
        embedded: Some(store),
        file_blobs: Some(blobs),
    };
    let state = AppState::new(adapters, WebConfig::from_env())
        .await
        .unwrap();
    (state, dir)
}

/// The text of the event file `name`, placeholders replaced.
fn event_text(name: &str, replace: &[(&str, &str)]) -> String {
    let path = postiz_tests::repo_root().join("events").join(name);
    let mut raw = std::fs::read_to_string(&path).unwrap();
    for (from, to) in replace {
        raw = raw.replace(from, to);
    }
    raw
}

/// The session token of a register or login answer (the `auth` cookie).
fn session_token(headers: &http::HeaderMap) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .find_map(|c| {
            c.to_str()
                .unwrap()
                .strip_prefix("auth=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .expect("an auth cookie")
}

/// Runs the event file `name` (placeholders replaced) through `app`.
async fn invoke(
    app: &Router,
    name: &str,
    replace: &[(&str, &str)],
) -> (u16, http::HeaderMap, Value) {
    let raw = event_text(name, replace);
    let req = lambda_http::request::from_str(&raw)
        .unwrap_or_else(|e| panic!("{name} is not an API Gateway event: {e}"));
    let (parts, body) = req.into_parts();
    let req = http::Request::from_parts(parts, Body::from(body.to_vec()));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = collect(res.into_body()).await;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_functions_answer_their_events() {
    if !postiz_tests::aws_available() {
        return;
    }
    let state = state().await;
    let auth = finish(postiz_auth_fn::router(), state.clone());
    let users = finish(postiz_users_fn::router(), state.clone());
    let public = finish(
        postiz_public_api_fn::router(postiz_public_api_fn::Ctx::new(&state).await),
        state.clone(),
    );

    assert_eq!(
        invoke(&auth, "auth-can-register.json", &[]).await.2,
        json!({"register": true})
    );
    let (status, headers, body) = invoke(&auth, "auth-register.json", &[]).await;
    assert_eq!((status, body), (200, json!({"register": true})));
    let token = session_token(&headers);
    let (status, _, body) = invoke(&auth, "auth-register.json", &[]).await;
    assert_eq!(
        (status, body),
        (400, Value::Null),
        "duplicate register is a plain-text 400"
    );
    let (status, _, body) = invoke(&auth, "auth-login.json", &[]).await;
    assert_eq!((status, body), (200, json!({"login": true})));

    let (status, _, me) = invoke(&users, "users-self.json", &[("{{SESSION_TOKEN}}", &token)]).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "lambda@example.com");
    let (_, _, orgs) = invoke(
        &users,
        "users-organizations.json",
        &[("{{SESSION_TOKEN}}", &token)],
    )
    .await;
    assert_eq!(orgs[0]["name"], "Lambda Co");
    let (status, _, _) = invoke(&users, "users-self.json", &[]).await;
    assert_eq!(status, 401, "the placeholder token must not authenticate");
    let (status, _, org) = invoke(
        &users,
        "users-api-key-rotate.json",
        &[("{{SESSION_TOKEN}}", &token)],
    )
    .await;
    assert_eq!(status, 201);
    let key = org["apiKey"].as_str().unwrap().to_string();

    let (status, _, body) = invoke(
        &public,
        "public-api-is-connected.json",
        &[("{{API_KEY}}", &key)],
    )
    .await;
    assert_eq!((status, body), (200, json!({"connected": true})));
    let (status, _, body) = invoke(&public, "public-api-is-connected.json", &[]).await;
    assert_eq!((status, body), (401, json!({"msg": "Invalid API key"})));
    let (status, _, body) = invoke(
        &public,
        "public-api-posts-week.json",
        &[("{{API_KEY}}", &key)],
    )
    .await;
    assert_eq!((status, body), (200, json!({"posts": []})));

    let media = finish(
        postiz_media_fn::router(postiz_media_fn::Ctx::new(&state).await),
        state.clone(),
    );
    let (status, _, body) = invoke(
        &media,
        "media-library.json",
        &[("{{SESSION_TOKEN}}", &token)],
    )
    .await;
    assert_eq!((status, body), (200, json!({"pages": 0, "results": []})));
    let (status, _, _) = invoke(&media, "media-library.json", &[]).await;
    assert_eq!(status, 401);
}

/// The posts function on its API Gateway events, the post-scheduler on its EventBridge
/// Scheduler event and the publish worker on its SQS event, on `state`.
async fn posts_functions_answer_their_events(state: AppState) {
    let auth = finish(postiz_auth_fn::router(), state.clone());
    let users = finish(postiz_users_fn::router(), state.clone());
    let posts = finish(
        postiz_posts_fn::router(postiz_posts_fn::Ctx::new(&state).await),
        state.clone(),
    );
    let (status, headers, _) = invoke(&auth, "auth-register.json", &[]).await;
    assert_eq!(status, 200);
    let token = session_token(&headers);
    let session = [("{{SESSION_TOKEN}}", token.as_str())];
    let (_, _, orgs) = invoke(&users, "users-organizations.json", &session).await;
    let org = orgs[0]["id"].as_str().unwrap().to_string();

    // posts: POST then GET /posts/tags, GET /posts with a query string.
    let (status, _, tag) = invoke(&posts, "posts-tags-create.json", &session).await;
    assert_eq!(status, 201, "{tag}");
    assert_eq!(
        (&tag["name"], &tag["color"], &tag["orgId"]),
        (&json!("Launch"), &json!("#612BD3"), &json!(org))
    );
    let (status, _, tags) = invoke(&posts, "posts-tags.json", &session).await;
    assert_eq!(status, 200);
    assert_eq!(tags, json!({"tags": [tag]}));
    let (status, _, _) = invoke(&posts, "posts-tags.json", &[]).await;
    assert_eq!(status, 401, "the placeholder token must not authenticate");
    let (status, _, calendar) = invoke(&posts, "posts-calendar.json", &session).await;
    assert_eq!(status, 200, "the query string's dates are read: {calendar}");
    assert_eq!(calendar, json!({"p": []}));

    // post-scheduler: the handler ignores its event (any JSON) and returns the run's report.
    let event: Value =
        serde_json::from_str(&event_text("post-scheduler-schedule.json", &[])).unwrap();
    assert_eq!(event["detail-type"], "Scheduled Event");
    let scheduler = postiz_posts_fn::module(&state, Arc::new(LocalGate::default()))
        .await
        .scheduler;
    let first = serde_json::to_value(scheduler.run().await.unwrap()).unwrap();
    let mut fields: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["buckets", "plugRuns", "queries", "read", "redriven", "sent", "skipped"],
        "{first}"
    );
    let buckets = first["buckets"].as_u64().unwrap();
    assert!(buckets >= 49, "the first run looks back 48 hours: {first}");
    assert_eq!(first["queries"], buckets, "one query per empty bucket");
    for field in ["read", "sent", "redriven", "skipped", "plugRuns"] {
        assert_eq!(first[field], 0, "{field}: {first}");
    }
    let second = serde_json::to_value(scheduler.run().await.unwrap()).unwrap();
    assert!(
        (1..=2).contains(&second["buckets"].as_u64().unwrap()),
        "the first run moved the cursor past the empty hours: {second}"
    );
    assert_eq!(second["sent"], 0);

    // publish-worker: the event's first body is what the dispatcher sends to the queue.
    let raw = event_text("publish-worker-sqs.json", &[("{{ORG_ID}}", &org)]);
    let event: SqsEvent = serde_json::from_str(&raw).unwrap();
    assert_eq!(event.records.len(), 2);
    let sent = serde_json::to_string(&PublishMessage {
        org: org.clone(),
        id: "no-such-post".into(),
    })
    .unwrap();
    let queue = &state.adapters.queue;
    queue
        .send(PUBLISH_QUEUE, &sent, Duration::ZERO)
        .await
        .unwrap();
    let received = queue
        .receive(
            PUBLISH_QUEUE,
            1,
            Duration::from_secs(30),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(received.len(), 1);
    queue
        .ack(PUBLISH_QUEUE, &received[0].receipt)
        .await
        .unwrap();
    assert_eq!(
        PublishMessage::parse(&received[0].body),
        PublishMessage::parse(event.records[0].body.as_deref().unwrap())
    );
    assert!(PublishMessage::parse(event.records[1].body.as_deref().unwrap()).is_none());

    let module = postiz_publish_worker_fn::module(&state).await;
    // Too little time left for a message: every record comes back untouched.
    let soon = std::time::SystemTime::now() + Duration::from_secs(10);
    let budget = Duration::from_secs(300);
    let deferred =
        postiz_publish_worker_fn::handle(&module, event.clone(), Some(soon), budget).await;
    let ids: Vec<String> = deferred
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    let all: Vec<String> = event
        .records
        .iter()
        .map(|r| r.message_id.clone().unwrap())
        .collect();
    assert_eq!(ids, all, "records not started are handed back");
    let later = std::time::SystemTime::now() + Duration::from_secs(900);
    let response = postiz_publish_worker_fn::handle(&module, event, Some(later), budget).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "an unknown post and an unreadable body are acknowledged, not retried"
    );
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": []})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_functions_answer_their_events_embedded() {
    let (state, _dir) = embedded_state().await;
    posts_functions_answer_their_events(state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_functions_answer_their_events_on_aws() {
    if !postiz_tests::aws_available() {
        return;
    }
    posts_functions_answer_their_events(state().await).await;
}
