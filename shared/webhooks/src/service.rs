//! The rules behind `/webhooks*`: an organization's endpoints (public https, only its own
//! channels, the plan's limit), the secret shown once, the test send, the delivery log and
//! redelivery.

use postiz_billing::{Billing, BillingRepo};
use postiz_core::validate::Checks;
use postiz_core::{new_id, Clock, Error, Result};
use postiz_fetch::GuardedFetcher;
use postiz_integrations::ChannelRepo;
use postiz_storage::{AppKeys, Queue, Table};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::delivery::delivery_policy;
use crate::events::Events;
use crate::model::{delivery_id, Delivery, DeliveryStatus, Webhook};
use crate::repo::WebhookRepo;
use crate::signature::new_secret;

/// Postiz's message for a URL that is not a public https one.
pub const UNSAFE_URL: &str =
    "Webhook URL must be a public HTTPS URL and cannot point to internal network addresses";

/// Deliveries listed by the log.
pub const LOG_SIZE: usize = 100;

/// A webhook as the routes receive it.
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    /// Present to edit.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Endpoint.
    pub url: Option<String>,
    /// Channel ids; `None` when the field is missing.
    pub integrations: Option<Vec<String>>,
}

/// The webhook rules.
#[derive(Clone)]
pub struct WebhookService {
    repo: WebhookRepo,
    channels: ChannelRepo,
    events: Events,
    keys: Arc<AppKeys>,
    clock: Arc<dyn Clock>,
    billing: Billing,
    fetcher: GuardedFetcher,
}

impl WebhookService {
    /// The service on the table and the delivery queue.
    pub fn new(
        table: Arc<dyn Table>,
        queue: Arc<dyn Queue>,
        keys: Arc<AppKeys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let repo = WebhookRepo::new(table.clone());
        Self {
            events: Events::new(repo.clone(), queue, clock.clone()),
            repo,
            channels: ChannelRepo::new(table.clone()),
            keys,
            clock,
            billing: Billing::from_env(BillingRepo::new(table)),
            fetcher: GuardedFetcher::new(delivery_policy(std::time::Duration::from_secs(10))),
        }
    }

    /// `GET /webhooks`: `[{id, name, url, integrations:[{integration:{id, picture, name}}]}]`.
    pub async fn list(&self, org: &str) -> Result<Value> {
        let hooks = self.repo.list(org).await?;
        let channels = self.channels.list(org).await?;
        Ok(Value::Array(
            hooks
                .iter()
                .map(|h| {
                    let links: Vec<Value> = h
                        .integrations
                        .iter()
                        .filter_map(|id| channels.iter().find(|c| &c.id == id))
                        .map(|c| {
                            json!({"integration": {"id": c.id, "picture": c.picture, "name": c.name}})
                        })
                        .collect();
                    json!({"id": h.id, "name": h.name, "url": h.url, "integrations": links})
                })
                .collect(),
        ))
    }

    /// `POST /webhooks` (no id) and `PUT /webhooks` (with one): `{id}`, plus the signing
    /// `secret` when the webhook is new (it is never shown again).
    pub async fn save(&self, org: &str, input: WebhookInput) -> Result<Value> {
        Checks::new()
            .length("name", input.name.as_deref(), 1, 255)
            .required("url", input.url.as_deref())
            .check(
                input.integrations.is_some(),
                "integrations should not be null or undefined",
            )
            .finish()?;
        let url = input.url.unwrap_or_default().trim().to_string();
        self.check_url(&url).await?;
        let wanted = self
            .channels
            .check_owned(org, input.integrations.unwrap_or_default())
            .await?;
        let now = self.clock.now();
        let name = input.name.unwrap_or_default().trim().to_string();
        match input.id.filter(|i| !i.is_empty()) {
            Some(id) => {
                let Some(mut hook) = self.repo.get(org, &id).await? else {
                    return Err(not_found());
                };
                hook.name = name;
                hook.url = url;
                hook.integrations = wanted;
                hook.updated_at = now;
                self.repo.put(&hook).await?;
                Ok(json!({"id": hook.id}))
            }
            None => {
                let live = self.repo.list(org).await?.len();
                self.billing.check_new_webhook(org, live).await?;
                let secret = new_secret();
                let hook = Webhook {
                    id: new_id(),
                    organization_id: org.to_string(),
                    name,
                    url,
                    integrations: wanted,
                    secret: self.keys.cipher().await?.encrypt(&secret)?,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                };
                self.repo.put(&hook).await?;
                Ok(json!({"id": hook.id, "secret": secret}))
            }
        }
    }

