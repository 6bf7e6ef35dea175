//! The Table contract, run on redb and on DynamoDB (moto).

use chrono::Duration;
use postiz_core::FixedClock;
use postiz_storage::schema::GSI1;
use postiz_storage::{
    Condition, Item, ItemExt, Key, KeyRange, Query, StorageError, Table, TxOp, Update,
};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::both_adapters;

type T = Arc<dyn Table>;

fn item(pk: &str, sk: &str, extra: Value) -> Item {
    let mut i = Key::new(pk, sk).to_item();
    if let Value::Object(m) = extra {
        i.extend(m);
    }
    i
}

fn sks(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.str("sk").unwrap().to_string())
        .collect()
}

async fn put_get_delete(t: T, _: Arc<FixedClock>) {
    let it = item(
        "P#1",
        "A",
        json!({"n": 3, "s": "x", "f": 1.5, "b": true, "l": [1, "two"], "m": {"k": "v"}, "z": null}),
    );
    t.put(it.clone(), None).await.unwrap();
    assert_eq!(
        t.get(&Key::new("P#1", "A")).await.unwrap(),
        Some(it.clone())
    );
    assert_eq!(t.get(&Key::new("P#1", "B")).await.unwrap(), None);
    let old = t.delete(&Key::new("P#1", "A"), None).await.unwrap();
    assert_eq!(old, Some(it));
    assert_eq!(t.get(&Key::new("P#1", "A")).await.unwrap(), None);
    assert_eq!(t.delete(&Key::new("P#1", "A"), None).await.unwrap(), None);
    assert!(matches!(
        t.get(&Key::new("", "A")).await,
        Err(StorageError::Invalid(_))
    ));
}
both_adapters!(table_put_get_delete, super::put_get_delete);

async fn conditions(t: T, _: Arc<FixedClock>) {
    let k = Key::new("C#1", "X");
    t.put(
        item("C#1", "X", json!({"state": "QUEUE", "n": 5})),
        Some(Condition::NotExists),
    )
    .await
    .unwrap();
    let again = t
        .put(item("C#1", "X", json!({})), Some(Condition::NotExists))
        .await;
    assert!(
        matches!(again, Err(StorageError::ConditionFailed { .. })),
        "{again:?}"
    );
    // Equals / NotEquals / comparisons / boolean combinations on update.
    let claimed = t
        .update(
            &k,
            Update::new().set("state", "PUBLISHING"),
            Some(Condition::eq("state", "QUEUE")),
        )
        .await
        .unwrap();
    assert_eq!(claimed.str("state"), Some("PUBLISHING"));
    let twice = t
        .update(
            &k,
            Update::new().set("state", "PUBLISHING"),
            Some(Condition::eq("state", "QUEUE")),
        )
        .await;
    assert!(matches!(twice, Err(StorageError::ConditionFailed { .. })));
    for (cond, ok) in [
        (Condition::GreaterThan("n".into(), json!(4)), true),
        (Condition::GreaterThan("n".into(), json!(5)), false),
        (Condition::LessThan("n".into(), json!(6)), true),
        (
            Condition::NotEquals("state".into(), json!("PUBLISHING")),
            false,
        ),
        (Condition::NotEquals("missing".into(), json!("x")), true),
        (Condition::AttrExists("n".into()), true),
        (Condition::AttrNotExists("n".into()), false),
        (
            Condition::Or(vec![
                Condition::AttrNotExists("n".into()),
                Condition::eq("n", 5),
            ]),
            true,
        ),
        (
            Condition::And(vec![Condition::Exists, Condition::eq("n", 6)]),
            false,
        ),
    ] {
        let r = t
            .update(&k, Update::new().set("touched", true), Some(cond.clone()))
            .await;
        assert_eq!(r.is_ok(), ok, "{cond:?}: {r:?}");
    }
    let del = t
        .delete(&Key::new("C#1", "missing"), Some(Condition::Exists))
        .await;
    assert!(matches!(del, Err(StorageError::ConditionFailed { .. })));
}
both_adapters!(table_conditions, super::conditions);

