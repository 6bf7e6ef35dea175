//! Publishing in local mode, on the embedded store (redb):
//!
//! * `lateness`: 1,000 posts to one fake Mastodon channel, created with `Posts::create`, then
//!   the local loops (`worker::run_scheduler` every second, `worker::run_pool` with 32 slots
//!   (`--pool`) and a 15 s visibility, as `postiz-server` runs them, with its `LocalGate`). Lateness is
//!   the root message's `published_at` (stamped by the publisher when the network's answer
//!   arrived) minus the post's publish date. Variants: dates spread evenly over 60 s (fake
//!   latency 0 and 50 ms), and all due at the same instant (drain time).
//! * `sweep`: one `Scheduler::run` over a table of 1,000,000 posts of which 10,000 are due in
//!   the next minute (the rest published, or due days to weeks ahead).
//! * `calendar`: `Posts::calendar` (behind `GET /posts`) for a month of an org holding 10,000
//!   posts over 12 months on 5 channels.
//!
//! `bench_publish [all|lateness|lateness-even|lateness-burst|lateness-even50|sweep|calendar]
//!  [--posts N] [--pool N] [--latency-ms MS] [--sweep-total N] [--sweep-due N]
//!  [--insert-budget-secs S] [--iterations N]`
//!
//! `--latency-ms` is the fake's latency in `lateness-even` and `lateness-burst` (default 0;
//! `lateness-even50` always uses 50 ms).

use chrono::{DateTime, Datelike, Duration as Span, SecondsFormat, TimeZone, Utc};
use postiz_core::crypto::{new_key_base64, Cipher};
use postiz_core::jwt::JwtSigner;
use postiz_core::{new_id, Clock, SystemClock};
use postiz_integrations::model::default_posting_times;
use postiz_integrations::{Channel, Channels};
use postiz_posts::model::{Part, Tag};
use postiz_posts::repo::post_item;
use postiz_posts::request::CreatePost;
use postiz_posts::{worker, LocalGate, Post, PostState, PostsModule, PublisherConfig};
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::embedded::EmbeddedStore;
use postiz_storage::schema::queues;
use postiz_storage::{AppKeys, Item, Key, StorageResult, Table, TxOp};
use postiz_tests::fakes::{mastodon, serve};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Rows of the final table: scenario, metric, value.
type Rows = Vec<(String, String, String)>;

struct Args {
    what: String,
    posts: usize,
    pool: usize,
    latency: u64,
    sweep_total: usize,
    sweep_due: usize,
    insert_budget: Duration,
    iterations: usize,
}

fn args() -> Args {
    let mut a = Args {
        what: "all".into(),
        posts: 1000,
        pool: 32,
        latency: 0,
        sweep_total: 1_000_000,
        sweep_due: 10_000,
        insert_budget: Duration::from_secs(240),
        iterations: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match arg.as_str() {
            "--posts" => a.posts = num("--posts"),
            "--pool" => a.pool = num("--pool"),
            "--latency-ms" => a.latency = num("--latency-ms") as u64,
            "--sweep-total" => a.sweep_total = num("--sweep-total"),
            "--sweep-due" => a.sweep_due = num("--sweep-due"),
            "--insert-budget-secs" => {
                a.insert_budget = Duration::from_secs(num("--insert-budget-secs") as u64)
            }
            "--iterations" => a.iterations = num("--iterations"),
            s if !s.starts_with("--") => a.what = s.to_string(),
            s => panic!("unknown option {s}"),
        }
    }
    a
}

