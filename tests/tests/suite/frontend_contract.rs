//! The Postiz web app's contract, call by call: `tests/data/frontend-calls.json` lists every
//! backend call of the app (method, path, what it sends, the status it needs and the fields
//! it reads). This sends each, in file order, to a `postiz-server` holding a realistic
//! organization (a channel, a post, a set, a signature, a team member, an announcement), and
//! fails on any call whose route is missing, whose status differs, or whose answer lacks a
//! field the app reads. A second check keeps the file and the routers in step.

use chrono::{Duration as Span, Utc};
use postiz_tests::fakes::{mastodon, serve, telegram};
use postiz_tests::{unique, Running};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

fn calls() -> Vec<Value> {
    let path = postiz_tests::repo_root().join("tests/data/frontend-calls.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["calls"].as_array().unwrap().clone()
}

/// `/posts/{group}` → `/posts/{}`: routes compared without their parameter names.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_call_of_the_file_is_a_registered_route() {
    let served: Vec<(String, String)> = postiz_server::internal_operations()
        .into_iter()
        .map(|(m, p)| (m, shape(&p)))
        .collect();
    let mut missing = Vec::new();
    for c in calls() {
        let method = c["method"].as_str().unwrap().to_string();
        let path = shape(c["path"].as_str().unwrap());
        let routed = served.contains(&(method.clone(), path.clone()));
        if routed == c["unrouted"].as_bool().unwrap_or(false) {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing (or listed as unrouted but served): {missing:?}"
    );
}

/// What the calls refer to: ids made while setting up, and values of earlier answers.
#[derive(Default)]
struct Fixtures(HashMap<String, String>);

impl Fixtures {
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_string(), value.into());
    }

    /// Replaces every `<name>` of a known fixture in the text.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.0 {
            out = out.replace(&format!("<{k}>"), v);
        }
        out
    }

    fn fill_json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.fill(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.fill_json(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.fill_json(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// A tiny valid PNG.
fn png() -> Vec<u8> {
    crate::media_http::png(7)
}

/// The values a field path selects: `a.b`, `a[].b` (every element), `[0].b` (the first);
/// an error names what is missing.
fn select<'v>(root: &'v Value, path: &str) -> Result<Vec<&'v Value>, String> {
    let mut current = vec![root];
    for token in path.split('.') {
        let (name, index) = match token.find('[') {
            Some(i) => (&token[..i], Some(&token[i..])),
            None => (token, None),
        };
        let mut next = Vec::new();
        for v in current {
            let v = if name.is_empty() {
                v
            } else {
                v.as_object()
                    .ok_or_else(|| format!("{name}: the parent is not an object"))?
                    .get(name)
                    .ok_or_else(|| format!("{path}: no field {name}"))?
            };
            match index {
                None => next.push(v),
                Some(ix) => {
                    let items = v
                        .as_array()
                        .ok_or_else(|| format!("{path}: {name} is not an array"))?;
                    if items.is_empty() {
                        return Err(format!("{path}: {name} has no element to check"));
                    }
                    match ix {
                        "[]" => next.extend(items.iter()),
                        "[0]" => next.push(&items[0]),
                        other => return Err(format!("{path}: unknown index {other}")),
                    }
                }
            }
        }
        current = next;
    }
    Ok(current)
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

struct Harness {
    http: Client,
    base: String,
    sessions: HashMap<String, String>,
    fixtures: Fixtures,
}

impl Harness {
    async fn send(
        &self,
        method: Method,
        path: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(name) = session {
            req = req.header("auth", &self.sessions[name]);
        }
        if let Some(b) = body.filter(|b| !b.is_null()) {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    async fn json(&self, method: Method, path: &str, session: &str, body: Value) -> Value {
        let r = self.send(method, path, Some(session), Some(body)).await;
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Sends one call of the file; `Err` lists what is wrong with the answer.
    async fn check(&mut self, call: &Value) -> Result<(), String> {
        let method: Method = call["method"].as_str().unwrap().parse().unwrap();
        let mut path = call["path"].as_str().unwrap().to_string();
        if let Some(params) = call["params"].as_object() {
            for (name, v) in params {
                let v = v.as_str().unwrap();
                let value = match v.strip_prefix('=') {
                    Some(literal) => literal.to_string(),
                    None => self.fixtures.fill(v),
                };
                path = path.replace(&format!("{{{name}}}"), &value);
            }
        }
        if let Some(query) = call["query"].as_object() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    let v = self.fixtures.fill(v.as_str().unwrap_or_default());
                    format!("{k}={}", urlencode(&v))
                })
                .collect();
            path = format!("{path}?{}", pairs.join("&"));
        }
        let session = match call["auth"].as_str() {
            Some("none") => None,
            _ => Some(call["session"].as_str().unwrap_or("owner")),
        };
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(name) = session {
            req = req.header("auth", &self.sessions[name]);
        }
        if let Some(m) = call["multipart"].as_object() {
            let part = reqwest::multipart::Part::bytes(png())
                .file_name(m["filename"].as_str().unwrap().to_string())
                .mime_str("image/png")
                .unwrap();
            req = req.multipart(
                reqwest::multipart::Form::new()
                    .part(m["field"].as_str().unwrap().to_string(), part),
            );
        } else if !call["body"].is_null() {
            req = req.json(&self.fixtures.fill_json(&call["body"]));
        }
        let r = req.send().await.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let snippet: String = text.chars().take(300).collect();
        let mut problems = Vec::new();
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if status == 404
            && json
                .as_ref()
                .and_then(|j| j["message"].as_str())
                .is_some_and(|m| m.starts_with("Cannot "))
            && !call["unrouted"].as_bool().unwrap_or(false)
        {
            return Err(format!("no route: {snippet}"));
        }
        let want = call["status"].as_u64().unwrap() as u16;
        if status != want {
            problems.push(format!("status {status}, want {want}: {snippet}"));
        }
        for h in call["headers"].as_array().into_iter().flatten() {
            if !headers.contains_key(h.as_str().unwrap()) {
                problems.push(format!("no {h} header"));
            }
        }
        let body = match call["type"].as_str() {
            Some("empty") => {
                if !text.is_empty() {
                    problems.push(format!("a body where none is expected: {snippet}"));
                }
                None
            }
            Some("ndjson") => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str::<Value>)
                .collect::<Result<Vec<_>, _>>()
                .ok()
                .and_then(|lines| lines.last().cloned())
                .or_else(|| {
                    problems.push(format!("not JSON lines: {snippet}"));
                    None
                }),
            Some("string") => Some(Value::String(text.clone())),
            Some(kind) => match &json {
                Some(j) if type_of(j) == kind => Some(j.clone()),
                Some(j) => {
                    problems.push(format!("a {} where the app needs a {kind}", type_of(j)));
                    None
                }
                None => {
                    problems.push(format!("not JSON: {snippet}"));
                    None
                }
            },
            None => json.clone(),
        };
        if let Some(reads) = call["reads"].as_array() {
            match &body {
                Some(b) => {
                    for read in reads {
                        if let Err(e) = select(b, read.as_str().unwrap()) {
                            problems.push(e);
                        }
                    }
                }
                None if call["type"].is_null() => problems.push(format!("not JSON: {snippet}")),
                None => {}
            }
        }
        if let (Some(save), Some(b)) = (call["save"].as_object(), &body) {
            for (name, at) in save {
                match select(b, at.as_str().unwrap())
                    .ok()
                    .and_then(|v| v.first().and_then(|x| x.as_str()))
                {
                    Some(v) => self.fixtures.set(name, v),
                    None => problems.push(format!("nothing to keep as {name} at {at}")),
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_gets_every_answer_it_reads() {
    let (masto, _) = mastodon::app();
    let masto = serve(masto).await;
    let (tg, _) = telegram::app();
    let tg = serve(tg).await;
    let admin_email = format!("{}@example.com", unique("platform-admin"));
    let data = tempfile::tempdir().unwrap();
    let envs = vec![
        ("DATA_DIR", data.path().display().to_string()),
        ("MASTODON_URL", masto.clone()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
        ("TELEGRAM_URL", tg),
        ("TELEGRAM_TOKEN", telegram::TOKEN.to_string()),
        ("FRONTEND_URL", "http://127.0.0.1:4200".to_string()),
        ("SUPER_ADMIN_EMAILS", admin_email.clone()),
    ];
    let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
    let http = Client::new();
    let base = server.base.clone();
    let mut h = Harness {
        http: http.clone(),
        base: base.clone(),
        sessions: HashMap::new(),
        fixtures: Fixtures::default(),
    };

    // The organization the app looks at: its owner, a second session of the owner (to log
    // out), the platform administrator, a team member, a channel and a post.
    let (owner_email, owner) = crate::util::register(&http, &base).await;
    h.sessions.insert("owner".into(), owner.clone());
    h.fixtures.set("owner_email", owner_email.clone());
    h.fixtures.set("owner_password", "owner-pass");
    h.fixtures
        .set("new_email", format!("{}@example.com", unique("newcomer")));
    let login = h
        .send(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"email": owner_email, "password": "owner-pass", "provider": "LOCAL"})),
        )
        .await;
    h.sessions
        .insert("spare".into(), crate::util::auth_cookie(&login));
    let admin = h
        .send(
            Method::POST,
            "/auth/register",
            None,
            Some(json!({"email": admin_email, "password": "admin-pass", "company": "Platform", "provider": "LOCAL"})),
        )
        .await;
    h.sessions
        .insert("admin".into(), crate::util::auth_cookie(&admin));
    let announcement = h
        .json(
            Method::POST,
            "/announcements",
            "admin",
            json!({"title": "Maintenance", "description": "Down at 10:00", "color": "WARNING"}),
        )
        .await;
    h.fixtures
        .set("announcement", announcement["id"].as_str().unwrap());
    let me = h
        .json(Method::GET, "/user/self", "owner", Value::Null)
        .await;
    h.fixtures.set("org", me["orgId"].as_str().unwrap());

    let invite = h
        .json(
            Method::POST,
            "/settings/team",
            "owner",
            json!({"email": "member@example.com", "role": "USER", "sendEmail": false}),
        )
        .await;
    let invite = invite["url"]
        .as_str()
        .unwrap()
        .split("org=")
        .nth(1)
        .unwrap()
        .to_string();
    let (_, member) = crate::util::register(&http, &base).await;
    h.sessions.insert("member".into(), member);
    h.json(
        Method::POST,
        "/user/join-org",
        "member",
        json!({"org": invite}),
    )
    .await;
    let member_me = h
        .json(Method::GET, "/user/self", "member", Value::Null)
        .await;
    h.fixtures.set("member", member_me["id"].as_str().unwrap());

    let channel = crate::util::connect_mastodon(&http, &base, &owner).await;
    h.fixtures.set("channel", channel.clone());
    let tomorrow = (Utc::now() + Span::days(1))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    h.fixtures.set(
        "tomorrow_wall",
        tomorrow.format("%Y-%m-%dT%H:%M:%S").to_string(),
    );
    h.fixtures.set(
        "next_week_wall",
        (tomorrow + Span::days(7))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
    );
    h.fixtures.set(
        "week_start",
        (tomorrow - Span::days(3))
            .format("%Y-%m-%dT00:00:00+00:00")
            .to_string(),
    );
    h.fixtures.set(
        "week_end",
        (tomorrow + Span::days(3))
            .format("%Y-%m-%dT23:59:59+00:00")
            .to_string(),
    );
    h.fixtures.set("group", unique("contract-group-"));
    h.fixtures.set("new_group", unique("contract-new-"));
    let created = h
        .json(
            Method::POST,
            "/posts",
            "owner",
            h.fixtures.fill_json(&json!({
                "type": "schedule", "tags": [], "shortLink": false, "date": "<tomorrow_wall>",
                "posts": [{"integration": {"id": channel}, "group": "<group>",
                    "settings": {"__type": "mastodon"},
                    "value": [{"content": "<p>Hello from the contract</p>", "image": []}]}]
            })),
        )
        .await;
    let post = created[0]["postId"].as_str().unwrap().to_string();
    // Each channel's post gets its own group (the calendar's `g`), whatever the app sent.
    let thread = h
        .json(Method::GET, &format!("/posts/{post}"), "owner", Value::Null)
        .await;
    h.fixtures.set("group", thread["group"].as_str().unwrap());
    h.fixtures.set("post", post);
    h.json(
        Method::POST,
        "/posts/tags",
        "owner",
        json!({"name": "launch", "color": "#ff0000"}),
    )
    .await;
    h.json(
        Method::POST,
        "/sets",
        "owner",
        json!({"name": "Weekly", "content": "{\"posts\":[]}"}),
    )
    .await;
    h.json(
        Method::POST,
        "/signatures",
        "owner",
        json!({"content": "<p>Cheers</p>", "autoAdd": true}),
    )
    .await;

    let mut failures = Vec::new();
    let all = calls();
    for call in &all {
        let name = format!(
            "{} {}",
            call["method"].as_str().unwrap(),
            call["path"].as_str().unwrap()
        );
        if let Err(why) = h.check(call).await {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} calls of the web app failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
