//! `GET /integrations/list` for an organization with 30 channels, on the embedded store:
//! server time (the router called in-process: session check, queries, JSON) p50/p99.
//!
//! `bench_integrations_list [iterations]`

use axum::body::Body;
use chrono::Utc;
use postiz_accounts::service::{RegisterInput, Registered};
use postiz_core::email::NoopMailer;
use postiz_core::{Clock, SystemClock};
use postiz_integrations::model::{default_posting_times, Channel};
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::embedded::{EmbeddedStore, FileBlobs, LocalSecrets};
use postiz_web::bootstrap::Adapters;
use postiz_web::config::WebConfig;
use postiz_web::AppState;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = EmbeddedStore::open(&dir.path().join("db.redb"), clock.clone(), vec![]).unwrap();
    let secrets = LocalSecrets::load_or_init(dir.path()).unwrap();
    let blobs = FileBlobs::new(
        dir.path().join("blobs"),
        "http://127.0.0.1",
        b"k",
        clock.clone(),
    );
    let adapters = Adapters {
        table: Arc::new(store.clone()),
        queue: Arc::new(store.clone()),
        blobs: Arc::new(blobs.clone()),
        secrets: Arc::new(secrets),
        clock: clock.clone(),
        mailer: Arc::new(NoopMailer),
        embedded: Some(store),
        file_blobs: Some(blobs),
    };
    let state = AppState::new(adapters, WebConfig::from_env())
        .await
        .unwrap();
    let ctx = postiz_integrations_fn::Ctx::with_providers(
        &state,
        Providers::new(&ProviderConfig::from_pairs([
            ("FETCH_ALLOW_PRIVATE", "true"),
            ("A", "B"),
        ])),
    );
    let Registered::Session { token, .. } = state
        .accounts
        .register(RegisterInput {
            email: Some("bench@example.com".into()),
            password: Some("bench-pass".into()),
            company: Some("Bench Co".into()),
            provider: Some("LOCAL".into()),
            invite: None,
        })
        .await
        .unwrap()
    else {
        panic!("registration needs no activation here")
    };
    let org = state
        .accounts
        .authenticate(&token, None)
        .await
        .unwrap()
        .org
        .id;
    let ids = ["mastodon", "x", "linkedin", "bluesky", "threads", "reddit"];
    for i in 0..30 {
        let now = Utc::now();
        let c = Channel {
            id: postiz_core::new_id(),
            organization_id: org.clone(),
            internal_id: format!("acct-{i}"),
            name: format!("Channel {i}"),
            picture: Some(format!("https://cdn.example/{i}.png")),
            provider_identifier: ids[i % ids.len()].into(),
            token: state
                .keys
                .cipher()
                .await
                .unwrap()
                .encrypt("a-token")
                .unwrap(),
            refresh_token: Some(
                state
                    .keys
                    .cipher()
                    .await
                    .unwrap()
                    .encrypt("a-refresh")
                    .unwrap(),
            ),
            token_expiration: Some(now + chrono::Duration::days(30)),
            profile: Some(format!("handle{i}")),
            disabled: false,
            in_between_steps: false,
            refresh_needed: false,
            posting_times: default_posting_times(),
            custom_instance_details: None,
            customer_id: None,
            root_internal_id: format!("acct-{i}"),
            additional_settings: "[]".into(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        ctx.channels.repo.create(&c).await.unwrap();
    }
    let app = postiz_web::http::finish(postiz_integrations_fn::router(ctx), state);
    let request = || {
        axum::http::Request::get("/integrations/list")
            .header("auth", token.as_str())
            .body(Body::empty())
            .unwrap()
    };
    let first = app.clone().oneshot(request()).await.unwrap();
    assert_eq!(first.status(), 200);
    let body = axum::body::to_bytes(first.into_body(), usize::MAX)
        .await
        .unwrap();
    let listed = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["integrations"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(listed, 30);
    for _ in 0..200 {
        let _ = app.clone().oneshot(request()).await.unwrap();
    }
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let res = app.clone().oneshot(request()).await.unwrap();
        let _ = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "GET /integrations/list, 30 channels, embedded store, {iterations} requests in-process"
    );
    println!(
        "p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, response {} bytes",
        us(times[iterations / 2]),
        us(times[iterations * 9 / 10]),
        us(times[iterations * 99 / 100]),
        body.len()
    );
}