/// The posts module on a fresh embedded store, with providers pointing at `mastodon_url`.
struct World {
    module: PostsModule,
    channels: Arc<Channels>,
    store: EmbeddedStore,
    cipher: Cipher,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

fn world(mastodon_url: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = EmbeddedStore::open(&path, clock.clone(), queues()).unwrap();
    let config = ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", mastodon_url),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
        ("FRONTEND_URL", "http://127.0.0.1:4200"),
    ]);
    let secret = new_key_base64();
    let keys = Arc::new(AppKeys::fixed(
        JwtSigner::new("bench"),
        Cipher::from_secret(&secret).unwrap(),
    ));
    let table: Arc<dyn Table> = Arc::new(store.clone());
    let channels = Arc::new(Channels::on_table(
        table.clone(),
        Providers::new(&config),
        keys,
        clock.clone(),
    ));
    // As postiz-server wires it: LocalGate, 90 s horizon, default publisher limits.
    let module = PostsModule::new(
        table,
        Arc::new(store.clone()),
        channels.clone(),
        clock,
        Arc::new(LocalGate::default()),
        Span::seconds(90),
        PublisherConfig::default(),
    );
    World {
        module,
        channels,
        store,
        cipher: Cipher::from_secret(&secret).unwrap(),
        path,
        _dir: dir,
    }
}

fn pct<T: Copy>(sorted: &[T], q: f64) -> T {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The 1-minute load average (the machine has other work on it; numbers move with it).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// CPU time consumed by the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer to a local.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

// ---------------------------------------------------------------------------------------
// lateness

async fn connect(w: &World, org: &str) -> String {
    let url = w
        .channels
        .start_connect(org, "user-1", "mastodon", None)
        .await
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let v = w
        .channels
        .connect("mastodon", &state, mastodon::GOOD_CODE)
        .await
        .unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn create_post(
    w: &World,
    org: &str,
    channel: &str,
    kind: &str,
    date: DateTime<Utc>,
    i: usize,
) -> String {
    let req: CreatePost = serde_json::from_value(json!({
        "type": kind,
        "date": iso(date),
        "posts": [{
            "integration": {"id": channel},
            "settings": {"__type": "mastodon"},
            "value": [{"content": format!("<p>Bench status number {i}</p>"), "image": []}],
        }],
    }))
    .unwrap();
    let out = w.module.posts.create(org, req, "API").await.unwrap();
    out[0]["postId"].as_str().unwrap().to_string()
}

async fn lateness(rows: &mut Rows, n: usize, burst: bool, latency_ms: u64, pool: usize) {
    let label = format!(
        "lateness {} {n} posts, fake latency {latency_ms} ms, pool {pool}",
        if burst {
            "burst (all due at the same instant),"
        } else {
            "even (over 60 s),"
        }
    );
    println!("\n== {label} (load average {})", load());
    let (app, fake) = mastodon::app();
    let base = serve(app).await;
    fake.lock().unwrap().latency_ms = latency_ms;
    let w = world(&base);
    let org = "org-bench";
    let channel = connect(&w, org).await;

    // How long a create takes here: 10 drafts (one write each; a post due within the horizon
    // costs three: the post, the queue message, the due-time move).
    let t = Instant::now();
    for i in 0..10 {
        create_post(&w, org, &channel, "draft", Utc::now() + Span::days(3), i).await;
    }
    let per_write = t.elapsed() / 10;
    let estimate = per_write * 3 * n as u32 * 2;
    let lead = Span::seconds(20) + Span::from_std(estimate).unwrap();
    let spread = if burst {
        Span::zero()
    } else {
        Span::seconds(60)
    };
    let first_due = Utc::now() + lead;
    let created_from = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let at = first_due + Span::milliseconds(spread.num_milliseconds() * i as i64 / n as i64);
        ids.push(create_post(&w, org, &channel, "schedule", at, i).await);
    }
    let create_secs = created_from.elapsed().as_secs_f64();
    let slack = (first_due - Utc::now()).num_milliseconds() as f64 / 1000.0;
    println!(
        "created {n} posts in {create_secs:.1} s ({:.1} ms each); first due {slack:.1} s after the last create",
        create_secs * 1000.0 / n as f64
    );

    // The local loops, exactly as functions/postiz-server/src/jobs.rs starts them.
    let loops = [
        tokio::spawn(worker::run_scheduler(
            w.module.scheduler.clone(),
            Duration::from_secs(1),
        )),
        tokio::spawn(worker::run_pool(
            w.module.publisher.clone(),
            Arc::new(w.store.clone()),
            pool,
            Duration::from_secs(15),
        )),
    ];
    let last_due = first_due + spread;
    let deadline = last_due + Span::seconds(170);
    let mut pending = ids.clone();
    let mut done: Vec<Post> = Vec::with_capacity(n);
    while !pending.is_empty() && Utc::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut still = Vec::new();
        for id in pending {
            let p = w.module.posts.repo.get(org, &id).await.unwrap().unwrap();
            if matches!(p.state, PostState::Published | PostState::Error) {
                done.push(p);
            } else {
                still.push(id);
            }
        }
        pending = still;
    }
    for l in &loops {
        l.abort();
    }
    let published: Vec<&Post> = done
        .iter()
        .filter(|p| p.state == PostState::Published)
        .collect();
    let errors = done.len() - published.len();
    let mut late: Vec<i64> = published
        .iter()
        .filter_map(|p| p.parts[0].published_at.map(|at| at - p.publish_date))
        .map(|d| d.num_milliseconds())
        .collect();
    late.sort_unstable();
    let writes = done.iter().map(|p| p.version).sum::<u64>() as f64 / done.len().max(1) as f64;
    let attempts =
        done.iter().map(|p| p.attempts as u64).sum::<u64>() as f64 / done.len().max(1) as f64;
    let (requests, statuses) = {
        let f = fake.lock().unwrap();
        (f.status_requests, f.statuses.len())
    };
    let last_published = published
        .iter()
        .filter_map(|p| p.parts[0].published_at)
        .max();
    let drain = last_published.map(|l| (l - first_due).num_milliseconds());
    println!(
        "published {} / {n}, errors {errors}, still open {} | fake: {statuses} statuses from {requests} requests",
        published.len(),
        pending.len()
    );
    println!("mean writes per post (version) {writes:.1}, mean claims per post {attempts:.2}");
    if !late.is_empty() {
        println!(
            "lateness ms: min {} p50 {} p90 {} p99 {} max {}",
            late[0],
            pct(&late, 0.5),
            pct(&late, 0.9),
            pct(&late, 0.99),
            late[late.len() - 1]
        );
    }
    if let Some(d) = drain {
        println!(
            "drain: last post published {:.1} s after the first publish date{}",
            d as f64 / 1000.0,
            if burst { " (all share it)" } else { "" }
        );
    }
    let mut short = if burst {
        format!("lateness burst {latency_ms}ms")
    } else {
        format!("lateness even {latency_ms}ms")
    };
    if pool != 32 {
        short.push_str(&format!(" pool {pool}"));
    }
    rows.push((
        short.clone(),
        "published / errors / open".into(),
        format!("{} / {errors} / {}", published.len(), pending.len()),
    ));
    if !late.is_empty() {
        rows.push((
            short.clone(),
            "lateness p50 / p90 / p99 / max".into(),
            format!(
                "{} / {} / {} / {} ms",
                pct(&late, 0.5),
                pct(&late, 0.9),
                pct(&late, 0.99),
                late[late.len() - 1]
            ),
        ));
    }
    if let Some(d) = drain {
        rows.push((
            short.clone(),
            "drain (last published - first due)".into(),
            format!("{:.1} s", d as f64 / 1000.0),
        ));
    }
    rows.push((
        short,
        "writes per post / fake requests".into(),
        format!("{writes:.1} / {requests} for {statuses} statuses"),
    ));
}

