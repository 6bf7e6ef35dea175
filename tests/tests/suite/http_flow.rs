//! The accounts flow over HTTP against a real `postiz-server` process: on the embedded store
//! (with a restart on the same DATA_DIR), and through `infra/local-aws` on the emulator.

use postiz_core::email::OutboxMailer;
use postiz_tests::{free_port, repo_root, unique, Running};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A session: the `auth` token taken from the Set-Cookie of register/login.
fn token_of(r: &Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("auth=")
                .map(|rest| rest.split(';').next().unwrap_or("").to_string())
        })
        .filter(|t| !t.is_empty())
        .expect("an auth cookie")
}

struct Api {
    http: Client,
    base: String,
}

impl Api {
    fn new(base: &str) -> Self {
        Self {
            http: Client::new(),
            base: base.to_string(),
        }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        let mut r = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            r = r.header("auth", t);
        }
        r.send().await.unwrap()
    }

    async fn get(&self, path: &str, token: &str, show_org: Option<&str>) -> Response {
        let mut r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("auth", token);
        if let Some(o) = show_org {
            r = r.header("showorg", o);
        }
        r.send().await.unwrap()
    }

    async fn json(&self, path: &str, token: &str, show_org: Option<&str>) -> Value {
        let r = self.get(path, token, show_org).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    async fn register(&self, email: &str, password: &str, company: &str) -> String {
        let r = self
            .post("/auth/register", None, json!({"email": email, "password": password, "company": company, "provider": "LOCAL", "providerToken": ""}))
            .await;
        assert_eq!(r.status(), 200, "register {email}");
        assert_eq!(r.headers().get("onboarding").unwrap(), "true");
        let t = token_of(&r);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"register": true}));
        t
    }

    async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/auth/login",
            None,
            json!({"email": email, "password": password, "provider": "LOCAL"}),
        )
        .await
    }

    async fn is_connected(&self, key: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(k) = key {
            r = r.header("authorization", k);
        }
        let r = r.send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

/// What a restart hands back: the new base URL.
type Restart<'a> =
    Box<dyn FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = String> + 'a>> + 'a>;

/// The whole accounts flow; `outbox` is where emails land; `restart` (if any) restarts the
/// server on the same data and returns its new base URL.
async fn flow(base: &str, outbox: &Path, restart: Option<Restart<'_>>) {
    let api = Api::new(base);
    let (email_a, email_b) = (
        format!("{}@example.com", unique("alice")),
        format!("{}@example.com", unique("bob")),
    );

    // Register, then see oneself and one's organization.
    assert_eq!(
        api.http
            .get(format!("{base}/auth/can-register"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
        json!({"register": true})
    );
    let a = api
        .register(&email_a.to_uppercase(), "alice-pass-1", "Alice Corp")
        .await;
    let me = api.json("/user/self", &a, None).await;
    assert_eq!(me["email"], email_a, "emails are stored lower-cased");
    assert_eq!(me["role"], "SUPERADMIN");
    assert_eq!(me["tier"], "ULTIMATE");
    assert!(me.get("password").is_none(), "password hash leaked");
    let org_a = me["orgId"].as_str().unwrap().to_string();
    let first_key = me["publicApi"].as_str().unwrap().to_string();
    assert!(first_key.len() >= 32);
    let orgs = api.json("/user/organizations", &a, None).await;
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    assert_eq!(orgs[0]["id"], org_a.as_str());
    assert_eq!(orgs[0]["name"], "Alice Corp");
    assert_eq!(orgs[0]["users"][0]["role"], "SUPERADMIN");
    // The cookie authenticates as well as the header.
    let by_cookie = api
        .http
        .get(format!("{base}/user/self"))
        .header("cookie", format!("auth={a}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);

    // Bad input is a clear 4xx.
    let wrong = api.login(&email_a, "not-the-password").await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(wrong.text().await.unwrap(), "Invalid user name or password");
    let unknown = api.login("nobody@example.com", "whatever").await;
    assert_eq!(unknown.status(), 400);
    let dup = api.post("/auth/register", None, json!({"email": email_a, "password": "other-pass", "company": "Again Inc", "provider": "LOCAL"})).await;
    assert_eq!(dup.status(), 400);
    assert_eq!(dup.text().await.unwrap(), "Email already exists");
    let malformed = api
        .http
        .post(format!("{base}/auth/register"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["statusCode"], 400);
    assert!(body["message"].as_str().unwrap().contains("JSON"));
    let invalid = api
        .post(
            "/auth/register",
            None,
            json!({"email": "not-an-email", "password": "x", "company": "A"}),
        )
        .await;
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["error"], "Bad Request");
    let messages: Vec<String> = serde_json::from_value(body["message"].clone()).unwrap();
    assert!(
        messages.contains(&"email must be an email".to_string()),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("password must be longer")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("company must be longer")),
        "{messages:?}"
    );
    let wrong_type = api
        .post(
            "/auth/register",
            None,
            json!({"email": 5, "password": "xxxx", "company": "Acme"}),
        )
        .await;
    assert_eq!(wrong_type.status(), 400);

    // No session, forged sessions: 401 and the cookie cleared.
    let none = api
        .http
        .get(format!("{base}/user/self"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers().get("logout").unwrap(), "true");
    assert!(none
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("auth=;")));
    let parts: Vec<&str> = a.split('.').collect();
    for forged in [
        format!("{}.{}.{}", parts[0], parts[1], "AAAA"),
        format!("{}.{}.{}", parts[0], base64url(&json!({"kind": "session", "id": me["id"], "email": email_a, "jti": "x", "iat": 0, "exp": 9999999999i64}).to_string()), parts[2]),
        "garbage".to_string(),
    ] {
        assert_eq!(api.get("/user/self", &forged, None).await.status(), 401, "forged token accepted");
    }

    // The public API key: rotate, use, refuse the old and wrong ones.
    let rotated = api.post("/user/api-key/rotate", Some(&a), json!({})).await;
    assert_eq!(rotated.status(), 201);
    let key = rotated.json::<Value>().await.unwrap()["apiKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(key, first_key);
    assert_eq!(
        api.json("/user/self", &a, None).await["publicApi"],
        key.as_str()
    );
    assert_eq!(
        api.is_connected(Some(&key), "/public/v1/is-connected")
            .await,
        (StatusCode::OK, json!({"connected": true}))
    );
    assert_eq!(
        api.is_connected(Some(&format!("Bearer {key}")), "/public/v1/is-connected")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        api.is_connected(Some(&key), "//public/v1/is-connected")
            .await
            .0,
        StatusCode::OK,
        "doubled leading slash"
    );
    assert_eq!(
        api.is_connected(Some(&first_key), "/public/v1/is-connected")
            .await,
        (StatusCode::UNAUTHORIZED, json!({"msg": "Invalid API key"}))
    );
    assert_eq!(
        api.is_connected(Some("wrong-key"), "/public/v1/is-connected")
            .await,
        (StatusCode::UNAUTHORIZED, json!({"msg": "Invalid API key"}))
    );
    assert_eq!(
        api.is_connected(None, "/public/v1/is-connected").await,
        (StatusCode::UNAUTHORIZED, json!({"msg": "No API Key found"}))
    );
    let unknown_route = api.is_connected(Some(&key), "/public/v1/nope").await;
    assert_eq!(
        unknown_route,
        (
            StatusCode::NOT_FOUND,
            json!({"message": "Cannot GET /public/v1/nope", "error": "Not Found", "statusCode": 404})
        )
    );

    // A second organization sees nothing of the first, not even through showorg.
    let b = api.register(&email_b, "bob-pass-1", "Bob Ltd").await;
    let me_b = api.json("/user/self", &b, Some(&org_a)).await;
    let org_b = me_b["orgId"].as_str().unwrap().to_string();
    assert_ne!(org_b, org_a, "showorg reached another organization");
    assert_ne!(me_b["publicApi"], key.as_str());
    let orgs_b = api.json("/user/organizations", &b, Some(&org_a)).await;
    assert_eq!(orgs_b.as_array().unwrap().len(), 1);
    assert_eq!(orgs_b[0]["id"], org_b.as_str());
    let team_b = api.json("/settings/team", &b, Some(&org_a)).await;
    assert!(
        !team_b.to_string().contains(&email_a),
        "another org's member visible"
    );
    assert_eq!(
        api.post("/user/change-org", Some(&b), json!({"id": org_a}))
            .await
            .status(),
        404
    );
    assert_eq!(
        api.http
            .delete(format!(
                "{base}/settings/team/{}",
                me["id"].as_str().unwrap()
            ))
            .header("auth", &b)
            .header("showorg", &org_a)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Teams: an invite link joins once; roles limit what a USER may do.
    let invite = api
        .post(
            "/settings/team",
            Some(&a),
            json!({"email": email_b, "role": "USER", "sendEmail": true}),
        )
        .await;
    assert_eq!(invite.status(), 201);
    let url = invite.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let invite_token = url.split("org=").nth(1).unwrap().to_string();
    assert!(
        OutboxMailer::new(outbox)
            .messages()
            .iter()
            .any(|m| m.to == email_b && m.html.contains(&invite_token)),
        "invite email missing"
    );
    let joined = api
        .post("/user/join-org", Some(&b), json!({"org": invite_token}))
        .await;
    assert_eq!(joined.status(), 200);
    assert_eq!(joined.json::<Value>().await.unwrap(), json!({"id": org_a}));
    let reused = api
        .post("/user/join-org", Some(&b), json!({"org": invite_token}))
        .await;
    assert_eq!(
        reused.json::<Value>().await.unwrap(),
        json!({"id": null}),
        "invite used twice"
    );
    assert_eq!(
        api.json("/user/organizations", &b, None)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let b_in_a = api.json("/user/self", &b, Some(&org_a)).await;
    assert_eq!(b_in_a["orgId"], org_a.as_str());
    assert_eq!(b_in_a["role"], "USER");
    assert_eq!(b_in_a["publicApi"], "", "API key shown to a USER");
    let change = api
        .post("/user/change-org", Some(&b), json!({"id": org_a}))
        .await;
    assert_eq!(change.status(), 200);
    assert!(change
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with(&format!("showorg={org_a}"))));
    let req = |m: reqwest::Method, p: &str| {
        api.http
            .request(m, format!("{base}{p}"))
            .header("auth", &b)
            .header("showorg", &org_a)
    };
    assert_eq!(
        req(reqwest::Method::POST, "/user/api-key/rotate")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        req(reqwest::Method::GET, "/settings/team")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let team_a = api.json("/settings/team", &a, None).await;
    assert_eq!(team_a["users"].as_array().unwrap().len(), 2);
    let removed = api
        .http
        .delete(format!(
            "{base}/settings/team/{}",
            me_b["id"].as_str().unwrap()
        ))
        .header("auth", &a)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    assert_eq!(
        api.json("/user/self", &b, Some(&org_a)).await["orgId"],
        org_b.as_str(),
        "removed member still in the org"
    );
    let self_removal = api
        .http
        .delete(format!(
            "{base}/settings/team/{}",
            me["id"].as_str().unwrap()
        ))
        .header("auth", &a)
        .send()
        .await
        .unwrap();
    assert_eq!(self_removal.status(), 400);

    // Profile and email preferences.
    assert_eq!(
        api.post("/user/personal", Some(&a), json!({"fullname": "Al"}))
            .await
            .status(),
        400
    );
    assert_eq!(
        api.post(
            "/user/personal",
            Some(&a),
            json!({"fullname": "Alice Liddell", "bio": "hi"})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        api.json("/user/personal", &a, None).await["name"],
        "Alice Liddell"
    );
    assert_eq!(
        api.post(
            "/user/email-notifications",
            Some(&a),
            json!({"sendSuccessEmails": false})
        )
        .await
        .status(),
        201
    );
    let prefs = api.json("/user/email-notifications", &a, None).await;
    assert_eq!(
        prefs,
        json!({"sendSuccessEmails": false, "sendFailureEmails": true, "sendStreakEmails": true})
    );

    // Logout revokes that session only.
    let second = token_of(&api.login(&email_a, "alice-pass-1").await);
    assert_eq!(
        api.post("/user/logout", Some(&second), json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(api.get("/user/self", &second, None).await.status(), 401);
    assert_eq!(api.get("/user/self", &a, None).await.status(), 200);

    // Password reset by emailed link: single use; old sessions end.
    assert_eq!(
        api.post("/auth/forgot", None, json!({"email": email_a}))
            .await
            .json::<Value>()
            .await
            .unwrap(),
        json!({"forgot": true})
    );
    assert_eq!(
        api.post("/auth/forgot", None, json!({"email": "nobody@example.com"}))
            .await
            .json::<Value>()
            .await
            .unwrap(),
        json!({"forgot": true})
    );
    let mail = OutboxMailer::new(outbox)
        .messages()
        .into_iter()
        .rev()
        .find(|m| m.to == email_a && m.subject == "Reset your password")
        .expect("reset email");
    let reset_token = mail
        .html
        .split("/auth/forgot/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mismatch = api
        .post(
            "/auth/forgot-return",
            None,
            json!({"token": reset_token, "password": "newpass-1", "repeatPassword": "newpass-2"}),
        )
        .await;
    assert_eq!(mismatch.status(), 400);
    let reset = api.post("/auth/forgot-return", None, json!({"token": reset_token, "password": "alice-pass-2", "repeatPassword": "alice-pass-2"})).await;
    assert_eq!(reset.json::<Value>().await.unwrap(), json!({"reset": true}));
    let again = api.post("/auth/forgot-return", None, json!({"token": reset_token, "password": "alice-pass-3", "repeatPassword": "alice-pass-3"})).await;
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({"reset": false}),
        "reset link used twice"
    );
    assert_eq!(
        api.get("/user/self", &a, None).await.status(),
        401,
        "session survived a password reset"
    );
    assert_eq!(api.login(&email_a, "alice-pass-1").await.status(), 400);
    let login = api.login(&email_a, "alice-pass-2").await;
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers().get("reload").unwrap(), "true");
    let fresh = token_of(&login);

    // A restart on the same data keeps sessions, keys and organizations.
    if let Some(restart) = restart {
        let base = restart().await;
        let api = Api::new(&base);
        let me = api.json("/user/self", &fresh, None).await;
        assert_eq!(me["orgId"], org_a.as_str());
        assert_eq!(me["publicApi"], key.as_str());
        assert_eq!(
            api.is_connected(Some(&key), "/public/v1/is-connected")
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            api.get("/user/self", &second, None).await.status(),
            401,
            "revoked session revived by restart"
        );
    }
}

fn base64url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_flow_on_the_local_server() {
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("STORAGE", "embedded".to_string()),
    ];
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let base = server.base.clone();
    let outbox = data.path().join("outbox");
    let slot = std::sync::Mutex::new(Some(server));
    let restart: Restart<'_> = Box::new(|| {
        Box::pin(async {
            if let Some(mut s) = slot.lock().unwrap().take() {
                s.stop();
            }
            let s = Running::server(&envs).ready(Duration::from_secs(30)).await;
            let base = s.base.clone();
            *slot.lock().unwrap() = Some(s);
            base
        })
    });
    flow(&base, &outbox, Some(restart)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_flow_through_infra_local_aws() {
    if !postiz_tests::aws_available() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(repo_root().join("infra/local-aws"));
    cmd.env("PORT", port.to_string())
        .env("DATA_DIR", data.path())
        .env("EMAIL_OUTBOX_DIR", data.path().join("outbox"))
        .env("POSTIZ_SERVER_BIN", postiz_tests::server_bin())
        .env_remove("AWS_ENDPOINT_URL");
    let running = Running::start(cmd, port)
        .ready(Duration::from_secs(120))
        .await;
    flow(&running.base, &data.path().join("outbox"), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_verification_requires_activation() {
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("EMAIL_VERIFICATION", "true".to_string()),
        ("NOT_SECURED", "true".to_string()),
    ];
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let api = Api::new(&server.base);
    let email = format!("{}@example.com", unique("carol"));
    let r = api.post("/auth/register", None, json!({"email": email, "password": "carol-pass", "company": "Carol Co", "provider": "LOCAL"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("activate").unwrap(), "true");
    assert!(
        r.headers().get("set-cookie").is_none(),
        "session before activation"
    );
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"activate": true}));
    let login = api.login(&email, "carol-pass").await;
    assert_eq!(login.status(), 400);
    assert_eq!(login.text().await.unwrap(), "User is not activated");
    let mail = OutboxMailer::new(data.path().join("outbox"))
        .messages()
        .into_iter()
        .find(|m| m.to == email)
        .expect("activation email");
    assert_eq!(mail.subject, "Activate your account");
    let code = mail
        .html
        .split("/auth/activate/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let activated = api
        .post("/auth/activate", None, json!({"code": code}))
        .await;
    assert_eq!(
        activated.status(),
        200,
        "Postiz answers activation with 200"
    );
    assert_eq!(activated.headers().get("onboarding").unwrap(), "true");
    let token = activated
        .headers()
        .get("auth")
        .expect("auth header in NOT_SECURED mode")
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        activated.json::<Value>().await.unwrap(),
        json!({"can": true})
    );
    assert_eq!(
        api.post("/auth/activate", None, json!({"code": code}))
            .await
            .json::<Value>()
            .await
            .unwrap(),
        json!({"can": false})
    );
    assert_eq!(api.get("/user/self", &token, None).await.status(), 200);
    assert_eq!(api.login(&email, "carol-pass").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_can_be_limited_to_the_first_organization() {
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("DISABLE_REGISTRATION", "true".to_string()),
    ];
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let api = Api::new(&server.base);
    api.register("first@example.com", "first-pass", "First Org")
        .await;
    let can: Value = api
        .http
        .get(format!("{}/auth/can-register", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(can, json!({"register": false}));
    let second = api.post("/auth/register", None, json!({"email": "second@example.com", "password": "second-pass", "company": "Second Org", "provider": "LOCAL"})).await;
    assert_eq!(second.status(), 400);
    assert_eq!(second.text().await.unwrap(), "Registration is disabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_follows_postiz() {
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
    ];
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let http = Client::new();
    let pre = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/user/self", server.base),
        )
        .header("origin", "http://127.0.0.1:4200")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "auth,content-type")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    assert_eq!(
        pre.headers().get("access-control-allow-origin").unwrap(),
        "http://127.0.0.1:4200"
    );
    assert_eq!(
        pre.headers()
            .get("access-control-allow-credentials")
            .unwrap(),
        "true"
    );
    let evil = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/user/self", server.base),
        )
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    // Header mode allows credentials too: the web app's uploads and its assistant send
    // them whatever the mode (Postiz refuses them, which breaks uploads across ports).
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
        ("NOT_SECURED", "true".to_string()),
    ];
    let header_mode = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let pre = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/media/upload-server", header_mode.base),
        )
        .header("origin", "http://127.0.0.1:4200")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        pre.headers()
            .get("access-control-allow-credentials")
            .unwrap(),
        "true"
    );
    let get = http
        .get(format!("{}/auth/can-register", header_mode.base))
        .header("origin", "http://127.0.0.1:4200")
        .send()
        .await
        .unwrap();
    let exposed = get
        .headers()
        .get("access-control-expose-headers")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(exposed.contains("auth"), "{exposed}");
}
