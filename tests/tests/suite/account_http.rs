//! What the web app shows outside the editor, over HTTP on a real `postiz-server`: deleting an
//! account (nothing of it is published afterwards, its sessions and API key stop working, its
//! email can register again), the public preview of a post and its comments, the picker of
//! older posts, and the video preview stream.

use chrono::{Duration as Span, SecondsFormat, Utc};
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::time::Duration;

use crate::util::Session;

async fn server(fake: &str, data: &std::path::Path) -> Running {
    let envs = vec![
        ("DATA_DIR", data.display().to_string()),
        ("MASTODON_URL", fake.to_string()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
        ("SCHEDULER_TICK_MS", "200".to_string()),
        ("FETCH_ALLOW_PRIVATE", "true".to_string()),
    ];
    Running::server(&envs).ready(Duration::from_secs(30)).await
}

async fn owner(base: &str) -> (Session, String) {
    Session::register(base).await
}

/// A server with a fake Mastodon, an organization and its Mastodon channel.
struct World {
    seen: mastodon::Shared,
    _data: tempfile::TempDir,
    srv: Running,
    a: Session,
    email: String,
    channel: String,
}

async fn world() -> World {
    let (app, seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let srv = server(&fake, data.path()).await;
    let (a, email) = owner(&srv.base).await;
    let channel = crate::util::connect_mastodon(&a.http, &srv.base, &a.token).await;
    World {
        seen,
        _data: data,
        srv,
        a,
        email,
        channel,
    }
}

/// Schedules a one-message post on the channel at `when`; its id.
async fn schedule(s: &Session, channel: &str, text: &str, when: chrono::DateTime<Utc>) -> String {
    let (status, body) = s
        .call(
            Method::POST,
            "/posts",
            Some(json!({"type": "schedule", "shortLink": false, "tags": [],
                "date": when.to_rfc3339_opts(SecondsFormat::Secs, true),
                "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                    "value": [{"content": format!("<p>{text}</p>"), "image": []}]}]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body[0]["postId"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_publishes_nothing_and_opens_nothing() {
    let World {
        seen,
        _data,
        srv,
        a,
        email,
        channel,
    } = world().await;
    let key = crate::util::api_key(&a.http, &srv.base, &a.token).await;
    let post = schedule(&a, &channel, "never", Utc::now() + Span::seconds(4)).await;

    // A member of the organization: the owner must remove them first, as in Postiz.
    let (_, invite) = a
        .call(
            Method::POST,
            "/settings/team",
            Some(json!({"email": "m@example.com", "role": "USER", "sendEmail": false})),
        )
        .await;
    let invite = invite["url"]
        .as_str()
        .unwrap()
        .split("org=")
        .nth(1)
        .unwrap();
    let (b, _) = owner(&srv.base).await;
    let (status, _) = b
        .call(Method::POST, "/user/join-org", Some(json!({"org": invite})))
        .await;
    assert_eq!(status, 200);
    let (_, b_self) = b.call(Method::GET, "/user/self", None).await;
    let (status, err) = a.call(Method::POST, "/user/delete-account", None).await;
    assert_eq!(
        (status, err["message"].as_str()),
        (
            400,
            Some("Please remove your team members before deleting your account")
        )
    );
    let b_id = b_self["id"].as_str().unwrap();
    let (status, _) = a
        .call(Method::DELETE, &format!("/settings/team/{b_id}"), None)
        .await;
    assert_eq!(status, 200);

    // While impersonating, never.
    let r = a
        .http
        .post(format!("{}/user/delete-account", srv.base))
        .header("auth", &a.token)
        .header("impersonate", "someone")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let r = a
        .http
        .post(format!("{}/user/delete-account", srv.base))
        .header("auth", &a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("logout").unwrap(), "true");
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .filter(|c| c.contains("Max-Age=0"))
        .count();
    assert_eq!(cleared, 3, "auth, showorg and impersonate are cleared");

    // Nothing works with what the account had.
    let (status, _) = a.call(Method::GET, "/user/self", None).await;
    assert_eq!(status, 401);
    let login = a
        .http
        .post(format!("{}/auth/login", srv.base))
        .json(&json!({"email": email, "password": "owner-pass", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 400);
    let api = a
        .http
        .get(format!("{}/public/v1/integrations", srv.base))
        .header("authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let (preview_status, preview) = b
        .call(Method::GET, &format!("/public/posts/{post}"), None)
        .await;
    assert_eq!(
        (preview_status, preview),
        (200, json!([])),
        "the channel is gone"
    );
    // The scheduled post passes its time unpublished.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        seen.lock().unwrap().statuses.is_empty(),
        "a deleted account's post went out"
    );
    // The member keeps their own account; the address can sign up again.
    let (status, _) = b.call(Method::GET, "/user/self", None).await;
    assert_eq!(status, 200);
    let again = a
        .http
        .post(format!("{}/auth/register", srv.base))
        .json(&json!({"email": email, "password": "owner-pass-2", "company": "Again", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previews_older_posts_and_video_stream() {
    let World {
        _data,
        srv,
        a,
        channel,
        ..
    } = world().await;
    let day = |d: i64| Utc::now() + Span::days(d);
    let older = schedule(&a, &channel, "older", day(2)).await;
    let newer = schedule(&a, &channel, "newer", day(3)).await;
    schedule(&a, &channel, "later", day(9)).await;

    // The preview is public: no session, the id is the link.
    let anon = Client::new();
    let preview: Value = anon
        .get(format!("{}/public/posts/{newer}", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview[0]["id"], newer.as_str());
    assert_eq!(preview[0]["content"], "<p>newer</p>");
    assert_eq!(
        preview[0]["image"], "[]",
        "a JSON string, as the page parses it"
    );
    assert_eq!(preview[0]["integration"]["providerIdentifier"], "mastodon");
    assert!(preview[0]["integration"]["picture"].is_string());
    for id in ["unknown-id", "%00"] {
        let r = anon
            .get(format!("{}/public/posts/{id}", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
    }
    let (status, _) = a
        .call(
            Method::POST,
            &format!("/posts/{newer}/comments"),
            Some(json!({"comment": "Ship it"})),
        )
        .await;
    assert_eq!(status, 201);
    let comments: Value = anon
        .get(format!("{}/public/posts/{newer}/comments", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(comments["comments"][0]["content"], "Ship it");

    // Older posts: dated at or before the date, newest first.
    let until = day(5).format("%Y-%m-%dT%H:%M:00").to_string();
    let (status, old) = a
        .call(Method::GET, &format!("/posts/old?date={until}"), None)
        .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = old
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [newer.as_str(), older.as_str()]);
    assert_eq!(old[0]["integration"]["id"], channel.as_str());
    let (status, _) = a.call(Method::GET, "/posts/old?date=nonsense", None).await;
    assert_eq!(status, 400);
    // A disabled channel's posts are not offered.
    a.call(
        Method::POST,
        "/integrations/disable",
        Some(json!({"id": channel})),
    )
    .await;
    let (_, old) = a
        .call(Method::GET, &format!("/posts/old?date={until}"), None)
        .await;
    assert_eq!(old, json!([]));

    // The video stream: our own media is redirected to, an outside .mp4 streamed through,
    // anything else refused.
    let video: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let body = video.clone();
    let source = serve(axum::Router::new().route(
        "/clip.mp4",
        axum::routing::get(move || {
            let b = body.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "video/mp4")], b) }
        }),
    ))
    .await;
    let r = anon
        .get(format!("{}/public/stream", srv.base))
        .query(&[("url", format!("{source}/clip.mp4"))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").unwrap(), "video/mp4");
    assert_eq!(r.bytes().await.unwrap().to_vec(), video);
    for (url, status) in [
        (format!("{source}/clip.png"), 400),
        (format!("{source}/missing.mp4"), 502),
        ("ftp://example.com/a.mp4".to_string(), 400),
    ] {
        let r = anon
            .get(format!("{}/public/stream", srv.base))
            .query(&[("url", url.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{url}");
    }
    // An uploaded video's own link is answered with a redirect to it, not fetched.
    let upload = reqwest::multipart::Part::bytes(crate::media_http::mp4())
        .file_name("clip.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let media: Value = a
        .http
        .post(format!("{}/media/upload-server", srv.base))
        .header("auth", &a.token)
        .multipart(reqwest::multipart::Form::new().part("file", upload))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own = media["path"].as_str().unwrap();
    let no_follow = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_follow
        .get(format!("{}/public/stream", srv.base))
        .query(&[("url", own)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers().get("location").unwrap(), own);
}
