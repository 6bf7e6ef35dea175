//! The guarded fetcher against URLs that must be refused and against a local axum server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream;
use postiz_fetch::{FetchError, FetchPolicy, GuardedFetcher, Url};

const MAX: u64 = 1000;

fn chunk() -> Result<Bytes, Infallible> {
    Ok(Bytes::from_static(&[b'x'; 256]))
}

fn app() -> Router {
    Router::new()
        .route(
            "/ok",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], "hello") }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/big", get(|| async { vec![b'x'; MAX as usize + 1] }))
        .route("/exact", get(|| async { vec![b'x'; MAX as usize] }))
        // Chunked and endless: only stopping at the cap ends this fetch before the timeout.
        .route(
            "/endless",
            get(|| async { Body::from_stream(stream::repeat_with(chunk)) }),
        )
        // Declares a large Content-Length, sends one chunk, then stalls: only an early refusal
        // based on the header ends this fetch before the timeout.
        .route(
            "/declared-big",
            get(|| async {
                let body = Body::from_stream(futures_util::StreamExt::chain(
                    stream::iter([chunk()]),
                    stream::pending(),
                ));
                Response::builder()
                    .header(header::CONTENT_LENGTH, "1000000")
                    .body(body)
                    .unwrap()
            }),
        )
        .route("/redirect-ok", get(|| async { Redirect::to("/ok") }))
        .route(
            "/redirect",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                Redirect::temporary(&q["to"]).into_response()
            }),
        )
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    "end".into_response()
                } else {
                    Redirect::to(&format!("/chain/{}", n - 1)).into_response()
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            }),
        )
}

async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    addr
}

/// Plain http, small cap, short timeout, and only `allowed` reachable among private addresses.
fn test_policy(allowed: &[SocketAddr]) -> FetchPolicy {
    FetchPolicy {
        https_only: false,
        max_bytes: MAX,
        timeout: Duration::from_secs(3),
        allow_addrs: allowed.to_vec(),
        ..FetchPolicy::default()
    }
}

fn fetcher(allowed: &[SocketAddr]) -> GuardedFetcher {
    GuardedFetcher::new(test_policy(allowed))
}

fn assert_refused<T: std::fmt::Debug>(result: Result<T, FetchError>, what: &str) {
    assert!(
        matches!(result, Err(FetchError::Refused(_))),
        "{what}: expected Refused, got {result:?}"
    );
}

#[test]
fn url_crate_normalises_odd_ipv4_spellings() {
    for (input, expected) in [
        ("http://127.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://0x7f.0.0.1/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://127.0.0.1./", "127.0.0.1"),
        ("http://0/", "0.0.0.0"),
        ("http://0251.0376.0251.0376/", "169.254.169.254"),
    ] {
        let url = Url::parse(input).unwrap();
        assert_eq!(
            url.host(),
            Some(url::Host::Ipv4(expected.parse().unwrap())),
            "{input}"
        );
    }
    // Mapped IPv6 stays IPv6 (is_forbidden checks the embedded IPv4).
    let mapped = Url::parse("http://[::ffff:7f00:1]/").unwrap();
    let expected = "::ffff:127.0.0.1".parse().unwrap();
    assert_eq!(mapped.host(), Some(url::Host::Ipv6(expected)));
}

#[tokio::test]
async fn refuses_local_private_and_odd_urls() {
    let f = fetcher(&[]);
    for url in [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://[::1]/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://0/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::1]/",
        "http://10.0.0.1/",
        "http://192.168.1.1:8080/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://100.64.0.1/",
        "http://255.255.255.255/",
        "http://foo.localhost/",
        "http://host.invalid/",
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "not a url",
        "/relative/path",
    ] {
        assert_refused(f.check(url).await, url);
        assert_refused(f.get(url).await, url);
    }
}