    /// `DELETE /webhooks/:id`: soft delete; its pending deliveries end `cancelled`.
    pub async fn delete(&self, org: &str, id: &str) -> Result<Value> {
        let Some(mut hook) = self.repo.get(org, id).await? else {
            return Err(not_found());
        };
        let now = self.clock.now();
        hook.deleted_at = Some(now);
        hook.updated_at = now;
        self.repo.put(&hook).await?;
        Ok(json!({"id": hook.id, "name": hook.name, "url": hook.url, "deletedAt": now}))
    }

    /// `POST /webhooks/:id/rotate-secret`: a new signing secret, shown this once.
    pub async fn rotate_secret(&self, org: &str, id: &str) -> Result<Value> {
        let Some(mut hook) = self.repo.get(org, id).await? else {
            return Err(not_found());
        };
        let secret = new_secret();
        hook.secret = self.keys.cipher().await?.encrypt(&secret)?;
        hook.updated_at = self.clock.now();
        self.repo.put(&hook).await?;
        Ok(json!({"id": hook.id, "secret": secret}))
    }

    /// `POST /webhooks/send?url=`: POSTs `body` to `url` as it is (the UI's test button),
    /// `{send: true, status}` once the endpoint answered.
    pub async fn send_test(&self, url: &str, body: Vec<u8>) -> Result<Value> {
        self.check_url(url).await?;
        let headers = [
            ("content-type", "application/json".to_string()),
            ("user-agent", "Postiz-Webhooks/1.0".to_string()),
        ];
        match self.fetcher.post(url.trim(), &headers, body).await {
            Ok(answer) => Ok(json!({"send": true, "status": answer.status})),
            Err(e) => Err(Error::BadRequest(format!(
                "The webhook could not be sent: {e}"
            ))),
        }
    }

    /// `GET /webhooks/:id/deliveries`: the latest deliveries, newest first.
    pub async fn deliveries(&self, org: &str, id: &str) -> Result<Value> {
        if self.repo.get(org, id).await?.is_none() {
            return Err(not_found());
        }
        let list = self.repo.deliveries(id, LOG_SIZE).await?;
        Ok(Value::Array(list.iter().map(delivery_view).collect()))
    }

    /// `POST /webhooks/:id/deliveries/:delivery/redeliver`: the same event sent again as a
    /// new delivery (a new `Postiz-Delivery`, the same `Postiz-Event-Id`).
    pub async fn redeliver(&self, org: &str, id: &str, delivery: &str) -> Result<Value> {
        if self.repo.get(org, id).await?.is_none() {
            return Err(not_found());
        }
        let Some((old, _)) = self
            .repo
            .delivery(id, delivery)
            .await?
            .filter(|(d, _)| d.organization_id == org)
        else {
            return Err(Error::NotFound("Delivery not found".into()));
        };
        let now = self.clock.now();
        let copy = Delivery {
            id: delivery_id(now),
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            next_attempt_at: Some(now),
            lease_until: None,
            redelivery_of: Some(old.id.clone()),
            created_at: now,
            updated_at: now,
            delivered_at: None,
            ..old
        };
        self.events.enqueue(&copy).await?;
        Ok(delivery_view(&copy))
    }

    /// The event emitter sharing this service's ports.
    pub fn events(&self) -> &Events {
        &self.events
    }

    async fn check_url(&self, url: &str) -> Result<()> {
        self.fetcher
            .check_public(url)
            .await
            .map(|_| ())
            .map_err(|_| Error::invalid(UNSAFE_URL))
    }
}

fn not_found() -> Error {
    Error::NotFound("Webhook not found".into())
}

/// A delivery as the log shows it (the body is not repeated).
pub fn delivery_view(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "webhookId": d.webhook_id,
        "event": d.event.as_str(),
        "eventId": d.event_id,
        "status": d.status,
        "attempts": d.attempts,
        "lastStatus": d.last_status,
        "lastError": d.last_error,
        "nextAttemptAt": (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at).flatten(),
        "redeliveryOf": d.redelivery_of,
        "createdAt": d.created_at,
        "updatedAt": d.updated_at,
        "deliveredAt": d.delivered_at,
    })
}
