//! The request mix of `shared/reference/perf-baseline.md` against `postiz-server` on the
//! embedded store: one organization, five channels (x, linkedin, bluesky, mastodon, threads),
//! 1,000 posts from 2026-12-01 every 100.8 minutes, the benchmark week holding 100 of them.
//! Each endpoint gets a 5 s warm-up then a 20 s `wrk -t2 -c32` run; the table shows
//! requests/s, p50/p99 and the server's peak RSS, next to Postiz's figures.
//!
//! `bench_api <postiz-server binary> [seconds]` (needs `wrk` on the PATH)

use chrono::{Duration as Span, TimeZone, Utc};
use postiz_core::{Clock, SystemClock};
use postiz_integrations::model::default_posting_times;
use postiz_integrations::{Channel, ChannelRepo};
use postiz_posts::model::Part;
use postiz_posts::{Post, PostRepo, PostState};
use postiz_storage::embedded::{EmbeddedStore, LocalSecrets};
use postiz_storage::schema::queues;
use postiz_storage::AppKeys;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WEEK: &str = "startDate=2026-12-07T00:00:00.000Z&endDate=2026-12-13T23:59:59.999Z";

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn boot(bin: &str, data: &Path, port: u16, http: &reqwest::Client, cache: bool) -> Server {
    let child = Server(
        Command::new(bin)
            .env("CALENDAR_CACHE", if cache { "on" } else { "off" })
            .env("PORT", port.to_string())
            .env("DATA_DIR", data)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn postiz-server"),
    );
    let started = Instant::now();
    loop {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/auth/can-register"))
            .send()
            .await
        {
            if r.status() == 200 {
                return child;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no server");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn content(i: usize) -> String {
    let h = hex::encode(&Sha256::digest(i.to_string().as_bytes())[..16]);
    format!("<p>Benchmark post number {i} — {}</p>", h.repeat(4))
}

/// Writes the data set's five channels and 1,000 posts into the stopped server's store.
async fn seed(data: &Path, org: &str) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = EmbeddedStore::open(&data.join("postiz.redb"), clock.clone(), queues()).unwrap();
    let secrets = LocalSecrets::load_or_init(data).unwrap();
    let keys = AppKeys::new(Arc::new(secrets));
    let cipher = keys.cipher().await.unwrap();
    let table: Arc<dyn postiz_storage::Table> = Arc::new(store);
    let channels = ChannelRepo::new(table.clone());
    let now = Utc::now();
    let providers = ["x", "linkedin", "bluesky", "mastodon", "threads"];
    for (n, provider) in providers.iter().enumerate() {
        let n = n + 1;
        channels
            .create(&Channel {
                id: format!("int_{n}"),
                organization_id: org.into(),
                internal_id: format!("internal_{n}"),
                name: format!("Channel {n}"),
                picture: Some(format!("https://example.invalid/avatar{n}.png")),
                provider_identifier: provider.to_string(),
                token: cipher.encrypt(&format!("tok_{n}")).unwrap(),
                refresh_token: None,
                token_expiration: None,
                profile: Some(format!("profile{n}")),
                disabled: false,
                in_between_steps: false,
                refresh_needed: false,
                posting_times: default_posting_times(),
                custom_instance_details: None,
                customer_id: None,
                root_internal_id: format!("internal_{n}"),
                additional_settings: "[]".into(),
                created_at: now,
                updated_at: now,
                deleted_at: None,
            })
            .await
            .unwrap();
    }
    let posts = PostRepo::new(table);
    let first = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let states = [
        PostState::Queue,
        PostState::Published,
        PostState::Error,
        PostState::Draft,
    ];
    for i in 0..1000usize {
        let id = format!("post_{i:05}");
        let state = states[i % 4];
        let at = first + Span::milliseconds(i as i64 * 6_048_000);
        let mut p = Post {
            id: id.clone(),
            organization_id: org.into(),
            group: format!("grp_{i}"),
            integration_id: format!("int_{}", 1 + i % 5),
            provider_identifier: "x".into(),
            publish_date: at,
            state,
            parts: vec![Part {
                id,
                content: content(i),
                delay: 0,
                image: vec![],
                release_id: None,
                release_url: None,
                sending_since: None,
                published_at: None,
            }],
            settings: json!({"__type": "x", "who_can_reply_post": "everyone"}),
            interval_in_days: None,
            tags: vec![],
            short_link: false,
            creation_method: "API".into(),
            error: None,
            lease_token: None,
            lease_until: None,
            round: 0,
            attempts: 0,
            due_at: (state == PostState::Queue).then_some(at),
            repeat_at: None,
            repeat_marker: false,
            version: 0,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        posts.create(&mut p).await.unwrap();
    }
}

/// One wrk run; (req/s, p50 ms, p99 ms, non-2xx or socket errors).
fn wrk(url: &str, header: &str, seconds: u64) -> (f64, f64, f64, u64) {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if !header.is_empty() {
        cmd.args(["-H", header]);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("run wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let ms = |label: &str| -> f64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(|v| {
                let (n, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
                let n: f64 = n.parse().unwrap_or(f64::NAN);
                match unit {
                    "us" => n / 1e3,
                    "s" => n * 1e3,
                    _ => n,
                }
            })
            .unwrap_or(f64::NAN)
    };
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let errors: u64 = text
        .lines()
        .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .flat_map(|l| l.split(|c: char| !c.is_ascii_digit()))
        .filter_map(|n| n.parse::<u64>().ok())
        .sum();
    (rps, ms("50%"), ms("99%"), errors)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .get(1)
        .expect("usage: bench_api <postiz-server binary> [seconds]")
        .clone();
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");

    // The organization and user through the API, then the data set written while stopped.
    let server = boot(&bin, dir.path(), port, &http, true).await;
    let r = http
        .post(format!("{base}/auth/register"))
        .json(&json!({"email": "bench@example.com", "password": "bench-pass", "company": "Bench Org", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = postiz_tests::client::auth_cookie(&r);
    let me: Value = http
        .get(format!("{base}/user/self"))
        .header("auth", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org = me["orgId"].as_str().unwrap().to_string();
    let key = me["publicApi"].as_str().unwrap().to_string();
    drop(server);
    seed(dir.path(), &org).await;
    let server = boot(&bin, dir.path(), port, &http, true).await;
    let pid = server.0.id();

    // Check the answers before measuring them.
    let week: Value = http
        .get(format!("{base}/public/v1/posts?{WEEK}"))
        .header("Authorization", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let in_week = week["posts"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(in_week, 100, "the benchmark week holds 100 posts");
    let cal: Value = http
        .get(format!("{base}/posts?{WEEK}"))
        .header("auth", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cal["p"].as_array().map(Vec::len).unwrap_or(0), 100);

    let idle_kb = status_kb(pid, "VmRSS:");
    let peak = Arc::new(AtomicU64::new(idle_kb));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(status_kb(pid, "VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    let api = format!("Authorization: {key}");
    let jwt = format!("auth: {cookie}");
    let mix = [
        (
            "pub_integrations",
            "/public/v1/integrations".to_string(),
            api.clone(),
            161.0,
        ),
        (
            "pub_posts_week",
            format!("/public/v1/posts?{WEEK}"),
            api.clone(),
            72.0,
        ),
        (
            "pub_is_connected",
            "/public/v1/is-connected".to_string(),
            api.clone(),
            326.0,
        ),
        ("int_posts_week", format!("/posts?{WEEK}"), jwt, 60.0),
    ];
    println!("wrk -t2 -c32 -d{seconds}s after a 5 s warm-up; Postiz figures from perf-baseline.md");
    println!(
        "{:<26} {:>10} {:>9} {:>9} {:>7} {:>10} {:>8}",
        "endpoint", "req/s", "p50 ms", "p99 ms", "errors", "Postiz/s", "ratio"
    );
    let run = |name: &str, path: &str, header: &str, postiz: f64| {
        let url = format!("{base}{path}");
        wrk(&url, header, 5);
        let (rps, p50, p99, errors) = wrk(&url, header, seconds);
        println!(
            "{name:<26} {rps:>10.0} {p50:>9.2} {p99:>9.2} {errors:>7} {postiz:>10.0} {:>7.0}x",
            rps / postiz
        );
    };
    for (name, path, header, postiz) in &mix {
        run(name, path, header, *postiz);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    println!(
        "server RSS: idle after boot {:.1} MB, peak during the runs {:.1} MB (Postiz: 560 MB idle)",
        idle_kb as f64 / 1024.0,
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
    // The same two reads with the answer cache off: every request reads and renders the week.
    drop(server);
    let _server = boot(&bin, dir.path(), port, &http, false).await;
    for (name, path, header, postiz) in mix.iter().filter(|m| m.0.ends_with("posts_week")) {
        run(&format!("{name} (no cache)"), path, header, *postiz);
    }
}
