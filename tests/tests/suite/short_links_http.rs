//! Short links from outside: `postiz-server` with a fake Mastodon channel.
//! - The built-in shortener (`SHORT_LINK_URL`): `should-shortlink` asks only for links not
//!   yet short; a post saved with `shortLink: true` has each distinct link replaced once;
//!   `/l/:code` redirects and counts people, not crawlers nor `HEAD`; the post's statistics
//!   show the clicks; another organization sees neither the post's statistics nor the
//!   first one's links in its own posts.
//! - Dub, Short.io and Kutt, each against a fake of its API: the link is made with the
//!   provider's own request shape and key, and the statistics ask the provider by the
//!   link's id. A provider that fails makes the save fail with 502, and nothing is saved.
//! - Without any shortener (a loopback backend URL), nothing is asked or shortened.

use postiz_tests::fakes::{serve, shortener};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};

use crate::util::Session;

async fn server(extra: &[(&str, String)]) -> (Running, tempfile::TempDir) {
    let (srv, dir, _) = crate::util::mastodon_server(extra).await;
    (srv, dir)
}

fn draft(channel: &str, contents: &[&str], short_link: bool) -> Value {
    let value: Vec<Value> = contents.iter().map(|c| json!({"content": c})).collect();
    json!({
        "type": "draft", "date": "2031-05-01T10:00:00Z", "shortLink": short_link, "tags": [],
        "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"}, "value": value}],
    })
}