// ---------------------------------------------------------------------------------------
// bulk inserts

/// Writes items with `Table::transact` in batches of 100 puts, two batches in flight (the
/// next batch is built while redb commits the previous one).
struct Inserter {
    store: EmbeddedStore,
    batch: Vec<TxOp>,
    inflight: JoinSet<StorageResult<()>>,
    written: usize,
}

impl Inserter {
    fn new(store: &EmbeddedStore) -> Self {
        Self {
            store: store.clone(),
            batch: Vec::with_capacity(100),
            inflight: JoinSet::new(),
            written: 0,
        }
    }

    async fn push(&mut self, item: Item) {
        self.batch.push(TxOp::Put {
            item,
            condition: None,
        });
        if self.batch.len() == 100 {
            self.flush().await;
        }
    }

    async fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        while self.inflight.len() >= 2 {
            self.inflight.join_next().await.unwrap().unwrap().unwrap();
        }
        let ops = std::mem::replace(&mut self.batch, Vec::with_capacity(100));
        self.written += ops.len();
        let store = self.store.clone();
        self.inflight
            .spawn(async move { store.transact(ops).await });
    }

    async fn finish(&mut self) -> usize {
        self.flush().await;
        while let Some(r) = self.inflight.join_next().await {
            r.unwrap().unwrap();
        }
        self.written
    }
}

