//! Soak of `postiz-server` (local mode) under a mixed load with crashes: reads (the
//! calendar's week, channels, the user, the public list), posts created through both APIs (most due within seconds, published to a fake
//! Mastodon that fails 5 % of its calls), drafts edited and deleted; every `--kill-every`
//! seconds the server is killed with SIGKILL and started again on the same `DATA_DIR`.
//!
//! At the end every acknowledged write is checked (created posts exist with their last
//! acknowledged content, deleted ones are gone) and every status the fake received is
//! counted (no post published twice). p99 latency and the server's RSS are sampled every
//! 10 s, printed, and drawn to `--chart` (SVG).
//!
//! `bench_soak <postiz-server binary> [--minutes M] [--kill-every S] [--chart file.svg]`

use plotters::prelude::*;
use postiz_tests::client;
use postiz_tests::fakes::{mastodon, serve};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the server acknowledged (2xx), to be found again at the end.
#[derive(Default)]
struct Ledger {
    /// Post id → its last acknowledged content.
    live: HashMap<String, String>,
    /// Posts whose deletion was acknowledged.
    deleted: HashSet<String>,
    /// Drafts that may be edited or deleted.
    drafts: Vec<String>,
    /// Markers of the scheduled posts (each must be published once).
    scheduled: HashSet<String>,
}

struct Sample {
    at_secs: f64,
    p99_ms: f64,
    rss_mb: f64,
    requests: usize,
}

fn rss_mb(pid: u32) -> f64 {
    postiz_tests::rss_kb(pid) / 1024.0
}

fn start(bin: &str, data: &Path, port: u16, fake: &str) -> Child {
    Command::new(bin)
        .env("PORT", port.to_string())
        .env("DATA_DIR", data)
        .env("API_LIMIT", "100000000")
        .env("UPLOAD_LIMIT", "100000000")
        .env("MASTODON_URL", fake)
        .env("MASTODON_CLIENT_ID", mastodon::CLIENT_ID)
        .env("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn postiz-server")
}

