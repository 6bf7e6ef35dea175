//! Cold start of one Lambda function binary: exec → runtime init → first invocation served,
//! against a local Lambda Runtime API, with the peak RSS of the process.
//!
//! `bench_coldstart <function binary> <event json> [runs]`; the function's own settings
//! (STORAGE, DATA_DIR, AWS_ENDPOINT_URL, TABLE_NAME, ...) come from the environment.

use postiz_tests::runtime_api::{Invocation, RuntimeApi};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    let api = RuntimeApi::start().await;
    let start = Instant::now();
    let mut child = Command::new(bin)
        .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn the function");
    let body = match api.invoke(&event, Duration::from_secs(30)).await {
        Invocation::Response(body) => body,
        Invocation::Error(e) => panic!("the function reported an error: {e}"),
    };
    let served = start.elapsed();
    assert!(
        body.contains("\"statusCode\":200"),
        "the function did not answer 200: {body}"
    );
    let init = api.first_poll().map(|at| at - start);
    let peak_kb = status_kb(child.id(), "VmHWM:");
    if std::env::var("BENCH_SMAPS").is_ok() {
        let rollup = std::fs::read_to_string(format!("/proc/{}/smaps_rollup", child.id()))
            .unwrap_or_default();
        eprintln!("{rollup}");
    }
    let _ = child.kill();
    let _ = child.wait();
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
