//! The delivery worker: one queue message is one attempt of one delivery. The attempt is
//! claimed under a lease (a second copy of the message waits or is dropped), signed, POSTed
//! through the guarded fetcher (the URL is vetted again at every send), and recorded; a
//! failure schedules the next attempt with exponential backoff until a day has passed.

use postiz_core::{Clock, Result};
use postiz_fetch::{FetchPolicy, GuardedFetcher};
use postiz_storage::queue::MAX_DELAY;
use postiz_storage::schema::WEBHOOK_QUEUE;
use postiz_storage::{AppKeys, Queue};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::model::{Delivery, DeliveryMessage, DeliveryStatus};
use crate::repo::WebhookRepo;
use crate::signature;

/// Retry and timing rules of deliveries.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Wait before the second attempt; doubles for each next one.
    pub first_backoff: chrono::Duration,
    /// Longest wait between two attempts.
    pub max_backoff: chrono::Duration,
    /// No attempt starts later than this after the event.
    pub give_up_after: chrono::Duration,
    /// Attempts at most.
    pub max_attempts: u32,
    /// How long an attempt holds its delivery (longer than the request's timeout).
    pub lease: chrono::Duration,
    /// Time allowed for one request, connection included.
    pub timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            first_backoff: chrono::Duration::seconds(30),
            max_backoff: chrono::Duration::hours(1),
            give_up_after: chrono::Duration::hours(24),
            max_attempts: 40,
            lease: chrono::Duration::seconds(30),
            timeout: Duration::from_secs(10),
        }
    }
}

impl DeliveryConfig {
    /// The defaults, with `WEBHOOK_RETRY_BASE_MS` (first backoff) and
    /// `WEBHOOK_MAX_ATTEMPTS` read from the environment.
    pub fn from_env() -> Self {
        let mut c = Self::default();
        let number = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        if let Some(ms) = number("WEBHOOK_RETRY_BASE_MS").filter(|n| *n >= 0) {
            c.first_backoff = chrono::Duration::milliseconds(ms);
        }
        if let Some(n) = number("WEBHOOK_MAX_ATTEMPTS").filter(|n| *n > 0) {
            c.max_attempts = n as u32;
        }
        c
    }

    /// The wait after `attempts` failed attempts.
    pub fn backoff(&self, attempts: u32) -> chrono::Duration {
        let factor = 1i32 << attempts.saturating_sub(1).min(20);
        (self.first_backoff * factor).min(self.max_backoff)
    }
}

/// What handling a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The endpoint took it.
    Delivered,
    /// This attempt failed; another is scheduled.
    Retrying,
    /// The last attempt failed: the delivery is dead-lettered.
    Failed,
    /// Nothing sent (stale or duplicate message, not due yet, webhook deleted...).
    Skipped(&'static str),
}

/// Delivers webhook messages.
#[derive(Clone)]
pub struct Deliverer {
    repo: WebhookRepo,
    queue: Arc<dyn Queue>,
    clock: Arc<dyn Clock>,
    keys: Arc<AppKeys>,
    fetcher: GuardedFetcher,
    config: DeliveryConfig,
}

/// The fetcher policy of deliveries: public https only (unless `FETCH_ALLOW_PRIVATE`), the
/// answer read up to 4 KB, `timeout` for everything.
pub fn delivery_policy(timeout: Duration) -> FetchPolicy {
    let mut policy = FetchPolicy::user_urls(4096);
    policy.timeout = timeout;
    policy.connect_timeout = timeout.min(Duration::from_secs(5));
    policy.max_redirects = 0;
    policy
}

impl Deliverer {
    /// A worker.
    pub fn new(
        repo: WebhookRepo,
        queue: Arc<dyn Queue>,
        clock: Arc<dyn Clock>,
        keys: Arc<AppKeys>,
        config: DeliveryConfig,
    ) -> Self {
        let fetcher = GuardedFetcher::new(delivery_policy(config.timeout));
        Self {
            repo,
            queue,
            clock,
            keys,
            fetcher,
            config,
        }
    }

    /// The same worker fetching under `policy` (tests: a receiver on a loopback port).
    pub fn with_policy(mut self, policy: FetchPolicy) -> Self {
        self.fetcher = GuardedFetcher::new(policy);
        self
    }