fn make_post(
    id: String,
    org: &str,
    channel: &str,
    i: usize,
    publish: DateTime<Utc>,
    state: PostState,
    now: DateTime<Utc>,
) -> Post {
    let published = state == PostState::Published;
    Post {
        id: id.clone(),
        organization_id: org.into(),
        group: new_id(),
        integration_id: channel.into(),
        provider_identifier: "mastodon".into(),
        publish_date: publish,
        state,
        parts: vec![Part {
            id,
            content: format!(
                "<p>Status number {i}: a short update with a #hashtag and a link https://example.com/{i}</p>"
            ),
            delay: 0,
            image: vec![],
            release_id: published.then(|| format!("{}", 110_000 + i)),
            release_url: published.then(|| format!("https://mastodon.example/@alice/{i}")),
            sending_since: None,
            published_at: published.then_some(publish),
        }],
        settings: json!({"__type": "mastodon"}),
        interval_in_days: None,
        tags: vec![],
        short_link: false,
        creation_method: "API".into(),
        error: None,
        lease_token: None,
        lease_until: None,
        round: 0,
        attempts: u32::from(published),
        due_at: (state == PostState::Queue).then_some(publish),
        repeat_at: None,
        repeat_marker: false,
        version: 1,
        created_at: now - Span::days(1),
        updated_at: now - Span::days(1),
        deleted_at: None,
    }
}

// ---------------------------------------------------------------------------------------
// sweep