async fn updates(t: T, _: Arc<FixedClock>) {
    let k = Key::new("U#1", "X");
    let created = t
        .update(
            &k,
            Update::new()
                .set("a", 1)
                .set_if_missing("b", "first")
                .add("n", 2),
            None,
        )
        .await
        .unwrap();
    assert_eq!(created.str("pk"), Some("U#1"));
    assert_eq!(created.int("a"), Some(1));
    assert_eq!(created.str("b"), Some("first"));
    assert_eq!(created.int("n"), Some(2));
    let next = t
        .update(
            &k,
            Update::new()
                .set_if_missing("b", "second")
                .remove("a")
                .add("n", -5),
            None,
        )
        .await
        .unwrap();
    assert_eq!(next.str("b"), Some("first"));
    assert!(next.get("a").is_none());
    assert_eq!(next.int("n"), Some(-3));
    assert_eq!(t.get(&k).await.unwrap(), Some(next));
    let bad = t.update(&k, Update::new().set("pk", "other"), None).await;
    assert!(matches!(bad, Err(StorageError::Invalid(_))));
}
both_adapters!(table_updates, super::updates);

async fn ranges_and_pages(t: T, _: Arc<FixedClock>) {
    for i in 1..=25 {
        t.put(item("R#1", &format!("A#{i:02}"), json!({"i": i})), None)
            .await
            .unwrap();
    }
    t.put(item("R#1", "B#01", json!({})), None).await.unwrap();
    t.put(item("R#2", "A#01", json!({})), None).await.unwrap();
    let q = |r: KeyRange| Query::partition("R#1").range(r);
    let all = t.query_all(Query::partition("R#1")).await.unwrap();
    assert_eq!(all.len(), 26);
    let a = t
        .query_all(q(KeyRange::BeginsWith("A#".into())))
        .await
        .unwrap();
    assert_eq!(
        sks(&a),
        (1..=25).map(|i| format!("A#{i:02}")).collect::<Vec<_>>()
    );
    let between = t
        .query_all(q(KeyRange::Between("A#03".into(), "A#05".into())))
        .await
        .unwrap();
    assert_eq!(sks(&between), ["A#03", "A#04", "A#05"]);
    assert_eq!(
        t.query_all(q(KeyRange::Lt("A#02".into())))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        t.query_all(q(KeyRange::Le("A#02".into())))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        sks(&t.query_all(q(KeyRange::Gt("A#25".into()))).await.unwrap()),
        ["B#01"]
    );
    assert_eq!(
        t.query_all(q(KeyRange::Ge("A#25".into())))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        sks(&t.query_all(q(KeyRange::Eq("A#07".into()))).await.unwrap()),
        ["A#07"]
    );
    let back = t
        .query(q(KeyRange::BeginsWith("A#".into())).backward().limit(3))
        .await
        .unwrap();
    assert_eq!(sks(&back.items), ["A#25", "A#24", "A#23"]);
    // Pages of 10 walk the whole range in order.
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = t
            .query(q(KeyRange::BeginsWith("A#".into())).limit(10).after(cursor))
            .await
            .unwrap();
        pages += 1;
        seen.extend(sks(&page.items));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(seen, sks(&a));
}
both_adapters!(table_ranges_and_pages, super::ranges_and_pages);

