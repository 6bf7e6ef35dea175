//! Stripe for the tests: `localstripe` (PyPI), a stateful emulator of Stripe's API that also
//! delivers signed webhooks, behind a small fake of ours for what it lacks: prices (kept as
//! localstripe plans with the same ids, which Stripe's API also accepts), Checkout Sessions
//! (completed by visiting their URL, as a customer paying would: a card is attached and the
//! subscription created with the session's metadata) and billing portal sessions. Every other
//! call is passed to localstripe unchanged, except, on subscriptions, `items[n][price]` sent as
//! `items[n][plan]`, `proration_behavior` as the older `prorate`, and metadata changes kept
//! by the fake (localstripe keeps a subscription's first metadata only) and shown in its
//! answers.
//!
//! localstripe sends `customer.subscription.created` and `.deleted` itself, but not
//! `.updated`: after a subscription changes through the fake, the fake delivers that event
//! the way Stripe does (signed with the endpoint's secret).
//!
//! localstripe does not run trials (a subscription with a trial stays `incomplete`), so a
//! completed checkout starts the subscription without its trial.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Running;

/// A running localstripe and the fake in front of it.
pub struct Stripe {
    /// The fake's base URL (`STRIPE_API_BASE`).
    pub base: String,
    /// localstripe's own base URL.
    pub localstripe: String,
    /// Checkout Sessions opened, by id.
    pub sessions: Arc<Mutex<HashMap<String, Value>>>,
    endpoint: Arc<Mutex<Option<(String, String)>>>,
    _process: Running,
}

/// Where the `localstripe` command is: `LOCALSTRIPE_BIN`, the project's virtualenv
/// (`POSTIZ_VENV`, default `~/.cache/postiz-venv`), else the `PATH`.
fn localstripe_bin() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("LOCALSTRIPE_BIN") {
        return p.into();
    }
    crate::venv_bin("localstripe")
}

#[derive(Clone)]
struct Fake {
    upstream: String,
    me: String,
    http: reqwest::Client,
    sessions: Arc<Mutex<HashMap<String, Value>>>,
    /// Where events go and the secret they are signed with.
    endpoint: Arc<Mutex<Option<(String, String)>>>,
    /// Metadata set on subscriptions after their creation (localstripe keeps only the first).
    metadata: Arc<Mutex<HashMap<String, serde_json::Map<String, Value>>>>,
}

impl Stripe {
    /// Starts localstripe on a free port and the fake in front of it.
    pub async fn start() -> Self {
        let port = crate::free_port();
        let mut cmd = std::process::Command::new(localstripe_bin());
        // `--from-scratch`: localstripe otherwise loads `/tmp/localstripe.pickle`, one file
        // shared by every instance, which a parallel test may be rewriting (it then fails to
        // start) and which would carry another test's customers.
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--from-scratch");
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let process = Running::start(cmd, port);
        let upstream = process.base.clone();
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let up = http
                .get(format!("{upstream}/v1/customers"))
                .basic_auth("sk_test_fake", Some(""))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if up {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "localstripe did not start ({}); install it with `pip install localstripe` (./infra/test does)",
                localstripe_bin().display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let me = format!("http://{}", listener.local_addr().unwrap());
        let sessions = Arc::default();
        let endpoint = Arc::default();
        let fake = Fake {
            upstream: upstream.clone(),
            me: me.clone(),
            http,
            sessions: Arc::clone(&sessions),
            endpoint: Arc::clone(&endpoint),
            metadata: Arc::default(),
        };
        let app = Router::new()
            .route("/v1/prices", get(list_prices).post(create_price))
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/billing_portal/sessions", post(create_portal))
            .route("/checkout/{id}", get(complete_checkout))
            .route("/portal/{customer}", get(portal_page))
            .fallback(any(pass))
            .with_state(fake);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: me,
            localstripe: upstream,
            sessions,
            endpoint,
            _process: process,
        }
    }

    /// Has localstripe deliver every event to `url`, signed with `secret`.
    pub async fn send_webhooks_to(&self, url: &str, secret: &str) {
        let r = reqwest::Client::new()
            .post(format!("{}/_config/webhooks/postiz", self.localstripe))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        *self.endpoint.lock().unwrap() = Some((url.to_string(), secret.to_string()));
    }
}

/// Reads a form body into `(key, value)` pairs.
fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The pairs under `prefix[...]`, with the prefix removed (`metadata[a]` → `a`).
fn nested(pairs: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    let open = format!("{prefix}[");
    pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(&open)
                .and_then(|rest| rest.split_once(']'))
                .map(|(name, more)| (format!("{name}{more}"), v.clone()))
        })
        .collect()
}