async fn sweep(rows: &mut Rows, total: usize, due: usize, budget: Duration) {
    println!(
        "\n== sweep: one Scheduler::run over {total} posts, {due} due in the next minute (insert budget {} s, load average {})",
        budget.as_secs(),
        load()
    );
    let w = world("http://127.0.0.1:9");

    // What one write commit costs here (every publish step is one).
    let mut commits = Vec::new();
    for i in 0..200 {
        let mut item = Key::new("BENCH", format!("{i}")).to_item();
        item.insert("v".into(), json!(i));
        let t = Instant::now();
        w.store.put(item, None).await.unwrap();
        commits.push(t.elapsed());
    }
    commits.sort();
    println!(
        "one put (one redb write transaction): p50 {:.2} ms, p99 {:.2} ms",
        pct(&commits, 0.5).as_secs_f64() * 1e3,
        pct(&commits, 0.99).as_secs_f64() * 1e3
    );
    rows.push((
        "store".into(),
        "one put commit p50 / p99".into(),
        format!(
            "{:.2} / {:.2} ms",
            pct(&commits, 0.5).as_secs_f64() * 1e3,
            pct(&commits, 0.99).as_secs_f64() * 1e3
        ),
    ));

    // The bulk: 9 in 10 published (no due entry, dates over the past year), 1 in 10 queued
    // 2 days to 8 weeks ahead; 100 orgs of 5 channels. Written org by org in key order
    // (random v4 ids, sorted; dates rising with the ids): redb's copy-on-write B-tree then
    // appends instead of rewriting a random leaf per item, several times faster.
    let bulk = total.saturating_sub(due);
    let now = Utc::now();
    let started = Instant::now();
    let mut ins = Inserter::new(&w.store);
    let (mut published, mut ahead) = (0usize, 0usize);
    let mut stopped_early = false;
    let per_org = bulk.div_ceil(100);
    let mut i = 0usize;
    'orgs: for o in 0..100 {
        let org = format!("org-{o}");
        let count = per_org.min(bulk - i.min(bulk));
        let mut ids: Vec<String> = (0..count).map(|_| new_id()).collect();
        ids.sort_unstable();
        let n_ahead = count / 10;
        let n_past = count - n_ahead;
        for (k, id) in ids.into_iter().enumerate() {
            if i.is_multiple_of(100) && started.elapsed() > budget {
                stopped_early = true;
                break 'orgs;
            }
            let channel = format!("ch-{o}-{}", k % 5);
            let p = if k < n_past {
                published += 1;
                let back = 365 * 86_400 * (n_past - k) as i64 / n_past as i64;
                let at = now - Span::hours(1) - Span::seconds(back);
                make_post(id, &org, &channel, i, at, PostState::Published, now)
            } else {
                ahead += 1;
                let on = 54 * 86_400 * (k - n_past) as i64 / n_ahead.max(1) as i64;
                let at = now + Span::days(2) + Span::seconds(on);
                make_post(id, &org, &channel, i, at, PostState::Queue, now)
            };
            ins.push(post_item(&p).unwrap()).await;
            i += 1;
            if i.is_multiple_of(100_000) {
                eprintln!("  inserted {i} in {:.1} s", started.elapsed().as_secs_f64());
            }
        }
    }
    let bulk_written = ins.finish().await;
    let bulk_secs = started.elapsed().as_secs_f64();

    // The posts due in the next minute, written last so "now" is the sweep's now.
    let t = Instant::now();
    let due_from = Utc::now() + Span::seconds(2);
    let mut due_ids = Vec::with_capacity(due);
    for j in 0..due {
        let org = format!("org-{}", j % 100);
        let channel = format!("ch-{}-{}", j % 100, j % 5);
        let at = due_from + Span::milliseconds(60_000 * j as i64 / due as i64);
        let p = make_post(new_id(), &org, &channel, j, at, PostState::Queue, now);
        due_ids.push((org, p.id.clone()));
        ins.push(post_item(&p).unwrap()).await;
    }
    ins.finish().await;
    let due_secs = t.elapsed().as_secs_f64();
    let stored = bulk_written + due;
    let insert_secs = bulk_secs + due_secs;
    let size = std::fs::metadata(&w.path).map(|m| m.len()).unwrap_or(0);
    println!(
        "inserted {stored} posts ({published} published, {ahead} queued days/weeks ahead, {due} due) in {insert_secs:.1} s: {:.0} posts/s, {:.1} µs per post; db file {}",
        stored as f64 / insert_secs,
        insert_secs * 1e6 / stored as f64,
        mb(size)
    );
    if stopped_early {
        println!(
            "!! the {total}-post table did not fit the {} s insert budget: this run used {stored} posts (projected for {total}: {:.0} s)",
            budget.as_secs(),
            bulk_secs * total as f64 / bulk_written.max(1) as f64
        );
    }
    rows.push((
        "sweep".into(),
        "posts stored (due)".into(),
        format!(
            "{stored} ({due}){}",
            if stopped_early {
                " — SMALLER than asked"
            } else {
                ""
            }
        ),
    ));
    rows.push((
        "sweep".into(),
        "insert time / rate".into(),
        format!(
            "{insert_secs:.1} s / {:.0} posts/s",
            stored as f64 / insert_secs
        ),
    ));

    let t = Instant::now();
    let report = w.module.scheduler.run().await.unwrap();
    let run_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "Scheduler::run: {run_ms:.0} ms, buckets {}, queries {}, read {}, sent {}, redriven {}, skipped {}; reads per due post {:.3}",
        report.buckets,
        report.queries,
        report.read,
        report.sent,
        report.redriven,
        report.skipped,
        report.read as f64 / due as f64
    );
    // When was each due post sent? The dispatcher stamps updated_at when it sends.
    let (mut sent, mut late, mut worst) = (0, 0, 0i64);
    for (org, id) in &due_ids {
        let p = w.module.posts.repo.get(org, id).await.unwrap().unwrap();
        if p.version > 1 {
            sent += 1;
            let behind = (p.updated_at - p.publish_date).num_milliseconds();
            if behind > 0 {
                late += 1;
                worst = worst.max(behind);
            }
        }
    }
    println!(
        "due posts sent {sent} / {due}; sent after their publish date {late} (worst {worst} ms behind)"
    );
    let t = Instant::now();
    let again = w.module.scheduler.run().await.unwrap();
    let again_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "second run right after: {again_ms:.1} ms, buckets {}, queries {}, read {}, sent {}",
        again.buckets, again.queries, again.read, again.sent
    );
    rows.push((
        "sweep".into(),
        "run: elapsed".into(),
        format!("{run_ms:.0} ms"),
    ));
    rows.push((
        "sweep".into(),
        "run: buckets / queries / read / sent".into(),
        format!(
            "{} / {} / {} / {}",
            report.buckets, report.queries, report.read, report.sent
        ),
    ));
    rows.push((
        "sweep".into(),
        "reads per due post".into(),
        format!("{:.3}", report.read as f64 / due as f64),
    ));
    rows.push((
        "sweep".into(),
        "sent after publish date (worst)".into(),
        format!("{late} ({worst} ms)"),
    ));
    rows.push((
        "sweep".into(),
        "second run: elapsed / read / sent".into(),
        format!("{again_ms:.1} ms / {} / {}", again.read, again.sent),
    ));
}

