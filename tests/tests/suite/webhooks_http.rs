//! Outgoing webhooks from outside: `postiz-server` with a fake Mastodon and a local
//! receiver (private addresses allowed by `FETCH_ALLOW_PRIVATE`). A published post reaches
//! the receiver as a signed `post.published` with the post's release URL, on the third try
//! when the receiver answers 500 twice; the delivery log shows the three attempts; a
//! redelivery keeps the event id; another organization sees and changes nothing; without
//! the setting, a loopback URL is refused.

use hmac::{Hmac, Mac};
use postiz_tests::fakes::{receiver, serve};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, Instant};

use crate::util::Session;

async fn server(extra: &[(&str, String)]) -> (Running, tempfile::TempDir) {
    let (srv, dir, _) = crate::util::mastodon_server(extra).await;
    (srv, dir)
}

/// Checks `Postiz-Signature: t=…,v1=…` with an HMAC computed here from the secret.
fn signed_by(secret: &str, header: &str, body: &[u8]) -> bool {
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .expect("a timestamp");
    let v1 = header
        .split(',')
        .find_map(|p| p.strip_prefix("v1="))
        .expect("a v1 signature");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    hex::encode(mac.finalize().into_bytes()) == v1 && (0..300).contains(&age)
}

async fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_post_reaches_the_receiver_signed_on_the_third_try() {
    let (hook_app, log) = receiver::app(2, 0.0);
    let hook_base = serve(hook_app).await;
    let (srv, _dir) = server(&[
        ("FETCH_ALLOW_PRIVATE", "true".into()),
        ("WEBHOOK_RETRY_BASE_MS", "300".into()),
    ])
    .await;
    let base = &srv.base;
    let (s, _) = Session::register(base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, base, &s.token).await;

    // Refusals first: a bad URL, a channel of nobody, a missing list.
    for (body, want) in [
        (
            json!({"name": "x", "url": "ftp://example.com/h", "integrations": []}),
            400,
        ),
        (
            json!({"name": "x", "url": format!("{hook_base}/x"), "integrations": [{"id": "nope"}]}),
            404,
        ),
        (json!({"name": "x", "url": format!("{hook_base}/x")}), 400),
        (
            json!({"name": "", "url": format!("{hook_base}/x"), "integrations": []}),
            400,
        ),
    ] {
        let (status, answer) = s.call(Method::POST, "/webhooks", Some(body.clone())).await;
        assert_eq!(status, want, "{body} → {answer}");
    }
    assert_eq!(s.get("/webhooks").await, json!([]));

    let (status, created) = s
        .call(
            Method::POST,
            "/webhooks",
            Some(
                json!({"name": "All posts", "url": format!("{hook_base}/all"),
                        "integrations": [{"id": channel}]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let hook = created["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let list = s.get("/webhooks").await;
    assert_eq!(list[0]["id"], hook.as_str());
    assert_eq!(
        list[0]["integrations"][0]["integration"]["id"],
        channel.as_str()
    );
    assert!(
        list[0].get("secret").is_none(),
        "the secret is shown once: {list}"
    );

    // Publish now on the fake network.
    let (status, posted) = s
        .call(
            Method::POST,
            "/posts",
            Some(json!({
                "type": "now", "date": chrono::Utc::now().to_rfc3339(), "shortLink": false,
                "tags": [],
                "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                           "value": [{"content": "<p>Hello webhooks</p>"}]}],
            })),
        )
        .await;
    assert!(status < 300, "{posted}");
    let post_id = posted[0]["postId"].as_str().unwrap().to_string();

    let published = wait_for("a delivered post.published", || {
        let log = log.lock().unwrap();
        log.hits
            .iter()
            .find(|h| h.header("postiz-event") == "post.published" && h.answered == 200)
            .cloned()
    })
    .await;
    let thread = s.get(&format!("/posts/{post_id}")).await;
    let release_url = thread["posts"][0]["releaseURL"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        release_url.starts_with("https://mastodon.example/"),
        "{thread}"
    );
    let body: Value = serde_json::from_slice(&published.body).unwrap();
    assert_eq!(body[0]["id"], post_id.as_str());
    assert_eq!(body[0]["releaseURL"], release_url.as_str());
    assert_eq!(body[0]["state"], "PUBLISHED");
    assert_eq!(body[0]["integration"]["id"], channel.as_str());
    assert_eq!(body[0]["integration"]["providerIdentifier"], "mastodon");
    assert_eq!(published.header("content-type"), "application/json");
    assert_eq!(published.header("postiz-attempt"), "3");
    assert!(
        signed_by(
            &secret,
            published.header("postiz-signature"),
            &published.body
        ),
        "signature {} does not verify",
        published.header("postiz-signature")
    );
    assert!(!signed_by(
        "whsec_other",
        published.header("postiz-signature"),
        &published.body
    ));
    let delivery_id = published.header("postiz-delivery").to_string();
    let event_id = published.header("postiz-event-id").to_string();
    {
        let log = log.lock().unwrap();
        let tries: Vec<u16> = log
            .hits
            .iter()
            .filter(|h| h.header("postiz-delivery") == delivery_id)
            .map(|h| h.answered)
            .collect();
        assert_eq!(tries, vec![500, 500, 200]);
        // post.created came first, for the same post.
        assert!(log
            .hits
            .iter()
            .any(|h| h.header("postiz-event") == "post.created"));
    }

    // The log: three attempts, delivered, newest first.
    let deliveries = s.get(&format!("/webhooks/{hook}/deliveries")).await;
    let entry = deliveries
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == delivery_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{delivery_id} not in {deliveries}"));
    assert_eq!(entry["status"], "delivered", "{entry}");
    assert_eq!(entry["attempts"], 3);
    assert_eq!(entry["lastStatus"], 200);
    assert_eq!(entry["event"], "post.published");

    // Redeliver: a new delivery of the same event, on its first try (the receiver fails
    // the first two tries of every delivery, so the third one shows up).
    let (status, again) = s
        .call(
            Method::POST,
            &format!("/webhooks/{hook}/deliveries/{delivery_id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{again}");
    let new_id = again["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, delivery_id);
    let redelivered = wait_for("the redelivery", || {
        let log = log.lock().unwrap();
        log.hits
            .iter()
            .find(|h| h.header("postiz-delivery") == new_id && h.answered == 200)
            .cloned()
    })
    .await;
    assert_eq!(redelivered.header("postiz-event-id"), event_id);
    assert_eq!(redelivered.body, published.body);

    // Another organization: nothing to see, nothing to change.
    let (other, _) = Session::register(base).await;
    assert_eq!(other.get("/webhooks").await, json!([]));
    for (method, path) in [
        (Method::GET, format!("/webhooks/{hook}/deliveries")),
        (
            Method::POST,
            format!("/webhooks/{hook}/deliveries/{delivery_id}/redeliver"),
        ),
        (Method::POST, format!("/webhooks/{hook}/rotate-secret")),
        (Method::DELETE, format!("/webhooks/{hook}")),
    ] {
        let (status, answer) = other.call(method.clone(), &path, None).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
    }
    let (status, _) = other
        .call(
            Method::PUT,
            "/webhooks",
            Some(json!({"id": hook, "name": "mine", "url": format!("{hook_base}/x"), "integrations": []})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(s.get("/webhooks").await[0]["name"], "All posts");

    // Rotation: the old secret no longer signs.
    let (status, rotated) = s
        .call(
            Method::POST,
            &format!("/webhooks/{hook}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);

    // The test button forwards a body as it is.
    let (status, sent) = s
        .http
        .post(format!("{base}/webhooks/send?url={hook_base}/test"))
        .header("auth", &s.token)
        .json(&json!({"hello": "test"}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["send"], true);
    assert!(log
        .lock()
        .unwrap()
        .hits
        .iter()
        .any(|h| h.path == "/test" && h.body == br#"{"hello":"test"}"#));

    // Deleting: gone from the list; a post deleted afterwards sends nothing more.
    let (status, _) = s
        .call(Method::DELETE, &format!("/webhooks/{hook}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.get("/webhooks").await, json!([]));
    let before = log.lock().unwrap().hits.len();
    let group = thread["group"].as_str().unwrap();
    let (status, _) = s
        .call(Method::DELETE, &format!("/posts/{group}"), None)
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(log.lock().unwrap().hits.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_private_and_plain_http_urls_are_refused() {
    let (srv, _dir) = server(&[]).await;
    let (s, _) = Session::register(&srv.base).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "http://example.com/hook",
    ] {
        let (status, answer) = s
            .call(
                Method::POST,
                "/webhooks",
                Some(json!({"name": "x", "url": url, "integrations": []})),
            )
            .await;
        assert_eq!(status, 400, "{url}: {answer}");
        assert!(
            answer.to_string().contains("public HTTPS URL"),
            "{url}: {answer}"
        );
        let (status, _) = s
            .http
            .post(format!("{}/webhooks/send?url={url}", srv.base))
            .header("auth", &s.token)
            .json(&json!({}))
            .send()
            .await
            .map(|r| (r.status().as_u16(), ()))
            .unwrap();
        assert_eq!(status, 400, "{url}");
    }
    assert_eq!(s.get("/webhooks").await, json!([]));
}

/// Deleting a channel deletes its posts with it: each is announced as `post.deleted`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_channel_announces_its_posts_deleted() {
    let (hook_app, log) = receiver::app(0, 0.0);
    let hook_base = serve(hook_app).await;
    let (srv, _dir) = server(&[("FETCH_ALLOW_PRIVATE", "true".into())]).await;
    let (s, _) = Session::register(&srv.base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, &srv.base, &s.token).await;
    let (status, _) = s
        .call(
            Method::POST,
            "/webhooks",
            Some(json!({"name": "All", "url": format!("{hook_base}/all"),
                        "integrations": [{"id": channel}]})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, posted) = s
        .call(
            Method::POST,
            "/posts",
            Some(json!({
                "type": "draft", "date": "2031-01-01T10:00:00Z", "shortLink": false, "tags": [],
                "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                           "value": [{"content": "<p>Gone with the channel</p>"}]}],
            })),
        )
        .await;
    assert!(status < 300, "{posted}");
    let post = posted[0]["postId"].as_str().unwrap().to_string();
    let (status, body) = s
        .call(
            Method::DELETE,
            "/integrations",
            Some(json!({ "id": channel })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let deleted = wait_for("post.deleted", || {
        log.lock()
            .unwrap()
            .hits
            .iter()
            .find(|h| h.header("postiz-event") == "post.deleted")
            .cloned()
    })
    .await;
    let body: Value = serde_json::from_slice(&deleted.body).unwrap();
    assert_eq!(body[0]["id"], post.as_str(), "{body}");
}
