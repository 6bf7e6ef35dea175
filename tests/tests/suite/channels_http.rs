//! Channels over HTTP on a real `postiz-server`, with Mastodon pointed at the fake:
//! catalogue, connect, forged state, secrets never shown or stored in plaintext,
//! disable/enable, isolation between organizations, delete.

use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::{unique, Running};
use reqwest::Client;
use serde_json::{json, Value};
use std::time::Duration;

async fn register(http: &Client, base: &str, company: &str) -> String {
    let email = format!("{}@example.com", unique("owner"));
    let r = http
        .post(format!("{base}/auth/register"))
        .json(&json!({"email": email, "password": "owner-pass", "company": company, "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|c| {
            c.to_str()
                .unwrap()
                .strip_prefix("auth=")
                .map(|v| v.split(';').next().unwrap().to_string())
        })
        .unwrap()
}

/// Every file under `dir`, read as bytes.
fn all_bytes(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(all_bytes(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_channel_lifecycle() {
    let (app, seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("MASTODON_URL", fake.clone()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
    ];
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let base = server.base.clone();
    let http = Client::new();
    let a = register(&http, &base, "Org A").await;
    let b = register(&http, &base, "Org B").await;
    let mut bodies = String::new();
    let get = |path: &str, token: &str| {
        http.get(format!("{base}{path}"))
            .header("auth", token.to_string())
            .send()
    };

    // The catalogue, without a session.
    let catalogue: Value = http
        .get(format!("{base}/integrations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = catalogue["social"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identifier"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"mastodon") && ids.contains(&"pinterest"),
        "{ids:?}"
    );
    assert_eq!(catalogue["article"], json!([]));

    // Start: the instance's authorize URL with client id and state.
    let start: Value = get("/integrations/social/mastodon?externalUrl=undefined", &a)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = start["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{fake}/oauth/authorize?")),
        "{url}"
    );
    assert!(url.contains(&format!("client_id={}", mastodon::CLIENT_ID)));
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();

    // A forged state is refused, and so is a wrong provider for a real state.
    let forged = http
        .post(format!("{base}/integrations/social-connect/mastodon"))
        .json(&json!({"state": "forged", "code": mastodon::GOOD_CODE, "timezone": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let connect = http
        .post(format!("{base}/integrations/social-connect/mastodon"))
        .json(&json!({"state": state, "code": mastodon::GOOD_CODE, "timezone": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(connect.status(), 201);
    let text = connect.text().await.unwrap();
    bodies.push_str(&text);
    let channel: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(channel["name"], "Alice Mastodon");
    assert_eq!(channel["identifier"], "mastodon");
    let id = channel["id"].as_str().unwrap().to_string();
    let reused = http
        .post(format!("{base}/integrations/social-connect/mastodon"))
        .json(&json!({"state": state, "code": mastodon::GOOD_CODE}))
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 400, "a state works once");

    // Listed; disable and enable show; another organization sees and touches nothing.
    let list = |token: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let t = http
                .get(format!("{base}/integrations/list"))
                .header("auth", token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (serde_json::from_str::<Value>(&t).unwrap(), t)
        }
    };
    let (l, t) = list(a.clone()).await;
    bodies.push_str(&t);
    assert_eq!(l["integrations"].as_array().unwrap().len(), 1);
    assert_eq!(l["integrations"][0]["display"], "alice");
    assert_eq!(l["integrations"][0]["disabled"], false);
    assert_eq!(
        l["integrations"][0]["time"],
        json!([{"time": 120}, {"time": 400}, {"time": 700}])
    );
    let post = |path: &str, token: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .header("auth", token.to_string())
            .json(&body)
            .send()
    };
    assert_eq!(
        post("/integrations/disable", &a, json!({"id": id}))
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(list(a.clone()).await.0["integrations"][0]["disabled"], true);
    assert_eq!(
        post("/integrations/enable", &a, json!({"id": id}))
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        list(a.clone()).await.0["integrations"][0]["disabled"],
        false
    );
    assert_eq!(list(b.clone()).await.0["integrations"], json!([]));
    assert_eq!(
        post("/integrations/disable", &b, json!({"id": id}))
            .await
            .unwrap()
            .status(),
        404
    );
    let b_delete = http
        .delete(format!("{base}/integrations"))
        .header("auth", &b)
        .json(&json!({"id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(b_delete.status(), 404);
    assert_eq!(
        post(
            &format!("/integrations/{id}/time"),
            &b,
            json!({"time": [{"time": 60}]})
        )
        .await
        .unwrap()
        .status(),
        404
    );

    // Posting times, customers, settings.
    assert_eq!(
        post(
            &format!("/integrations/{id}/time"),
            &a,
            json!({"time": [{"time": 60}, {"time": 2000}]})
        )
        .await
        .unwrap()
        .status(),
        400
    );
    assert_eq!(
        post(
            &format!("/integrations/{id}/time"),
            &a,
            json!({"time": [{"time": 60}]})
        )
        .await
        .unwrap()
        .status(),
        201
    );
    let put = |path: &str, token: &str, body: Value| {
        http.put(format!("{base}{path}"))
            .header("auth", token.to_string())
            .json(&body)
            .send()
    };
    let grouped: Value = put(
        &format!("/integrations/{id}/customer-name"),
        &a,
        json!({"name": "Acme"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(grouped["customer"]["name"], "Acme");
    let customers: Value = get("/integrations/customers", &a)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(customers.as_array().unwrap().len(), 1);
    assert_eq!(
        get("/integrations/customers", &b)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
        json!([])
    );
    assert_eq!(
        put(
            &format!("/integrations/{id}/group"),
            &a,
            json!({"group": "not-a-customer"})
        )
        .await
        .unwrap()
        .status(),
        404
    );
    assert_eq!(
        post(
            &format!("/integrations/{id}/settings"),
            &a,
            json!({"additionalSettings": "not json"})
        )
        .await
        .unwrap()
        .status(),
        400
    );
    assert_eq!(
        post(
            &format!("/integrations/{id}/settings"),
            &a,
            json!({"additionalSettings": "[{\"title\":\"Verified\",\"value\":true}]"})
        )
        .await
        .unwrap()
        .status(),
        201
    );
    let fun = post(
        "/integrations/function",
        &a,
        json!({"id": id, "name": "constructor", "data": {}}),
    )
    .await
    .unwrap();
    assert_eq!(fun.status(), 400, "only declared tools can be called");
    let (l, t) = list(a.clone()).await;
    bodies.push_str(&t);
    assert_eq!(l["integrations"][0]["time"], json!([{"time": 60}]));
    assert_eq!(l["integrations"][0]["customer"]["name"], "Acme");

    // The token is in no response and nowhere in plaintext under DATA_DIR.
    let token = seen.lock().unwrap().tokens[0].clone();
    assert!(!bodies.contains(&token), "access token in a response");
    for (path, bytes) in all_bytes(data.path()) {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "access token in plaintext in {}",
            path.display()
        );
    }

    // Notifications exist (empty) and are org-scoped.
    assert_eq!(
        get("/notifications", &a)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
        json!({"total": 0})
    );

    // The owner deletes it; it is gone from the list; the account can be connected again.
    let deleted = http
        .delete(format!("{base}/integrations"))
        .header("auth", &a)
        .json(&json!({"id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(list(a.clone()).await.0["integrations"], json!([]));
    let start: Value = get("/integrations/social/mastodon", &a)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state = start["url"]
        .as_str()
        .unwrap()
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let again = http
        .post(format!("{base}/integrations/social-connect/mastodon"))
        .json(&json!({"state": state, "code": mastodon::GOOD_CODE}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_ne!(again.json::<Value>().await.unwrap()["id"], id.as_str());
    drop(server);
}
