//! The channels service and the refresh job on the embedded store with a fixed clock,
//! against the fake Pinterest (tokens expire after 30 days).

use chrono::Duration;
use postiz_core::crypto::{new_key_base64, Cipher};
use postiz_core::jwt::JwtSigner;
use postiz_core::{Clock, FixedClock};
use postiz_integrations::service::RefreshOutcome;
use postiz_integrations::{Channels, RefreshJob};
use postiz_providers::Providers;
use postiz_storage::AppKeys;
use postiz_storage::Table;
use postiz_tests::fakes::pinterest::{self, RefreshMode};
use std::sync::Arc;

struct World {
    channels: Channels,
    job: RefreshJob,
    clock: Arc<FixedClock>,
    fake: pinterest::Shared,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let (_, fake, config) = crate::providers_pinterest::setup().await;
    let clock = crate::util::fixed_clock();
    let (store, dir) = crate::util::embedded(clock.clone(), vec![]);
    let table: Arc<dyn Table> = Arc::new(store);
    let keys = Arc::new(AppKeys::fixed(
        JwtSigner::new("test"),
        Cipher::from_secret(&new_key_base64()).unwrap(),
    ));
    let channels = Channels::on_table(table, Providers::new(&config), keys, clock.clone());
    let job = RefreshJob::new(channels.clone(), clock.clone(), Duration::hours(3));
    World {
        channels,
        job,
        clock,
        fake,
        _dir: dir,
    }
}

