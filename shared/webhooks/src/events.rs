//! Emitting an event: one delivery per webhook that wants the channel, recorded in the log
//! and handed to the delivery queue. Emitting never fails the caller: publishing and the
//! editor go on whatever happens to the webhooks.

use postiz_core::{Clock, Result};
use postiz_storage::schema::WEBHOOK_QUEUE;
use postiz_storage::Queue;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use crate::model::{delivery_id, Delivery, DeliveryMessage, DeliveryStatus, EventKind};
use crate::repo::WebhookRepo;

/// Largest body a delivery carries; a longer post's `content` is cut to fit (the log is a
/// table item, at most 400 KB).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Emits post events to the organization's webhooks.
#[derive(Clone)]
pub struct Events {
    repo: WebhookRepo,
    queue: Arc<dyn Queue>,
    clock: Arc<dyn Clock>,
}

impl Events {
    /// An emitter on the table's webhooks and the delivery queue.
    pub fn new(repo: WebhookRepo, queue: Arc<dyn Queue>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, queue, clock }
    }

    /// Sends `kind` about a post of `channel` to every webhook of `org` that wants it; the
    /// body is `[post]`, Postiz's shape. Failures are logged, never returned.
    pub async fn emit(&self, org: &str, channel: &str, kind: EventKind, post: Value) {
        if let Err(e) = self.try_emit(org, channel, kind, post).await {
            tracing::warn!(error = %e, event = kind.as_str(), "webhook event not recorded");
        }
    }

    async fn try_emit(&self, org: &str, channel: &str, kind: EventKind, post: Value) -> Result<()> {
        let hooks: Vec<_> = self
            .repo
            .list(org)
            .await?
            .into_iter()
            .filter(|h| h.wants(channel))
            .collect();
        if hooks.is_empty() {
            return Ok(());
        }
        let payload = payload_text(post);
        let event_id = format!("evt_{}", postiz_core::crypto::random_hex(24));
        for hook in hooks {
            let now = self.clock.now();
            let delivery = Delivery {
                id: delivery_id(now),
                webhook_id: hook.id.clone(),
                organization_id: org.to_string(),
                event: kind,
                event_id: event_id.clone(),
                payload: payload.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                last_status: None,
                last_error: None,
                next_attempt_at: Some(now),
                lease_until: None,
                redelivery_of: None,
                created_at: now,
                updated_at: now,
                delivered_at: None,
            };
            self.enqueue(&delivery).await?;
        }
        Ok(())
    }

    /// Records a new delivery and sends its first message.
    pub async fn enqueue(&self, delivery: &Delivery) -> Result<()> {
        self.repo.create_delivery(delivery).await?;
        let msg = DeliveryMessage {
            org: delivery.organization_id.clone(),
            webhook: delivery.webhook_id.clone(),
            delivery: delivery.id.clone(),
        };
        let body = serde_json::to_string(&msg).unwrap_or_default();
        self.queue
            .send(WEBHOOK_QUEUE, &body, Duration::ZERO)
            .await?;
        Ok(())
    }
}

/// The delivery body: `[post]`, with the post's `content` cut when the whole would pass
/// [`MAX_PAYLOAD_BYTES`] (`contentTruncated: true` then).
pub fn payload_text(mut post: Value) -> String {
    let text = Value::Array(vec![post.clone()]).to_string();
    if text.len() <= MAX_PAYLOAD_BYTES {
        return text;
    }
    if let Some(obj) = post.as_object_mut() {
        let content = obj
            .get("content")
            .and_then(|c| c.as_str())
            .unwrap_or_default()
            .to_string();
        let keep = content
            .len()
            .saturating_sub(text.len() - MAX_PAYLOAD_BYTES + 64);
        let mut cut = keep.min(content.len());
        while !content.is_char_boundary(cut) {
            cut -= 1;
        }
        obj.insert("content".into(), Value::String(content[..cut].to_string()));
        obj.insert("contentTruncated".into(), Value::Bool(true));
    }
    Value::Array(vec![post]).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_huge_post_is_cut_to_fit_and_says_so() {
        let big = "é".repeat(MAX_PAYLOAD_BYTES);
        let text = payload_text(json!({"id": "p", "content": big}));
        assert!(text.len() <= MAX_PAYLOAD_BYTES, "{}", text.len());
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["contentTruncated"], true);
        let small = payload_text(json!({"id": "p", "content": "hi"}));
        assert_eq!(small, r#"[{"content":"hi","id":"p"}]"#);
    }
}
