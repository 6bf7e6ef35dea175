//! The email queue. Whatever sends an email puts it on the queue ([`QueueMailer`]); the
//! [`EmailSender`] takes each message off it, wraps it in the layout and delivers it.
//!
//! A message is sent once: the sender claims it in the table before delivering
//! (`EMAIL#<id>` / `SENT`, a five-minute lease), records the outcome there for two days, and
//! a copy of a message already sent is dropped. A failure worth another try releases the
//! claim and leaves the message on the queue, which brings it back after its visibility
//! timeout, up to the queue's receive limit (then its dead-letter queue).

use async_trait::async_trait;
use postiz_core::email::{EmailMessage, Mailer};
use postiz_core::{new_id, Clock, Error, Result};
use postiz_storage::pool::Done;
use postiz_storage::schema::EMAIL_QUEUE;
use postiz_storage::{Condition, Key, Queue, StorageError, Table};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

use crate::template::Layout;
use crate::transport::{SendError, Transport};

/// How long a sender holds a message it is delivering.
const LEASE_SECS: i64 = 300;
/// How long a sent message's id is remembered (longer than a message stays on the queue
/// while it is retried).
const MEMORY_SECS: i64 = 2 * 86_400;

/// A message on the email queue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QueuedEmail {
    /// Unique per message: the claim's key and the provider's idempotency key.
    pub id: String,
    /// The message.
    #[serde(flatten)]
    pub message: EmailMessage,
}

/// Sends by queueing: the [`Mailer`] of every function when an email provider is set.
#[derive(Clone)]
pub struct QueueMailer {
    queue: Arc<dyn Queue>,
}

impl QueueMailer {
    /// A mailer queueing on `queue`'s email queue.
    pub fn new(queue: Arc<dyn Queue>) -> Self {
        Self { queue }
    }
}

#[async_trait]
impl Mailer for QueueMailer {
    async fn send(&self, message: &EmailMessage) -> Result<()> {
        // Postiz skips recipients that are not addresses.
        if !message.to.contains('@') {
            tracing::info!("email skipped: the recipient is not an address");
            return Ok(());
        }
        let queued = QueuedEmail {
            id: new_id(),
            message: message.clone(),
        };
        let body = serde_json::to_string(&queued).map_err(Error::internal)?;
        self.queue
            .send(EMAIL_QUEUE, &body, Duration::ZERO)
            .await
            .map_err(Error::from)?;
        tracing::info!(email_id = %queued.id, subject = %message.subject, "email queued");
        Ok(())
    }
}

/// What became of a message taken off the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Delivered to the provider.
    Delivered,
    /// Already handled by another copy of the message.
    Duplicate,
    /// Refused for good (logged; trying again would not help).
    Refused(String),
    /// Not an email message (logged and dropped).
    Malformed,
}

/// Takes messages off the email queue and delivers them.
#[derive(Clone)]
pub struct EmailSender {
    transport: Arc<dyn Transport>,
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    layout: Layout,
}

fn claim_key(id: &str) -> Key {
    Key::new(format!("EMAIL#{id}"), "SENT")
}

impl EmailSender {
    /// A sender delivering through `transport`, remembering what it sent in `table`.
    pub fn new(
        transport: Arc<dyn Transport>,
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
        layout: Layout,
    ) -> Self {
        Self {
            transport,
            table,
            clock,
            layout,
        }
    }