impl Fake {
    async fn upstream(
        &self,
        method: Method,
        path: &str,
        body: Vec<(String, String)>,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.upstream))
            .basic_auth("sk_test_fake", Some(""))
            .form(&body)
            .send()
            .await
            .unwrap();
        let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

fn as_price(plan: &Value) -> Value {
    json!({
        "id": plan["id"], "object": "price", "active": plan["active"],
        "currency": plan["currency"], "unit_amount": plan["amount"],
        "product": plan["product"], "nickname": plan["nickname"],
        "recurring": {"interval": plan["interval"], "interval_count": plan["interval_count"]},
        "type": "recurring",
    })
}

async fn list_prices(
    State(f): State<Fake>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let (_, plans) = f.upstream(Method::GET, "/v1/plans?limit=100", vec![]).await;
    let data: Vec<Value> = plans["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|p| {
            q.get("product")
                .is_none_or(|want| p["product"] == want.as_str())
        })
        .map(as_price)
        .collect();
    Json(json!({"object": "list", "data": data, "has_more": false}))
}

async fn create_price(State(f): State<Fake>, body: Bytes) -> Response {
    let pairs = form(&body);
    let id = format!("price_{}", uuid::Uuid::new_v4().simple());
    let plan = vec![
        ("id".to_string(), id),
        (
            "product".into(),
            field(&pairs, "product").unwrap_or_default().into(),
        ),
        (
            "amount".into(),
            field(&pairs, "unit_amount").unwrap_or_default().into(),
        ),
        (
            "currency".into(),
            field(&pairs, "currency").unwrap_or("usd").into(),
        ),
        (
            "interval".into(),
            field(&pairs, "recurring[interval]")
                .unwrap_or("month")
                .into(),
        ),
        (
            "nickname".into(),
            field(&pairs, "nickname").unwrap_or_default().into(),
        ),
    ];
    let (status, plan) = f.upstream(Method::POST, "/v1/plans", plan).await;
    if !status.is_success() {
        return (status, Json(plan)).into_response();
    }
    Json(as_price(&plan)).into_response()
}

async fn create_session(State(f): State<Fake>, body: Bytes) -> Response {
    let pairs = form(&body);
    let (Some(customer), Some(price)) = (
        field(&pairs, "customer"),
        field(&pairs, "line_items[0][price]"),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "customer and line_items[0][price] are required", "type": "invalid_request_error"}})),
        )
            .into_response();
    };
    let id = format!("cs_test_{}", uuid::Uuid::new_v4().simple());
    let embedded = field(&pairs, "ui_mode") == Some("custom");
    let session = json!({
        "id": id, "object": "checkout.session", "mode": field(&pairs, "mode"),
        "customer": customer, "price": price, "status": "open",
        "url": if embedded { Value::Null } else { json!(format!("{}/checkout/{id}", f.me)) },
        "client_secret": embedded.then(|| format!("{id}_secret_{}", uuid::Uuid::new_v4().simple())),
        "ui_mode": if embedded { "custom" } else { "hosted" },
        "return_url": field(&pairs, "return_url"),
        "success_url": field(&pairs, "success_url"), "cancel_url": field(&pairs, "cancel_url"),
        "allow_promotion_codes": field(&pairs, "allow_promotion_codes"),
        "trial_period_days": field(&pairs, "subscription_data[trial_period_days]"),
        "metadata": nested(&pairs, "metadata").into_iter().collect::<HashMap<_, _>>(),
        "subscription_metadata": nested(&pairs, "subscription_data[metadata]")
            .into_iter().collect::<HashMap<_, _>>(),
    });
    f.sessions.lock().unwrap().insert(id, session.clone());
    Json(session).into_response()
}

/// The hosted page: paying attaches a test card, starts the subscription and sends the
/// customer back to the session's success URL.
async fn complete_checkout(State(f): State<Fake>, Path(id): Path<String>) -> Response {
    let Some(session) = f.sessions.lock().unwrap().get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let customer = session["customer"].as_str().unwrap_or_default().to_string();
    let (_, token) = f
        .upstream(
            Method::POST,
            "/v1/tokens",
            vec![
                ("card[number]".into(), "4242424242424242".into()),
                ("card[exp_month]".into(), "12".into()),
                ("card[exp_year]".into(), "2040".into()),
                ("card[cvc]".into(), "123".into()),
            ],
        )
        .await;
    f.upstream(
        Method::POST,
        &format!("/v1/customers/{customer}/sources"),
        vec![(
            "source".into(),
            token["id"].as_str().unwrap_or_default().into(),
        )],
    )
    .await;
    let mut sub = vec![
        ("customer".to_string(), customer),
        (
            "items[0][plan]".into(),
            session["price"].as_str().unwrap_or_default().into(),
        ),
    ];
    if let Some(meta) = session["subscription_metadata"].as_object() {
        for (k, v) in meta {
            sub.push((
                format!("metadata[{k}]"),
                v.as_str().unwrap_or_default().into(),
            ));
        }
    }
    let (status, created) = f.upstream(Method::POST, "/v1/subscriptions", sub).await;
    if let Some(s) = f.sessions.lock().unwrap().get_mut(&id) {
        s["status"] = json!("complete");
        s["subscription"] = created["id"].clone();
    }
    if !status.is_success() {
        return (status, Json(created)).into_response();
    }
    // Back to the app, as Stripe's hosted page does once the customer has paid.
    let back = session["success_url"].as_str().unwrap_or_default();
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, back)],
    )
        .into_response()
}

