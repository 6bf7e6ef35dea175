//! The stored webhook, its deliveries, and the events they carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An organization's endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Id.
    pub id: String,
    /// Owner.
    pub organization_id: String,
    /// Name shown in the list.
    pub name: String,
    /// Where deliveries go (public https, checked again at every send).
    pub url: String,
    /// Channels whose posts it receives; empty means every channel.
    #[serde(default)]
    pub integrations: Vec<String>,
    /// The signing secret, encrypted at rest.
    pub secret: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Soft-deleted.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Webhook {
    /// Whether posts of `channel` go to this webhook.
    pub fn wants(&self, channel: &str) -> bool {
        self.integrations.is_empty() || self.integrations.iter().any(|c| c == channel)
    }
}

/// What happened to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A post was created (draft or scheduled).
    #[serde(rename = "post.created")]
    Created,
    /// A post was edited or moved.
    #[serde(rename = "post.updated")]
    Updated,
    /// Every message of a post was accepted by the network (Postiz's only event).
    #[serde(rename = "post.published")]
    Published,
    /// Publishing a post failed.
    #[serde(rename = "post.failed")]
    Failed,
    /// A post was deleted.
    #[serde(rename = "post.deleted")]
    Deleted,
}

impl EventKind {
    /// The wire name (`post.published`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "post.created",
            EventKind::Updated => "post.updated",
            EventKind::Published => "post.published",
            EventKind::Failed => "post.failed",
            EventKind::Deleted => "post.deleted",
        }
    }
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up (a day of retries, or the attempts allowed): dead-lettered.
    Failed,
    /// The webhook was deleted before it could be delivered.
    Cancelled,
}

/// One event for one webhook, with every attempt's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Id, time-ordered (`Postiz-Delivery` header: the same on every attempt).
    pub id: String,
    /// The webhook.
    pub webhook_id: String,
    /// Owner.
    pub organization_id: String,
    /// The event.
    pub event: EventKind,
    /// The event's id (`Postiz-Event-Id`: the same for a redelivery).
    pub event_id: String,
    /// The JSON body sent.
    pub payload: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last answer's HTTP status.
    #[serde(default)]
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When the next attempt is due.
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// An attempt in flight holds the delivery until then.
    #[serde(default)]
    pub lease_until: Option<DateTime<Utc>>,
    /// The delivery this one sends again.
    #[serde(default)]
    pub redelivery_of: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// When the endpoint took it.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A new delivery id: the creation time in milliseconds (13 digits) then 16 random hex
/// characters, so ids sort by time.
pub fn delivery_id(now: DateTime<Utc>) -> String {
    format!(
        "{:013}{}",
        now.timestamp_millis().max(0),
        postiz_core::crypto::random_hex(16)
    )
}

/// The queue message of a delivery: one for all its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMessage {
    /// Owner.
    #[serde(rename = "o")]
    pub org: String,
    /// The webhook.
    #[serde(rename = "w")]
    pub webhook: String,
    /// The delivery.
    #[serde(rename = "d")]
    pub delivery: String,
}
