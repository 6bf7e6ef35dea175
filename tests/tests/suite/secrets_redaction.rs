//! Credentials in request URLs never reach a post's error, a notification or the log: a
//! Telegram channel (bot token in the URL path) whose API stops answering, and the Graph API
//! (access token in the query) unreachable.

use chrono::{Duration as Span, SecondsFormat};
use postiz_core::Clock;
use postiz_integrations::Channels;
use postiz_posts::request::CreatePost;
use postiz_posts::{Outcome, PostState};
use postiz_providers::{ChannelAuth, PostDetails, ProviderConfig, Providers};
use postiz_tests::fakes::{serve, telegram};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

const ORG: &str = "org-redaction";

/// Everything the test's subscriber logged.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// An address where nothing listens: every request fails to connect.
fn dead_address() -> String {
    format!("http://127.0.0.1:{}", postiz_tests::free_port())
}

fn telegram_config(base: &str) -> ProviderConfig {
    ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("TELEGRAM_URL", base),
        ("TELEGRAM_TOKEN", telegram::TOKEN),
    ])
}

// One thread, so the subscriber set for this test sees every task the publisher runs.
#[tokio::test(flavor = "current_thread")]
async fn a_bot_token_in_the_url_stays_out_of_errors_notifications_and_logs() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // The channel is connected while the Bot API answers; then its address stops answering.
    let w = crate::util::embedded_posts(Providers::new(&telegram_config(&dead_address())));
    let (fake, _) = telegram::app();
    let live = Channels::on_table(
        w.table.clone(),
        Providers::new(&telegram_config(&serve(fake).await)),
        w.keys.clone(),
        w.clock.clone(),
    );
    let state = live
        .start_connect(ORG, "user-1", "telegram", None)
        .await
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let channel = live
        .connect("telegram", &state, &telegram::CHAT_ID.to_string())
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let req: CreatePost = serde_json::from_value(json!({
        "type": "schedule",
        "date": w.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "posts": [{"integration": {"id": channel}, "settings": {"__type": "telegram"},
                   "value": [{"content": "<p>hello</p>"}]}],
    }))
    .unwrap();
    let id = w.module.posts.create(ORG, req, "API").await.unwrap()[0]["postId"]
        .as_str()
        .unwrap()
        .to_string();
    // Connection refused is transient: requeued with backoff until the attempts run out.
    let mut outcomes = Vec::new();
    for _ in 0..10 {
        outcomes.extend(crate::util::drain(&w.module, &w.queue).await);
        if outcomes.iter().any(|o| matches!(o, Outcome::Failed(_))) {
            break;
        }
        w.clock.advance(Span::minutes(20));
        w.module.scheduler.run().await.unwrap();
    }
    assert!(
        matches!(outcomes.last(), Some(Outcome::Failed(_))),
        "{outcomes:?}"
    );

    let secret = telegram::TOKEN.split(':').nth(1).unwrap();
    let post = w.module.posts.get(ORG, &id).await.unwrap();
    assert_eq!(post.state, PostState::Error);
    let error = post.error.unwrap_or_default();
    assert!(error.contains("/bot[REDACTED]/"), "{error}");
    assert!(!error.contains(secret), "{error}");
    let (notes, _) = w.channels.notifications().page(ORG, 0, 100).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.content.contains("Publishing failed")),
        "{notes:?}"
    );
    for n in &notes {
        assert!(!n.content.contains(secret), "{}", n.content);
    }
    let logged = log.text();
    assert!(logged.contains("[REDACTED]"), "{logged}");
    assert!(!logged.contains(secret), "{logged}");
}

#[tokio::test]
async fn a_graph_access_token_in_the_query_stays_out_of_the_error() {
    let providers = Providers::new(&ProviderConfig::from_pairs([
        ("FACEBOOK_GRAPH_URL", dead_address()),
        ("FACEBOOK_WEB_URL", "https://facebook.example".to_string()),
        ("FACEBOOK_APP_ID", "app".to_string()),
        ("FACEBOOK_APP_SECRET", "app-secret-value".to_string()),
    ]));
    let token = "EAAGsecretpagetoken123";
    let auth = ChannelAuth {
        internal_id: "page-1".into(),
        access_token: token.into(),
        refresh_token: None,
        custom: None,
    };
    let details = PostDetails {
        id: "p".into(),
        message: "hello".into(),
        settings: json!({"post_type": "post"}),
        media: vec![],
    };
    let facebook = providers.get("facebook").unwrap();
    let text = facebook
        .publish(&auth, &details)
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("access_token=[REDACTED]"), "{text}");
    assert!(!text.contains(token), "{text}");
}