async fn ready(http: &reqwest::Client, base: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = http.get(format!("{base}/auth/can-register")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("postiz-server did not come back");
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One step of a worker: the request, and whether the server acknowledged it.
async fn step(
    i: u64,
    http: &reqwest::Client,
    base: &str,
    auth: &(String, String, String),
    ledger: &Mutex<Ledger>,
) -> Option<bool> {
    let (token, key, channel) = auth;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2 + (i % 15) as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let marker = format!("soak-{i}-{}", uuid::Uuid::new_v4().simple());
    let entry = |text: &str| {
        json!({"integration": {"id": channel}, "settings": {"__type": "mastodon"},
               "value": [{"content": format!("<p>{text}</p>"), "image": []}]})
    };
    let ok =
        |r: Result<reqwest::Response, reqwest::Error>| r.ok().filter(|r| r.status().is_success());
    // The mix per 100 steps: 95 reads (the calendar's week, channels, self, the public list
    // of the week), 2 scheduled posts (one per API), 1 draft, 1 edit, 1 delete.
    let now = chrono::Utc::now();
    let week = format!(
        "startDate={}&endDate={}",
        (now - chrono::Duration::days(1)).format("%Y-%m-%dT00:00:00Z"),
        (now + chrono::Duration::days(6)).format("%Y-%m-%dT00:00:00Z")
    );
    match i % 100 {
        0..=94 if i % 4 == 3 => {
            let r = http
                .get(format!("{base}/public/v1/posts?{week}"))
                .header("authorization", key)
                .send()
                .await;
            Some(ok(r).is_some())
        }
        0..=94 => {
            let path = match i % 4 {
                0 => format!("/posts?{week}"),
                1 => "/integrations/list".to_string(),
                _ => "/user/self".to_string(),
            };
            let r = http
                .get(format!("{base}{path}"))
                .header("auth", token)
                .send()
                .await;
            Some(ok(r).is_some())
        }
        95 | 96 => {
            let body = json!({"type": "schedule", "date": soon, "shortLink": false, "tags": [],
                              "posts": [entry(&marker)]});
            let req = if i % 100 == 95 {
                http.post(format!("{base}/posts")).header("auth", token)
            } else {
                http.post(format!("{base}/public/v1/posts"))
                    .header("authorization", key)
            };
            let r = ok(req.json(&body).send().await)?;
            let v: Value = r.json().await.ok()?;
            let id = v[0]["postId"].as_str()?.to_string();
            let mut l = ledger.lock().unwrap();
            l.live.insert(id, marker.clone());
            l.scheduled.insert(marker);
            Some(true)
        }
        97 => {
            let body = json!({"type": "draft", "date": "2031-01-01T10:00:00Z", "shortLink": false,
                              "tags": [], "posts": [entry(&marker)]});
            let r = ok(http
                .post(format!("{base}/public/v1/posts"))
                .header("authorization", key)
                .json(&body)
                .send()
                .await)?;
            let v: Value = r.json().await.ok()?;
            let id = v[0]["postId"].as_str()?.to_string();
            let mut l = ledger.lock().unwrap();
            l.live.insert(id.clone(), marker);
            l.drafts.push(id);
            Some(true)
        }
        98 => {
            let id = {
                let l = ledger.lock().unwrap();
                l.drafts
                    .get((i as usize / 100) % l.drafts.len().max(1))
                    .cloned()
            }?;
            let edited = format!("edited-{i}");
            let r = http
                .put(format!("{base}/public/v1/posts/{id}"))
                .header("authorization", key)
                .json(&json!({"content": format!("<p>{edited}</p>")}))
                .send()
                .await;
            if ok(r).is_some() {
                // A deletion acknowledged meanwhile wins: the edit was applied before it.
                let mut l = ledger.lock().unwrap();
                if !l.deleted.contains(&id) {
                    l.live.insert(id, edited);
                }
                return Some(true);
            }
            Some(false)
        }
        _ => {
            let id = {
                let mut l = ledger.lock().unwrap();
                if l.drafts.len() < 10 {
                    return None;
                }
                l.drafts.remove(0)
            };
            let r = http
                .delete(format!("{base}/public/v1/posts/{id}"))
                .header("authorization", key)
                .send()
                .await;
            if ok(r).is_some() {
                let mut l = ledger.lock().unwrap();
                l.live.remove(&id);
                l.deleted.insert(id);
                return Some(true);
            }
            // Unknown outcome (the server may have died after deleting): check it at the end
            // as neither live nor deleted.
            ledger.lock().unwrap().live.remove(&id);
            Some(false)
        }
    }
}

fn chart(path: &str, samples: &[Sample]) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (900, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(210);
    let end = samples.last().map_or(1.0, |s| s.at_secs / 60.0);
    let p99_max = samples.iter().map(|s| s.p99_ms).fold(1.0, f64::max) * 1.2;
    let rss_max = samples.iter().map(|s| s.rss_mb).fold(1.0, f64::max) * 1.2;
    for (area, title, max, value) in [
        (&top, "p99 latency (ms)", p99_max, 0),
        (&bottom, "server RSS (MB)", rss_max, 1),
    ] {
        let mut c = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..end, 0.0..max)?;
        c.configure_mesh().x_desc("minutes").draw()?;
        c.draw_series(LineSeries::new(
            samples.iter().map(|s| {
                (
                    s.at_secs / 60.0,
                    if value == 0 { s.p99_ms } else { s.rss_mb },
                )
            }),
            &BLUE,
        ))?;
    }
    root.present()?;
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .get(1)
        .expect("usage: bench_soak <postiz-server> [--minutes M]")
        .clone();
    let minutes = arg(&args, "--minutes", 30);
    let kill_every = Duration::from_secs(arg(&args, "--kill-every", 180));
    let chart_path = args
        .iter()
        .position(|a| a == "--chart")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let (fake_app, fake) = mastodon::app();
    fake.lock().unwrap().fail_every = 20;
    let fake_url = serve(fake_app).await;
    let data = tempfile::tempdir().unwrap();
    let port = postiz_tests::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let child = Arc::new(Mutex::new(start(&bin, data.path(), port, &fake_url)));
    ready(&http, &base).await;

    // One organization, its key and a Mastodon channel.
    let (_, token) = client::register(&http, &base).await;
    let key = client::api_key(&http, &base, &token).await;
    let channel = client::connect_mastodon(&http, &base, &token).await;
    let auth = Arc::new((token, key, channel));

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (http, base, auth, ledger, latencies, stop, counter) = (
            http.clone(),
            base.clone(),
            auth.clone(),
            ledger.clone(),
            latencies.clone(),
            stop.clone(),
            counter.clone(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let began = Instant::now();
                match step(i, &http, &base, &auth, &ledger).await {
                    Some(true) => latencies
                        .lock()
                        .unwrap()
                        .push(began.elapsed().as_secs_f64() * 1e3),
                    Some(false) => tokio::time::sleep(Duration::from_millis(20)).await,
                    None => {}
                }
            }
        }));
    }

    let began = Instant::now();
    let mut samples = Vec::new();
    let mut last_kill = Instant::now();
    let mut kills = 0;
    while began.elapsed() < Duration::from_secs(minutes * 60) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let mut window = std::mem::take(&mut *latencies.lock().unwrap());
        window.sort_by(|a, b| a.total_cmp(b));
        let p99 = window.get(window.len() * 99 / 100).copied().unwrap_or(0.0);
        let pid = child.lock().unwrap().id();
        samples.push(Sample {
            at_secs: began.elapsed().as_secs_f64(),
            p99_ms: p99,
            rss_mb: rss_mb(pid),
            requests: window.len(),
        });
        let s = samples.last().unwrap();
        println!(
            "t={:6.0}s  requests={:6}  p99={:8.1} ms  rss={:6.1} MB",
            s.at_secs, s.requests, s.p99_ms, s.rss_mb
        );
        if last_kill.elapsed() >= kill_every {
            {
                let mut c = child.lock().unwrap();
                let _ = c.kill(); // SIGKILL: no shutdown code runs
                let _ = c.wait();
                *c = start(&bin, data.path(), port, &fake_url);
            }
            ready(&http, &base).await;
            kills += 1;
            last_kill = Instant::now();
            println!("killed with SIGKILL and restarted ({kills})");
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }

    // Let the due posts go out, then check every acknowledged write.
    let (scheduled, live, deleted) = {
        let l = ledger.lock().unwrap();
        (l.scheduled.clone(), l.live.clone(), l.deleted.clone())
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let sent: HashSet<String> = fake
            .lock()
            .unwrap()
            .statuses
            .iter()
            .filter_map(|s| {
                s.text
                    .split_whitespace()
                    .find(|w| w.starts_with("soak-"))
                    .map(str::to_string)
            })
            .collect();
        if scheduled.iter().all(|m| sent.contains(m)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let mut lost = 0;
    for (id, content) in &live {
        let r = http
            .get(format!("{base}/public/v1/posts/{id}"))
            .header("authorization", &auth.1)
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !v["content"]
            .as_str()
            .is_some_and(|c| c.contains(content.as_str()))
        {
            lost += 1;
            eprintln!("lost or changed: {id}: {v}");
        }
    }
    let mut resurrected = 0;
    for id in &deleted {
        let r = http
            .get(format!("{base}/public/v1/posts/{id}"))
            .header("authorization", &auth.1)
            .send()
            .await
            .unwrap();
        if r.status() != 404 {
            resurrected += 1;
        }
    }
    let mut times: HashMap<String, usize> = HashMap::new();
    for s in &fake.lock().unwrap().statuses {
        if let Some(m) = s.text.split_whitespace().find(|w| w.starts_with("soak-")) {
            *times.entry(m.to_string()).or_default() += 1;
        }
    }
    let duplicates = times.values().filter(|n| **n > 1).count();
    let published = scheduled.iter().filter(|m| times.contains_key(*m)).count();
    let mut all: Vec<f64> = samples.iter().map(|s| s.p99_ms).collect();
    all.sort_by(|a, b| a.total_cmp(b));
    println!(
        "== soak: {minutes} min, {kills} kills (SIGKILL), {} requests",
        counter.load(Ordering::Relaxed)
    );
    println!(
        "acknowledged posts kept: {} (lost or changed: {lost})",
        live.len()
    );
    println!(
        "acknowledged deletions: {} (came back: {resurrected})",
        deleted.len()
    );
    println!(
        "scheduled posts acknowledged: {}, published: {published}, published twice: {duplicates}",
        scheduled.len()
    );
    println!(
        "p99 per 10 s window: median {:.1} ms, worst {:.1} ms; RSS at the end {:.1} MB, highest {:.1} MB",
        all.get(all.len() / 2).copied().unwrap_or(0.0),
        all.last().copied().unwrap_or(0.0),
        samples.last().map_or(0.0, |s| s.rss_mb),
        samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max)
    );
    if let Some(path) = chart_path {
        chart(&path, &samples).expect("chart");
        println!("chart: {path}");
    }
    let _ = child.lock().unwrap().kill();
    if lost > 0 || resurrected > 0 || duplicates > 0 {
        std::process::exit(1);
    }
}
