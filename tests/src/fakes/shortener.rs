//! Fakes of the link shorteners' documented APIs, one router each:
//! - Dub: `POST /links` `{url, domain, tenantId}` → `{id, shortLink, url, clicks}`, `GET
//!   /links/info?linkId=` → the link; `Authorization: Bearer <DUB_KEY>`;
//! - Short.io: `POST /links` `{originalURL, domain}` → `{idString, shortURL, originalURL}`,
//!   `GET /statistics/link/:id?period=total` → `{totalClicks}`; `authorization: <SHORT_IO_KEY>`
//!   (the key as is);
//! - Kutt: `POST /links` `{target, domain?, reuse}` → 201 `{id, address, link, target,
//!   visit_count}`, `GET /links/:id/stats` → the link with `visit_count`; `X-API-KEY`.
//!
//! Each keeps its links (with a click count tests set) and every request, and can fail
//! every request with 500.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Dub's API key.
pub const DUB_KEY: &str = "dub_test_key";
/// Short.io's secret key.
pub const SHORT_IO_KEY: &str = "sk_test_shortio";
/// Kutt's API key.
pub const KUTT_KEY: &str = "kutt_test_key";

/// One link a fake made.
#[derive(Debug, Clone)]
pub struct Link {
    /// Its id.
    pub id: String,
    /// The short URL.
    pub short: String,
    /// Where it leads.
    pub url: String,
    /// The body that made it.
    pub body: Value,
    /// Clicks (set by tests).
    pub clicks: i64,
}

/// What a fake saw.
#[derive(Debug, Default)]
pub struct Log {
    /// Links made.
    pub links: Vec<Link>,
    /// Every request: `METHOD path`.
    pub requests: Vec<String>,
    /// Answer 500 to everything.
    pub failing: bool,
}

/// The shared log.
pub type Shared = Arc<Mutex<Log>>;

#[derive(Clone)]
struct Fake {
    log: Shared,
    domain: String,
}

fn fail() -> (StatusCode, Json<Value>) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": {"message": "internal error"}})),
    )
}

fn unauthorized() -> (StatusCode, Json<Value>) {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": {"message": "unauthorized"}})),
    )
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

impl Fake {
    fn make(&self, url: &str, body: Value) -> Link {
        let mut log = self.log.lock().unwrap();
        let n = log.links.len() + 1;
        let link = Link {
            id: format!("link_{n:04}"),
            short: format!("https://{}/k{n}", self.domain),
            url: url.to_string(),
            body,
            clicks: 0,
        };
        log.links.push(link.clone());
        link
    }

    fn find(&self, id: &str) -> Option<Link> {
        self.log
            .lock()
            .unwrap()
            .links
            .iter()
            .find(|l| l.id == id)
            .cloned()
    }

    /// Records the request; `Some` answer when failing or not authorized.
    fn gate(&self, what: String, ok: bool) -> Option<(StatusCode, Json<Value>)> {
        let mut log = self.log.lock().unwrap();
        log.requests.push(what);
        if log.failing {
            return Some(fail());
        }
        (!ok).then(unauthorized)
    }
}

fn fake(domain: &str) -> (Fake, Shared) {
    let log: Shared = Arc::new(Mutex::new(Log::default()));
    (
        Fake {
            log: log.clone(),
            domain: domain.into(),
        },
        log,
    )
}

/// The Dub fake, its links on `domain`.
pub fn dub(domain: &str) -> (Router, Shared) {
    let (f, log) = fake(domain);
    let router = Router::new()
        .route("/links", post(dub_create))
        .route("/links/info", get(dub_info))
        .with_state(f);
    (router, log)
}

async fn dub_create(
    State(f): State<Fake>,
    h: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if let Some(a) = f.gate(
        "POST /links".into(),
        header(&h, "authorization") == format!("Bearer {DUB_KEY}"),
    ) {
        return a;
    }
    let Some(url) = body["url"].as_str().map(str::to_string) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"message": "url is required"}})),
        );
    };
    let l = f.make(&url, body);
    (
        StatusCode::OK,
        Json(
            json!({"id": l.id, "shortLink": l.short, "url": l.url, "clicks": 0, "domain": f.domain}),
        ),
    )
}

async fn dub_info(
    State(f): State<Fake>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let id = q.get("linkId").cloned().unwrap_or_default();
    if let Some(a) = f.gate(
        format!("GET /links/info?linkId={id}"),
        header(&h, "authorization") == format!("Bearer {DUB_KEY}"),
    ) {
        return a;
    }
    match f.find(&id) {
        Some(l) => (
            StatusCode::OK,
            Json(json!({"id": l.id, "shortLink": l.short, "url": l.url, "clicks": l.clicks})),
        ),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"message": "Link not found"}})),
        ),
    }
}

/// The Short.io fake (API and statistics on one router), its links on `domain`.
pub fn short_io(domain: &str) -> (Router, Shared) {
    let (f, log) = fake(domain);
    let router = Router::new()
        .route("/links", post(shortio_create))
        .route("/statistics/link/{id}", get(shortio_stats))
        .with_state(f);
    (router, log)
}

async fn shortio_create(
    State(f): State<Fake>,
    h: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if let Some(a) = f.gate(
        "POST /links".into(),
        header(&h, "authorization") == SHORT_IO_KEY,
    ) {
        return a;
    }
    if body["domain"].as_str() != Some(f.domain.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "Domain not found"})),
        );
    }
    let Some(url) = body["originalURL"].as_str().map(str::to_string) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "originalURL is required"})),
        );
    };
    let l = f.make(&url, body);
    (
        StatusCode::OK,
        Json(json!({"idString": l.id, "shortURL": l.short, "originalURL": l.url})),
    )
}

async fn shortio_stats(
    State(f): State<Fake>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let period = q.get("period").cloned().unwrap_or_default();
    if let Some(a) = f.gate(
        format!("GET /statistics/link/{id}?period={period}"),
        header(&h, "authorization") == SHORT_IO_KEY,
    ) {
        return a;
    }
    match f.find(&id) {
        Some(l) => (
            StatusCode::OK,
            Json(json!({"totalClicks": l.clicks, "humanClicks": l.clicks})),
        ),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "Not found"}))),
    }
}

/// The Kutt fake, its links on `domain`.
pub fn kutt(domain: &str) -> (Router, Shared) {
    let (f, log) = fake(domain);
    let router = Router::new()
        .route("/links", post(kutt_create))
        .route("/links/{id}/stats", get(kutt_stats))
        .with_state(f);
    (router, log)
}

async fn kutt_create(
    State(f): State<Fake>,
    h: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if let Some(a) = f.gate("POST /links".into(), header(&h, "x-api-key") == KUTT_KEY) {
        return a;
    }
    let Some(url) = body["target"].as_str().map(str::to_string) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "Target is missing."})),
        );
    };
    let l = f.make(&url, body);
    let address = l.short.rsplit('/').next().unwrap_or_default().to_string();
    (
        StatusCode::CREATED,
        Json(
            json!({"id": l.id, "address": address, "link": l.short, "target": l.url, "visit_count": 0}),
        ),
    )
}

async fn kutt_stats(
    State(f): State<Fake>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> (StatusCode, Json<Value>) {
    if let Some(a) = f.gate(
        format!("GET /links/{id}/stats"),
        header(&h, "x-api-key") == KUTT_KEY,
    ) {
        return a;
    }
    match f.find(&id) {
        Some(l) => (
            StatusCode::OK,
            Json(json!({"id": l.id, "link": l.short, "target": l.url, "visit_count": l.clicks})),
        ),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Link could not be found."})),
        ),
    }
}
