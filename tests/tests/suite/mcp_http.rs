//! MCP and OAuth from outside, with the official MCP Python SDK (`tests/mcp/client.py`)
//! against `postiz-server` and a fake Mastodon: the tools listed and a post scheduled through
//! them reaching the network once; the SDK's own OAuth client (discovery, registration,
//! PKCE) getting a `pos_` token that works on `/mcp-oauth` and the public API until the
//! user revokes it; the refusals of the authorization server over HTTP; an organization's
//! own OAuth app. (Expiry of codes is tested with a moved clock in `shared/oauth`.)

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::{mcp, Running};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

use crate::util::{code_in_redirect, is_connected, Session};

const VERIFIER: &str = "a-verifier-of-the-test-that-is-long-enough-for-pkce-rules";
const REDIRECT: &str = "http://127.0.0.1:45873/callback";

struct World {
    srv: Running,
    _dir: tempfile::TempDir,
    seen: mastodon::Shared,
}

async fn world() -> World {
    let (fake, seen) = mastodon::app();
    let fake_url = serve(fake).await;
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("MASTODON_URL", fake_url),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
    ])
    .ready(Duration::from_secs(60))
    .await;
    World {
        srv,
        _dir: dir,
        seen,
    }
}

/// An organization with a Mastodon channel: its owner's session, API key and channel id.
async fn org(base: &str) -> (Session, String, String) {
    let (s, _) = Session::register(base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, base, &s.token).await;
    let key = postiz_tests::client::api_key(&s.http, base, &s.token).await;
    (s, key, channel)
}

async fn client(plan: Value) -> Value {
    mcp::run(&plan)
        .await
        .unwrap_or_else(|e| panic!("MCP client: {e}"))
}