    /// Handles one message body. `Err` means the message must come back (a store failure).
    pub async fn process(&self, body: &str) -> Result<Handled> {
        let Ok(msg) = serde_json::from_str::<DeliveryMessage>(body) else {
            tracing::warn!("unreadable webhook message dropped");
            return Ok(Handled::Skipped("unreadable message"));
        };
        let Some((mut d, version)) = self.repo.delivery(&msg.webhook, &msg.delivery).await? else {
            return Ok(Handled::Skipped("no such delivery"));
        };
        if d.organization_id != msg.org || d.status != DeliveryStatus::Pending {
            return Ok(Handled::Skipped("not pending"));
        }
        // This attempt's message, or the previous one's whose successor may have been lost.
        if msg.attempt != d.attempts && msg.attempt + 1 != d.attempts {
            return Ok(Handled::Skipped("stale message"));
        }
        let now = self.clock.now();
        let held_until = d.lease_until.filter(|l| *l > now);
        let due = d.next_attempt_at.unwrap_or(now);
        if let Some(until) = held_until.or(Some(due).filter(|t| *t > now)) {
            self.send_message(&d, until - now + chrono::Duration::milliseconds(50))
                .await?;
            return Ok(Handled::Skipped("not due yet"));
        }
        let Some(hook) = self.repo.get(&d.organization_id, &d.webhook_id).await? else {
            d.status = DeliveryStatus::Cancelled;
            d.next_attempt_at = None;
            d.updated_at = now;
            self.repo.replace_delivery(&d, version).await?;
            return Ok(Handled::Skipped("webhook deleted"));
        };
        // Claim the attempt.
        d.lease_until = Some(now + self.config.lease);
        d.updated_at = now;
        if !self.repo.replace_delivery(&d, version).await? {
            return Ok(Handled::Skipped("claimed by another worker"));
        }
        let version = version + 1;
        let secret = self
            .keys
            .cipher()
            .await?
            .decrypt(&hook.secret)
            .unwrap_or_default();
        let outcome = self.attempt(&hook.url, &secret, &d).await;
        let now = self.clock.now();
        d.attempts += 1;
        d.lease_until = None;
        d.updated_at = now;
        let handled = match outcome {
            Ok(status) => {
                d.last_status = Some(status);
                d.last_error = None;
                d.status = DeliveryStatus::Delivered;
                d.delivered_at = Some(now);
                d.next_attempt_at = None;
                Handled::Delivered
            }
            Err((status, error)) => {
                d.last_status = status;
                d.last_error = Some(error);
                let next = now + self.config.backoff(d.attempts);
                if d.attempts >= self.config.max_attempts
                    || next > d.created_at + self.config.give_up_after
                {
                    d.status = DeliveryStatus::Failed;
                    d.next_attempt_at = None;
                    Handled::Failed
                } else {
                    d.next_attempt_at = Some(next);
                    Handled::Retrying
                }
            }
        };
        if !self.repo.replace_delivery(&d, version).await? {
            tracing::warn!(delivery = %d.id, "delivery changed during its attempt");
            return Ok(Handled::Skipped("changed during the attempt"));
        }
        if handled == Handled::Retrying {
            self.send_message(&d, self.config.backoff(d.attempts))
                .await?;
        }
        tracing::info!(delivery = %d.id, webhook = %d.webhook_id, event = d.event.as_str(),
            attempts = d.attempts, status = ?d.status, "webhook attempt");
        Ok(handled)
    }

    /// One signed POST; `Ok(status)` for a 2xx, else the status (if any) and why.
    async fn attempt(
        &self,
        url: &str,
        secret: &str,
        d: &Delivery,
    ) -> std::result::Result<u16, (Option<u16>, String)> {
        let timestamp = self.clock.now().timestamp();
        let body = d.payload.as_bytes().to_vec();
        let headers = [
            ("content-type", "application/json".to_string()),
            ("user-agent", "Postiz-Webhooks/1.0".to_string()),
            ("postiz-event", d.event.as_str().to_string()),
            ("postiz-event-id", d.event_id.clone()),
            ("postiz-delivery", d.id.clone()),
            ("postiz-attempt", (d.attempts + 1).to_string()),
            (
                "postiz-signature",
                signature::header(secret, timestamp, &body),
            ),
        ];
        match self.fetcher.post(url, &headers, body).await {
            Ok(a) if (200..300).contains(&a.status) => Ok(a.status),
            Ok(a) => Err((
                Some(a.status),
                format!("the endpoint answered HTTP {}", a.status),
            )),
            Err(e) => Err((
                None,
                postiz_core::redact::secrets(&e.to_string()).into_owned(),
            )),
        }
    }

    async fn send_message(&self, d: &Delivery, delay: chrono::Duration) -> Result<()> {
        let msg = DeliveryMessage {
            org: d.organization_id.clone(),
            webhook: d.webhook_id.clone(),
            delivery: d.id.clone(),
            attempt: d.attempts,
        };
        let delay = delay.to_std().unwrap_or_default().min(MAX_DELAY);
        self.queue
            .send(
                WEBHOOK_QUEUE,
                &serde_json::to_string(&msg).unwrap_or_default(),
                delay,
            )
            .await?;
        Ok(())
    }
}

/// Local mode: receives from the queue and handles up to `concurrency` messages at once,
/// forever. The attempts in flight belong to the pool: aborting it stops them too, as a
/// killed process would.
pub async fn run_pool(
    deliverer: Deliverer,
    queue: Arc<dyn Queue>,
    concurrency: usize,
    visibility: Duration,
) {
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        if slots.acquire().await.is_err() {
            return;
        }
        let free = slots.available_permits().clamp(1, 10);
        let msgs = match queue
            .receive(WEBHOOK_QUEUE, free, visibility, Duration::from_secs(1))
            .await
        {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "webhook queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for m in msgs {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (deliverer, queue) = (deliverer.clone(), queue.clone());
            running.spawn(async move {
                match deliverer.process(&m.body).await {
                    Ok(_) => {
                        if let Err(e) = queue.ack(WEBHOOK_QUEUE, &m.receipt).await {
                            tracing::warn!(error = %e, "webhook message ack failed");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "webhook delivery failed; the message comes back"),
                }
                drop(permit);
            });
        }
    }
}
