//! The AWS adapters under throttling: a proxy in front of the emulator answers chosen calls
//! as a busy DynamoDB (`ProvisionedThroughputExceededException`) or SQS (500) would. The
//! adapters retry with backoff and the work completes; when the failures outlast the retries,
//! the caller gets a clean 503-class error and nothing is half-written.

use postiz_core::SystemClock;
use postiz_storage::aws::{DynamoTable, Provisioner, SqsQueue};
use postiz_storage::schema::{queues, PUBLISH_QUEUE};
use postiz_storage::{Key, Queue, StorageError, Table, TxOp};
use postiz_tests::fault_proxy::{Fault, FaultProxy};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn item(pk: &str, sk: &str, n: i64) -> Map<String, Value> {
    json!({"pk": pk, "sk": sk, "n": n})
        .as_object()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_calls_are_retried_and_exhausted_ones_fail_cleanly() {
    if !postiz_tests::aws_available() {
        return;
    }
    let moto = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let proxy = FaultProxy::start(&moto).await;
    let direct = postiz_tests::aws_config().await;
    let table_name = postiz_tests::unique("faults-");
    let prefix = postiz_tests::unique("faults-");
    let p = Provisioner::new(&direct, true);
    p.create_table(&table_name).await.unwrap();
    for def in queues() {
        if let Some(dlq) = def.dlq() {
            p.create_queue(&prefix, &dlq).await.unwrap();
        }
        p.create_queue(&prefix, &def).await.unwrap();
    }
    let through_proxy = postiz_storage::aws::config_for(&proxy.base).unwrap();
    let table = DynamoTable::new(&through_proxy, &table_name, Arc::new(SystemClock));
    let queue = SqsQueue::new(&through_proxy, &prefix);

    // Two failures in a row on every call: retried with backoff, each call succeeds.
    let targets = [
        ("DynamoDB_20120810.PutItem", Fault::DynamoThrottled),
        ("DynamoDB_20120810.GetItem", Fault::DynamoThrottled),
        (
            "DynamoDB_20120810.TransactWriteItems",
            Fault::DynamoThrottled,
        ),
        ("DynamoDB_20120810.Query", Fault::DynamoThrottled),
        ("AmazonSQS.SendMessage", Fault::ServerError),
        ("AmazonSQS.ReceiveMessage", Fault::ServerError),
    ];
    for (target, fault) in targets {
        proxy.fail(target, fault, 2);
    }
    let started = Instant::now();
    table.put(item("P#1", "A", 1), None).await.unwrap();
    assert_eq!(
        table.get(&Key::new("P#1", "A")).await.unwrap().unwrap()["n"],
        json!(1)
    );
    table
        .transact(vec![
            TxOp::Put {
                item: item("P#1", "B", 2),
                condition: None,
            },
            TxOp::Put {
                item: item("P#1", "C", 3),
                condition: None,
            },
        ])
        .await
        .unwrap();
    let page = table
        .query(postiz_storage::Query::partition("P#1"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    queue
        .send(PUBLISH_QUEUE, "hello", Duration::ZERO)
        .await
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..5 {
        got = queue
            .receive(
                PUBLISH_QUEUE,
                1,
                Duration::from_secs(30),
                Duration::from_secs(1),
            )
            .await
            .unwrap();
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "hello");
    for (target, _) in targets {
        assert_eq!(
            proxy.injected(target),
            2,
            "{target}: every failure was met and retried"
        );
    }
    eprintln!(
        "12 injected failures retried in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Failures past the retries: the write fails as a backend error (503) and nothing is
    // stored.
    proxy.fail(
        "DynamoDB_20120810.TransactWriteItems",
        Fault::DynamoThrottled,
        50,
    );
    let err = table
        .transact(vec![
            TxOp::Put {
                item: item("P#2", "A", 1),
                condition: None,
            },
            TxOp::Put {
                item: item("P#2", "B", 2),
                condition: None,
            },
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
    let as_http: postiz_core::Error = err.into();
    assert!(matches!(as_http, postiz_core::Error::Unavailable(_)));
    proxy.clear();
    assert!(table.get(&Key::new("P#2", "A")).await.unwrap().is_none());
    assert!(table.get(&Key::new("P#2", "B")).await.unwrap().is_none());
}
