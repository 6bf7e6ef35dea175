//! The posts routes over HTTP on a real `postiz-server`: validation verdicts, the 400 shapes,
//! drafts, edits, the republish guard, rescheduling, the calendar and list views, groups,
//! tags, internal comments, free slots, and isolation between organizations.

use chrono::{Duration as Span, SecondsFormat, Utc};
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::time::Duration;

struct Api {
    http: Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("auth", &self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
}

async fn org(http: &Client, base: &str) -> Api {
    let (_, token) = crate::util::register(http, base).await;
    Api {
        http: http.clone(),
        base: base.to_string(),
        token,
    }
}

async fn connect(api: &Api) -> String {
    let (_, start) = api.get("/integrations/social/mastodon").await;
    let url = start["url"].as_str().unwrap();
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let (status, ch) = api
        .post(
            "/integrations/social-connect/mastodon",
            json!({"state": state, "code": mastodon::GOOD_CODE}),
        )
        .await;
    assert_eq!(status, 201, "{ch}");
    ch["id"].as_str().unwrap().to_string()
}

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn entry(channel: &str, texts: &[&str]) -> Value {
    let value: Vec<Value> = texts
        .iter()
        .map(|t| json!({"content": format!("<p>{t}</p>"), "image": []}))
        .collect();
    json!({"integration": {"id": channel}, "settings": {"__type": "mastodon"}, "value": value})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_routes_follow_postiz() {
    let (app, seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let server = Running::server(&[
        ("DATA_DIR", data.path().display().to_string()),
        ("MASTODON_URL", fake),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
    ])
    .ready(Duration::from_secs(30))
    .await;
    let http = Client::new();
    let a = org(&http, &server.base).await;
    let b = org(&http, &server.base).await;
    let ch = connect(&a).await;
    let later = Utc::now() + Span::days(3);

    // Validation verdicts: fine, too long, empty.
    let long = "x".repeat(600);
    let (status, v) = a
        .post("/posts/valid", json!({"type": "schedule", "posts": [entry(&ch, &["fine"]), entry(&ch, &[&long]), entry(&ch, &[""])]}))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v[0]["valid"], true);
    assert_eq!(v[0]["errors"], true);
    assert_eq!(
        (v[0]["tooLong"].clone(), v[0]["emptyContent"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(v[0]["identifier"], "mastodon");
    assert_eq!(v[0]["maximumCharacters"], 500);
    assert_eq!(v[1]["tooLong"], true);
    assert_eq!(v[2]["emptyContent"], true);

    // Refusals: Postiz's {statusCode, provider, name, message}; bad shapes are 400s, not 500s.
    let (status, body) = a.post("/posts", json!({"type": "schedule", "date": iso(later), "tags": [], "posts": [entry(&ch, &[&long])]})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["provider"], "mastodon");
    assert_eq!(body["name"], "Alice Mastodon");
    assert!(body["message"].as_str().unwrap().contains("500"), "{body}");
    for bad in [
        json!({"type": "sometime", "date": iso(later), "posts": [entry(&ch, &["x"])]}),
        json!({"type": "schedule", "date": "next tuesday", "posts": [entry(&ch, &["x"])]}),
        json!({"type": "schedule", "date": iso(later), "posts": []}),
        json!({"type": "schedule", "date": iso(later), "posts": [entry("no-such-channel", &["x"])]}),
        json!({"type": "schedule", "date": iso(later), "posts": [{"integration": {"id": ch}, "value": [{"content": "<p>x</p>", "image": [{"path": "https://x/evil.exe"}]}]}]}),
        json!({"type": "schedule", "date": 5, "posts": "nope"}),
    ] {
        let (status, body) = a.post("/posts", bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {body}");
    }
    let (status, _) = a.call(Method::POST, "/posts", None).await;
    assert!((400..500).contains(&status));
    // Nothing was half-written by the refused requests.
    let window = format!(
        "/posts?startDate={}&endDate={}",
        iso(Utc::now() - Span::days(1)),
        iso(Utc::now() + Span::days(30))
    );
    assert_eq!(a.get(&window).await.1["p"], json!([]));

    // Tags.
    let (status, tag) = a
        .post("/posts/tags", json!({"name": "launch", "color": "#ff0000"}))
        .await;
    assert_eq!(status, 201);
    let tag_id = tag["id"].as_str().unwrap().to_string();
    let (_, tags) = a.get("/posts/tags").await;
    assert_eq!(tags["tags"][0]["name"], "launch");
    let (status, edited) = a
        .call(
            Method::PUT,
            &format!("/posts/tags/{tag_id}"),
            Some(json!({"name": "Launch", "color": "#00ff00"})),
        )
        .await;
    assert_eq!((status, edited["name"].clone()), (200, json!("Launch")));
    assert_eq!(
        b.get("/posts/tags").await.1["tags"],
        json!([]),
        "tags are per organization"
    );

    // A scheduled thread with a tag, and a draft.
    let (status, created) = a
        .post("/posts", json!({"type": "schedule", "date": iso(later), "shortLink": false, "tags": [{"value": tag_id, "label": "Launch"}],
                                "posts": [entry(&ch, &["Hello <strong>world</strong>", "second"])]}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created[0]["integration"], ch.as_str());
    let id = created[0]["postId"].as_str().unwrap().to_string();
    let (_, draft) = a.post("/posts", json!({"type": "draft", "date": iso(later + Span::hours(1)), "tags": [], "posts": [entry(&ch, &["a draft"])]})).await;
    let draft_id = draft[0]["postId"].as_str().unwrap().to_string();

    // Thread by id and by group.
    let (status, thread) = a.get(&format!("/posts/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(thread["posts"].as_array().unwrap().len(), 2);
    assert_eq!(thread["posts"][1]["parentPostId"], id.as_str());
    assert_eq!(thread["integration"], ch.as_str());
    assert_eq!(thread["settings"]["__type"], "mastodon");
    let group = thread["group"].as_str().unwrap().to_string();
    assert_eq!(
        a.get(&format!("/posts/group/{group}")).await.1["posts"][0]["id"],
        id.as_str()
    );
    assert_eq!(
        b.get(&format!("/posts/{id}")).await.0,
        404,
        "another organization sees nothing"
    );
    assert_eq!(b.get(&format!("/posts/group/{group}")).await.0, 404);

    // Calendar (minified) and list.
    let (_, cal) = a.get(&window).await;
    let p = cal["p"].as_array().unwrap();
    assert_eq!(p.len(), 2, "{cal}");
    let mine = p.iter().find(|x| x["i"] == id.as_str()).unwrap();
    assert_eq!(mine["s"], "QUEUE");
    assert_eq!(mine["g"], group.as_str());
    assert_eq!(mine["tg"][0]["t"]["n"], "Launch");
    assert_eq!(mine["n"]["i"], ch.as_str());
    assert_eq!(mine["c"], "<p>Hello <strong>world</strong></p>");
    let (_, list) = a.get("/posts/list?page=0&limit=1&state=all").await;
    assert_eq!(
        (list["t"].clone(), list["l"].clone(), list["hm"].clone()),
        (json!(2), json!(1), json!(true))
    );
    let (_, drafts) = a.get("/posts/list?state=draft").await;
    assert_eq!(drafts["p"][0]["i"], draft_id.as_str());
    assert_eq!(a.get("/posts/list?limit=500").await.0, 400);
    assert_eq!(
        a.get("/posts?startDate=yesterday&endDate=today").await.0,
        400
    );

    // Edit by group keeps the post and group; reschedule; comments.
    let mut edit = entry(&ch, &["Hello again"]);
    edit["group"] = json!(group);
    let (status, edited) = a
        .post(
            "/posts",
            json!({"type": "update", "date": iso(later), "tags": [], "posts": [edit]}),
        )
        .await;
    assert_eq!(status, 201, "{edited}");
    assert_eq!(edited[0]["postId"], id.as_str());
    let (_, thread) = a.get(&format!("/posts/{id}")).await;
    assert_eq!(thread["posts"].as_array().unwrap().len(), 1);
    assert_eq!(thread["posts"][0]["content"], "<p>Hello again</p>");
    let moved = later + Span::days(1);
    let (status, _) = a
        .call(
            Method::PUT,
            &format!("/posts/{id}/date"),
            Some(json!({"date": iso(moved)})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        a.get(&format!("/posts/{id}")).await.1["posts"][0]["publishDate"]
            .as_str()
            .unwrap()
            .starts_with(&moved.format("%Y-%m-%dT%H:%M").to_string())
    );
    let (status, c) = a
        .post(
            &format!("/posts/{id}/comments"),
            json!({"comment": "looks good"}),
        )
        .await;
    assert_eq!((status, c["content"].clone()), (201, json!("looks good")));
    assert_eq!(
        b.post(&format!("/posts/{id}/comments"), json!({"comment": "x"}))
            .await
            .0,
        404
    );

    // Free slot: a future posting time, minute precision.
    let (_, slot) = a.get("/posts/find-slot").await;
    let date = slot["date"].as_str().unwrap();
    assert_eq!(date.len(), 19, "{date}");
    assert!(date.ends_with(":00"));
    assert!(
        chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S")
            .unwrap()
            .and_utc()
            > Utc::now()
    );
    assert_eq!(a.get(&format!("/posts/find-slot/{ch}")).await.0, 200);

    // Post now; then the republish guard; then republish.
    let (_, now) = a.post("/posts", json!({"type": "now", "date": iso(Utc::now()), "tags": [], "posts": [entry(&ch, &["right now"])]})).await;
    let now_id = now[0]["postId"].as_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while a.get(&format!("/posts/{now_id}")).await.1["posts"][0]["state"] != "PUBLISHED" {
        assert!(std::time::Instant::now() < deadline, "not published");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut again = entry(&ch, &["right now"]);
    again["value"][0]["id"] = json!(now_id);
    let (status, body) = a
        .post(
            "/posts",
            json!({"type": "now", "date": iso(Utc::now()), "tags": [], "posts": [again.clone()]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("republish"),
        "{body}"
    );
    let (status, _) = a.post("/posts", json!({"type": "now", "date": iso(Utc::now()), "republish": true, "tags": [], "posts": [again]})).await;
    assert_eq!(status, 201);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while seen
        .lock()
        .unwrap()
        .statuses
        .iter()
        .filter(|s| s.text == "right now")
        .count()
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "a deliberate republish goes out again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Delete by group: Postiz's `{error: true}`; gone for reads; a tag deleted.
    assert_eq!(
        b.call(Method::DELETE, &format!("/posts/{group}"), None)
            .await
            .0,
        404
    );
    let (status, body) = a
        .call(Method::DELETE, &format!("/posts/{group}"), None)
        .await;
    assert_eq!((status, body), (200, json!({"error": true})));
    assert_eq!(a.get(&format!("/posts/{id}")).await.0, 404);
    assert_eq!(
        a.call(Method::DELETE, &format!("/posts/tags/{tag_id}"), None)
            .await
            .0,
        200
    );
    assert_eq!(a.get("/posts/tags").await.1["tags"], json!([]));
    assert!(!seen
        .lock()
        .unwrap()
        .statuses
        .iter()
        .any(|s| s.text.contains("draft") || s.text.contains("Hello")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_x_channel_marked_verified_takes_premium_length_posts() {
    use postiz_tests::fakes::x;
    let (app, _) = x::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let server = Running::server(&[
        ("DATA_DIR", data.path().display().to_string()),
        ("X_URL", fake.clone()),
        ("X_UPLOAD_URL", fake),
        ("X_API_KEY", x::KEY.to_string()),
        ("X_API_SECRET", x::SECRET.to_string()),
    ])
    .ready(Duration::from_secs(30))
    .await;
    let http = Client::new();
    let a = org(&http, &server.base).await;
    let (_, start) = a.get("/integrations/social/x").await;
    let state = start["url"]
        .as_str()
        .unwrap()
        .split("oauth_token=")
        .nth(1)
        .unwrap();
    let (status, ch) = a
        .post(
            "/integrations/social-connect/x",
            json!({"state": state, "code": x::VERIFIER}),
        )
        .await;
    assert_eq!(status, 201, "{ch}");
    let id = ch["id"].as_str().unwrap().to_string();
    let (_, list) = a.get("/integrations/list").await;
    let settings: Value = serde_json::from_str(
        list["integrations"][0]["additionalSettings"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(settings[0]["title"], "Verified");
    assert_eq!(
        settings[0]["value"], false,
        "the fake account is not Premium"
    );

    let tweet = |text: &str| json!({"integration": {"id": id}, "settings": {"__type": "x", "who_can_reply_post": "everyone"}, "value": [{"content": format!("<p>{text}</p>"), "image": []}]});
    let (long, longest) = ("y".repeat(1000), "y".repeat(4001));
    let verdicts = |v: &Value| {
        (0..2)
            .map(|i| (v[i]["tooLong"].clone(), v[i]["maximumCharacters"].clone()))
            .collect::<Vec<_>>()
    };
    let (status, v) = a
        .post(
            "/posts/valid",
            json!({"type": "schedule", "posts": [tweet(&long), tweet(&longest)]}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        verdicts(&v),
        [(json!(true), json!(280)), (json!(true), json!(280))]
    );

    // The user marks the channel Premium (Postiz's settings route): 4,000 characters.
    let premium = json!([{"title": "Verified", "description": "Is this a verified user? (Premium)", "type": "checkbox", "value": true}]);
    let (status, body) = a
        .post(
            &format!("/integrations/{id}/settings"),
            json!({"additionalSettings": premium.to_string()}),
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let (_, v) = a
        .post(
            "/posts/valid",
            json!({"type": "schedule", "posts": [tweet(&long), tweet(&longest)]}),
        )
        .await;
    assert_eq!(
        verdicts(&v),
        [(json!(false), json!(4000)), (json!(true), json!(4000))]
    );
    let later = Utc::now() + Span::days(3);
    let (status, body) = a
        .post(
            "/posts",
            json!({"type": "schedule", "date": iso(later), "tags": [], "posts": [tweet(&long)]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}
