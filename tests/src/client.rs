//! Calls a test or benchmark makes on a running `postiz-server`: sign-up, the session token,
//! the organization's API key, connecting the fake Mastodon.

/// The `auth` token from a response's Set-Cookie.
pub fn auth_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|c| {
            c.to_str()
                .ok()?
                .strip_prefix("auth=")
                .map(|v| v.split(';').next().unwrap_or_default().to_string())
        })
        .expect("an auth cookie")
}

/// The password [`register`] gives every owner.
pub const PASSWORD: &str = "owner-pass";

/// Registers a new organization on a running server; its owner's email and session token.
pub async fn register(http: &reqwest::Client, base: &str) -> (String, String) {
    let email = format!("{}@example.com", crate::unique("owner"));
    let token = register_as(http, base, &email).await;
    (email, token)
}

/// Registers `email` (with [`PASSWORD`]) and its organization; the session token.
pub async fn register_as(http: &reqwest::Client, base: &str, email: &str) -> String {
    let r = http
        .post(format!("{base}/auth/register"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD, "company": "Acme", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    auth_cookie(&r)
}

/// Connects the fake Mastodon account to the session's organization over HTTP (OAuth start,
/// then the callback); the channel id.
pub async fn connect_mastodon(http: &reqwest::Client, base: &str, token: &str) -> String {
    let (status, channel) = try_connect_mastodon(http, base, token).await;
    assert_eq!(status, 201, "{channel}");
    channel["id"].as_str().unwrap().to_string()
}

/// [`connect_mastodon`] without expecting success: the callback's status and answer.
pub async fn try_connect_mastodon(
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> (u16, serde_json::Value) {
    let start: serde_json::Value = http
        .get(format!("{base}/integrations/social/mastodon"))
        .header("auth", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = start["url"].as_str().expect("an auth url");
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let r = http
        .post(format!("{base}/integrations/social-connect/mastodon"))
        .header("auth", token)
        .json(&serde_json::json!({"state": state, "code": crate::fakes::mastodon::GOOD_CODE}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// The environment of a server whose Mastodon is the fake at `url` (see `fakes::mastodon`).
pub fn mastodon_env(url: String) -> [(&'static str, String); 3] {
    [
        ("MASTODON_URL", url),
        (
            "MASTODON_CLIENT_ID",
            crate::fakes::mastodon::CLIENT_ID.to_string(),
        ),
        (
            "MASTODON_CLIENT_SECRET",
            crate::fakes::mastodon::CLIENT_SECRET.to_string(),
        ),
    ]
}

/// The public API key of the session's organization (`GET /user/self` → `publicApi`).
pub async fn api_key(http: &reqwest::Client, base: &str, token: &str) -> String {
    let me: serde_json::Value = http
        .get(format!("{base}/user/self"))
        .header("auth", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["publicApi"].as_str().expect("an API key").to_string()
}