async fn ask(s: &Session, messages: &[&str]) -> bool {
    let (status, answer) = s
        .call(
            Method::POST,
            "/posts/should-shortlink",
            Some(json!({ "messages": messages })),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    answer["ask"].as_bool().unwrap()
}

/// Saves a draft; its id and the stored contents of its thread.
async fn save(s: &Session, body: Value) -> (String, Vec<String>) {
    let (status, posted) = s.call(Method::POST, "/posts", Some(body)).await;
    assert_eq!(status, 201, "{posted}");
    let id = posted[0]["postId"].as_str().unwrap().to_string();
    let thread = s.get(&format!("/posts/{id}")).await;
    let contents = thread["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["content"].as_str().unwrap().to_string())
        .collect();
    (id, contents)
}

/// The short links in `text` that start with `prefix`.
fn links(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i..]
                .split(|c: char| c == '<' || c == '"' || c == ')' || c.is_whitespace())
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

async fn follow(http: &reqwest::Client, url: &str, agent: &str, method: Method) -> (u16, String) {
    let r = http
        .request(method, url)
        .header("user-agent", agent)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), location)
}

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_shortener_redirects_and_counts_people() {
    let (srv, _dir) = server(&[("SHORT_LINK_URL", "https://sho.rt".into())]).await;
    let base = &srv.base;
    let (s, _) = Session::register(base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, base, &s.token).await;

    assert!(ask(&s, &["<p>Read https://example.com/a</p>"]).await);
    assert!(!ask(&s, &["<p>Already short: https://sho.rt/l/Abc1234</p>"]).await);
    assert!(!ask(&s, &["<p>No links here.</p>", ""]).await);

    let (id, contents) = save(
        &s,
        draft(
            &channel,
            &[
                "<p>New: https://example.com/blog?a=1&amp;b=2 and again https://example.com/blog?a=1&amp;b=2.</p>",
                "<p>Docs (https://docs.example.org/start)</p>",
            ],
            true,
        ),
    )
    .await;
    let first = links(&contents[0], "https://sho.rt/l/");
    let second = links(&contents[1], "https://sho.rt/l/");
    assert_eq!(first.len(), 2, "{contents:?}");
    assert_eq!(
        first[0],
        first[1].trim_end_matches('.'),
        "one link per URL: {first:?}"
    );
    assert!(
        contents[0].ends_with(".</p>"),
        "the full stop stays text: {}",
        contents[0]
    );
    assert_eq!(second.len(), 1);
    assert!(contents[1].contains(')'), "{}", contents[1]);
    assert!(!contents[0].contains("example.com"), "{}", contents[0]);

    // Follow the links on this server (the short links' base is only a name here).
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let local = |short: &str| short.replace("https://sho.rt", base);
    let blog = local(&first[0]);
    assert_eq!(
        follow(&http, &blog, BROWSER, Method::GET).await,
        (302, "https://example.com/blog?a=1&b=2".to_string())
    );
    follow(&http, &blog, BROWSER, Method::GET).await;
    follow(&http, &blog, "facebookexternalhit/1.1", Method::GET).await;
    follow(&http, &blog, BROWSER, Method::HEAD).await;
    let (status, _) = follow(&http, &format!("{base}/l/NoSuch1"), BROWSER, Method::GET).await;
    assert_eq!(status, 404);

    let stats = s.get(&format!("/posts/{id}/statistics")).await;
    let mut clicks = stats["clicks"].as_array().unwrap().clone();
    clicks.sort_by_key(|c| c["original"].as_str().unwrap().to_string());
    assert_eq!(
        clicks,
        vec![
            json!({"short": second[0], "original": "https://docs.example.org/start", "clicks": 0}),
            json!({"short": first[0], "original": "https://example.com/blog?a=1&b=2", "clicks": 2}),
        ]
    );

    // Another organization: no statistics of this post, and this organization's short link
    // pasted into its own post is not its link.
    let (other, _) = Session::register(base).await;
    let other_channel =
        postiz_tests::client::connect_mastodon(&other.http, base, &other.token).await;
    let (status, _) = other
        .call(Method::GET, &format!("/posts/{id}/statistics"), None)
        .await;
    assert_eq!(status, 404);
    let (theirs, _) = save(
        &other,
        draft(&other_channel, &[&format!("<p>{}</p>", first[0])], true),
    )
    .await;
    let stats = other.get(&format!("/posts/{theirs}/statistics")).await;
    assert_eq!(stats, json!({"clicks": []}));

    // Without shortLink, links stay as they are.
    let (_, kept) = save(
        &s,
        draft(&channel, &["<p>https://example.com/x</p>"], false),
    )
    .await;
    assert_eq!(kept, ["<p>https://example.com/x</p>"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dub_short_io_and_kutt_make_links_and_count_clicks_through_their_apis() {
    for provider in ["dub", "short.io", "kutt"] {
        let domain = format!("{}.links.test", provider.replace('.', ""));
        let (app, log) = match provider {
            "dub" => shortener::dub(&domain),
            "short.io" => shortener::short_io(&domain),
            _ => shortener::kutt(&domain),
        };
        let api = serve(app).await;
        let env: Vec<(&str, String)> = match provider {
            "dub" => vec![
                ("DUB_TOKEN", shortener::DUB_KEY.into()),
                ("DUB_API_ENDPOINT", api.clone()),
                ("DUB_SHORT_LINK_DOMAIN", domain.clone()),
            ],
            "short.io" => vec![
                ("SHORT_IO_SECRET_KEY", shortener::SHORT_IO_KEY.into()),
                ("SHORT_IO_DOMAIN", domain.clone()),
                ("SHORT_IO_API_URL", api.clone()),
                ("SHORT_IO_STATISTICS_URL", api.clone()),
            ],
            _ => vec![
                ("KUTT_API_KEY", shortener::KUTT_KEY.into()),
                ("KUTT_API_ENDPOINT", api.clone()),
                ("KUTT_SHORT_LINK_DOMAIN", domain.clone()),
            ],
        };
        let (srv, _dir) = server(&env).await;
        let (s, _) = Session::register(&srv.base).await;
        let channel = postiz_tests::client::connect_mastodon(&s.http, &srv.base, &s.token).await;
        assert!(ask(&s, &["https://example.com/p"]).await, "{provider}");
        assert!(
            !ask(&s, &[&format!("https://{domain}/k9")]).await,
            "{provider}"
        );

        let (id, contents) = save(
            &s,
            draft(
                &channel,
                &["<p>Launch https://example.com/launch today</p>"],
                true,
            ),
        )
        .await;
        let short = format!("https://{domain}/k1");
        assert_eq!(
            contents,
            [format!("<p>Launch {short} today</p>")],
            "{provider}"
        );
        let made = log.lock().unwrap().links[0].clone();
        match provider {
            "dub" => {
                assert_eq!(made.body["url"], "https://example.com/launch");
                assert_eq!(made.body["domain"], domain.as_str());
                assert!(made.body["tenantId"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty()));
            }
            "short.io" => {
                assert_eq!(made.body["originalURL"], "https://example.com/launch");
            }
            _ => {
                assert_eq!(made.body["target"], "https://example.com/launch");
                assert_eq!(made.body["reuse"], false);
            }
        }
        log.lock().unwrap().links[0].clicks = 7;
        let stats = s.get(&format!("/posts/{id}/statistics")).await;
        assert_eq!(
            stats,
            json!({"clicks": [{"short": short, "original": "https://example.com/launch", "clicks": 7}]}),
            "{provider}"
        );
        let asked = log.lock().unwrap().requests.clone();
        let by_id = match provider {
            "dub" => "GET /links/info?linkId=link_0001",
            "short.io" => "GET /statistics/link/link_0001?period=total",
            _ => "GET /links/link_0001/stats",
        };
        assert!(asked.iter().any(|r| r == by_id), "{provider}: {asked:?}");

        // The provider fails: the save fails with 502 and nothing is saved.
        log.lock().unwrap().failing = true;
        let before = s.get("/posts/list?state=all").await;
        let (status, answer) = s
            .call(
                Method::POST,
                "/posts",
                Some(draft(&channel, &["<p>https://example.com/down</p>"], true)),
            )
            .await;
        assert_eq!(status, 502, "{provider}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("could not be shortened"),
            "{answer}"
        );
        assert_eq!(s.get("/posts/list?state=all").await, before, "{provider}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shortener_nothing_is_asked_or_shortened() {
    let (srv, _dir) = server(&[("BACKEND_URL", "http://localhost:3000".into())]).await;
    let (s, _) = Session::register(&srv.base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, &srv.base, &s.token).await;
    assert!(!ask(&s, &["<p>https://example.com/a</p>"]).await);
    let (id, contents) = save(&s, draft(&channel, &["<p>https://example.com/a</p>"], true)).await;
    assert_eq!(contents, ["<p>https://example.com/a</p>"]);
    assert_eq!(
        s.get(&format!("/posts/{id}/statistics")).await,
        json!({"clicks": []})
    );
}