fn channel_ids(list_call: &Value) -> Vec<String> {
    let out: Value = serde_json::from_str(list_call["text"].as_str().unwrap()).unwrap();
    out["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_client_schedules_a_post_that_the_network_receives_once() {
    let w = world().await;
    let base = &w.srv.base;
    let (s, key, channel) = org(base).await;
    let (_other, _, other_channel) = org(base).await;
    let now = chrono::Utc::now().to_rfc3339();
    let (from, to) = (
        (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339(),
        (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
    );
    let out = client(json!({
        "url": format!("{base}/mcp"),
        "headers": {"Authorization": format!("Bearer {key}")},
        "calls": [
            {"name": "integrationList"},
            {"name": "schedulePost", "arguments": {"socialPost": [{
                "integrationId": channel, "date": now, "type": "now",
                "postsAndComments": [{"content": "<p>Sent by an AI agent over MCP</p>"}],
                "settings": []
            }]}},
            {"name": "schedulePost", "arguments": {"socialPost": [{
                "integrationId": other_channel, "date": now, "type": "now",
                "postsAndComments": [{"content": "<p>Not my channel</p>"}]
            }]}},
            {"name": "deletePost", "arguments": {"id": "x"}}
        ]
    }))
    .await;
    assert_eq!(out["server"], "Postiz MCP");
    let names: Vec<&str> = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for tool in [
        "integrationList",
        "groupList",
        "integrationSchema",
        "triggerTool",
        "schedulePost",
        "postsList",
        "postSettings",
        "uploadFromUrl",
    ] {
        assert!(names.contains(&tool), "{tool} missing from {names:?}");
    }
    assert!(!names.contains(&"generateImage"), "AI is off: {names:?}");
    let schedule = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "schedulePost")
        .unwrap();
    assert_eq!(schedule["inputSchema"]["required"], json!(["socialPost"]));
    assert_eq!(schedule["annotations"]["destructiveHint"], true);

    let calls = out["calls"].as_array().unwrap();
    assert_eq!(
        channel_ids(&calls[0]),
        vec![channel.clone()],
        "only our channel"
    );
    assert_eq!(calls[1]["isError"], false, "{}", calls[1]);
    let created = &calls[1]["structured"]["output"];
    assert_eq!(created.as_array().map(Vec::len), Some(1), "{created}");
    assert_eq!(calls[2]["isError"], true, "another organization's channel");
    assert!(
        calls[2]["text"]
            .as_str()
            .unwrap()
            .contains("Integration not found"),
        "{}",
        calls[2]
    );
    assert_eq!(calls[3]["isError"], true);
    assert_eq!(calls[3]["text"], "Unknown tool deletePost");

    // The post goes out once.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while w.seen.lock().unwrap().statuses.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let statuses = w.seen.lock().unwrap().statuses.clone();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert!(statuses[0].text.contains("Sent by an AI agent over MCP"));

    // The key in the path works too; an unknown one is refused before any MCP exchange.
    let out = client(json!({
        "url": format!("{base}/mcp/{key}"),
        "calls": [{"name": "postsList", "arguments": {"startDate": from, "endDate": to}}]
    }))
    .await;
    assert!(
        out["calls"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Sent by an AI agent over MCP"),
        "{}",
        out["calls"][0]
    );
    let calendar = s
        .get(&format!(
            "/posts?startDate={}&endDate={}",
            urlencode(&from),
            urlencode(&to)
        ))
        .await;
    let posts = calendar["p"].as_array().unwrap();
    assert_eq!(posts.len(), 1, "{calendar}");
    assert_eq!(posts[0]["cm"], "MCP", "made through MCP: {calendar}");
    let http = Client::new();
    let status = |r: reqwest::RequestBuilder| async move { r.send().await.unwrap().status() };
    let unknown_key = http.post(format!("{base}/mcp/not-a-key")).json(&json!({}));
    assert_eq!(status(unknown_key).await, 400);
    assert_eq!(
        status(http.post(format!("{base}/mcp")).json(&json!({}))).await,
        401
    );
    let stream = http.get(format!("{base}/mcp")).bearer_auth(&key);
    assert_eq!(
        status(stream).await,
        405,
        "stateless: no server-to-client stream"
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

async fn form(http: &Client, base: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let r = http
        .post(format!("{base}/oauth/token"))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdks_oauth_flow_gives_a_token_that_works_until_revoked() {
    let w = world().await;
    let base = &w.srv.base;
    let http = Client::new();
    let (s, key, channel) = org(base).await;
    let (_b, _, _) = org(base).await;

    // Discovery documents.
    let r = http
        .post(format!("{base}/mcp-oauth"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let www = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    let metadata_url = format!("{base}/.well-known/oauth-protected-resource/mcp-oauth");
    assert!(
        www.contains(&format!("resource_metadata=\"{metadata_url}\"")),
        "{www}"
    );
    let prm: Value = http
        .get(&metadata_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["resource"], format!("{base}/mcp-oauth"));
    let asm: Value = http
        .get(format!(
            "{base}/.well-known/oauth-authorization-server/mcp-oauth"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(asm["issuer"], format!("{base}/mcp-oauth"));
    assert_eq!(asm["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    // The API key is not an OAuth token.
    let r = http
        .post(format!("{base}/mcp-oauth"))
        .bearer_auth(&key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The SDK's OAuth client: 401 → metadata → registration → consent → token (PKCE).
    let out = client(json!({
        "url": format!("{base}/mcp-oauth"),
        "oauth": {"backend": base, "session": s.token},
        "calls": [{"name": "integrationList"}]
    }))
    .await;
    let token = out["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("pos_"), "{token}");
    assert_eq!(
        channel_ids(&out["calls"][0]),
        vec![channel.clone()],
        "org A only"
    );
    assert_eq!(is_connected(&http, base, &token).await, 200);
    let listed: Value = http
        .get(format!("{base}/public/v1/integrations"))
        .header("Authorization", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"], channel.as_str());

    // The grant is listed for the user; revoking it stops the token at once.
    let apps = s.get("/user/approved-apps").await;
    let grant = apps
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["oauthApp"]["name"] == "Postiz test agent")
        .unwrap_or_else(|| panic!("{apps}"))
        .clone();
    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/user/approved-apps/{}", grant["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(is_connected(&http, base, &token).await, 401);
    let refused = mcp::run(&json!({
        "url": format!("{base}/mcp-oauth"),
        "headers": {"Authorization": format!("Bearer {token}")},
    }))
    .await;
    assert!(refused.is_err(), "a revoked token still works: {refused:?}");
    assert!(s
        .get("/user/approved-apps")
        .await
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_server_refuses_what_it_must() {
    let w = world().await;
    let base = &w.srv.base;
    let http = Client::new();
    let (s, _, _) = org(base).await;

    let r = http
        .post(format!("{base}/oauth/register"))
        .json(&json!({"redirect_uris": ["http://evil.example/cb"], "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "invalid_redirect_uri"
    );
    let r = http
        .post(format!("{base}/oauth/register"))
        .json(&json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none", "client_name": "Agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let reg: Value = r.json().await.unwrap();
    let client_id = reg["client_id"].as_str().unwrap().to_string();
    assert!(client_id.starts_with("pcd_") && reg.get("client_secret").is_none());

    // The consent screen's check: a foreign redirect URI is refused.
    let query = |redirect: &str| {
        vec![
            ("client_id", client_id.clone()),
            ("response_type", "code".into()),
            ("redirect_uri", redirect.to_string()),
            ("code_challenge", challenge()),
            ("code_challenge_method", "S256".into()),
            ("state", "st".into()),
        ]
    };
    let r = http
        .get(format!("{base}/oauth/authorize"))
        .query(&query("https://evil.example/cb"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .get(format!("{base}/oauth/authorize"))
        .query(&query(REDIRECT))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["app"]["name"], "Agent");

    // Approval needs a session.
    let decision = json!({
        "client_id": client_id, "action": "approve", "state": "st",
        "redirect_uri": REDIRECT, "code_challenge": challenge(), "code_challenge_method": "S256"
    });
    let r = http
        .post(format!("{base}/oauth/authorize"))
        .json(&decision)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, answer) = s
        .call(Method::POST, "/oauth/authorize", Some(decision))
        .await;
    assert_eq!(status, 201, "{answer}");
    let code = code_in_redirect(&answer);

    let exchange = |verifier: &'static str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("client_id", client_id.clone()),
            ("code_verifier", verifier.to_string()),
            ("redirect_uri", REDIRECT.to_string()),
        ]
    };
    let fields = exchange("the-wrong-verifier-of-the-test-that-is-long-enough-too");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = form(&http, base, &refs).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    let fields = exchange(VERIFIER);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = form(&http, base, &refs).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(is_connected(&http, base, &token).await, 200);

    // The same code again: refused, and what it issued is revoked.
    let (status, body) = form(&http, base, &refs).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(is_connected(&http, base, &token).await, 401);

    // Registration needs no account: 30 an hour from one address, then 429.
    let mut statuses = Vec::new();
    for _ in 0..35 {
        let r = http
            .post(format!("{base}/oauth/register"))
            .json(&json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        28,
        "{statuses:?}"
    );

    let (status, body) = form(&http, base, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = form(
        &http,
        base,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "pcd_none"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizations_own_app_gets_tokens_with_its_secret() {
    let w = world().await;
    let base = &w.srv.base;
    let http = Client::new();
    let (s, _, _) = org(base).await;

    assert_eq!(s.get("/user/oauth-app").await, Value::Bool(false));
    let (status, app) = s
        .call(
            Method::POST,
            "/user/oauth-app",
            Some(json!({"name": "Our tool", "redirectUrl": "https://tool.example/cb"})),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let client_id = app["clientId"].as_str().unwrap().to_string();
    let secret = app["clientSecret"].as_str().unwrap().to_string();
    let shown = s.get("/user/oauth-app").await;
    assert_eq!(shown["clientId"], client_id.as_str());
    assert!(shown.get("clientSecret").is_none());
    let (status, _) = s
        .call(
            Method::POST,
            "/user/oauth-app",
            Some(json!({"name": "Second", "redirectUrl": "https://tool.example/cb"})),
        )
        .await;
    assert_eq!(status, 400, "one app per organization");

    let (_, answer) = s
        .call(
            Method::POST,
            "/oauth/authorize",
            Some(json!({"client_id": client_id, "action": "approve", "state": "s1"})),
        )
        .await;
    let redirect = answer["redirect"].as_str().unwrap();
    assert!(
        redirect.starts_with("https://tool.example/cb?code="),
        "{redirect}"
    );
    let code = code_in_redirect(&answer);
    // The secret in HTTP Basic authentication, the request as a form.
    let r = http
        .post(format!("{base}/oauth/token"))
        .header(
            "Authorization",
            format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}"))),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(is_connected(&http, base, &token).await, 200);

    // Deleting the app revokes its tokens.
    let (status, _) = s.call(Method::DELETE, "/user/oauth-app", None).await;
    assert_eq!(status, 200);
    assert_eq!(is_connected(&http, base, &token).await, 401);
    assert_eq!(s.get("/user/oauth-app").await, Value::Bool(false));
}
