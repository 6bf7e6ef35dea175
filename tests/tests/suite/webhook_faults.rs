//! The webhook fault suite, on the embedded adapters and on DynamoDB + SQS (moto): 200
//! deliveries to a receiver failing half the requests at random, every queue message sent
//! twice, and the worker pool killed twice mid-flight. Every delivery must end `delivered`
//! or `failed` (dead-lettered) with its log, and a delivery is taken (2xx) at most once
//! unless one of its attempts was cut by a kill after the receiver answered (then the
//! outcome was unknown and the at-least-once rule sends it again, same delivery id).

use async_trait::async_trait;
use chrono::{Duration as Span, Utc};
use postiz_core::crypto::{new_key_base64, Cipher};
use postiz_core::jwt::JwtSigner;
use postiz_core::{Clock, SystemClock};
use postiz_fetch::FetchPolicy;
use postiz_storage::aws::{Provisioner, SqsQueue};
use postiz_storage::queue::Message;
use postiz_storage::schema::queues;
use postiz_storage::{AppKeys, Queue, StorageResult, Table};
use postiz_tests::fakes::{receiver, serve};
use postiz_webhooks::repo::WebhookRepo;
use postiz_webhooks::{
    run_pool, Deliverer, DeliveryConfig, DeliveryStatus, EventKind, Events, Webhook,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A queue that sends every message twice (SQS may).
struct Duplicating(Arc<dyn Queue>);

#[async_trait]
impl Queue for Duplicating {
    async fn send(&self, q: &str, body: &str, delay: Duration) -> StorageResult<String> {
        self.0.send(q, body, delay).await?;
        self.0.send(q, body, delay).await
    }
    async fn receive(
        &self,
        q: &str,
        max: usize,
        vis: Duration,
        wait: Duration,
    ) -> StorageResult<Vec<Message>> {
        self.0.receive(q, max, vis, wait).await
    }
    async fn ack(&self, q: &str, receipt: &str) -> StorageResult<()> {
        self.0.ack(q, receipt).await
    }
    async fn change_visibility(&self, q: &str, receipt: &str, vis: Duration) -> StorageResult<()> {
        self.0.change_visibility(q, receipt, vis).await
    }
}

async fn two_hundred_deliveries(aws: bool) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (table, queue, _dir): (Arc<dyn Table>, Arc<dyn Queue>, _) = if aws {
        let sdk = postiz_tests::aws_config().await;
        let table: Arc<dyn Table> = Arc::new(crate::util::dynamo(clock.clone()).await);
        let prefix = postiz_tests::unique("whfaults-");
        let p = Provisioner::new(&sdk, true);
        for def in queues() {
            if let Some(dlq) = def.dlq() {
                p.create_queue(&prefix, &dlq).await.unwrap();
            }
            p.create_queue(&prefix, &def).await.unwrap();
        }
        (table, Arc::new(SqsQueue::new(&sdk, &prefix)), None)
    } else {
        let (store, dir) = crate::util::embedded(clock.clone(), queues());
        let store = Arc::new(store);
        (store.clone(), store, Some(dir))
    };
    let queue: Arc<dyn Queue> = Arc::new(Duplicating(queue));
    let cipher = Cipher::from_secret(&new_key_base64()).unwrap();
    let keys = Arc::new(AppKeys::fixed(JwtSigner::new("test"), cipher.clone()));
    let (app, log) = receiver::app(0, 0.5);
    let url = serve(app).await;
    let repo = WebhookRepo::new(table.clone());
    let org = postiz_tests::unique("org-");
    let now = Utc::now();
    let hook = |id: &str, channels: Vec<String>| Webhook {
        id: id.into(),
        organization_id: org.clone(),
        name: id.into(),
        url: format!("{url}/{id}"),
        integrations: channels,
        secret: cipher.encrypt("whsec_test").unwrap(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    repo.put(&hook("all", vec![])).await.unwrap();
    // Wants another channel only: must receive nothing.
    repo.put(&hook("elsewhere", vec!["channel-2".into()]))
        .await
        .unwrap();

    let events = Events::new(repo.clone(), queue.clone(), clock.clone());
    for i in 0..200 {
        events
            .emit(
                &org,
                "channel-1",
                EventKind::Published,
                json!({"id": format!("post-{i}"), "content": format!("<p>{i}</p>")}),
            )
            .await;
    }
    let config = DeliveryConfig {
        first_backoff: Span::milliseconds(100),
        max_backoff: Span::milliseconds(400),
        give_up_after: Span::hours(24),
        max_attempts: 6,
        lease: Span::seconds(2),
        timeout: Duration::from_secs(2),
    };
    let policy = FetchPolicy {
        allow_private: true,
        https_only: false,
        timeout: Duration::from_secs(2),
        ..FetchPolicy::default()
    };
    let deliverer = Deliverer::new(repo.clone(), clock.clone(), keys, config).with_policy(policy);
    let start_pool = || {
        tokio::spawn(run_pool(
            deliverer.clone(),
            queue.clone(),
            16,
            Duration::from_secs(3),
        ))
    };
    let started = Instant::now();
    let mut pool = start_pool();
    for kill_after in [Duration::from_millis(400), Duration::from_millis(1200)] {
        tokio::time::sleep(kill_after).await;
        pool.abort(); // the worker is killed, attempts in flight included
        let _ = pool.await;
        pool = start_pool();
    }

    let final_list = loop {
        let list = repo.deliveries("all", 500).await.unwrap();
        let open = list
            .iter()
            .filter(|d| d.status == DeliveryStatus::Pending)
            .count();
        if list.len() == 200 && open == 0 {
            break list;
        }
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "{open} of {} deliveries still pending",
            list.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    pool.abort();

    assert!(repo.deliveries("elsewhere", 10).await.unwrap().is_empty());
    let hits = log.lock().unwrap().hits.clone();
    assert!(
        hits.iter().all(|h| h.path == "/all"),
        "the filter let through"
    );
    let mut per_delivery: HashMap<&str, (usize, usize)> = HashMap::new();
    for h in &hits {
        let e = per_delivery.entry(h.header("postiz-delivery")).or_default();
        e.0 += 1;
        if h.answered == 200 {
            e.1 += 1;
        }
    }
    let (mut delivered, mut failed, mut cut, mut repeated) = (0, 0, 0, 0);
    for d in &final_list {
        let (requests, taken) = per_delivery.get(d.id.as_str()).copied().unwrap_or_default();
        let interrupted = requests > d.attempts as usize;
        if interrupted {
            cut += 1;
        }
        match d.status {
            DeliveryStatus::Delivered => {
                delivered += 1;
                assert_eq!(d.last_status, Some(200), "{d:?}");
                assert!(d.delivered_at.is_some());
                assert!(taken >= 1, "{} delivered but never taken", d.id);
            }
            DeliveryStatus::Failed => {
                failed += 1;
                assert_eq!(d.attempts, 6, "{d:?}");
                assert!(d.last_error.is_some(), "{d:?}");
            }
            other => panic!("{} ended {other:?}", d.id),
        }
        if taken > 1 {
            repeated += 1;
            assert!(
                interrupted,
                "{} taken {taken} times without an interrupted attempt",
                d.id
            );
        }
    }
    assert_eq!(delivered + failed, 200);
    assert!(
        cut <= 2 * 16,
        "{cut} attempts cut by two kills of 16 workers"
    );
    println!(
        "webhook faults ({}): {delivered} delivered, {failed} dead-lettered, {} requests, \
         {cut} attempts cut by the kills, {repeated} taken twice after a cut, {:.1} s",
        if aws { "dynamodb+sqs" } else { "embedded" },
        hits.len(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_deliveries_with_faults_embedded() {
    two_hundred_deliveries(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_deliveries_with_faults_dynamodb_sqs() {
    if !postiz_tests::aws_available() {
        eprintln!("skipped: no AWS emulator (AWS_ENDPOINT_URL)");
        return;
    }
    two_hundred_deliveries(true).await;
}
