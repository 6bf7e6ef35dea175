//! Each HTTP function's handler on the API Gateway HTTP API (v2) events in `events/`, with
//! the AWS adapters on the emulator, as `cargo lambda invoke --data-file` would run them.

use axum::body::Body;
use axum::Router;
use http_body_util_shim::collect;
use postiz_core::email::NoopMailer;
use postiz_core::SystemClock;
use postiz_storage::aws::{DynamoTable, Provisioner, S3Blobs, SecretsManager, SqsQueue};
use postiz_web::bootstrap::Adapters;
use postiz_web::config::WebConfig;
use postiz_web::http::finish;
use postiz_web::AppState;
use serde_json::{json, Value};
use std::sync::Arc;
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

async fn state() -> AppState {
    let config = postiz_tests::aws_config().await;
    let p = Provisioner::new(&config, true);
    let table = postiz_tests::unique("lambda-");
    let secret = postiz_tests::unique("postiz/lambda-");
    p.create_table(&table).await.unwrap();
    p.create_app_secret(&secret).await.unwrap();
    let clock = Arc::new(SystemClock);
    let adapters = Adapters {
        table: Arc::new(DynamoTable::new(&config, &table, clock.clone())),
        queue: Arc::new(SqsQueue::new(&config, "unused-")),
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

/// Runs the event file `name` (placeholders replaced) through `app`.
async fn invoke(
    app: &Router,
    name: &str,
    replace: &[(&str, &str)],
) -> (u16, http::HeaderMap, Value) {
    let path = postiz_tests::repo_root().join("events").join(name);
    let mut raw = std::fs::read_to_string(&path).unwrap();
    for (from, to) in replace {
        raw = raw.replace(from, to);
    }
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
    let public = finish(postiz_public_api_fn::router(), state);

    assert_eq!(
        invoke(&auth, "auth-can-register.json", &[]).await.2,
        json!({"register": true})
    );
    let (status, headers, body) = invoke(&auth, "auth-register.json", &[]).await;
    assert_eq!((status, body), (201, json!({"register": true})));
    let token = headers
        .get_all("set-cookie")
        .iter()
        .find_map(|c| {
            c.to_str()
                .unwrap()
                .strip_prefix("auth=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let (status, _, body) = invoke(&auth, "auth-register.json", &[]).await;
    assert_eq!(
        (status, body),
        (400, Value::Null),
        "duplicate register is a plain-text 400"
    );
    let (status, _, body) = invoke(&auth, "auth-login.json", &[]).await;
    assert_eq!((status, body), (201, json!({"login": true})));

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
}