/// Connects a Pinterest channel to `org` through the service; returns its id.
async fn connect(w: &World, org: &str) -> String {
    let url = w
        .channels
        .start_connect(org, "user-1", "pinterest", None)
        .await
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let state = url.split("state=").nth(1).unwrap().to_string();
    let v = w
        .channels
        .connect("pinterest", &state, pinterest::GOOD_CODE)
        .await
        .unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_tokens_are_refreshed_once() {
    let w = world().await;
    let id = connect(&w, "org-a").await;
    let before = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    let first_refresh = w.channels.auth_of(&before).await.unwrap().refresh_token;
    assert_eq!(
        w.job.run().await.unwrap().refreshed,
        0,
        "nothing expires within 3 hours yet"
    );
    w.clock.advance(Duration::days(30) - Duration::hours(1));
    let report = w.job.run().await.unwrap();
    assert_eq!((report.refreshed, report.dead, report.later), (1, 0, 0));
    assert_eq!(w.fake.lock().unwrap().refreshes, 1);
    assert_eq!(
        w.job.run().await.unwrap().refreshed,
        0,
        "refreshed once, not at every run"
    );
    assert_eq!(w.fake.lock().unwrap().refreshes, 1);
    let after = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    assert!(after.token_expiration.unwrap() > w.clock.now() + Duration::days(29));
    assert_ne!(
        w.channels.auth_of(&after).await.unwrap().access_token,
        w.channels.auth_of(&before).await.unwrap().access_token
    );
    assert_ne!(
        w.channels.auth_of(&after).await.unwrap().refresh_token,
        first_refresh
    );
    // An answer without a refresh token never erases the stored one (Postiz #1884).
    w.fake.lock().unwrap().refresh_mode = RefreshMode::OkWithoutRefreshToken;
    w.clock.advance(Duration::days(30));
    assert_eq!(w.job.run().await.unwrap().refreshed, 1);
    let kept = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    assert_eq!(
        w.channels.auth_of(&kept).await.unwrap().refresh_token,
        w.channels.auth_of(&after).await.unwrap().refresh_token
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_token_is_marked_once_with_one_notification() {
    let w = world().await;
    let id = connect(&w, "org-a").await;
    w.fake.lock().unwrap().refresh_mode = RefreshMode::Dead;
    w.clock.advance(Duration::days(30));
    let report = w.job.run().await.unwrap();
    assert_eq!((report.refreshed, report.dead), (0, 1));
    let c = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    assert!(c.refresh_needed);
    for _ in 0..3 {
        assert_eq!(
            w.job.run().await.unwrap(),
            Default::default(),
            "a dead channel leaves the refresh index"
        );
    }
    let (notes, total) = w
        .channels
        .notifications()
        .page("org-a", 0, 100)
        .await
        .unwrap();
    assert_eq!(total, 1, "exactly one notification per incident");
    assert!(
        notes[0].content.contains("Pinterest") && notes[0].content.contains("reconnect"),
        "{}",
        notes[0].content
    );
    assert_eq!(
        w.channels
            .notifications()
            .page("org-b", 0, 100)
            .await
            .unwrap()
            .1,
        0
    );
    let list = w.channels.list("org-a").await.unwrap();
    assert_eq!(list["integrations"][0]["refreshNeeded"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_failure_keeps_the_channel_connected() {
    let w = world().await;
    let id = connect(&w, "org-a").await;
    w.fake.lock().unwrap().refresh_mode = RefreshMode::Down;
    w.clock.advance(Duration::days(30) - Duration::minutes(30));
    for _ in 0..2 {
        let report = w.job.run().await.unwrap();
        assert_eq!((report.refreshed, report.dead, report.later), (0, 0, 1));
    }
    let c = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    assert!(!c.refresh_needed && !c.disabled);
    assert_eq!(
        w.channels
            .notifications()
            .page("org-a", 0, 100)
            .await
            .unwrap()
            .1,
        0
    );
    w.fake.lock().unwrap().refresh_mode = RefreshMode::Ok;
    assert_eq!(
        w.job.run().await.unwrap().refreshed,
        1,
        "retried once the network is back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_channel_is_left_to_the_run_holding_it() {
    let w = world().await;
    let id = connect(&w, "org-a").await;
    w.clock.advance(Duration::days(30));
    assert!(w
        .channels
        .repo
        .lock(&format!("refresh#{id}"), w.clock.now_secs() + 300)
        .await
        .unwrap());
    assert_eq!(w.job.run().await.unwrap().locked, 1);
    assert_eq!(w.fake.lock().unwrap().refreshes, 0);
    let c = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    assert_eq!(
        w.channels.refresh(&c).await.unwrap(),
        RefreshOutcome::Locked
    );
    w.clock.advance(Duration::minutes(6));
    assert_eq!(
        w.job.run().await.unwrap().refreshed,
        1,
        "an abandoned lock expires"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_call_refreshes_once_and_retries() {
    let w = world().await;
    let id = connect(&w, "org-a").await;
    // Revoke the current access token at the fake: the tool call gets a 401, refreshes, retries.
    w.fake.lock().unwrap().access.clear();
    let boards = w
        .channels
        .call_tool("org-a", &id, "boards", &serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(boards[0]["name"], "Recipes");
    assert_eq!(w.fake.lock().unwrap().refreshes, 1);
    // Tools the provider does not declare are refused without calling it.
    assert!(w
        .channels
        .call_tool("org-a", &id, "refresh", &serde_json::json!({}))
        .await
        .is_err());
    assert!(
        w.channels
            .call_tool("org-b", &id, "boards", &serde_json::json!({}))
            .await
            .is_err(),
        "another org's channel"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_renew_an_expired_token_first_and_are_kept_an_hour() {
    let w = world().await;
    let id = connect(&w, "org-a").await;
    w.clock.advance(Duration::days(31));
    let stats = w.channels.channel_stats("org-a", &id, 7).await.unwrap();
    assert_eq!(
        w.fake.lock().unwrap().refreshes,
        1,
        "the expired token was renewed first"
    );
    assert!(
        stats
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["label"] == "Impressions"),
        "{stats}"
    );
    let reads = w.fake.lock().unwrap().stats_reads;
    assert_eq!(reads, 1);

    // Within the hour the kept answer serves; after it, the network is read again.
    w.clock.advance(Duration::minutes(59));
    assert_eq!(
        w.channels.channel_stats("org-a", &id, 7).await.unwrap(),
        stats
    );
    assert_eq!(w.fake.lock().unwrap().stats_reads, reads);
    w.clock.advance(Duration::minutes(2));
    w.channels.channel_stats("org-a", &id, 7).await.unwrap();
    assert_eq!(w.fake.lock().unwrap().stats_reads, reads + 1);

    // Another organization's channel id is not found; a dead token gives no statistics and
    // nothing is kept.
    assert!(w.channels.channel_stats("org-b", &id, 7).await.is_err());
    w.fake.lock().unwrap().refresh_mode = RefreshMode::Dead;
    w.clock.advance(Duration::days(31));
    let none = w.channels.channel_stats("org-a", &id, 30).await.unwrap();
    assert_eq!(none, serde_json::json!([]));
    let after = w.channels.repo.get("org-a", &id).await.unwrap().unwrap();
    assert!(after.refresh_needed, "the channel asks for a reconnect");
    assert_eq!(
        w.fake.lock().unwrap().stats_reads,
        reads + 1,
        "no read with a dead token"
    );
}