// ---------------------------------------------------------------------------------------
// calendar

fn month_start(year: i32, month0: i32) -> DateTime<Utc> {
    let y = year + month0.div_euclid(12);
    let m = month0.rem_euclid(12) as u32 + 1;
    Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).unwrap()
}

async fn calendar(rows: &mut Rows, n: usize, iterations: usize) {
    println!(
        "\n== calendar: Posts::calendar for one month, one org with {n} posts over 12 months on 5 channels (load average {})",
        load()
    );
    let w = world("http://127.0.0.1:9");
    let org = "org-cal";
    let now = Utc::now();
    let mut channel_ids = Vec::new();
    for (i, provider) in ["mastodon", "x", "linkedin", "bluesky", "threads"]
        .iter()
        .enumerate()
    {
        let c = Channel {
            id: new_id(),
            organization_id: org.into(),
            internal_id: format!("acct-{i}"),
            name: format!("Channel {i}"),
            picture: Some(format!("https://cdn.example/{i}.png")),
            provider_identifier: provider.to_string(),
            token: w.cipher.encrypt("a-token").unwrap(),
            refresh_token: Some(w.cipher.encrypt("a-refresh").unwrap()),
            token_expiration: Some(now + Span::days(30)),
            profile: Some(format!("handle{i}")),
            disabled: false,
            in_between_steps: false,
            refresh_needed: false,
            posting_times: default_posting_times(),
            custom_instance_details: None,
            customer_id: None,
            root_internal_id: format!("acct-{i}"),
            additional_settings: "[]".into(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        w.channels.repo.create(&c).await.unwrap();
        channel_ids.push(c.id);
    }
    let tags = ["launch", "blog", "promo"];
    for (i, name) in tags.iter().enumerate() {
        w.module
            .posts
            .repo
            .put_tag(&Tag {
                id: new_id(),
                name: name.to_string(),
                color: format!("#00{i}0ff"),
                org_id: org.into(),
                created_at: now,
                updated_at: now,
                deleted_at: None,
            })
            .await
            .unwrap();
    }
    // 12 months from 6 months ago: the past ones published, the rest queued.
    let (y, m0) = (now.year(), now.month0() as i32);
    let start = month_start(y, m0 - 6);
    let end = month_start(y, m0 + 6);
    let span_ms = (end - start).num_milliseconds();
    let mut ins = Inserter::new(&w.store);
    for i in 0..n {
        let at = start + Span::milliseconds(span_ms * i as i64 / n as i64);
        let state = if at < now {
            PostState::Published
        } else {
            PostState::Queue
        };
        let mut p = make_post(new_id(), org, &channel_ids[i % 5], i, at, state, now);
        if i % 3 == 0 {
            p.tags = vec![tags[i % tags.len()].to_string()];
        }
        ins.push(post_item(&p).unwrap()).await;
    }
    ins.finish().await;

    // The current month (half published, half queued).
    let from = month_start(y, m0);
    let to = month_start(y, m0 + 1) - Span::milliseconds(1);
    let posts = &w.module.posts;
    let first = posts.calendar(org, from, to, None).await.unwrap();
    let bytes = first.len();
    let first: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let returned = first["p"].as_array().unwrap().len();
    for _ in 0..20 {
        posts.calendar(org, from, to, None).await.unwrap();
    }
    // Wall time, and this thread's CPU time (the embedded reads run on the calling thread), which
    // other work on the machine disturbs much less.
    let mut times = Vec::with_capacity(iterations);
    let mut cpu = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let (t, c) = (Instant::now(), thread_cpu());
        let v = posts.calendar(org, from, to, None).await.unwrap();
        times.push(t.elapsed());
        cpu.push(thread_cpu().saturating_sub(c));
        std::hint::black_box(v);
    }
    times.sort();
    cpu.sort();
    // Where the time goes: the raw index query (stored JSON, not decoded).
    let mut query = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        let mut bytes = 0usize;
        posts
            .repo
            .visit_calendar(org, from, to, &mut |b| bytes += b.len())
            .await
            .unwrap();
        std::hint::black_box(bytes);
        query.push(t.elapsed());
    }
    query.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "window {} .. {}: {returned} posts, response {bytes} bytes",
        iso(from),
        iso(to)
    );
    println!(
        "Posts::calendar x{iterations}: p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs (target p50 ≤ 5000 µs)",
        us(pct(&times, 0.5)),
        us(pct(&times, 0.9)),
        us(pct(&times, 0.99))
    );
    println!(
        "  thread CPU time per call: p50 {:.0} µs, p90 {:.0} µs ({:.1} µs per returned post at p50)",
        us(pct(&cpu, 0.5)),
        us(pct(&cpu, 0.9)),
        us(pct(&cpu, 0.5)) / returned.max(1) as f64
    );
    println!(
        "  of which PostRepo::visit_calendar (index range, item reads, no decoding) p50 {:.0} µs",
        us(pct(&query, 0.5)),
    );
    rows.push((
        "calendar".into(),
        "posts returned / body".into(),
        format!("{returned} / {bytes} bytes"),
    ));
    rows.push((
        "calendar".into(),
        "p50 / p90 / p99".into(),
        format!(
            "{:.0} / {:.0} / {:.0} µs",
            us(pct(&times, 0.5)),
            us(pct(&times, 0.9)),
            us(pct(&times, 0.99))
        ),
    ));
    rows.push((
        "calendar".into(),
        "thread CPU p50 / per post".into(),
        format!(
            "{:.0} µs / {:.1} µs",
            us(pct(&cpu, 0.5)),
            us(pct(&cpu, 0.5)) / returned.max(1) as f64
        ),
    ));
    rows.push((
        "calendar".into(),
        "raw repo query p50".into(),
        format!("{:.0} µs", us(pct(&query, 0.5))),
    ));
}

