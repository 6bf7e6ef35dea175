//! A local Lambda Runtime API (the `2018-06-01` interface a function's `bootstrap` polls),
//! so that real function binaries run as they do in Lambda: `main`, the runtime crate, the
//! event decoding and the response encoding.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

/// How one invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// The function's response payload.
    Response(String),
    /// The error the function reported (invocation or init error).
    Error(String),
}

#[derive(Default)]
struct Shared {
    first_poll: Mutex<Option<std::time::Instant>>,
    queued: Mutex<VecDeque<(String, String)>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Invocation>>>,
    init_error: Mutex<Option<String>>,
    arrived: Notify,
}

/// The Runtime API, serving on a local port until dropped.
pub struct RuntimeApi {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
    counter: std::sync::atomic::AtomicU64,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(s): State<Arc<Shared>>) -> (HeaderMap, String) {
    s.first_poll
        .lock()
        .unwrap()
        .get_or_insert_with(std::time::Instant::now);
    loop {
        let notified = s.arrived.notified();
        if let Some((id, event)) = s.queued.lock().unwrap().pop_front() {
            let mut h = HeaderMap::new();
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 900_000;
            for (k, v) in [
                ("lambda-runtime-aws-request-id", id),
                ("lambda-runtime-deadline-ms", deadline.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:local".to_string(),
                ),
                (
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000".to_string(),
                ),
            ] {
                h.insert(k, v.parse().unwrap());
            }
            return (h, event);
        }
        notified.await;
    }
}

fn settle(s: &Shared, id: &str, outcome: Invocation) {
    if let Some(tx) = s.waiting.lock().unwrap().remove(id) {
        let _ = tx.send(outcome);
    }
}

async fn response(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> &'static str {
    settle(&s, &id, Invocation::Response(body));
    "{}"
}

async fn error(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> &'static str {
    settle(&s, &id, Invocation::Error(body));
    "{}"
}

async fn init_error(State(s): State<Arc<Shared>>, body: String) -> &'static str {
    *s.init_error.lock().unwrap() = Some(body.clone());
    let waiting: Vec<_> = s.waiting.lock().unwrap().drain().collect();
    for (_, tx) in waiting {
        let _ = tx.send(Invocation::Error(format!("init error: {body}")));
    }
    "{}"
}

impl RuntimeApi {
    /// Starts the API on a free local port.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            shared,
            server,
            counter: Default::default(),
        }
    }

    /// When the function first asked for an invocation (its init was over).
    pub fn first_poll(&self) -> Option<std::time::Instant> {
        *self.shared.first_poll.lock().unwrap()
    }

    /// Hands `event` to the next poll of the function and waits (up to `within`) for its
    /// response or error.
    pub async fn invoke(&self, event: &str, within: Duration) -> Invocation {
        if let Some(e) = self.shared.init_error.lock().unwrap().clone() {
            return Invocation::Error(format!("init error: {e}"));
        }
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("local-{n}");
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().unwrap().insert(id.clone(), tx);
        self.shared
            .queued
            .lock()
            .unwrap()
            .push_back((id, event.to_string()));
        self.shared.arrived.notify_waiters();
        match tokio::time::timeout(within, rx).await {
            Ok(Ok(outcome)) => outcome,
            _ => Invocation::Error(format!("no answer within {within:?}")),
        }
    }
}
