//! A proxy in front of the AWS emulator that fails chosen calls the way AWS does when it is
//! busy (DynamoDB's `ProvisionedThroughputExceededException`, SQS 5xx), so the adapters'
//! retries are tested against real throttling answers.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How a call is failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// DynamoDB throttling: 400 `ProvisionedThroughputExceededException`.
    DynamoThrottled,
    /// A service error: 500 `InternalFailure`.
    ServerError,
}

#[derive(Default)]
struct Plan {
    /// Per `X-Amz-Target` (e.g. `DynamoDB_20120810.PutItem`): the faults still to inject.
    pending: HashMap<String, (Fault, usize)>,
    /// Faults injected so far, per target.
    injected: HashMap<String, usize>,
}

/// The running proxy.
#[derive(Clone)]
pub struct FaultProxy {
    /// Its base URL (the endpoint to give the SDK).
    pub base: String,
    plan: Arc<Mutex<Plan>>,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    plan: Arc<Mutex<Plan>>,
}

impl FaultProxy {
    /// Starts a proxy forwarding to `upstream` (the emulator's URL).
    pub async fn start(upstream: &str) -> Self {
        let plan = Arc::new(Mutex::new(Plan::default()));
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
            plan: plan.clone(),
        };
        let app = Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, plan }
    }

    /// Fails the next `times` calls of `target` (an `X-Amz-Target`) with `fault`.
    pub fn fail(&self, target: &str, fault: Fault, times: usize) {
        self.plan
            .lock()
            .unwrap()
            .pending
            .insert(target.to_string(), (fault, times));
    }

    /// Faults injected so far for `target`.
    pub fn injected(&self, target: &str) -> usize {
        *self.plan.lock().unwrap().injected.get(target).unwrap_or(&0)
    }

    /// Injects nothing more.
    pub fn clear(&self) {
        self.plan.lock().unwrap().pending.clear();
    }
}

fn fault_response(fault: Fault) -> Response {
    let (status, kind) = match fault {
        Fault::DynamoThrottled => (
            StatusCode::BAD_REQUEST,
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        ),
        Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
    };
    let short = kind.rsplit('#').next().unwrap_or(kind);
    let mut r = (
        status,
        format!(r#"{{"__type":"{kind}","message":"injected by the fault proxy"}}"#),
    )
        .into_response();
    let h = r.headers_mut();
    h.insert(
        "content-type",
        "application/x-amz-json-1.0".parse().unwrap(),
    );
    h.insert("x-amzn-errortype", short.parse().unwrap());
    h.insert("x-amzn-requestid", "fault-proxy".parse().unwrap());
    r
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let fault = {
        let mut plan = s.plan.lock().unwrap();
        let fault = match plan.pending.get_mut(&target) {
            Some((fault, left)) if *left > 0 => {
                *left -= 1;
                Some(*fault)
            }
            _ => None,
        };
        if fault.is_some() {
            *plan.injected.entry(target.clone()).or_default() += 1;
        }
        fault
    };
    if let Some(f) = fault {
        return fault_response(f);
    }
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    relay(&s, parts.method, &parts.uri, &parts.headers, bytes).await
}

async fn relay(
    s: &Shared,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut req = s.client.request(method, format!("{}{path}", s.upstream));
    for (k, v) in headers {
        if k != "host" && k != "content-length" {
            req = req.header(k, v);
        }
    }
    match req.body(body).send().await {
        Ok(r) => {
            let status = r.status();
            let headers = r.headers().clone();
            let bytes = r.bytes().await.unwrap_or_default();
            let mut out = Response::new(Body::from(bytes));
            *out.status_mut() = status;
            for (k, v) in &headers {
                if k != "content-length" && k != "transfer-encoding" {
                    out.headers_mut().insert(k, v.clone());
                }
            }
            out
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}
