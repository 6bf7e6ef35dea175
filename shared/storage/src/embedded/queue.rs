//! The Queue port on redb: messages by id, plus a `queue NUL visible-at id` list of when each
//! becomes visible, so a receive reads only the messages that are due.

use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::keys::{compose, time_prefix};
use super::{backend, EmbeddedStore};
use crate::queue::{Message, Queue, MAX_DELAY};
use crate::{StorageError, StorageResult};

pub(super) const MESSAGES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("queue_messages");
pub(super) const READY: TableDefinition<&[u8], &[u8]> = TableDefinition::new("queue_ready");

#[derive(Serialize, Deserialize)]
struct Stored {
    body: String,
    visible_at_ms: i64,
    receives: u32,
    receipt: String,
}

fn ready_key(queue: &str, visible_at_ms: i64, id: &str) -> Vec<u8> {
    let mut k = compose(&[queue]);
    k.extend_from_slice(&time_prefix(visible_at_ms));
    k.extend_from_slice(id.as_bytes());
    k
}

fn now_ms(store: &EmbeddedStore) -> i64 {
    store.clock.now().timestamp_millis()
}

impl EmbeddedStore {
    fn known(&self, queue: &str) -> StorageResult<()> {
        if self.queues.contains_key(queue) {
            Ok(())
        } else {
            Err(StorageError::Invalid(format!("unknown queue {queue}")))
        }
    }

    fn put_message(
        msgs: &mut redb::Table<&'static [u8], &'static [u8]>,
        ready: &mut redb::Table<&'static [u8], &'static [u8]>,
        queue: &str,
        id: &str,
        m: &Stored,
    ) -> StorageResult<()> {
        let mk = compose(&[queue, id]);
        let bytes = serde_json::to_vec(m).map_err(backend)?;
        msgs.insert(mk.as_slice(), bytes.as_slice())
            .map_err(backend)?;
        let rk = ready_key(queue, m.visible_at_ms, id);
        ready
            .insert(rk.as_slice(), id.as_bytes())
            .map_err(backend)?;
        Ok(())
    }