    /// Handles one queue message. `Ok`: done with it (delete it); `Err`: it should come
    /// back later.
    pub async fn process(&self, body: &str) -> Result<Sent> {
        let Ok(queued) = serde_json::from_str::<QueuedEmail>(body) else {
            tracing::warn!("a message on the email queue is not an email; dropped");
            return Ok(Sent::Malformed);
        };
        if queued.id.is_empty() || queued.id.len() > 200 {
            tracing::warn!("a message on the email queue has no usable id; dropped");
            return Ok(Sent::Malformed);
        }
        if !self.claim(&queued.id).await? {
            return Ok(Sent::Duplicate);
        }
        let mut message = queued.message.clone();
        message.html = self.layout.wrap(&message.subject, &message.html);
        match self.transport.deliver(&queued.id, &message).await {
            Ok(()) => {
                self.settle(&queued.id, "sent").await;
                tracing::info!(email_id = %queued.id, subject = %message.subject, "email delivered");
                Ok(Sent::Delivered)
            }
            Err(SendError::Permanent(reason)) => {
                self.settle(&queued.id, "refused").await;
                tracing::warn!(email_id = %queued.id, subject = %message.subject, %reason, "email refused for good");
                Ok(Sent::Refused(reason))
            }
            Err(SendError::Transient(reason)) => {
                // Let the next copy of the message try at once.
                if let Err(e) = self.table.delete(&claim_key(&queued.id), None).await {
                    tracing::warn!(email_id = %queued.id, error = %e, "could not release the email's claim");
                }
                tracing::warn!(email_id = %queued.id, %reason, "email not delivered; it will be tried again");
                Err(Error::Unavailable(reason))
            }
        }
    }

