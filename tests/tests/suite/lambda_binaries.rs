//! Real function binaries (the `bootstrap` Lambda runs) against a local Runtime API and the
//! AWS emulator: the `auth` HTTP function on its API Gateway events, and the publish worker
//! on an SQS event carrying the message the scheduler really queued, publishing to the fake
//! Mastodon, then the webhook-delivery function on the deliveries that publishing queued,
//! signed to a local receiver. This exercises each `main`, the runtime crate and the event plumbing.

use postiz_core::SystemClock;
use postiz_posts::request::CreatePost;
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::aws::{DynamoTable, S3Blobs, SecretsManager, SqsQueue};
use postiz_storage::schema::{PUBLISH_QUEUE, WEBHOOK_QUEUE};
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::runtime_api::{Invocation, RuntimeApi};
use postiz_tests::Running;
use postiz_web::bootstrap::Adapters;
use postiz_web::config::WebConfig;
use postiz_web::AppState;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// A function binary built beside `postiz-server`, polling `api`, with `envs`.
fn start_function(name: &str, api: &RuntimeApi, envs: &[(&'static str, String)]) -> Running {
    let bin = postiz_tests::server_bin().with_file_name(name);
    assert!(
        bin.exists(),
        "{} is missing: cargo build --workspace --bins",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "local")
        .env("RUST_LOG", "warn")
        .env("POSTIZ_CHECK_ANSWERS", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    Running::start(cmd, 0)
}

fn event(name: &str, replace: &[(&str, &str)]) -> String {
    let mut raw =
        std::fs::read_to_string(postiz_tests::repo_root().join("events").join(name)).unwrap();
    for (from, to) in replace {
        raw = raw.replace(from, to);
    }
    raw
}

/// An API Gateway response payload: status, cookies, the body as JSON (or text).
fn answer(outcome: Invocation) -> (u16, Vec<String>, Value) {
    let Invocation::Response(payload) = outcome else {
        panic!("the function failed: {outcome:?}");
    };
    let v: Value = serde_json::from_str(&payload).unwrap();
    let body = v["body"].as_str().unwrap_or_default();
    let cookies = v["cookies"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    (
        v["statusCode"].as_u64().unwrap() as u16,
        cookies,
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.into())),
    )
}

/// The app state on the provisioned resources `names`, as a function builds it.
async fn state_on(names: &[(&'static str, String)]) -> AppState {
    let get = |k: &str| names.iter().find(|(n, _)| *n == k).unwrap().1.clone();
    let config = postiz_tests::aws_config().await;
    let clock = Arc::new(SystemClock);
    let adapters = Adapters {
        table: Arc::new(DynamoTable::new(&config, &get("TABLE_NAME"), clock.clone())),
        queue: Arc::new(SqsQueue::new(&config, &get("QUEUE_PREFIX"))),
        blobs: Arc::new(S3Blobs::new(&config, &get("BUCKET_NAME"), true)),
        secrets: Arc::new(SecretsManager::new(&config, &get("APP_SECRET_ID"))),
        clock,
        mailer: Arc::new(postiz_core::email::NoopMailer),
        embedded: None,
        file_blobs: None,
    };
    AppState::new(adapters, WebConfig::from_env())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_binaries_serve_their_events_through_the_runtime_api() {
    if !postiz_tests::aws_available() {
        return;
    }
    let (fake, seen) = mastodon::app();
    let fake_url = serve(fake).await;
    let mut envs = postiz_tests::provision_aws("lbin");
    envs.extend([
        ("MASTODON_URL", fake_url.clone()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
        ("FETCH_ALLOW_PRIVATE", "true".to_string()),
    ]);
    let within = Duration::from_secs(60);

    // The auth function: can-register, register (the session cookie), login.
    let api = RuntimeApi::start().await;
    let _auth = start_function("auth", &api, &envs);
    let (status, _, body) = answer(
        api.invoke(&event("auth-can-register.json", &[]), within)
            .await,
    );
    assert_eq!((status, body), (200, json!({"register": true})));
    let (status, cookies, body) =
        answer(api.invoke(&event("auth-register.json", &[]), within).await);
    assert_eq!((status, body), (200, json!({"register": true})));
    let token = cookies
        .iter()
        .find_map(|c| c.strip_prefix("auth="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    let (status, _, body) = answer(api.invoke(&event("auth-login.json", &[]), within).await);
    assert_eq!((status, body), (200, json!({"login": true})));
    let (status, _, body) = answer(
        api.invoke(
            &event("auth-login.json", &[("correct horse", "not the password")]),
            within,
        )
        .await,
    );
    assert_eq!(
        (status, body),
        (400, json!("Invalid user name or password"))
    );

    // Every other function on its own events, as its binary.
    let session = [("{{SESSION_TOKEN}}", token.as_str())];
    let mut key = String::new();
    for (bin, file, want) in [
        ("users", "users-self.json", 200),
        ("users", "users-api-key-rotate.json", 201),
        ("integrations", "integrations-list.json", 200),
        ("posts", "posts-tags.json", 200),
        ("media", "media-library.json", 200),
        ("settings", "settings-sets.json", 200),
        ("billing", "billing-subscription.json", 200),
        ("pending", "pending-third-party.json", 200),
        ("webhooks", "webhooks-list.json", 200),
        ("autopost", "autopost-list.json", 200),
        ("public-api", "public-api-is-connected.json", 200),
        ("oauth", "oauth-register.json", 201),
        ("mcp", "mcp-tools-list.json", 200),
    ] {
        let api = RuntimeApi::start().await;
        let _f = start_function(bin, &api, &envs);
        let replace = [session[0], ("{{API_KEY}}", key.as_str())];
        let (status, _, body) = answer(api.invoke(&event(file, &replace), within).await);
        assert_eq!(status, want, "{bin} on {file}: {body}");
        if let Some(k) = body["apiKey"].as_str() {
            key = k.to_string();
        }
    }
    // The AI function against the fake OpenAI server.
    {
        let (fake, seen) = postiz_tests::fakes::openai::app();
        let base = postiz_tests::fakes::serve(fake).await;
        let api = RuntimeApi::start().await;
        let mut with_ai = envs.clone();
        with_ai.push((
            "OPENAI_API_KEY",
            postiz_tests::fakes::openai::KEY.to_string(),
        ));
        with_ai.push(("OPENAI_BASE_URL", format!("{base}/v1")));
        let _f = start_function("ai", &api, &with_ai);
        let (status, _, body) = answer(
            api.invoke(&event("ai-separate-posts.json", &session), within)
                .await,
        );
        assert_eq!(status, 201, "ai: {body}");
        let posts = body["posts"].as_array().expect("posts");
        assert!(posts.len() >= 2, "{body}");
        assert_eq!(seen.lock().unwrap().bodies("/v1/chat/completions").len(), 1);
    }
    // Stripe's webhook, its event signed now with the function's signing key.
    {
        let api = RuntimeApi::start().await;
        let mut with_key = envs.clone();
        with_key.push(("STRIPE_SIGNING_KEY", "whsec_lambda".to_string()));
        let _f = start_function("stripe-webhook", &api, &with_key);
        let raw = event("stripe-webhook-subscription-created.json", &[]);
        let body = serde_json::from_str::<Value>(&raw).unwrap()["body"]
            .as_str()
            .unwrap()
            .to_string();
        let signed = postiz_billing::signature::header(
            body.as_bytes(),
            chrono::Utc::now().timestamp(),
            "whsec_lambda",
        );
        let signed = signed.replacen("t=", "", 1);
        let (t, v1) = signed.split_once(",v1=").unwrap();
        let raw = raw
            .replace("t=1795640400", &format!("t={t}"))
            .replace("{{STRIPE_SIGNATURE}}", v1);
        let (status, _, body) = answer(api.invoke(&raw, within).await);
        assert_eq!((status, &body["ok"]), (200, &json!(true)), "{body}");
        // The same delivery again: remembered.
        let (status, _, body) = answer(api.invoke(&raw, within).await);
        assert_eq!((status, &body["duplicate"]), (200, &json!(true)), "{body}");
    }
    for (bin, file) in [
        ("post-scheduler", "post-scheduler-schedule.json"),
        ("token-refresh", "token-refresh-schedule.json"),
        ("autopost-scheduler", "autopost-scheduler-schedule.json"),
    ] {
        let api = RuntimeApi::start().await;
        let _f = start_function(bin, &api, &envs);
        let outcome = api.invoke(&event(file, &[]), within).await;
        let Invocation::Response(report) = outcome else {
            panic!("{bin}: {outcome:?}");
        };
        assert!(
            serde_json::from_str::<Value>(&report).unwrap().is_object(),
            "{bin}: {report}"
        );
    }

    // A channel and a post due now, queued by the real dispatcher on SQS.
    let state = state_on(&envs).await;
    let org = state
        .accounts
        .authenticate(&token, None)
        .await
        .unwrap()
        .org
        .id;
    let providers = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", fake_url.as_str()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
    ]));
    let channels = postiz_integrations_fn::Ctx::with_providers(&state, providers);
    let channel =
        crate::util::connect_channel(&channels.channels, &org, "mastodon", mastodon::GOOD_CODE)
            .await;
    let module = postiz_publish_worker_fn::module(&state).await;
    // A webhook on a local receiver, so the publishing below queues deliveries.
    let (hook_app, hook_log) = postiz_tests::fakes::receiver::app(0, 0.0);
    let hook_url = serve(hook_app).await;
    let now = chrono::Utc::now();
    postiz_webhooks::WebhookRepo::new(state.adapters.table.clone())
        .put(&postiz_webhooks::Webhook {
            id: "hook-1".into(),
            organization_id: org.clone(),
            name: "receiver".into(),
            url: format!("{hook_url}/hook"),
            integrations: vec![],
            secret: state
                .keys
                .cipher()
                .await
                .unwrap()
                .encrypt("whsec_bootstrap")
                .unwrap(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
        .await
        .unwrap();
    let req: CreatePost = serde_json::from_value(json!({
        "type": "now", "date": chrono::Utc::now().to_rfc3339(), "shortLink": false, "tags": [],
        "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                   "value": [{"content": "<p>through the bootstrap</p>"}]}],
    }))
    .unwrap();
    let created = module.posts.create(&org, req, "API").await.unwrap();
    let post_id = created[0]["postId"].as_str().unwrap().to_string();
    let mut received = Vec::new();
    for _ in 0..10 {
        received = state
            .adapters
            .queue
            .receive(
                PUBLISH_QUEUE,
                10,
                Duration::from_secs(120),
                Duration::from_secs(1),
            )
            .await
            .unwrap();
        if !received.is_empty() {
            break;
        }
    }
    assert_eq!(received.len(), 1, "the dispatcher queued one message");

    // The publish worker on the SQS event Lambda would deliver.
    let records: Vec<Value> = received
        .iter()
        .map(|m| {
            json!({
                "messageId": "local-message-1", "receiptHandle": m.receipt, "body": m.body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795640400000",
                               "SenderId": "local", "ApproximateFirstReceiveTimestamp": "1795640400100"},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:postiz-publish",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    let worker_api = RuntimeApi::start().await;
    let _worker = start_function("publish-worker", &worker_api, &envs);
    let outcome = worker_api
        .invoke(&json!({"Records": records}).to_string(), within)
        .await;
    let Invocation::Response(payload) = outcome else {
        panic!("the worker failed: {outcome:?}");
    };
    assert_eq!(
        serde_json::from_str::<Value>(&payload).unwrap(),
        json!({"batchItemFailures": []})
    );
    let texts: Vec<String> = seen
        .lock()
        .unwrap()
        .statuses
        .iter()
        .map(|s| s.text.clone())
        .collect();
    assert_eq!(texts.len(), 1, "published once");
    assert!(texts[0].contains("through the bootstrap"));
    let post = module.posts.get(&org, &post_id).await.unwrap();
    assert_eq!(post.state, postiz_posts::PostState::Published);

    // The webhook-delivery function on the deliveries queued meanwhile (created, published).
    let mut deliveries = Vec::new();
    for _ in 0..10 {
        deliveries.extend(
            state
                .adapters
                .queue
                .receive(
                    WEBHOOK_QUEUE,
                    10,
                    Duration::from_secs(120),
                    Duration::from_secs(1),
                )
                .await
                .unwrap(),
        );
        if deliveries.len() >= 2 {
            break;
        }
    }
    assert_eq!(
        deliveries.len(),
        2,
        "post.created and post.published queued"
    );
    let records: Vec<Value> = deliveries
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "messageId": format!("local-delivery-{i}"), "receiptHandle": m.receipt, "body": m.body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795640400000",
                               "SenderId": "local", "ApproximateFirstReceiveTimestamp": "1795640400100"},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:postiz-webhooks",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    let delivery_api = RuntimeApi::start().await;
    let mut delivery_envs = envs.clone();
    delivery_envs.push(("FETCH_ALLOW_PRIVATE", "true".into()));
    let _delivery = start_function("webhook-delivery", &delivery_api, &delivery_envs);
    let outcome = delivery_api
        .invoke(&json!({"Records": records}).to_string(), within)
        .await;
    let Invocation::Response(payload) = outcome else {
        panic!("the delivery function failed: {outcome:?}");
    };
    assert_eq!(
        serde_json::from_str::<Value>(&payload).unwrap(),
        json!({"batchItemFailures": []})
    );
    let hits = hook_log.lock().unwrap().hits.clone();
    let mut events: Vec<&str> = hits.iter().map(|h| h.header("postiz-event")).collect();
    events.sort();
    assert_eq!(events, ["post.created", "post.published"]);
    for h in &hits {
        let signature = h.header("postiz-signature");
        let t: i64 = signature[2..signature.find(',').unwrap()].parse().unwrap();
        assert!(postiz_webhooks::signature::verify(
            "whsec_bootstrap",
            signature,
            &h.body,
            t,
            0
        ));
    }
    let outcome = delivery_api
        .invoke(
            &event("webhook-delivery-sqs.json", &[("{{ORG_ID}}", org.as_str())]),
            within,
        )
        .await;
    let Invocation::Response(payload) = outcome else {
        panic!("the delivery function failed: {outcome:?}");
    };
    assert_eq!(
        serde_json::from_str::<Value>(&payload).unwrap(),
        json!({"batchItemFailures": []}),
        "unknown and unreadable deliveries are dropped"
    );

    // The email sender on its event, against the fake Resend: delivered in the layout, and
    // a second copy of the same message (SQS delivers at least once) is not sent again.
    {
        let (fake, sent) = postiz_tests::fakes::resend::app(0);
        let base = serve(fake).await;
        let api = RuntimeApi::start().await;
        let mut with_email = envs.clone();
        with_email.extend([
            ("EMAIL_PROVIDER", "resend".to_string()),
            (
                "RESEND_API_KEY",
                postiz_tests::fakes::resend::KEY.to_string(),
            ),
            ("RESEND_API_URL", base),
            ("EMAIL_FROM_ADDRESS", "team@postiz.example".to_string()),
        ]);
        let _f = start_function("email-sender", &api, &with_email);
        let email_id = postiz_tests::unique("email");
        let record = event(
            "email-sender-sqs.json",
            &[("{{EMAIL_ID}}", email_id.as_str())],
        );
        for _ in 0..2 {
            let outcome = api.invoke(&record, within).await;
            let Invocation::Response(payload) = outcome else {
                panic!("the email sender failed: {outcome:?}");
            };
            assert_eq!(
                serde_json::from_str::<Value>(&payload).unwrap(),
                json!({"batchItemFailures": []})
            );
        }
        let log = sent.lock().unwrap();
        assert_eq!(log.sent.len(), 1, "sent once");
        assert_eq!(log.requests.len(), 1, "the copy did not reach Resend");
        assert_eq!(log.sent[0].idempotency_key, email_id);
        assert_eq!(log.sent[0].body["to"], json!(["ada@example.com"]));
        let html = log.sent[0].body["html"].as_str().unwrap();
        assert!(
            html.contains(">Activate your account</h1>") && html.contains("/auth/activate/abc")
        );
    }

    // The autopost worker on its event: an unknown feed and an unreadable message end there.
    let autopost_api = RuntimeApi::start().await;
    let _autopost = start_function("autopost-worker", &autopost_api, &envs);
    let outcome = autopost_api
        .invoke(
            &event("autopost-worker-sqs.json", &[("{{ORG_ID}}", org.as_str())]),
            within,
        )
        .await;
    let Invocation::Response(payload) = outcome else {
        panic!("the autopost worker failed: {outcome:?}");
    };
    assert_eq!(
        serde_json::from_str::<Value>(&payload).unwrap(),
        json!({"batchItemFailures": []})
    );

    // An event the worker cannot decode is reported as the invocation's error.
    let outcome = worker_api.invoke("{\"Records\": 5}", within).await;
    assert!(matches!(outcome, Invocation::Error(_)), "{outcome:?}");
}

/// Every function binary has an event in `events/` (named after it), for `cargo lambda
/// invoke --data-file` and for the tests above.
#[test]
fn every_function_has_an_event() {
    let root = postiz_tests::repo_root();
    let events: Vec<String> = std::fs::read_dir(root.join("events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut bins = Vec::new();
    for entry in std::fs::read_dir(root.join("functions")).unwrap() {
        let manifest = std::fs::read_to_string(entry.unwrap().path().join("Cargo.toml")).unwrap();
        let mut lines = manifest.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "[[bin]]" {
                let name = lines
                    .find_map(|l| l.trim().strip_prefix("name = "))
                    .unwrap()
                    .trim_matches('"')
                    .to_string();
                if name != "postiz-server" {
                    bins.push(name);
                }
            }
        }
    }
    assert!(bins.len() >= 11, "{bins:?}");
    for bin in bins {
        assert!(
            events.iter().any(|e| e.starts_with(&format!("{bin}-"))),
            "no event in events/ for the {bin} function"
        );
    }
}
