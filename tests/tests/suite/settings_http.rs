//! Sets, signatures, the short-link preference and announcements over HTTP on a real
//! `postiz-server`: each organization sees and changes only its own; one signature at most is
//! added automatically; only platform administrators (`SUPER_ADMIN_EMAILS`) publish
//! announcements; bad input is a 4xx with a message.

use postiz_tests::{unique, Running};
use reqwest::{Client, Method};
use serde_json::json;
use std::time::Duration;

use crate::util::Session as Org;

async fn register(base: &str) -> Org {
    Org::register(base).await.0
}

async fn server(admins: &str) -> (Running, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
        ("SUPER_ADMIN_EMAILS", admins.to_string()),
    ];
    let s = Running::server(&envs).ready(Duration::from_secs(30)).await;
    (s, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sets_are_kept_per_organization() {
    let (srv, _data) = server("").await;
    let (a, b) = (register(&srv.base).await, register(&srv.base).await);
    let (status, first) = a
        .call(
            Method::POST,
            "/sets",
            Some(json!({"name": "Weekly", "content": "{\"a\":1}"})),
        )
        .await;
    assert_eq!(status, 201);
    let id = first["id"].as_str().unwrap().to_string();
    a.call(
        Method::POST,
        "/sets",
        Some(json!({"name": "Daily", "content": "{}"})),
    )
    .await;
    let sets = a.get("/sets").await;
    let names: Vec<&str> = sets
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Daily", "Weekly"], "newest first");
    assert_eq!(sets[1]["content"], "{\"a\":1}", "content kept as sent");
    assert_eq!(b.get("/sets").await, json!([]), "another org sees none");

    // Editing replaces name and content; another org can neither edit nor delete it.
    let (status, _) = a
        .call(
            Method::PUT,
            "/sets",
            Some(json!({"id": id, "name": "Weekly 2", "content": "{}"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(a.get("/sets").await[1]["name"], "Weekly 2");
    let (status, _) = b
        .call(
            Method::PUT,
            "/sets",
            Some(json!({"id": id, "name": "stolen", "content": "{}"})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = b.call(Method::DELETE, &format!("/sets/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, deleted) = a.call(Method::DELETE, &format!("/sets/{id}"), None).await;
    assert_eq!((status, deleted["name"].as_str()), (200, Some("Weekly 2")));
    assert_eq!(a.get("/sets").await.as_array().unwrap().len(), 1);

    // Bad input: 400 with class-validator style messages, nothing stored.
    let (status, err) = a
        .call(Method::POST, "/sets", Some(json!({"content": 3})))
        .await;
    assert_eq!(status, 400, "{err}");
    let (status, err) = a.call(Method::POST, "/sets", Some(json!({}))).await;
    assert_eq!(status, 400);
    assert!(err["message"]
        .as_array()
        .unwrap()
        .contains(&json!("name must be a string")));
    let huge = "x".repeat(postiz_settings::service::SET_CONTENT_MAX + 1);
    let (status, _) = a
        .call(
            Method::POST,
            "/sets",
            Some(json!({"name": "big", "content": huge})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = a
        .call(Method::DELETE, &format!("/sets/{}", "%00"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(a.get("/sets").await.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_signature_at_most_is_added_automatically() {
    let (srv, _data) = server("").await;
    let (a, b) = (register(&srv.base).await, register(&srv.base).await);
    assert_eq!(a.get("/signatures/default").await, json!({}));
    let make = |content: &str, auto: bool| json!({"content": content, "autoAdd": auto});
    let (status, one) = a
        .call(Method::POST, "/signatures", Some(make("<p>One</p>", true)))
        .await;
    assert_eq!(status, 201);
    let one = one["id"].as_str().unwrap().to_string();
    let (_, two) = a
        .call(Method::POST, "/signatures", Some(make("<p>Two</p>", false)))
        .await;
    let two = two["id"].as_str().unwrap().to_string();
    assert_eq!(a.get("/signatures/default").await["id"], one.as_str());

    // Making the second the default takes it from the first.
    let (status, _) = a
        .call(
            Method::PUT,
            &format!("/signatures/{two}"),
            Some(make("<p>Two!</p>", true)),
        )
        .await;
    assert_eq!(status, 200);
    let list = a.get("/signatures").await;
    let flags: Vec<(String, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["content"].as_str().unwrap().to_string(),
                s["autoAdd"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("<p>One</p>".to_string(), false),
            ("<p>Two!</p>".into(), true)
        ]
    );
    assert_eq!(a.get("/signatures/default").await["content"], "<p>Two!</p>");

    // Another org sees none and cannot touch them.
    assert_eq!(b.get("/signatures").await, json!([]));
    assert_eq!(b.get("/signatures/default").await, json!({}));
    let (status, _) = b
        .call(
            Method::PUT,
            &format!("/signatures/{two}"),
            Some(make("x", true)),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = b
        .call(Method::DELETE, &format!("/signatures/{two}"), None)
        .await;
    assert_eq!(status, 404);

    // Deleting the default leaves none; a deleted signature cannot be edited.
    let (status, gone) = a
        .call(Method::DELETE, &format!("/signatures/{two}"), None)
        .await;
    assert_eq!(status, 200);
    assert!(gone["deletedAt"].is_string());
    assert_eq!(a.get("/signatures/default").await, json!({}));
    assert_eq!(a.get("/signatures").await.as_array().unwrap().len(), 1);
    let (status, _) = a
        .call(
            Method::PUT,
            &format!("/signatures/{two}"),
            Some(make("back", true)),
        )
        .await;
    assert_eq!(status, 404);
    // Turning the flag off on the default clears it.
    a.call(
        Method::PUT,
        &format!("/signatures/{one}"),
        Some(make("<p>One</p>", true)),
    )
    .await;
    assert_eq!(a.get("/signatures/default").await["id"], one.as_str());
    a.call(
        Method::PUT,
        &format!("/signatures/{one}"),
        Some(make("<p>One</p>", false)),
    )
    .await;
    assert_eq!(a.get("/signatures/default").await, json!({}));

    let (status, err) = a
        .call(Method::POST, "/signatures", Some(json!({"content": "x"})))
        .await;
    assert_eq!(status, 400);
    assert!(err["message"]
        .as_array()
        .unwrap()
        .contains(&json!("autoAdd must be a boolean value")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_short_link_preference_is_the_organizations() {
    let (srv, _data) = server("").await;
    let (a, b) = (register(&srv.base).await, register(&srv.base).await);
    assert_eq!(
        a.get("/settings/shortlink").await,
        json!({"shortlink": "ASK"})
    );
    let (status, org) = a
        .call(
            Method::POST,
            "/settings/shortlink",
            Some(json!({"shortlink": "NO"})),
        )
        .await;
    assert_eq!((status, org["shortlink"].as_str()), (201, Some("NO")));
    assert_eq!(a.get("/settings/shortlink").await["shortlink"], "NO");
    assert_eq!(b.get("/settings/shortlink").await["shortlink"], "ASK");
    let (status, err) = a
        .call(
            Method::POST,
            "/settings/shortlink",
            Some(json!({"shortlink": "MAYBE"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        err["message"][0],
        "shortlink must be one of the following values: ASK, YES, NO"
    );
    // Without a link shortener the editor is never asked to shorten.
    let (status, ask) = a
        .call(
            Method::POST,
            "/posts/should-shortlink",
            Some(json!({"messages": ["<p>https://example.com</p>"]})),
        )
        .await;
    assert_eq!((status, ask), (201, json!({"ask": false})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_platform_administrators_publish_announcements() {
    let admin_email = format!("{}@example.com", unique("staff"));
    let (srv, _data) = server(&admin_email).await;
    let user = register(&srv.base).await;
    let http = Client::new();
    let r = http
        .post(format!("{}/auth/register", srv.base))
        .json(&json!({"email": admin_email, "password": "staff-pass", "company": "Staff", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    let admin = Org {
        http: http.clone(),
        base: srv.base.clone(),
        token: crate::util::auth_cookie(&r),
    };
    assert_eq!(admin.get("/user/self").await["isSuperAdmin"], true);
    assert_eq!(user.get("/user/self").await["isSuperAdmin"], false);

    let body = json!({"title": "Maintenance", "description": "Down at 10:00", "color": "WARNING"});
    let (status, err) = user
        .call(Method::POST, "/announcements", Some(body.clone()))
        .await;
    assert_eq!(
        (status, err["message"].as_str()),
        (400, Some("Unauthorized"))
    );
    let (status, created) = admin.call(Method::POST, "/announcements", Some(body)).await;
    assert_eq!(status, 201);
    let (_, second) = admin
        .call(
            Method::POST,
            "/announcements",
            Some(json!({"title": "New", "description": "Hello"})),
        )
        .await;
    assert_eq!(second["color"], "INFO", "INFO by default");
    let seen = user.get("/announcements").await;
    assert_eq!(seen.as_array().unwrap().len(), 2, "everyone reads them");
    assert_eq!(seen[0]["title"], "New", "newest first");
    let id = created["id"].as_str().unwrap();
    let (status, _) = user
        .call(Method::DELETE, &format!("/announcements/{id}"), None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = admin
        .call(Method::DELETE, &format!("/announcements/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        user.get("/announcements").await.as_array().unwrap().len(),
        1
    );
    let (status, err) = admin
        .call(
            Method::POST,
            "/announcements",
            Some(json!({"title": "x", "description": "y", "color": "PINK"})),
        )
        .await;
    assert_eq!(status, 400, "{err}");
}