async fn create_portal(State(f): State<Fake>, body: Bytes) -> Json<Value> {
    let pairs = form(&body);
    let customer = field(&pairs, "customer").unwrap_or_default();
    Json(json!({
        "id": format!("bps_{}", uuid::Uuid::new_v4().simple()),
        "object": "billing_portal.session",
        "customer": customer,
        "return_url": field(&pairs, "return_url"),
        "url": format!("{}/portal/{customer}", f.me),
    }))
}

/// The portal's page: who it is for (a browser opening the portal lands here).
async fn portal_page(Path(customer): Path<String>) -> axum::response::Html<String> {
    let customer: String = customer
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    axum::response::Html(format!(
        "<!doctype html><title>Billing portal</title><h1>Billing portal of {customer}</h1>"
    ))
}

/// Everything else goes to localstripe; a subscription's `items[n][price]` (and a preview
/// invoice's `subscription_details[items][n][price]`) becomes `plan`.
async fn pass(
    State(f): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut pairs = form(&body);
    if uri.path().starts_with("/v1/subscriptions") {
        for (k, v) in pairs.iter_mut() {
            if k.starts_with("items[") && k.ends_with("][price]") {
                *k = k.replace("][price]", "][plan]");
            } else if k == "proration_behavior" {
                // localstripe knows the older `prorate` flag only.
                *v = (v != "none").to_string();
                *k = "prorate".into();
            }
        }
    }
    if uri.path() == "/v1/invoices/create_preview" {
        for (k, _) in pairs.iter_mut() {
            if k.starts_with("subscription_details[items][") && k.ends_with("][price]") {
                *k = k.replace("][price]", "][plan]");
            }
        }
    }
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let mut r = f
        .http
        .request(method.clone(), format!("{}{path}", f.upstream))
        .basic_auth("sk_test_fake", Some(""));
    if !pairs.is_empty() {
        r = r.form(&pairs);
    }
    if let Some(v) = headers.get("idempotency-key") {
        r = r.header("idempotency-key", v);
    }
    let one_subscription =
        uri.path().starts_with("/v1/subscriptions/") && uri.path().matches('/').count() == 3;
    let is_update = method == Method::POST && one_subscription;
    let changed_metadata = nested(&pairs, "metadata");
    let answer = r.send().await.unwrap();
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    let mut body = answer.bytes().await.unwrap_or_default();
    if one_subscription && status.is_success() {
        if let Ok(mut object) = serde_json::from_slice::<Value>(&body) {
            let id = object["id"].as_str().unwrap_or_default().to_string();
            let kept = {
                let mut overlay = f.metadata.lock().unwrap();
                let kept = overlay.entry(id).or_default();
                if is_update {
                    for (k, v) in changed_metadata {
                        kept.insert(k, Value::String(v));
                    }
                }
                kept.clone()
            };
            if let Some(m) = object["metadata"].as_object_mut() {
                m.extend(kept);
            }
            body = serde_json::to_vec(&object).unwrap().into();
            if is_update {
                f.deliver("customer.subscription.updated", object).await;
            }
        }
    }
    (status, [("content-type", "application/json")], body).into_response()
}

impl Fake {
    /// Delivers an event as Stripe does: signed `t=<now>,v1=<HMAC>` with the endpoint's secret.
    async fn deliver(&self, kind: &str, object: Value) {
        let Some((url, secret)) = self.endpoint.lock().unwrap().clone() else {
            return;
        };
        let now = chrono::Utc::now().timestamp();
        let event = json!({
            "id": format!("evt_{}", uuid::Uuid::new_v4().simple()),
            "object": "event", "type": kind, "created": now,
            "data": {"object": object},
        });
        let body = serde_json::to_vec(&event).unwrap();
        let signature = postiz_billing::signature::header(&body, now, &secret);
        let _ = self
            .http
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature)
            .body(body)
            .send()
            .await;
    }
}
