//! Publishing over HTTP on a real `postiz-server` with Mastodon pointed at a fake on
//! loopback: a thread goes out on time, root then reply, exactly once; transient failures
//! are retried; future and deleted posts are not sent; a revoked token ends in ERROR with the
//! channel `refreshNeeded` and a notification; a server killed mid-publishing and restarted
//! sends nothing twice and leaves nothing in QUEUE or PUBLISHING.

use chrono::{DateTime, Duration as Span, SecondsFormat, Utc};
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct Session {
    http: Client,
    base: String,
    token: String,
}

impl Session {
    async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("auth", &self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("auth", &self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

fn envs(data: &std::path::Path, fake: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATA_DIR", data.display().to_string()),
        ("MASTODON_URL", fake.to_string()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
    ]
}

async fn login(http: &Client, base: &str, email: &str) -> String {
    let r = http
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": email, "password": "owner-pass", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    crate::util::auth_cookie(&r)
}

/// Registers an organization and connects the fake Mastodon account; (session, channel id, email).
async fn setup(base: &str) -> (Session, String, String) {
    let http = Client::new();
    let (email, token) = crate::util::register(&http, base).await;
    let s = Session {
        token,
        http,
        base: base.to_string(),
    };
    let id = crate::util::connect_mastodon(&s.http, base, &s.token).await;
    (s, id, email)
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Schedules a post (one message per text) on the channel; returns (post id, group).
async fn schedule(
    s: &Session,
    channel: &str,
    texts: &[&str],
    when: DateTime<Utc>,
) -> (String, String) {
    let value: Vec<Value> = texts
        .iter()
        .map(|t| json!({"content": format!("<p>{t}</p>"), "image": []}))
        .collect();
    let (status, body) = s
        .send(
            reqwest::Method::POST,
            "/posts",
            json!({"type": "schedule", "date": at(when), "shortLink": false, "tags": [],
                   "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"}, "value": value}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body[0]["postId"].as_str().unwrap().to_string();
    let thread = s.get(&format!("/posts/{id}")).await;
    (id, thread["group"].as_str().unwrap().to_string())
}

/// Waits until the post leaves QUEUE/PUBLISHING; its thread.
async fn settled(s: &Session, id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let t = s.get(&format!("/posts/{id}")).await;
        let state = t["posts"][0]["state"].as_str().unwrap().to_string();
        if state == "PUBLISHED" || state == "ERROR" {
            return t;
        }
        assert!(Instant::now() < deadline, "post {id} still {state}: {t}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_go_out_on_time_exactly_once() {
    let (app, seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let server = Running::server(&envs(data.path(), &fake))
        .ready(Duration::from_secs(30))
        .await;
    let (s, channel, _) = setup(&server.base).await;

    // A thread 3 s ahead: root, then the reply chained on it, within 5 s, each once.
    let due = Utc::now() + Span::seconds(3);
    let (id, _) = schedule(
        &s,
        &channel,
        &["Root <strong>bold</strong>", "The reply"],
        due,
    )
    .await;
    let t = settled(&s, &id, Duration::from_secs(8)).await;
    let late = Utc::now() - due;
    assert!(late < Span::seconds(5), "published {late} after its time");
    assert_eq!(t["posts"][0]["state"], "PUBLISHED", "{t}");
    {
        let f = seen.lock().unwrap();
        assert_eq!(f.statuses.len(), 2, "{:?}", f.statuses);
        assert_eq!(f.status_requests, 2, "no request was repeated");
        assert!(
            f.statuses[0].text.starts_with("Root "),
            "{:?}",
            f.statuses[0]
        );
        assert!(
            !f.statuses[0].text.contains("<strong>"),
            "converted to plain text"
        );
        assert_eq!(f.statuses[0].reply_to, None);
        assert_eq!(f.statuses[1].text, "The reply");
        assert_eq!(
            f.statuses[1].reply_to.as_deref(),
            Some(f.statuses[0].id.as_str())
        );
        let url = format!("https://mastodon.example/@alice/{}", f.statuses[0].id);
        assert_eq!(t["posts"][0]["releaseURL"], url.as_str());
        assert_eq!(t["posts"][0]["releaseId"], f.statuses[0].id.as_str());
    }
    // The calendar shows it published, in Postiz's minified shape.
    let from = at(due - Span::hours(1));
    let to = at(due + Span::hours(1));
    let cal = s
        .get(&format!(
            "/posts?startDate={}&endDate={}",
            urlencode(&from),
            urlencode(&to)
        ))
        .await;
    let entry = cal["p"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["i"] == id.as_str())
        .unwrap();
    assert_eq!(entry["s"], "PUBLISHED");
    assert_eq!(entry["n"]["pi"], "mastodon");

    // Two 503s, then success: still published, once.
    seen.lock()
        .unwrap()
        .fail_next
        .extend([(503, None), (503, None)]);
    let (id, _) = schedule(&s, &channel, &["After two 503s"], Utc::now()).await;
    let t = settled(&s, &id, Duration::from_secs(10)).await;
    assert_eq!(t["posts"][0]["state"], "PUBLISHED", "{t}");
    assert_eq!(
        seen.lock()
            .unwrap()
            .statuses
            .iter()
            .filter(|x| x.text == "After two 503s")
            .count(),
        1
    );

    // Two days ahead: not sent. Deleted before its time: not sent.
    let (future, _) = schedule(
        &s,
        &channel,
        &["Two days ahead"],
        Utc::now() + Span::days(2),
    )
    .await;
    let (_, group) = schedule(
        &s,
        &channel,
        &["Deleted before its time"],
        Utc::now() + Span::seconds(2),
    )
    .await;
    let (status, body) = s
        .send(
            reqwest::Method::DELETE,
            &format!("/posts/{group}"),
            json!({}),
        )
        .await;
    assert_eq!((status, body), (200, json!({"error": true})));
    tokio::time::sleep(Duration::from_secs(4)).await;
    {
        let f = seen.lock().unwrap();
        assert!(!f
            .statuses
            .iter()
            .any(|x| x.text.contains("Two days ahead") || x.text.contains("Deleted")));
    }
    assert_eq!(
        s.get(&format!("/posts/{future}")).await["posts"][0]["state"],
        "QUEUE"
    );

    // The token revoked: ERROR, the channel refreshNeeded, and a notification says so.
    seen.lock().unwrap().tokens.clear();
    let (id, _) = schedule(&s, &channel, &["After revocation"], Utc::now()).await;
    let t = settled(&s, &id, Duration::from_secs(10)).await;
    assert_eq!(t["posts"][0]["state"], "ERROR", "{t}");
    let list = s.get("/integrations/list").await;
    let ch = list["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == channel.as_str())
        .unwrap();
    assert_eq!(ch["refreshNeeded"], true);
    let notes = s.get("/notifications/list").await;
    let text = notes.to_string();
    assert!(text.contains("reconnect"), "{text}");
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_publishing_sends_nothing_twice() {
    let (app, seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let mut server = Running::server(&envs(data.path(), &fake))
        .ready(Duration::from_secs(30))
        .await;
    let (s, channel, email) = setup(&server.base).await;
    // Slow responses, so the kill lands while requests are in flight.
    seen.lock().unwrap().latency_ms = 400;
    let due = Utc::now() + Span::seconds(3);
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            schedule(&s, &channel, &[&format!("Post number {i}")], due)
                .await
                .0,
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().unwrap().status_requests < 3 {
        assert!(Instant::now() < deadline, "nothing was sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    let sent_before = seen.lock().unwrap().statuses.len();
    assert!(sent_before < 20, "the kill came too late to test anything");

    let restarted = Instant::now();
    let server = Running::server(&envs(data.path(), &fake))
        .ready(Duration::from_secs(30))
        .await;
    let s = Session {
        token: login(&Client::new(), &server.base, &email).await,
        http: Client::new(),
        base: server.base.clone(),
    };
    for id in &ids {
        let t = settled(&s, id, Duration::from_secs(60)).await;
        let state = t["posts"][0]["state"].as_str().unwrap();
        assert!(
            state == "PUBLISHED" || t["posts"][0]["error"].is_string(),
            "{t}"
        );
    }
    assert!(
        restarted.elapsed() < Duration::from_secs(60),
        "settled {:?} after the restart",
        restarted.elapsed()
    );
    let f = seen.lock().unwrap();
    for i in 0..20 {
        let text = format!("Post number {i}");
        let n = f.statuses.iter().filter(|x| x.text == text).count();
        assert!(n <= 1, "{text} was sent {n} times");
    }
    assert_eq!(
        f.statuses.len(),
        20,
        "every post went out once (Mastodon dedupes resends by Idempotency-Key)"
    );
}

/// The edit modal reads a post's tags from its thread's first row (`posts[0].tags[].tag`), as
/// Postiz answers them; without them an edited tagged post would be saved untagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posts_thread_carries_its_tags_for_the_edit_modal() {
    let (app, _seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let server = Running::server(&envs(data.path(), &fake))
        .ready(Duration::from_secs(30))
        .await;
    let (s, channel, _) = setup(&server.base).await;
    for (name, color) in [("launch", "#ff0000"), ("unused", "#00ff00")] {
        let (status, body) = s
            .send(
                reqwest::Method::POST,
                "/posts/tags",
                json!({"name": name, "color": color}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let when = Utc::now() + Span::days(2);
    let (status, body) = s
        .send(
            reqwest::Method::POST,
            "/posts",
            json!({"type": "schedule", "date": at(when), "shortLink": false,
                   "tags": [{"value": "launch", "label": "launch"}],
                   "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                              "value": [{"content": "<p>one</p>", "image": []},
                                        {"content": "<p>two</p>", "image": []}]}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body[0]["postId"].as_str().unwrap();
    let by_id = s.get(&format!("/posts/{id}")).await;
    let group = by_id["group"].as_str().unwrap();
    let by_group = s.get(&format!("/posts/group/{group}")).await;
    for thread in [&by_id, &by_group] {
        let tags = thread["posts"][0]["tags"]
            .as_array()
            .expect("tags on the first row");
        assert_eq!(tags.len(), 1, "{thread}");
        assert_eq!(tags[0]["tag"]["name"], "launch");
        assert_eq!(tags[0]["tag"]["color"], "#ff0000");
        assert!(thread["posts"][1].get("tags").is_none(), "{thread}");
    }
    // An untagged post's first row has an empty list.
    let (untagged, _) = schedule(&s, &channel, &["plain"], when).await;
    let thread = s.get(&format!("/posts/{untagged}")).await;
    assert_eq!(thread["posts"][0]["tags"], json!([]));
}