#[tokio::main]
async fn main() {
    // The allocator as `postiz-server` sets it up.
    postiz_core::allocator::keep_freed_memory();
    // The calendar figures are of the read itself, not of the answer cache.
    std::env::set_var("CALENDAR_CACHE", "off");
    let a = args();
    let mut rows: Rows = Vec::new();
    let all = a.what == "all";
    let lateness_all = all || a.what == "lateness";
    if lateness_all || a.what == "lateness-even" {
        lateness(&mut rows, a.posts, false, a.latency, a.pool).await;
    }
    if lateness_all || a.what == "lateness-burst" {
        lateness(&mut rows, a.posts, true, a.latency, a.pool).await;
    }
    if lateness_all || a.what == "lateness-even50" {
        lateness(&mut rows, a.posts, false, 50, a.pool).await;
    }
    if all || a.what == "sweep" {
        sweep(&mut rows, a.sweep_total, a.sweep_due, a.insert_budget).await;
    }
    if all || a.what == "calendar" {
        calendar(&mut rows, 10_000, a.iterations).await;
    }
    if rows.is_empty() {
        eprintln!("nothing ran: unknown scenario {:?}", a.what);
        std::process::exit(2);
    }
    rows.push((
        "machine".into(),
        "load average at the end".into(),
        format!(
            "{} ({} cores)",
            load(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
    ));
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    println!("\n{:<w0$}  {:<w1$}  value", "scenario", "metric");
    println!("{}", "-".repeat(w0 + w1 + 30));
    for (s, m, v) in &rows {
        println!("{s:<w0$}  {m:<w1$}  {v}");
    }
}