    /// One receive pass: takes due messages, moving over-received ones to the dead-letter queue.
    async fn receive_once(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
    ) -> StorageResult<Vec<Message>> {
        let def = self.queues[queue].clone();
        let queue = queue.to_string();
        let now = now_ms(self);
        let hidden_until = now + visibility.as_millis() as i64;
        self.blocking(move |db, _| {
            let txn = db.begin_write().map_err(backend)?;
            let mut out = Vec::new();
            {
                let mut msgs = txn.open_table(MESSAGES).map_err(backend)?;
                let mut ready = txn.open_table(READY).map_err(backend)?;
                let start = compose(&[&queue]);
                let end = ready_key(&queue, now + 1, "");
                let due: Vec<(Vec<u8>, String)> = ready
                    .range::<&[u8]>(start.as_slice()..end.as_slice())
                    .map_err(backend)?
                    .take(max)
                    .map(|r| {
                        r.map(|(k, v)| {
                            (
                                k.value().to_vec(),
                                String::from_utf8_lossy(v.value()).into_owned(),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()
                    .map_err(backend)?;
                for (rk, id) in due {
                    ready.remove(rk.as_slice()).map_err(backend)?;
                    let mk = compose(&[&queue, &id]);
                    let Some(raw) = msgs
                        .get(mk.as_slice())
                        .map_err(backend)?
                        .map(|v| v.value().to_vec())
                    else {
                        continue;
                    };
                    let mut m: Stored = serde_json::from_slice(&raw).map_err(backend)?;
                    if let Some((dlq, max_receives)) = &def.dead_letter {
                        if m.receives >= *max_receives {
                            msgs.remove(mk.as_slice()).map_err(backend)?;
                            m.visible_at_ms = now;
                            m.receives = 0;
                            Self::put_message(&mut msgs, &mut ready, dlq, &id, &m)?;
                            continue;
                        }
                    }
                    m.receives += 1;
                    m.visible_at_ms = hidden_until;
                    m.receipt = postiz_core::crypto::random_hex(16);
                    Self::put_message(&mut msgs, &mut ready, &queue, &id, &m)?;
                    out.push(Message {
                        receipt: format!("{id}:{}", m.receipt),
                        id,
                        body: m.body,
                        receive_count: m.receives,
                    });
                }
            }
            txn.commit().map_err(backend)?;
            Ok(out)
        })
        .await
    }

    /// Finds the current stored message of a receipt `id:nonce` and applies `f` when it matches.
    async fn with_receipt(
        &self,
        queue: &str,
        receipt: &str,
        f: impl FnOnce(Stored) -> Option<Stored> + Send + 'static,
    ) -> StorageResult<()> {
        let (id, nonce) = receipt
            .split_once(':')
            .ok_or_else(|| StorageError::Invalid("bad receipt handle".into()))?;
        let (queue, id, nonce) = (queue.to_string(), id.to_string(), nonce.to_string());
        self.blocking(move |db, _| {
            let txn = db.begin_write().map_err(backend)?;
            {
                let mut msgs = txn.open_table(MESSAGES).map_err(backend)?;
                let mut ready = txn.open_table(READY).map_err(backend)?;
                let mk = compose(&[&queue, &id]);
                let Some(raw) = msgs
                    .get(mk.as_slice())
                    .map_err(backend)?
                    .map(|v| v.value().to_vec())
                else {
                    return Ok(());
                };
                let m: Stored = serde_json::from_slice(&raw).map_err(backend)?;
                if m.receipt != nonce {
                    return Ok(()); // a later delivery owns the message now
                }
                ready
                    .remove(ready_key(&queue, m.visible_at_ms, &id).as_slice())
                    .map_err(backend)?;
                msgs.remove(mk.as_slice()).map_err(backend)?;
                if let Some(next) = f(m) {
                    Self::put_message(&mut msgs, &mut ready, &queue, &id, &next)?;
                }
            }
            txn.commit().map_err(backend)
        })
        .await
    }
}

#[async_trait]
impl Queue for EmbeddedStore {
    async fn send(&self, queue: &str, body: &str, delay: Duration) -> StorageResult<String> {
        self.known(queue)?;
        if delay > MAX_DELAY {
            return Err(StorageError::Invalid("delay longer than 15 minutes".into()));
        }
        let id = postiz_core::new_id();
        let m = Stored {
            body: body.to_string(),
            visible_at_ms: now_ms(self) + delay.as_millis() as i64,
            receives: 0,
            receipt: String::new(),
        };
        let (q, i) = (queue.to_string(), id.clone());
        self.blocking(move |db, _| {
            let txn = db.begin_write().map_err(backend)?;
            {
                let mut msgs = txn.open_table(MESSAGES).map_err(backend)?;
                let mut ready = txn.open_table(READY).map_err(backend)?;
                Self::put_message(&mut msgs, &mut ready, &q, &i, &m)?;
            }
            txn.commit().map_err(backend)
        })
        .await?;
        self.wakeup.notify_waiters();
        Ok(id)
    }

    async fn receive(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StorageResult<Vec<Message>> {
        self.known(queue)?;
        if !(1..=10).contains(&max) {
            return Err(StorageError::Invalid(
                "receive takes 1 to 10 messages".into(),
            ));
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.wakeup.notified();
            let got = self.receive_once(queue, max, visibility).await?;
            if !got.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(got);
            }
            // Wake on a send, or poll again soon for delayed messages becoming visible.
            let nap = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(Duration::from_millis(50));
            let _ = tokio::time::timeout(nap, notified).await;
        }
    }

    async fn ack(&self, queue: &str, receipt: &str) -> StorageResult<()> {
        self.known(queue)?;
        self.with_receipt(queue, receipt, |_| None).await
    }

    async fn change_visibility(
        &self,
        queue: &str,
        receipt: &str,
        visibility: Duration,
    ) -> StorageResult<()> {
        self.known(queue)?;
        let at = now_ms(self) + visibility.as_millis() as i64;
        self.with_receipt(queue, receipt, move |mut m| {
            m.visible_at_ms = at;
            Some(m)
        })
        .await
    }
}
