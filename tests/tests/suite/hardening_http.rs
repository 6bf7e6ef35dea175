//! The review findings on a running server: cross-site writes refused (415 for a body that
//! is not JSON, 403 for a cookie-authenticated write from another origin), and ids or bodies
//! the store cannot hold answered with a clean 4xx. Both storage modes run it
//! (`POSTIZ_TEST_STORAGE=aws` points the spawned servers at the emulator).

use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

use crate::util::Session;

const APP: &str = "http://app.example.test";

async fn server() -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (fake, _) = mastodon::app();
    let mut env = vec![
        ("DATA_DIR", dir.path().display().to_string()),
        ("FRONTEND_URL", APP.to_string()),
        ("API_LIMIT", "1000000".to_string()),
    ];
    env.extend(crate::util::mastodon_env(serve(fake).await));
    let srv = Running::server(&env).ready(Duration::from_secs(60)).await;
    (srv, dir)
}

/// `POST path` with the session in the `auth` cookie only, as a browser sends it.
async fn cookie_post(
    s: &Session,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let mut req = s
        .http
        .post(format!("{}{path}", s.base))
        .header("cookie", format!("auth={}", s.token))
        .header("content-type", content_type)
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_writes_are_refused_and_the_app_s_own_pass() {
    let (srv, _dir) = server().await;
    let (s, _) = Session::register(&srv.base).await;
    let key = crate::util::api_key(&s.http, &s.base, &s.token).await;
    let team = s.get("/settings/team").await;

    // A cross-site page posting with the browser's cookie: refused before anything runs.
    let evil = [("origin", "https://evil.example")];
    let (status, body) = cookie_post(&s, "/user/api-key/rotate", &evil, "text/plain", "").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("evil.example"),
        "{body}"
    );
    let no_origin = [("sec-fetch-site", "cross-site")];
    let (status, _) = cookie_post(&s, "/user/api-key/rotate", &no_origin, "text/plain", "").await;
    assert_eq!(status, 403);
    let form = r#"{"email":"victim@example.com","role":"ADMIN","sendEmail":false}"#;
    let (status, _) = cookie_post(&s, "/settings/team", &evil, "text/plain", form).await;
    assert_eq!(status, 403);
    assert_eq!(crate::util::api_key(&s.http, &s.base, &s.token).await, key);
    assert_eq!(s.get("/settings/team").await, team);

    // A JSON route given a form or text body: 415, even with a header token.
    let post = json!({"type": "draft", "date": "2030-01-01T10:00:00Z", "shortLink": false,
                      "tags": [], "posts": []})
    .to_string();
    for (path, body) in [("/posts", post.as_str()), ("/settings/team", form)] {
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let r = s
                .http
                .post(format!("{}{path}", s.base))
                .header("auth", &s.token)
                .header("content-type", content_type)
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 415, "{path} as {content_type}");
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["statusCode"], 415, "{b}");
        }
    }
    assert_eq!(s.get("/settings/team").await, team);
    // The public API's create too (an API key, not a cookie: only the type rule applies).
    let r = s
        .http
        .post(format!("{}/public/v1/posts", s.base))
        .header("authorization", &key)
        .header("content-type", "text/plain")
        .body(post.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    // The web app's own origin with its cookie, and a header-token client with no origin.
    let own = [("origin", APP)];
    let (status, body) =
        cookie_post(&s, "/user/api-key/rotate", &own, "application/json", "").await;
    assert_eq!(status, 201, "{body}");
    let rotated = crate::util::api_key(&s.http, &s.base, &s.token).await;
    assert_ne!(rotated, key);
    let (status, body) = s.call(Method::POST, "/user/api-key/rotate", None).await;
    assert!(status < 300, "{status} {body}");
    // JSON with a charset parameter is JSON.
    let (status, body) = cookie_post(
        &s,
        "/posts/tags",
        &own,
        "application/json; charset=utf-8",
        r##"{"name":"csrf-ok","color":"#ff0000"}"##,
    )
    .await;
    assert!(status < 300, "{status} {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_and_bodies_the_store_cannot_hold_are_clean_4xx() {
    let (srv, _dir) = server().await;
    let (s, _) = Session::register(&srv.base).await;
    let key = crate::util::api_key(&s.http, &s.base, &s.token).await;
    let long = "a".repeat(1500);
    let very_long = "b".repeat(5000);
    let ids = ["%00", "x%00y", long.as_str(), very_long.as_str()];
    for id in ids {
        for (method, path) in [
            (Method::GET, format!("/posts/{id}")),
            (Method::DELETE, format!("/posts/{id}")),
            (Method::GET, format!("/posts/group/{id}")),
            (Method::DELETE, format!("/integrations/{id}")),
        ] {
            let (status, body) = s.call(method.clone(), &path, None).await;
            assert!(
                (400..500).contains(&status),
                "{method} {}: {status} {body}",
                &path[..path.len().min(40)]
            );
        }
        // The public preview answers an unknown post with Postiz's empty list.
        let (status, body) = s
            .call(Method::GET, &format!("/public/posts/{id}"), None)
            .await;
        assert_eq!((status, body), (200, json!([])));
        let r = s
            .http
            .get(format!("{}/public/v1/posts/{id}", s.base))
            .header("authorization", &key)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error(),
            "public get {}: {}",
            &id[..id.len().min(8)],
            r.status()
        );
    }
    // Ids inside a body (a post for a channel id the store cannot hold).
    let (status, body) = s
        .call(
            Method::POST,
            "/posts",
            Some(
                json!({"type": "draft", "date": "2030-01-01T10:00:00Z", "shortLink": false,
                        "tags": [], "posts": [{"integration": {"id": long}, "settings": {},
                        "value": [{"content": "hi"}]}]}),
            ),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");

    // A draft just under the body limit: too large to store, said in a 4xx.
    let channel = crate::util::connect_mastodon(&s.http, &s.base, &s.token).await;
    let huge = "x".repeat(5 * 1024 * 1024);
    let (status, body) = s
        .call(
            Method::POST,
            "/posts",
            Some(json!({"type": "draft", "date": "2030-01-01T10:00:00Z", "shortLink": false,
                        "tags": [], "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                        "value": [{"content": huge}]}]})),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    let (_, list) = s
        .call(
            Method::GET,
            "/posts?startDate=2029-12-01T00:00:00Z&endDate=2030-02-01T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(list["p"], json!([]), "nothing half-written: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_channel_deletes_its_queued_posts() {
    let (srv, _dir) = server().await;
    let (s, _) = Session::register(&srv.base).await;
    let channel = crate::util::connect_mastodon(&s.http, &s.base, &s.token).await;
    let when = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    let mut ids = Vec::new();
    for kind in ["schedule", "draft"] {
        let (status, body) = s
            .call(
                Method::POST,
                "/posts",
                Some(json!({"type": kind, "date": when, "shortLink": false, "tags": [],
                            "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                                       "value": [{"content": format!("<p>{kind}</p>")}]}]})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        ids.push(body[0]["postId"].as_str().unwrap().to_string());
    }
    let (status, body) = s
        .call(
            Method::DELETE,
            "/integrations",
            Some(json!({"id": channel})),
        )
        .await;
    assert!(status < 300, "{status} {body}");
    for id in &ids {
        let (status, _) = s.call(Method::GET, &format!("/posts/{id}"), None).await;
        assert_eq!(status, 404, "post {id} outlived its channel");
    }
    let from = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let to = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%dT%H:%M:%SZ");
    let list = s
        .get(&format!("/posts?startDate={from}&endDate={to}"))
        .await;
    assert_eq!(list["p"], json!([]), "{list}");
}

async fn login(s: &Session, email: &str, password: &str) -> (u16, String) {
    let r = s
        .http
        .post(format!("{}/auth/login", s.base))
        .json(&json!({"email": email, "password": password, "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_failed_logins_lock_the_account_before_the_eleventh_check() {
    let (srv, _dir) = server().await;
    let (s, email) = Session::register(&srv.base).await;
    let (other, other_email) = Session::register(&srv.base).await;
    // A success ends a run of failures.
    for _ in 0..9 {
        assert_eq!(login(&s, &email, "wrong-password").await.0, 400);
    }
    assert_eq!(login(&s, &email, crate::util::PASSWORD).await.0, 200);
    for _ in 0..10 {
        let (status, body) = login(&s, &email, "wrong-password").await;
        assert_eq!(
            (status, body.as_str()),
            (400, "Invalid user name or password")
        );
    }
    // The eleventh is refused unchecked, the right password too.
    let (status, body) = login(&s, &email, "wrong-password").await;
    assert_eq!(status, 429, "{body}");
    let (status, body) = login(&s, &email, crate::util::PASSWORD).await;
    assert_eq!(status, 429, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["statusCode"], 429);
    let r = s
        .http
        .post(format!("{}/auth/login", s.base))
        .json(&json!({"email": email, "password": "x", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    // Another account from the same address is not locked; the session still works.
    assert_eq!(
        login(&other, &other_email, crate::util::PASSWORD).await.0,
        200
    );
    s.get("/user/self").await;
    // Password-reset mails: five an hour per account.
    for i in 0..6 {
        let r = s
            .http
            .post(format!("{}/auth/forgot", s.base))
            .json(&json!({"email": email}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), if i < 5 { 201 } else { 429 }, "reset {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_auth_bodies_and_upload_floods_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("UPLOAD_LIMIT", "3".to_string()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let (s, _) = Session::register(&srv.base).await;
    // A login body far over what a login needs: 413 before anything is read into memory.
    let huge =
        json!({"email": "a@example.com", "password": "x".repeat(200_000), "provider": "LOCAL"});
    let r = s
        .http
        .post(format!("{}/auth/login", s.base))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // Uploads: UPLOAD_LIMIT an hour per organization, whatever the route.
    for _ in 0..3 {
        assert_eq!(
            s.upload("p.png", "image/png", crate::media_http::png(1))
                .await
                .0,
            201
        );
    }
    let (status, body) = s
        .upload("p.png", "image/png", crate::media_http::png(1))
        .await;
    assert_eq!((status, body["statusCode"].as_u64()), (429, Some(429)));
    let (status, _) = s
        .call(
            Method::POST,
            "/media/create-upload",
            Some(json!({"name": "v.mp4", "contentType": "video/mp4", "size": 1000})),
        )
        .await;
    assert_eq!(status, 429);
    // Another organization has its own allowance.
    let (other, _) = Session::register(&srv.base).await;
    let (status, _) = other
        .upload("q.png", "image/png", crate::media_http::png(2))
        .await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_others_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("CLIENT_HEADER_TIMEOUT_SECS", "1".to_string()),
        ("CLIENT_BODY_TIMEOUT_SECS", "1".to_string()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let addr = srv.base.trim_start_matches("http://").to_string();
    // Headers that never end: the connection is closed after the header timeout.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /auth/can-register HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    // Meanwhile, others are served.
    let ok = reqwest::get(format!("{}/auth/can-register", srv.base))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the slow connection was kept open");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A body that stops half-way: refused after the pause limit, not waited for forever.
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(
            b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the stalled body was waited for");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
}
