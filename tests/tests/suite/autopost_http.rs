//! RSS autopost from outside: `postiz-server` (private addresses allowed, the hourly run every
//! second) with a fake Mastodon channel and a local feed. The web app's calls: test the feed,
//! save it with the newest link, see it listed; then one draft per new item and none on the
//! next run; switch off, edit, delete; another organization sees and changes nothing. Without
//! the setting, a loopback feed is refused.

use postiz_tests::fakes::{feed, serve};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

use crate::util::Session;

async fn server(extra: &[(&str, String)]) -> (Running, tempfile::TempDir) {
    let (srv, dir, _) = crate::util::mastodon_server(extra).await;
    (srv, dir)
}

async fn drafts(s: &Session) -> Vec<Value> {
    let list = s.get("/posts/list?state=draft&limit=100").await;
    list["p"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_makes_one_draft_per_new_item_and_none_twice() {
    let (app, shared) = feed::app();
    let feed_url = format!("{}/feed.xml", serve(app).await);
    for n in 1..=3 {
        shared.lock().unwrap().add(n);
    }
    let (srv, _dir) = server(&[
        ("FETCH_ALLOW_PRIVATE", "true".into()),
        ("AUTOPOST_TICK_SECS", "1".into()),
    ])
    .await;
    let base = &srv.base;
    let (s, _) = Session::register(base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, base, &s.token).await;

    // The web app's "Send Test": the newest item's link becomes lastUrl.
    let (status, tested) = s
        .call(
            Method::POST,
            &format!("/autopost/send?url={feed_url}"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{tested}");
    assert_eq!(tested["success"], true);
    assert_eq!(tested["url"], "https://blog.example/posts/3");
    assert_eq!(tested["description"], "About Post number 3");

    let (status, created) = s
        .call(
            Method::POST,
            "/autopost",
            Some(json!({
                "title": "My blog", "content": "", "onSlot": false, "syncLast": false,
                "url": feed_url, "active": true, "addPicture": false, "generateContent": false,
                "integrations": [{"id": channel}], "lastUrl": tested["url"],
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap().to_string();
    let list = s.get("/autopost").await;
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["title"], "My blog");
    let links: Value = serde_json::from_str(list[0]["integrations"].as_str().unwrap()).unwrap();
    assert_eq!(links, json!([{"id": channel}]));

    // The first runs find nothing new.
    let started = Instant::now();
    while shared.lock().unwrap().requests < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the feed is not read"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(drafts(&s).await.is_empty());
    assert!(
        shared.lock().unwrap().not_modified >= 1,
        "no conditional GET"
    );

    // Two new items: two drafts, once.
    shared.lock().unwrap().add(4);
    shared.lock().unwrap().add(5);
    let started = Instant::now();
    let made = loop {
        let d = drafts(&s).await;
        if d.len() >= 2 {
            break d;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no drafts: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The list's minified rows: `c` is the content, `cm` the creation method.
    let texts: Vec<String> = made
        .iter()
        .map(|p| p["c"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(made.iter().all(|p| p["cm"] == "AUTOPOST"), "{made:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("https://blog.example/posts/4")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("https://blog.example/posts/5")),
        "{texts:?}"
    );
    let seen = shared.lock().unwrap().requests;
    while shared.lock().unwrap().requests < seen + 2 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(drafts(&s).await.len(), 2, "nothing twice");
    let list = s.get("/autopost").await;
    assert_eq!(list[0]["lastUrl"], "https://blog.example/posts/5");

    // Another organization: nothing to see or change.
    let (other, _) = Session::register(base).await;
    assert_eq!(other.get("/autopost").await, json!([]));
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/autopost/{id}"),
            Some(json!({"title": "x", "url": feed_url})),
        ),
        (
            Method::POST,
            format!("/autopost/{id}/active"),
            Some(json!({"active": false})),
        ),
        (Method::DELETE, format!("/autopost/{id}"), None),
    ] {
        let (status, answer) = other.call(method.clone(), &path, body).await;
        assert!(
            status == 404 || status == 400,
            "{method} {path}: {status} {answer}"
        );
    }

    // Off, then edited, then deleted.
    let (status, row) = s
        .call(
            Method::POST,
            &format!("/autopost/{id}/active"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!((status, row["active"].clone()), (201, json!(false)));
    let (status, edited) = s
        .call(
            Method::PUT,
            &format!("/autopost/{id}"),
            Some(
                json!({"id": id, "title": "Renamed", "url": feed_url, "active": false,
                        "integrations": [], "lastUrl": "https://blog.example/posts/5"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(s.get("/autopost").await[0]["title"], "Renamed");
    let (status, _) = s
        .call(Method::DELETE, &format!("/autopost/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.get("/autopost").await, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_a_loopback_feed_is_refused() {
    let (app, shared) = feed::app();
    let feed_url = format!("{}/feed.xml", serve(app).await);
    shared.lock().unwrap().add(1);
    let (srv, _dir) = server(&[]).await;
    let (s, _) = Session::register(&srv.base).await;
    let (status, answer) = s
        .call(
            Method::POST,
            "/autopost",
            Some(json!({"title": "x", "url": feed_url, "active": true, "integrations": []})),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("public HTTPS URL"), "{answer}");
    let (status, tested) = s
        .call(
            Method::POST,
            &format!("/autopost/send?url={feed_url}"),
            None,
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(tested["success"], false, "{tested}");
    assert_eq!(shared.lock().unwrap().requests, 0, "the feed was fetched");
    assert_eq!(s.get("/autopost").await, json!([]));
}
