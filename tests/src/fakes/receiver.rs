//! A webhook receiver: records every request it gets (headers and body) and answers 500 to
//! the first `fail_first` attempts of each delivery (by its `Postiz-Delivery` header), or,
//! with `fail_ratio`, to that share of all requests, at random.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One request received.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Path of the request.
    pub path: String,
    /// Headers, lower-case names.
    pub headers: HashMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The status answered.
    pub answered: u16,
}

impl Hit {
    /// A header's value ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// What the receiver saw, and how it answers.
#[derive(Debug, Default)]
pub struct Log {
    /// Every request, in order.
    pub hits: Vec<Hit>,
    /// Answer 500 to this many first attempts of each delivery.
    pub fail_first: usize,
    /// Answer 500 to this share of requests (0.0..=1.0), at random.
    pub fail_ratio: f64,
    attempts: HashMap<String, usize>,
}

/// The shared log.
pub type Shared = Arc<Mutex<Log>>;

/// The receiver on any path.
pub fn app(fail_first: usize, fail_ratio: f64) -> (Router, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Log {
        fail_first,
        fail_ratio,
        ..Log::default()
    }));
    let router = Router::new()
        .route("/{*path}", post(receive))
        .with_state(shared.clone());
    (router, shared)
}

async fn receive(
    State(log): State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut log = log.lock().unwrap();
    let delivery = headers
        .get("postiz-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let seen = log.attempts.entry(delivery).or_insert(0);
    *seen += 1;
    let fail = *seen <= log.fail_first || (log.fail_ratio > 0.0 && rand_unit() < log.fail_ratio);
    let status = if fail { 500 } else { 200 };
    log.hits.push(Hit {
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: body.to_vec(),
        answered: status,
    });
    StatusCode::from_u16(status).unwrap()
}

/// A random number in [0, 1) from the standard library's randomly seeded hasher.
fn rand_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}