async fn index_queries(t: T, _: Arc<FixedClock>) {
    for i in 0..12 {
        let mut it = item("ITEM", &format!("{i:02}"), json!({"v": i}));
        if i % 2 == 0 {
            it.insert(GSI1.pk.into(), json!("EVEN"));
            it.insert(GSI1.sk.into(), json!(format!("S#{:02}", 20 - i)));
        }
        t.put(it, None).await.unwrap();
    }
    let even = t.query_all(Query::index(GSI1.name, "EVEN")).await.unwrap();
    assert_eq!(even.len(), 6, "only items with both index keys are indexed");
    assert_eq!(
        even.first().unwrap().int("v"),
        Some(10),
        "sorted by the index sort key"
    );
    let page = t
        .query(Query::index(GSI1.name, "EVEN").limit(4))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    let rest = t
        .query_all(Query::index(GSI1.name, "EVEN").after(page.next))
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    // Visiting the stored JSON gives the same items in the same order, every page.
    let mut visited = Vec::new();
    t.visit_raw(Query::index(GSI1.name, "EVEN").limit(4), &mut |b| {
        visited.push(serde_json::from_slice::<Item>(b).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(sks(&visited), sks(&even));
    assert_eq!(visited, even);
    // Moving and removing index keys updates the index.
    t.update(
        &Key::new("ITEM", "00"),
        Update::new().set(GSI1.pk, "ODD"),
        None,
    )
    .await
    .unwrap();
    t.update(&Key::new("ITEM", "02"), Update::new().remove(GSI1.pk), None)
        .await
        .unwrap();
    t.delete(&Key::new("ITEM", "04"), None).await.unwrap();
    assert_eq!(
        t.query_all(Query::index(GSI1.name, "EVEN"))
            .await
            .unwrap()
            .len(),
        3
    );
    let odd = t
        .query_all(Query::index(GSI1.name, "ODD").range(KeyRange::BeginsWith("S#".into())))
        .await
        .unwrap();
    assert_eq!(sks(&odd), ["00"]);
}
both_adapters!(table_index_queries, super::index_queries);

async fn transactions(t: T, _: Arc<FixedClock>) {
    let ok = vec![
        TxOp::Put {
            item: item("T#1", "A", json!({"v": 1})),
            condition: Some(Condition::NotExists),
        },
        TxOp::Update {
            key: Key::new("T#1", "COUNT"),
            update: Update::new().add("n", 1),
            condition: None,
        },
    ];
    t.transact(ok).await.unwrap();
    let failing = vec![
        TxOp::Put {
            item: item("T#1", "B", json!({})),
            condition: Some(Condition::NotExists),
        },
        TxOp::Update {
            key: Key::new("T#1", "COUNT"),
            update: Update::new().add("n", 1),
            condition: None,
        },
        TxOp::Put {
            item: item("T#1", "A", json!({"v": 2})),
            condition: Some(Condition::NotExists),
        },
    ];
    let r = t.transact(failing).await;
    assert!(
        matches!(r, Err(StorageError::ConditionFailed { index: Some(2) })),
        "{r:?}"
    );
    assert_eq!(
        t.get(&Key::new("T#1", "B")).await.unwrap(),
        None,
        "nothing of a failed transaction is written"
    );
    assert_eq!(
        t.get(&Key::new("T#1", "COUNT"))
            .await
            .unwrap()
            .unwrap()
            .int("n"),
        Some(1)
    );
    assert_eq!(
        t.get(&Key::new("T#1", "A"))
            .await
            .unwrap()
            .unwrap()
            .int("v"),
        Some(1)
    );
    let check = vec![
        TxOp::Check {
            key: Key::new("T#1", "A"),
            condition: Condition::eq("v", 1),
        },
        TxOp::Delete {
            key: Key::new("T#1", "COUNT"),
            condition: None,
        },
    ];
    t.transact(check).await.unwrap();
    assert_eq!(t.get(&Key::new("T#1", "COUNT")).await.unwrap(), None);
    let twice = vec![
        TxOp::Put {
            item: item("T#1", "Z", json!({})),
            condition: None,
        },
        TxOp::Delete {
            key: Key::new("T#1", "Z"),
            condition: None,
        },
    ];
    assert!(matches!(
        t.transact(twice).await,
        Err(StorageError::Invalid(_))
    ));
    let too_many = (0..101)
        .map(|i| TxOp::Put {
            item: item("T#2", &i.to_string(), json!({})),
            condition: None,
        })
        .collect();
    assert!(matches!(
        t.transact(too_many).await,
        Err(StorageError::Invalid(_))
    ));
}
both_adapters!(table_transactions, super::transactions);

async fn counters(t: T, _: Arc<FixedClock>) {
    let k = Key::new("RATE#org", "WINDOW#1");
    for expected in 1..=5 {
        assert_eq!(
            t.increment(&k, "hits", 1, Some(4_000_000_000))
                .await
                .unwrap(),
            expected
        );
    }
    assert_eq!(t.increment(&k, "hits", 10, Some(1)).await.unwrap(), 15);
    let item = t.get(&k).await.unwrap().unwrap();
    assert_eq!(item.int("hits"), Some(15));
    assert_eq!(
        item.int("ttl"),
        Some(4_000_000_000),
        "the TTL is set once, at creation"
    );
}
both_adapters!(table_counters, super::counters);

async fn ttl(t: T, clock: Arc<FixedClock>) {
    use postiz_core::Clock;
    let now = clock.now_secs();
    t.put(item("TTL#1", "A", json!({"ttl": now + 10})), None)
        .await
        .unwrap();
    t.put(item("TTL#1", "B", json!({"ttl": now + 1000})), None)
        .await
        .unwrap();
    assert!(t.get(&Key::new("TTL#1", "A")).await.unwrap().is_some());
    clock.advance(Duration::seconds(11));
    assert_eq!(
        t.get(&Key::new("TTL#1", "A")).await.unwrap(),
        None,
        "expired items read as absent"
    );
    assert_eq!(
        sks(&t.query_all(Query::partition("TTL#1")).await.unwrap()),
        ["B"]
    );
    let exists = t
        .update(
            &Key::new("TTL#1", "A"),
            Update::new().set("x", 1),
            Some(Condition::Exists),
        )
        .await;
    assert!(matches!(exists, Err(StorageError::ConditionFailed { .. })));
    t.put(
        item("TTL#1", "A", json!({"fresh": true})),
        Some(Condition::NotExists),
    )
    .await
    .unwrap();
    assert_eq!(
        t.get(&Key::new("TTL#1", "A"))
            .await
            .unwrap()
            .unwrap()
            .bool("fresh"),
        Some(true)
    );
}
both_adapters!(table_ttl, super::ttl);

#[tokio::test]
async fn embedded_sweep_removes_only_expired_items() {
    use postiz_core::Clock;
    let clock = crate::util::fixed_clock();
    let (store, _dir) = crate::util::embedded(clock.clone(), vec![]);
    let now = clock.now_secs();
    let mut gone = item("S#1", "A", json!({"ttl": now + 5}));
    gone.insert(GSI1.pk.into(), json!("IDX"));
    gone.insert(GSI1.sk.into(), json!("1"));
    store.put(gone, None).await.unwrap();
    store
        .put(item("S#1", "B", json!({"ttl": now + 500})), None)
        .await
        .unwrap();
    store.put(item("S#1", "C", json!({})), None).await.unwrap();
    clock.advance(Duration::seconds(6));
    assert_eq!(store.sweep_expired().await.unwrap(), 1);
    assert_eq!(store.sweep_expired().await.unwrap(), 0);
    clock.advance(Duration::seconds(-100));
    assert_eq!(
        store.get(&Key::new("S#1", "A")).await.unwrap(),
        None,
        "swept items are gone for good"
    );
    assert!(store
        .query_all(Query::index(GSI1.name, "IDX"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .query_all(Query::partition("S#1"))
            .await
            .unwrap()
            .len(),
        2
    );
}

/// Concurrent increments each see their own value. Run on the embedded store only: moto
/// serves concurrent UpdateItem calls without isolation (real DynamoDB's ADD is atomic).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_counters_are_atomic_under_concurrency() {
    let (store, _dir) = crate::util::embedded(crate::util::fixed_clock(), vec![]);
    let t: T = Arc::new(store);
    let k = Key::new("RATE#org", "WINDOW#2");
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (t, k) = (t.clone(), k.clone());
            tokio::spawn(async move { t.increment(&k, "hits", 1, None).await.unwrap() })
        })
        .collect();
    let mut values = Vec::new();
    for h in handles {
        values.push(h.await.unwrap());
    }
    values.sort();
    assert_eq!(values, (1..=16).collect::<Vec<_>>());
}