#[tokio::test]
async fn refusal_messages_name_the_rule() {
    let f = fetcher(&[]);
    let msg = |r: Result<Url, FetchError>| r.unwrap_err().to_string();
    assert!(msg(f.check("http://10.0.0.1/").await).contains("private or reserved address"));
    assert!(msg(f.check("http://localhost/").await).contains("local host names"));
    assert!(msg(f.check("ftp://example.com/").await).contains("http and https"));
    let strict = GuardedFetcher::new(FetchPolicy::default());
    let err = msg(strict.check("http://8.8.8.8/").await);
    assert!(err.contains("only https"), "{err}");
}

#[tokio::test]
async fn https_only_refuses_http_and_accepts_https() {
    let strict = GuardedFetcher::new(FetchPolicy::default());
    assert_refused(
        strict.check("http://8.8.8.8/").await,
        "http under https_only",
    );
    assert_refused(strict.get("http://8.8.8.8/").await, "http under https_only");
    let ok = strict.check("https://8.8.8.8/img.png").await.unwrap();
    assert_eq!(ok.as_str(), "https://8.8.8.8/img.png");
    let ok = fetcher(&[]).check("http://[2606:4700::1111]/").await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn allow_addrs_admits_exactly_the_listed_socket() {
    let addr = serve().await;
    let f = fetcher(&[addr]);
    assert!(f.check(&format!("http://{addr}/ok")).await.is_ok());
    let other = format!("http://127.0.0.1:{}/ok", addr.port() + 1);
    assert_refused(f.check(&other).await, &other);
    assert_refused(f.check("http://127.0.0.2/").await, "other loopback host");
}

#[tokio::test]
async fn fetches_a_body_with_its_content_type() {
    let addr = serve().await;
    let got = fetcher(&[addr])
        .get(&format!("http://{addr}/ok"))
        .await
        .unwrap();
    assert_eq!(&got.bytes[..], b"hello");
    assert_eq!(got.content_type.as_deref(), Some("image/png"));
    assert_eq!(got.final_url.path(), "/ok");
}

#[tokio::test]
async fn non_success_status_fails() {
    let addr = serve().await;
    let got = fetcher(&[addr])
        .get(&format!("http://{addr}/missing"))
        .await;
    assert_eq!(
        got.unwrap_err(),
        FetchError::Failed("HTTP status 404".into())
    );
}

#[tokio::test]
async fn body_cap_is_enforced() {
    let addr = serve().await;
    let f = fetcher(&[addr]);
    let exact = f.get(&format!("http://{addr}/exact")).await.unwrap();
    assert_eq!(exact.bytes.len() as u64, MAX);
    for path in ["/big", "/endless", "/declared-big"] {
        let started = Instant::now();
        let got = f.get(&format!("http://{addr}{path}")).await;
        assert_eq!(got.unwrap_err(), FetchError::TooLarge, "{path}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path} was slow"
        );
    }
}

#[tokio::test]
async fn follows_allowed_redirects() {
    let addr = serve().await;
    let f = fetcher(&[addr]);
    let got = f.get(&format!("http://{addr}/redirect-ok")).await.unwrap();
    assert_eq!(&got.bytes[..], b"hello");
    assert_eq!(got.final_url.as_str(), format!("http://{addr}/ok"));
    let absolute = format!("http://{addr}/redirect?to=http://{addr}/ok");
    assert_eq!(&f.get(&absolute).await.unwrap().bytes[..], b"hello");
}

#[tokio::test]
async fn refuses_redirects_to_unlisted_local_targets() {
    let addr = serve().await;
    let other = serve().await;
    // The second server works when listed, so a refusal below is the policy, not the network.
    let both = fetcher(&[addr, other]);
    let hop = format!(
        "http://{addr}/redirect?to=http://127.0.0.1:{}/ok",
        other.port()
    );
    assert_eq!(&both.get(&hop).await.unwrap().bytes[..], b"hello");

    let f = fetcher(&[addr]);
    for target in [
        format!("http://127.0.0.1:{}/ok", other.port()),
        format!("http://localhost:{}/ok", addr.port()),
        "http://localhost/".to_string(),
        "http://169.254.169.254/latest/meta-data".to_string(),
        "http://[::1]/".to_string(),
        "file:///etc/passwd".to_string(),
    ] {
        let url = format!("http://{addr}/redirect?to={target}");
        assert_refused(f.get(&url).await, &target);
    }

    let strict = GuardedFetcher::new(FetchPolicy {
        https_only: true,
        ..test_policy(&[addr])
    });
    assert_refused(
        strict.get(&format!("http://{addr}/ok")).await,
        "http start under https_only",
    );
}

#[tokio::test]
async fn redirect_limit() {
    let addr = serve().await;
    let f = fetcher(&[addr]);
    let five = f.get(&format!("http://{addr}/chain/5")).await.unwrap();
    assert_eq!(&five.bytes[..], b"end");
    let six = f.get(&format!("http://{addr}/chain/6")).await;
    assert_eq!(
        six.unwrap_err(),
        FetchError::Failed("too many redirects".into())
    );
    let none = GuardedFetcher::new(FetchPolicy {
        max_redirects: 0,
        ..test_policy(&[addr])
    });
    assert!(none.get(&format!("http://{addr}/chain/0")).await.is_ok());
    assert!(none.get(&format!("http://{addr}/chain/1")).await.is_err());
}

#[tokio::test]
async fn slow_responses_time_out() {
    let addr = serve().await;
    let f = GuardedFetcher::new(FetchPolicy {
        timeout: Duration::from_millis(300),
        ..test_policy(&[addr])
    });
    let started = Instant::now();
    let got = f.get(&format!("http://{addr}/slow")).await;
    assert_eq!(got.unwrap_err(), FetchError::Failed("timed out".into()));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn allow_private_reaches_loopback() {
    let addr = serve().await;
    let url = format!("http://{addr}/ok");
    assert_refused(
        fetcher(&[]).get(&url).await,
        "loopback without allow_private",
    );
    let open = GuardedFetcher::new(FetchPolicy {
        allow_private: true,
        ..test_policy(&[])
    });
    assert_eq!(&open.get(&url).await.unwrap().bytes[..], b"hello");
    // Names resolve through DNS too, and a local name is accepted.
    let by_name = format!("http://localhost:{}/ok", addr.port());
    assert_eq!(&open.get(&by_name).await.unwrap().bytes[..], b"hello");
}

/// Reads a streamed body to its end (or its first error).
async fn drain(s: &mut postiz_fetch::Streamed) -> Result<Vec<u8>, FetchError> {
    let mut all = Vec::new();
    while let Some(piece) = s.chunk().await? {
        all.extend_from_slice(&piece);
    }
    Ok(all)
}

#[tokio::test]
async fn open_streams_a_body_under_the_same_rules() {
    let addr = serve().await;
    let f = fetcher(&[addr]);
    // Redirects are followed and the headers are read before the body.
    let mut ok = f.open(&format!("http://{addr}/redirect-ok")).await.unwrap();
    assert_eq!(ok.content_type.as_deref(), Some("image/png"));
    assert_eq!(ok.final_url.as_str(), format!("http://{addr}/ok"));
    assert_eq!(drain(&mut ok).await.unwrap(), b"hello");
    let mut exact = f.open(&format!("http://{addr}/exact")).await.unwrap();
    assert_eq!(drain(&mut exact).await.unwrap().len() as u64, MAX);
    // The cap holds for declared and for endless bodies, piece by piece.
    for path in ["/big", "/endless", "/declared-big"] {
        let mut s = f.open(&format!("http://{addr}{path}")).await.unwrap();
        assert_eq!(
            drain(&mut s).await.unwrap_err(),
            FetchError::TooLarge,
            "{path}"
        );
    }
    // Refusals and failures happen before any body.
    assert_refused(f.open("http://127.0.0.1:9/ok").await, "unlisted loopback");
    assert_eq!(
        f.open(&format!("http://{addr}/missing")).await.unwrap_err(),
        FetchError::Failed("HTTP status 404".into())
    );
}
