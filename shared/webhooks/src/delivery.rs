//! The delivery worker. A delivery's one queue message carries it through all its attempts:
//! after a failed attempt the message is kept, invisible until the next one is due (the
//! backoff), instead of a new message being sent, so no attempt can be lost between two
//! messages and copies of a message never multiply. An attempt is claimed under a lease (a
//! copy arriving meanwhile waits), signed, POSTed through the guarded fetcher (the URL is
//! vetted again at every send) and recorded; attempts go on with exponential backoff until a
//! day has passed.

use postiz_core::{Clock, Result};
use postiz_fetch::{FetchPolicy, GuardedFetcher};
use postiz_storage::pool::Done;
use postiz_storage::schema::WEBHOOK_QUEUE;
use postiz_storage::{AppKeys, Queue};
use std::sync::Arc;
use std::time::Duration;

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
    /// The endpoint took it: the message is done.
    Delivered,
    /// This attempt failed; keep the message hidden this long, until the next is due.
    Retrying(Duration),
    /// The last attempt failed: the delivery is dead-lettered; the message is done.
    Failed,
    /// Not due yet, or another copy holds the attempt: keep the message hidden this long.
    Wait(Duration),
    /// Nothing to do (unknown or finished delivery, webhook deleted...): the message is done.
    Skipped(&'static str),
}

impl Handled {
    /// How long the message must stay hidden before it comes back; `None` when it is done
    /// (to be deleted).
    pub fn keep_for(&self) -> Option<Duration> {
        match self {
            Handled::Retrying(d) | Handled::Wait(d) => Some(*d),
            _ => None,
        }
    }
}

/// Delivers webhook messages.
#[derive(Clone)]
pub struct Deliverer {
    repo: WebhookRepo,
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
        clock: Arc<dyn Clock>,
        keys: Arc<AppKeys>,
        config: DeliveryConfig,
    ) -> Self {
        let fetcher = GuardedFetcher::new(delivery_policy(config.timeout));
        Self {
            repo,
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
        let now = self.clock.now();
        let later = d
            .lease_until
            .filter(|l| *l > now)
            .or(d.next_attempt_at.filter(|t| *t > now));
        if let Some(at) = later {
            return Ok(Handled::Wait(wait(at - now)));
        }
        let Some(hook) = self.repo.get(&d.organization_id, &d.webhook_id).await? else {
            d.status = DeliveryStatus::Cancelled;
            d.next_attempt_at = None;
            d.updated_at = now;
            self.repo.replace_delivery(&d, version).await?;
            return Ok(Handled::Skipped("webhook deleted"));
        };
        // Claim the attempt; a copy that loses the race waits for the lease's end.
        d.lease_until = Some(now + self.config.lease);
        d.updated_at = now;
        if !self.repo.replace_delivery(&d, version).await? {
            return Ok(Handled::Wait(wait(self.config.lease)));
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
                let backoff = self.config.backoff(d.attempts);
                let next = now + backoff;
                if d.attempts >= self.config.max_attempts
                    || next > d.created_at + self.config.give_up_after
                {
                    d.status = DeliveryStatus::Failed;
                    d.next_attempt_at = None;
                    Handled::Failed
                } else {
                    d.next_attempt_at = Some(next);
                    Handled::Retrying(wait(backoff))
                }
            }
        };
        if !self.repo.replace_delivery(&d, version).await? {
            tracing::warn!(delivery = %d.id, "delivery changed during its attempt");
            return Ok(Handled::Skipped("changed during the attempt"));
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
}

/// A wait as a queue visibility: at least 50 ms past the moment, at most SQS's delay cap's
/// neighbour (an hour is the longest backoff).
fn wait(d: chrono::Duration) -> Duration {
    (d + chrono::Duration::milliseconds(50))
        .to_std()
        .unwrap_or_default()
        .min(MAX_WAIT)
}

/// The longest a message is kept hidden at once (SQS allows 12 hours).
const MAX_WAIT: Duration = Duration::from_secs(2 * 3600);

/// Local mode: delivers from the queue, up to `concurrency` messages at once, forever; the
/// attempts in flight stop with the pool, as with a killed process.
pub async fn run_pool(
    deliverer: Deliverer,
    queue: Arc<dyn Queue>,
    concurrency: usize,
    visibility: Duration,
) {
    postiz_storage::pool::run_pool(queue, WEBHOOK_QUEUE, concurrency, visibility, move |body| {
        let deliverer = deliverer.clone();
        async move {
            match deliverer.process(&body).await {
                Ok(handled) => handled.keep_for().map_or(Done::Delete, Done::KeepFor),
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery failed; the message comes back");
                    Done::Retry
                }
            }
        }
    })
    .await
}
