//! Cold start of one Lambda function binary: exec → runtime init → first invocation served,
//! against a local Lambda Runtime API, with the peak RSS of the process.
//!
//! `bench_coldstart <function binary> <event json> [runs]`; the function's own settings
//! (STORAGE, DATA_DIR, AWS_ENDPOINT_URL, TABLE_NAME, ...) come from the environment.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Mutex};

#[derive(Debug)]
enum Signal {
    Next(Instant),
    Response(Instant, String),
    Error(String),
}

#[derive(Clone)]
struct Runtime {
    event: Arc<String>,
    served: Arc<Mutex<bool>>,
    tx: mpsc::UnboundedSender<Signal>,
}

async fn next(State(rt): State<Runtime>) -> (HeaderMap, String) {
    let _ = rt.tx.send(Signal::Next(Instant::now()));
    let first = {
        let mut served = rt.served.lock().await;
        !std::mem::replace(&mut *served, true)
    };
    if !first {
        // Only one invocation per process: hold the second poll open until the process is killed.
        std::future::pending::<()>().await;
    }
    let mut h = HeaderMap::new();
    h.insert("lambda-runtime-aws-request-id", "bench-1".parse().unwrap());
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    h.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    h.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:bench"
            .parse()
            .unwrap(),
    );
    h.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    (h, rt.event.as_str().to_string())
}

async fn response(State(rt): State<Runtime>, body: String) -> &'static str {
    let _ = rt.tx.send(Signal::Response(Instant::now(), body));
    "{}"
}

async fn error(State(rt): State<Runtime>, body: String) -> &'static str {
    let _ = rt.tx.send(Signal::Error(body));
    "{}"
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Run {
    init: Duration,
    served: Duration,
    peak_kb: u64,
}

async fn once(bin: &str, event: Arc<String>) -> Run {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let rt = Runtime {
        event,
        served: Arc::new(Mutex::new(false)),
        tx,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(rt);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let start = Instant::now();
    let mut child = Command::new(bin)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn the function");
    let mut init = None;
    let served;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(Signal::Next(at))) => {
                init.get_or_insert(at - start);
            }
            Ok(Some(Signal::Response(at, body))) => {
                assert!(
                    body.contains("\"statusCode\":200"),
                    "the function did not answer 200: {body}"
                );
                served = at - start;
                break;
            }
            Ok(Some(Signal::Error(e))) => panic!("the function reported an error: {e}"),
            _ => panic!("no answer from the function within 30 s"),
        }
    }
    let peak_kb = status_kb(child.id(), "VmHWM:");
    if std::env::var("BENCH_SMAPS").is_ok() {
        let rollup = std::fs::read_to_string(format!("/proc/{}/smaps_rollup", child.id()))
            .unwrap_or_default();
        eprintln!("{rollup}");
    }
    let _ = child.kill();
    let _ = child.wait();
    server.abort();
    Run {
        init: init.unwrap_or(served),
        served,
        peak_kb,
    }
}

fn median<T: Copy + Ord>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_coldstart <function binary> <event json> [runs]");
        std::process::exit(2);
    }
    let event = Arc::new(std::fs::read_to_string(&args[2]).expect("event file"));
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
    let mut results = Vec::new();
    for _ in 0..runs {
        results.push(once(&args[1], event.clone()).await);
    }
    let init = median(results.iter().map(|r| r.init).collect());
    let served = median(results.iter().map(|r| r.served).collect());
    let peak = median(results.iter().map(|r| r.peak_kb).collect());
    let best = results.iter().map(|r| r.init).min().unwrap();
    println!("function: {}", args[1]);
    println!(
        "storage: {}",
        std::env::var("STORAGE").unwrap_or_else(|_| "aws".into())
    );
    println!("runs: {runs}");
    println!(
        "init (exec -> first /next) median: {:.2} ms (best {:.2} ms)",
        init.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3
    );
    println!(
        "exec -> first invocation served, median: {:.2} ms",
        served.as_secs_f64() * 1e3
    );
    println!("peak RSS median: {:.1} MB", peak as f64 / 1024.0);
}
