//! The Queue contract, run on the redb queue and on SQS (moto). Real time: a few seconds.

use postiz_storage::aws::{Provisioner, SqsQueue};
use postiz_storage::schema::QueueDef;
use postiz_storage::{Message, Queue};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Q = Arc<dyn Queue>;

fn def() -> QueueDef {
    QueueDef::with_dlq("jobs", 30, 2)
}

/// Receives until `n` messages arrived or `within` passed.
async fn collect(
    q: &Q,
    queue: &str,
    n: usize,
    visibility: Duration,
    within: Duration,
) -> Vec<Message> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        got.extend(
            q.receive(queue, 10, visibility, Duration::from_millis(500))
                .await
                .unwrap(),
        );
    }
    got
}

async fn contract(q: Q) {
    let vis = Duration::from_secs(30);
    // Send, receive, ack.
    for i in 0..3 {
        q.send("jobs", &format!("m{i}"), Duration::ZERO)
            .await
            .unwrap();
    }
    let got = collect(&q, "jobs", 3, vis, Duration::from_secs(5)).await;
    let mut bodies: Vec<_> = got.iter().map(|m| m.body.clone()).collect();
    bodies.sort();
    assert_eq!(bodies, ["m0", "m1", "m2"]);
    assert!(got.iter().all(|m| m.receive_count == 1));
    for m in &got {
        q.ack("jobs", &m.receipt).await.unwrap();
    }
    assert!(q
        .receive("jobs", 10, vis, Duration::ZERO)
        .await
        .unwrap()
        .is_empty());

    // Delays hide a message until its time.
    q.send("jobs", "later", Duration::from_secs(2))
        .await
        .unwrap();
    assert!(
        q.receive("jobs", 10, vis, Duration::ZERO)
            .await
            .unwrap()
            .is_empty(),
        "delayed message delivered early"
    );
    let later = collect(&q, "jobs", 1, vis, Duration::from_secs(5)).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].body, "later");

    // An unacknowledged message comes back after its visibility timeout, counted again.
    let first = &later[0];
    q.change_visibility("jobs", &first.receipt, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(
        q.receive("jobs", 10, vis, Duration::ZERO)
            .await
            .unwrap()
            .is_empty(),
        "in-flight message delivered twice"
    );
    let again = collect(&q, "jobs", 1, Duration::ZERO, Duration::from_secs(5)).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first.id);
    assert_eq!(again[0].receive_count, 2);

    // Past max receives (2) it moves to the dead-letter queue.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let third = q
        .receive("jobs", 10, vis, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(
        third.is_empty(),
        "message delivered past its max receives: {third:?}"
    );
    let dead = collect(&q, "jobs-dlq", 1, vis, Duration::from_secs(5)).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "later");
    q.ack("jobs-dlq", &dead[0].receipt).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_contract_embedded() {
    let (store, _dir) = crate::util::embedded(crate::util::system_clock(), vec![def()]);
    contract(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_contract_sqs() {
    if !postiz_tests::aws_available() {
        return;
    }
    let config = postiz_tests::aws_config().await;
    let prefix = postiz_tests::unique("q") + "-";
    Provisioner::new(&config, true)
        .create_queue(&prefix, &def())
        .await
        .unwrap();
    contract(Arc::new(SqsQueue::new(&config, &prefix))).await;
}

#[tokio::test]
async fn embedded_queue_refuses_unknown_queues_and_long_delays() {
    let (store, _dir) = crate::util::embedded(crate::util::system_clock(), vec![def()]);
    assert!(store.send("nope", "x", Duration::ZERO).await.is_err());
    assert!(store
        .send("jobs", "x", Duration::from_secs(901))
        .await
        .is_err());
    assert!(store
        .receive("jobs", 11, Duration::ZERO, Duration::ZERO)
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_queue_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.redb");
    {
        let store = postiz_storage::embedded::EmbeddedStore::open(
            &path,
            crate::util::system_clock(),
            vec![def()],
        )
        .unwrap();
        store.send("jobs", "durable", Duration::ZERO).await.unwrap();
    }
    let store = postiz_storage::embedded::EmbeddedStore::open(
        &path,
        crate::util::system_clock(),
        vec![def()],
    )
    .unwrap();
    let got = store
        .receive("jobs", 1, Duration::from_secs(5), Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(got[0].body, "durable");
}