    /// Claims the message; `false` when it was already sent (or refused). A message
    /// another sender is delivering right now is an error: it is tried again later.
    async fn claim(&self, id: &str) -> Result<bool> {
        let now = self.clock.now_secs();
        let mut item = claim_key(id).to_item();
        item.insert("state".into(), json!("sending"));
        item.insert(postiz_storage::item::TTL.into(), json!(now + LEASE_SECS));
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(true),
            Err(StorageError::ConditionFailed { .. }) => {
                let state = self
                    .table
                    .get(&claim_key(id))
                    .await?
                    .and_then(|i| i.get("state").and_then(|s| s.as_str().map(str::to_string)));
                match state.as_deref() {
                    Some("sent") | Some("refused") => {
                        tracing::info!(email_id = %id, "email already handled; this copy is dropped");
                        Ok(false)
                    }
                    _ => Err(Error::Conflict(
                        "another sender is delivering this email".into(),
                    )),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records the outcome. Should this fail, the message is deleted anyway: only a copy
    /// of it could be sent again.
    async fn settle(&self, id: &str, state: &str) {
        let mut item = claim_key(id).to_item();
        item.insert("state".into(), json!(state));
        item.insert(
            postiz_storage::item::TTL.into(),
            json!(self.clock.now_secs() + MEMORY_SECS),
        );
        if let Err(e) = self.table.put(item, None).await {
            tracing::warn!(email_id = %id, error = %e, "could not record the email as sent");
        }
    }
}

/// The local server's senders: `concurrency` tasks on the email queue (the email-sender
/// Lambda in AWS). A failed message comes back after `visibility`.
pub async fn run_pool(
    sender: EmailSender,
    queue: Arc<dyn Queue>,
    concurrency: usize,
    visibility: Duration,
) {
    let sender = Arc::new(sender);
    postiz_storage::pool::run_pool(queue, EMAIL_QUEUE, concurrency, visibility, move |body| {
        let sender = sender.clone();
        async move {
            match sender.process(&body).await {
                Ok(_) => Done::Delete,
                Err(_) => Done::Retry,
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use postiz_core::SystemClock;
    use postiz_storage::embedded::EmbeddedStore;
    use std::sync::Mutex;

    /// A provider answering from a script (then `Ok`), recording what it delivered.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<Vec<SendError>>,
        delivered: Mutex<Vec<(String, EmailMessage)>>,
    }

    #[async_trait]
    impl Transport for Scripted {
        async fn deliver(&self, id: &str, m: &EmailMessage) -> std::result::Result<(), SendError> {
            if let Some(e) = self.answers.lock().unwrap().pop() {
                return Err(e);
            }
            self.delivered
                .lock()
                .unwrap()
                .push((id.to_string(), m.clone()));
            Ok(())
        }
    }

    fn setup(
        answers: Vec<SendError>,
    ) -> (
        EmailSender,
        Arc<Scripted>,
        QueueMailer,
        Arc<dyn Queue>,
        tempfile::TempDir,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(
            &dir.path().join("db.redb"),
            Arc::new(SystemClock),
            postiz_storage::schema::queues(),
        )
        .unwrap();
        let transport = Arc::new(Scripted {
            answers: Mutex::new(answers),
            ..Scripted::default()
        });
        let sender = EmailSender::new(
            transport.clone(),
            Arc::new(store.clone()),
            Arc::new(SystemClock),
            Layout {
                sender: "Postiz".into(),
                frontend_url: "https://app.example".into(),
            },
        );
        let queue: Arc<dyn Queue> = Arc::new(store);
        (
            sender,
            transport,
            QueueMailer::new(queue.clone()),
            queue,
            dir,
        )
    }

    fn message(to: &str) -> EmailMessage {
        EmailMessage {
            to: to.into(),
            subject: "Reset your password".into(),
            html: "<p>here</p>".into(),
        }
    }

    async fn queued(queue: &Arc<dyn Queue>) -> Vec<String> {
        queue
            .receive(EMAIL_QUEUE, 10, Duration::from_secs(30), Duration::ZERO)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.body)
            .collect()
    }

    #[tokio::test]
    async fn a_queued_message_is_delivered_once_in_the_layout() {
        let (sender, transport, mailer, queue, _dir) = setup(vec![]);
        mailer.send(&message("ada@example.com")).await.unwrap();
        mailer.send(&message("not an address")).await.unwrap();
        let bodies = queued(&queue).await;
        assert_eq!(bodies.len(), 1, "a recipient without @ is skipped");
        assert_eq!(sender.process(&bodies[0]).await.unwrap(), Sent::Delivered);
        // A second copy of the same message (SQS delivers at least once) is dropped.
        assert_eq!(sender.process(&bodies[0]).await.unwrap(), Sent::Duplicate);
        let delivered = transport.delivered.lock().unwrap();
        assert_eq!(delivered.len(), 1);
        let q: QueuedEmail = serde_json::from_str(&bodies[0]).unwrap();
        assert_eq!(delivered[0].0, q.id, "the queue id is the idempotency key");
        assert_eq!(delivered[0].1.to, "ada@example.com");
        assert!(delivered[0].1.html.contains(">Reset your password</h1>"));
        assert!(delivered[0].1.html.contains("<p>here</p>"));
    }

    #[tokio::test]
    async fn a_failure_worth_retrying_releases_the_message_and_a_refusal_ends_it() {
        let (sender, transport, mailer, queue, _dir) = setup(vec![
            SendError::Permanent("422 invalid to".into()),
            SendError::Transient("503".into()),
        ]);
        mailer.send(&message("ada@example.com")).await.unwrap();
        mailer.send(&message("bob@example.com")).await.unwrap();
        let bodies = queued(&queue).await;
        // First try: the provider is down; the message is to come back.
        assert!(sender.process(&bodies[0]).await.is_err());
        // The other is refused for good; its copies are dropped.
        assert_eq!(
            sender.process(&bodies[1]).await.unwrap(),
            Sent::Refused("422 invalid to".into())
        );
        assert_eq!(sender.process(&bodies[1]).await.unwrap(), Sent::Duplicate);
        // The next copy of the first goes through (its claim was released).
        assert_eq!(sender.process(&bodies[0]).await.unwrap(), Sent::Delivered);
        assert_eq!(transport.delivered.lock().unwrap().len(), 1);
        assert_eq!(sender.process("not json").await.unwrap(), Sent::Malformed);
    }

    #[tokio::test]
    async fn a_message_being_delivered_is_not_taken_twice() {
        let (sender, transport, mailer, queue, _dir) = setup(vec![]);
        mailer.send(&message("ada@example.com")).await.unwrap();
        let body = queued(&queue).await.remove(0);
        let q: QueuedEmail = serde_json::from_str(&body).unwrap();
        // Another sender holds it.
        assert!(sender.claim(&q.id).await.unwrap());
        assert!(
            sender.process(&body).await.is_err(),
            "held by another sender"
        );
        assert!(transport.delivered.lock().unwrap().is_empty());
    }
}
