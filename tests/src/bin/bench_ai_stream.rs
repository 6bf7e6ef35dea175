//! The assistant's streaming path (`POST /copilot/chat`) against a slow fake model (first
//! token after 50 ms, then 20 tokens 100 ms apart): the time our server adds to the model's
//! first token, and the memory each open stream costs with 100 at once.
//!
//! `bench_ai_stream <postiz-server binary> [samples]`

use futures_util::StreamExt;
use postiz_tests::fakes::{openai, serve};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STREAMS: usize = 100;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(name: &str, mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    let p50 = percentile(&ms, 0.5);
    println!(
        "{name}: p50 {p50:.2} ms, p90 {:.2} ms, max {:.2} ms ({} samples)",
        percentile(&ms, 0.9),
        ms[ms.len() - 1],
        ms.len()
    );
    p50
}

/// Times of one streamed answer: to the response's first byte, to the first model text.
async fn through_server(http: &reqwest::Client, base: &str, token: &str) -> (f64, f64, String) {
    let started = Instant::now();
    let r = http
        .post(format!("{base}/copilot/chat"))
        .header("auth", token)
        .json(&json!({"operationName": "generateCopilotResponse", "query": "mutation generateCopilotResponse { x }",
                      "variables": {"data": {"messages": [{"id": "u", "createdAt": "2026-12-04T00:00:00Z",
                          "textMessage": {"role": "user", "content": "SLOW hello"}}], "frontend": {"actions": []}}}}))
        .send()
        .await
        .unwrap();
    let mut body = r.bytes_stream();
    let mut first_byte = None;
    let mut first_text = None;
    let mut all = String::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        let at = started.elapsed().as_secs_f64() * 1000.0;
        first_byte.get_or_insert(at);
        all.push_str(&String::from_utf8_lossy(&chunk));
        if first_text.is_none() && all.contains("\"items\":[\"t0 \"]") {
            first_text = Some(at);
        }
    }
    (
        first_byte.unwrap(),
        first_text.expect("the model's text came through"),
        all,
    )
}

/// Time to the model's first token, asked directly.
async fn direct(http: &reqwest::Client, model: &str) -> f64 {
    let started = Instant::now();
    let r = http
        .post(format!("{model}/v1/chat/completions"))
        .bearer_auth(openai::KEY)
        .json(&json!({"model": "gpt-4.1", "stream": true,
                      "messages": [{"role": "user", "content": "SLOW hello"}]}))
        .send()
        .await
        .unwrap();
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        if seen.contains("t0 ") {
            return started.elapsed().as_secs_f64() * 1000.0;
        }
    }
    panic!("no first token")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let bin = args
        .next()
        .expect("usage: bench_ai_stream <postiz-server> [samples]");
    let samples: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let (fake, _) = openai::app();
    let model = serve(fake).await;
    let dir = tempfile::tempdir().unwrap();
    let port = postiz_tests::free_port();
    let mut server: Child = Command::new(&bin)
        .env("PORT", port.to_string())
        .env("DATA_DIR", dir.path())
        .env("OPENAI_API_KEY", openai::KEY)
        .env("OPENAI_BASE_URL", format!("{model}/v1"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postiz-server starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("{base}/auth/can-register"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "postiz-server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, token) = postiz_tests::client::register(&http, &base).await;

    let mut model_first = Vec::new();
    let mut our_first_byte = Vec::new();
    let mut our_first_text = Vec::new();
    for _ in 0..samples {
        model_first.push(direct(&http, &model).await);
        let (byte, text, _) = through_server(&http, &base, &token).await;
        our_first_byte.push(byte);
        our_first_text.push(text);
    }
    let model_p50 = summary("model's first token, asked directly", model_first);
    summary("our response's first byte", our_first_byte);
    let ours_p50 = summary("model's first token through /copilot/chat", our_first_text);
    println!(
        "added to the first token (p50): {:.2} ms",
        ours_p50 - model_p50
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = postiz_tests::rss_kb(server.id());
    let started = Instant::now();
    let streams: Vec<_> = (0..STREAMS)
        .map(|_| {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            tokio::spawn(async move { through_server(&http, &base, &token).await })
        })
        .collect();
    // Mid-answer: every stream open, tokens still coming.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let busy = postiz_tests::rss_kb(server.id());
    let mut complete = 0;
    for s in streams {
        let (_, _, body) = s.await.unwrap();
        if body.contains("\"items\":[\"t20 \"]") && body.ends_with("\r\n-----\r\n") {
            complete += 1;
        }
    }
    println!(
        "{STREAMS} concurrent streams: {complete} complete in {:.2} s; RSS idle {:.0} KB, with them open {:.0} KB: {:.1} KB per open stream",
        started.elapsed().as_secs_f64(),
        idle,
        busy,
        (busy - idle) / STREAMS as f64
    );
    let _ = server.kill();
    let _ = server.wait();
}
