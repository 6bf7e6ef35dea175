//! The public API (`/public/v1`) on a real `postiz-server`, with two organizations: Postiz's
//! routes, shapes and error bodies, our extensions (one post, edits, `Idempotency-Key`), the
//! hourly limit on post creation, and isolation between the organizations' keys.

use chrono::{Duration as Span, SecondsFormat, Utc};
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::time::Duration;

/// An organization seen through its API key.
struct Org {
    http: Client,
    base: String,
    key: String,
    channel: String,
}

impl Org {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.key)
            // The CLI sends this on every request, bodies or not.
            .header("Content-Type", "application/json");
        if let Some(b) = body {
            r = r.body(b.to_string());
        }
        r.send().await.unwrap()
    }

    async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let r = self.call(method, path, body).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, v) = self.json(Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }
}

async fn org(http: &Client, base: &str) -> Org {
    let (_, token) = crate::util::register(http, base).await;
    let channel = crate::util::connect_mastodon(http, base, &token).await;
    Org {
        http: http.clone(),
        base: base.to_string(),
        key: crate::util::api_key(http, base, &token).await,
        channel,
    }
}

/// A server with Mastodon pointed at the fake, and `extra` settings.
async fn start(data: &std::path::Path, fake: &str, extra: &[(&'static str, &str)]) -> Running {
    let mut envs = vec![
        ("DATA_DIR", data.display().to_string()),
        ("MASTODON_URL", fake.to_string()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
    ];
    envs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    Running::server(&envs).ready(Duration::from_secs(30)).await
}

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The CLI's `posts:create` body for one channel.
fn cli_post(channel: &str, text: &str, when: chrono::DateTime<Utc>) -> Value {
    json!({"type": "schedule", "date": iso(when), "shortLink": false, "tags": [],
           "creationMethod": "CLI",
           "posts": [{"integration": {"id": channel},
                      "value": [{"content": text, "image": [{"id": "rnd123", "path": "https://cdn.example.com/a.png"}], "delay": 0}]}]})
}

fn window(from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) -> String {
    let enc = |t| iso(t).replace(':', "%3A");
    format!("startDate={}&endDate={}", enc(from), enc(to))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_api_routes_shapes_and_isolation() {
    let (app, _seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), &fake, &[("API_LIMIT", "8")]).await;
    let http = Client::new();
    let a = org(&http, &server.base).await;
    let b = org(&http, &server.base).await;

    // Authentication failures, in Postiz's words.
    for (key, msg) in [
        ("", "No API Key found"),
        ("not-a-key", "Invalid API key"),
        ("pos_abc", "Invalid OAuth token"),
    ] {
        let r = http
            .get(format!("{}/public/v1/integrations", server.base))
            .header("Authorization", key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({ "msg": msg }));
    }
    let (status, body) = a.json(Method::GET, "/public/v1/nothing-here", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "Cannot GET /public/v1/nothing-here");

    // Channels: the public shape, nulls kept, no secrets; a doubled slash works.
    let list = a.get("//public/v1/integrations").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let ch = &list[0];
    assert_eq!(ch["id"], a.channel.as_str());
    assert_eq!(ch["identifier"], "mastodon");
    assert_eq!(ch["disabled"], false);
    assert!(ch.get("picture").is_some() && ch.get("profile").is_some());
    assert!(ch.get("customer").is_none(), "no customer key without one");
    assert!(ch.get("token").is_none());
    assert_eq!(a.get("/public/v1/integrations?group=nope").await, json!([]));
    assert_eq!(a.get("/public/v1/groups").await, json!([]));
    assert_eq!(
        a.get("/public/v1/is-connected").await,
        json!({"connected": true})
    );
    let slot = a.get(&format!("/public/v1/find-slot/{}", a.channel)).await;
    let slot = slot["date"].as_str().unwrap();
    assert!(
        slot.len() == 19 && slot.ends_with(":00") && !slot.ends_with('Z'),
        "{slot}"
    );
    let (status, body) = b
        .json(
            Method::GET,
            &format!("/public/v1/find-slot/{}", a.channel),
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (404, json!({"msg": "Integration not found"}))
    );
    let settings = a
        .get(&format!("/public/v1/integration-settings/{}", a.channel))
        .await;
    assert_eq!(settings["output"]["maxLength"], 500);
    assert_eq!(
        settings["output"]["settings"],
        "No additional settings required"
    );
    let (status, body) = a
        .json(
            Method::POST,
            &format!("/public/v1/integration-trigger/{}", a.channel),
            Some(json!({"methodName": "constructor", "data": {}})),
        )
        .await;
    assert_eq!((status, body), (404, json!({"msg": "Tool not found"})));
    assert_eq!(
        a.get(&format!("/public/v1/analytics/{}?date=7", a.channel))
            .await,
        json!([])
    );
    let url = a.get("/public/v1/social/mastodon").await;
    assert!(url["url"].as_str().unwrap().starts_with(&fake), "{url}");
    let (status, body) = a.json(Method::GET, "/public/v1/social/myspace", None).await;
    assert_eq!(
        (status, body),
        (400, json!({"msg": "Integration not allowed"}))
    );
    let n = a.get("/public/v1/notifications").await;
    assert_eq!(n["limit"], 100);
    assert_eq!(n["page"], 0);
    assert!(n["notifications"].is_array() && n["hasMore"] == false);

    // Create as the CLI does (no __type, a client-made image id): 201 with the limit headers.
    let when = Utc::now() + Span::days(2);
    let r = a
        .call(
            Method::POST,
            "/public/v1/posts",
            Some(cli_post(&a.channel, "Hello <b>world</b>", when)),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-ratelimit-limit"], "8");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "7");
    let reset: i64 = r.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&reset), "{reset}");
    let created: Value = r.json().await.unwrap();
    assert_eq!(created[0]["integration"], a.channel.as_str());
    let id = created[0]["postId"].as_str().unwrap().to_string();

    // The list: Postiz's PostListItem, settings as a JSON string with the channel's type.
    let w = window(when - Span::days(1), when + Span::days(1));
    let posts = a.get(&format!("/public/v1/posts?{w}")).await;
    let item = posts["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .expect("the post is listed")
        .clone();
    assert_eq!(item["state"], "QUEUE");
    assert_eq!(item["creationMethod"], "CLI");
    assert_eq!(item["publishDate"], iso(when).as_str());
    assert_eq!(item["integration"]["providerIdentifier"], "mastodon");
    let settings: Value = serde_json::from_str(item["settings"].as_str().unwrap()).unwrap();
    assert_eq!(settings["__type"], "mastodon");
    assert!(item.get("image").is_none());
    let (status, body) = a
        .json(Method::GET, "/public/v1/posts?startDate=yesterday", None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        json!(["startDate must be a valid ISO 8601 date string"])
    );

    // Status, settings, our extensions.
    let (status, body) = a
        .json(
            Method::PUT,
            &format!("/public/v1/posts/{id}/status"),
            Some(json!({"status": "draft"})),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"id": id.as_str(), "state": "DRAFT"}))
    );
    let one = a.get(&format!("/public/v1/posts/{id}")).await;
    assert_eq!(one["state"], "DRAFT");
    // The list read just before (and kept) shows the change at once.
    let relisted = a.get(&format!("/public/v1/posts?{w}")).await;
    let states: Vec<&Value> = relisted["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == id.as_str())
        .map(|p| &p["state"])
        .collect();
    assert_eq!(states, vec!["DRAFT"]);
    let (status, _) = a
        .json(
            Method::PUT,
            &format!("/public/v1/posts/{id}/status"),
            Some(json!({"status": "schedule"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = a
        .json(
            Method::PUT,
            &format!("/public/v1/posts/{id}/status"),
            Some(json!({"status": "later"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = a
        .json(
            Method::PUT,
            &format!("/public/v1/posts/{id}/settings"),
            Some(json!({"settings": {"spoiler": "no"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["postId"], id.as_str());
    assert!(!body["publishDate"].as_str().unwrap().ends_with('Z'));
    let new_date = when + Span::hours(3);
    let (status, body) = a
        .json(
            Method::PUT,
            &format!("/public/v1/posts/{id}"),
            Some(json!({"content": "<p>Edited</p>", "date": iso(new_date)})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["content"], "<p>Edited</p>");
    assert_eq!(body["publishDate"], iso(new_date).as_str());
    assert_eq!(body["state"], "QUEUE");
    assert_eq!(body["error"], Value::Null);
    let stored: Value = serde_json::from_str(body["settings"].as_str().unwrap()).unwrap();
    assert_eq!(stored["spoiler"], "no");
    assert_eq!(
        a.get(&format!("/public/v1/posts/{id}/missing")).await,
        json!([])
    );

    // The other organization sees none of it.
    assert_eq!(
        b.get("/public/v1/integrations").await.as_array().unwrap()[0]["id"],
        b.channel.as_str()
    );
    let theirs = b.get(&format!("/public/v1/posts?{w}")).await;
    assert_eq!(theirs, json!({"posts": []}));
    for (method, path, body) in [
        (Method::GET, format!("/public/v1/posts/{id}"), None),
        (Method::DELETE, format!("/public/v1/posts/{id}"), None),
        (
            Method::PUT,
            format!("/public/v1/posts/{id}"),
            Some(json!({"content": "mine now"})),
        ),
        (
            Method::GET,
            format!("/public/v1/integration-settings/{}", a.channel),
            None,
        ),
        (
            Method::DELETE,
            format!("/public/v1/integrations/{}", a.channel),
            None,
        ),
    ] {
        let (status, _) = b.json(method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path} crossed organizations");
    }
    let (status, body) = b
        .json(
            Method::PUT,
            &format!("/public/v1/posts/{id}/status"),
            Some(json!({"status": "draft"})),
        )
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (400, json!("Post not found"))
    );
    let (status, body) = b
        .json(
            Method::POST,
            "/public/v1/posts",
            Some(cli_post(&a.channel, "Borrowed", when)),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        format!("Integration with id {} not found", a.channel).as_str()
    );
    assert_eq!(
        a.get(&format!("/public/v1/posts/{id}")).await["content"],
        "<p>Edited</p>"
    );

    // Idempotency-Key: the same key answers the first result again and creates nothing.
    let body = cli_post(&a.channel, "Once only", when);
    let send = |key: &'static str, body: Value| {
        let a = &a;
        async move {
            let r = a
                .http
                .post(format!("{}/public/v1/posts", a.base))
                .header("Authorization", &a.key)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let first = send("order-42", body.clone()).await;
    let again = send("order-42", body.clone()).await;
    assert_eq!(first.0, 201);
    assert_eq!(first, again);
    let other = send("order-42", cli_post(&a.channel, "Something else", when)).await;
    assert_eq!(other.0, 422, "{other:?}");
    let listed = a.get(&format!("/public/v1/posts?{w}")).await;
    let copies = listed["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["content"] == "Once only")
        .count();
    assert_eq!(copies, 1);

    // Deleting: `{"error":true}` as Postiz answers; then 404 with a message.
    let (status, body) = a
        .json(Method::DELETE, &format!("/public/v1/posts/{id}"), None)
        .await;
    assert_eq!((status, body), (200, json!({"error": true})));
    let (status, body) = a
        .json(Method::DELETE, &format!("/public/v1/posts/{id}"), None)
        .await;
    assert_eq!((status, body), (404, json!({"msg": "Post not found"})));
    let (status, body) = a
        .json(Method::DELETE, "/public/v1/posts/group/no-such-group", None)
        .await;
    assert_eq!((status, body), (404, json!({"msg": "Post not found"})));

    // The limit (8 per hour here): 4 counted so far (refused bodies count too); the 9th
    // request is refused with 429.
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let r = a
            .call(
                Method::POST,
                "/public/v1/posts",
                Some(json!({"type": "schedule"})),
            )
            .await;
        statuses.push(r.status().as_u16());
        retry_after = r.headers().get("retry-after").cloned();
        if r.status() == 429 {
            assert_eq!(
                r.json::<Value>().await.unwrap(),
                json!({"statusCode": 429, "message": "ThrottlerException: Too Many Requests"})
            );
        }
    }
    assert_eq!(statuses, vec![400, 400, 400, 400, 429]);
    assert!(retry_after.is_some(), "Retry-After on 429");
    // Another organization has its own count.
    let r = b
        .call(
            Method::POST,
            "/public/v1/posts",
            Some(cli_post(&b.channel, "Mine", when)),
        )
        .await;
    assert_eq!(r.status(), 201);

    // Deleting a channel answers it in the public shape, without secrets.
    let (status, body) = a
        .json(
            Method::DELETE,
            &format!("/public/v1/integrations/{}", a.channel),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], a.channel.as_str());
    assert!(body.get("token").is_none() && body.get("refreshToken").is_none());
    assert_eq!(a.get("/public/v1/integrations").await, json!([]));
}

async fn upload(a: &Org, name: &str, bytes: Vec<u8>, field: &str) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part(field.to_string(), part);
    let r = a
        .http
        .post(format!("{}/public/v1/upload", a.base))
        .header("Authorization", &a.key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A file server on loopback for `upload-from-url`: a PNG, text posing as one, and a 404.
async fn files() -> String {
    use axum::routing::get;
    let png = crate::media_http::png(7);
    let app = axum::Router::new()
        .route("/img.png", get(move || async move { png }))
        .route("/fake.png", get(|| async { "just text, not a picture" }));
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_uploads_check_types_and_refuse_private_urls() {
    let (app, _seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let strict = start(data.path(), &fake, &[]).await;
    let http = Client::new();
    let a = org(&http, &strict.base).await;

    // Upload: the type comes from the bytes, not the name (the SDK sends "png" as the name).
    let (status, m) = upload(&a, "png", crate::media_http::png(1), "file").await;
    assert_eq!(status, 201, "{m}");
    for k in ["id", "name", "originalName", "path", "thumbnail", "alt"] {
        assert!(m.get(k).is_some(), "{k} missing in {m}");
    }
    let path = m["path"].as_str().unwrap();
    assert!(path.split('?').next().unwrap().ends_with(".png"), "{path}");
    let served = http.get(path).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        crate::media_http::png(1).as_slice()
    );
    // The path is accepted as post media.
    let when = Utc::now() + Span::days(1);
    let mut body = cli_post(&a.channel, "With media", when);
    body["posts"][0]["value"][0]["image"] = json!([{"id": m["id"], "path": path}]);
    let (status, created) = a.json(Method::POST, "/public/v1/posts", Some(body)).await;
    assert_eq!(status, 201, "{created}");

    let (status, body) = upload(&a, "notes.png", b"plain text".to_vec(), "file").await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Unsupported file type.");
    let (status, body) = upload(&a, "a.png", crate::media_http::png(2), "picture").await;
    assert_eq!(status, 400, "{body}");

    // upload-from-url: loopback in every spelling, and plain http, are refused.
    let local = files().await;
    let port = local.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("https://127.0.0.1:{port}/img.png"),
        format!("https://localhost:{port}/img.png"),
        format!("https://[::1]:{port}/img.png"),
        format!("https://127.1:{port}/img.png"),
        format!("https://2130706433:{port}/img.png"),
        format!("https://0x7f000001:{port}/img.png"),
        format!("https://[::ffff:127.0.0.1]:{port}/img.png"),
        "https://169.254.169.254/latest/meta-data.png".to_string(),
        "https://10.0.0.1/img.png".to_string(),
        format!("{local}/img.png"),
    ] {
        let (status, body) = a
            .json(
                Method::POST,
                "/public/v1/upload-from-url",
                Some(json!({ "url": url })),
            )
            .await;
        assert_eq!(status, 400, "{url} was fetched: {body}");
        let text = body["message"][0].as_str().unwrap_or_default();
        assert!(text.starts_with("url is not allowed"), "{url}: {body}");
    }
    let (status, body) = a
        .json(
            Method::POST,
            "/public/v1/upload-from-url",
            Some(json!({"url": "https://cdn.example.com/file.txt"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // With private addresses allowed (self-hosted networks), the same fetch works, and
    // what comes back is still checked.
    let data2 = tempfile::tempdir().unwrap();
    let open = start(data2.path(), &fake, &[("FETCH_ALLOW_PRIVATE", "true")]).await;
    let b = org(&http, &open.base).await;
    let (status, m) = b
        .json(
            Method::POST,
            "/public/v1/upload-from-url",
            Some(json!({ "url": format!("{local}/img.png") })),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["originalName"], "img.png");
    let (status, body) = b
        .json(
            Method::POST,
            "/public/v1/upload-from-url",
            Some(json!({ "url": format!("{local}/fake.png") })),
        )
        .await;
    assert_eq!(
        (status, body),
        (400, json!({"msg": "Unsupported file type."}))
    );
    let (status, body) = b
        .json(
            Method::POST,
            "/public/v1/upload-from-url",
            Some(json!({ "url": format!("{local}/missing.png") })),
        )
        .await;
    assert_eq!((status, body), (400, json!({"msg": "Failed to fetch URL"})));
}
