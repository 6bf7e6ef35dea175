//! `postiz-server` on the embedded store: boot time (exec → first 200) and idle RSS.
//!
//! `bench_server <postiz-server binary> [runs]`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, killed and reaped when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Boots the server on `data`; returns the process, its base URL and the boot time.
async fn boot(
    bin: &str,
    data: &std::path::Path,
    http: &reqwest::Client,
) -> (Server, String, Duration) {
    let port = free_port();
    let start = Instant::now();
    let child = Server(
        Command::new(bin)
            .env("PORT", port.to_string())
            .env("DATA_DIR", data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn postiz-server"),
    );
    let base = format!("http://127.0.0.1:{port}");
    loop {
        if let Ok(r) = http.get(format!("{base}/auth/can-register")).send().await {
            if r.status() == 200 {
                return (child, base, start.elapsed());
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .get(1)
        .expect("usage: bench_server <postiz-server binary> [runs]")
        .clone();
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);
    let http = reqwest::Client::new();
    let mut fresh = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let (c, _, t) = boot(&bin, dir.path(), &http).await;
        fresh.push(t);
        drop(c);
        let (c, _, t) = boot(&bin, dir.path(), &http).await;
        warm.push(t);
        drop(c);
    }
    fresh.sort();
    warm.sort();
    // Idle memory after real use: register, read the profile, then idle.
    let dir = tempfile::tempdir().unwrap();
    let (c, base, _) = boot(&bin, dir.path(), &http).await;
    let r = http
        .post(format!("{base}/auth/register"))
        .json(&serde_json::json!({"email": "bench@example.com", "password": "bench-pass", "company": "Bench Co", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = status_kb(c.0.id(), "VmRSS:");
    let hwm = status_kb(c.0.id(), "VmHWM:");
    drop(c);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("runs: {runs}");
    println!(
        "boot to first 200, new DATA_DIR: median {:.1} ms, p90 {:.1} ms",
        ms(fresh[runs / 2]),
        ms(fresh[runs * 9 / 10])
    );
    println!(
        "boot to first 200, existing DATA_DIR: median {:.1} ms, p90 {:.1} ms",
        ms(warm[runs / 2]),
        ms(warm[runs * 9 / 10])
    );
    println!(
        "idle RSS after a registration: {:.1} MB (peak {:.1} MB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}
