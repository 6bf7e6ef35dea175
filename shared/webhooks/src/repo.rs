//! The access patterns of webhooks on the single table:
//!
//! | item | pk | sk |
//! |---|---|---|
//! | an organization's webhook | `ORG#<org>` | `WEBHOOK#<id>` |
//! | a delivery (kept 30 days: TTL) | `WEBHOOK#<id>` | `DELIVERY#<deliveryId>` (time-ordered) |
//!
//! Deliveries are rewritten whole under a version check, so two workers holding copies of
//! the same message cannot both record an attempt.

use chrono::Duration;
use postiz_core::Result;
use postiz_storage::item::{from_item, to_item, TTL};
use postiz_storage::{Condition, Key, KeyRange, Query, Table};
use serde_json::json;
use std::sync::Arc;

use crate::model::{Delivery, Webhook};

/// How long a delivery stays in the log.
pub const DELIVERY_RETENTION: Duration = Duration::days(30);

/// Key of a webhook.
pub fn webhook_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("WEBHOOK#{id}"))
}

/// Key of a delivery.
pub fn delivery_key(webhook: &str, id: &str) -> Key {
    Key::new(format!("WEBHOOK#{webhook}"), format!("DELIVERY#{id}"))
}

/// The webhooks and their deliveries.
#[derive(Clone)]
pub struct WebhookRepo {
    table: Arc<dyn Table>,
}

impl WebhookRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The organization's live webhooks, oldest first.
    pub async fn list(&self, org: &str) -> Result<Vec<Webhook>> {
        let items = self
            .table
            .query_all(
                Query::partition(format!("ORG#{org}"))
                    .range(KeyRange::BeginsWith("WEBHOOK#".into())),
            )
            .await?;
        let mut hooks = Vec::with_capacity(items.len());
        for item in items {
            let hook: Webhook = from_item(item)?;
            if hook.deleted_at.is_none() {
                hooks.push(hook);
            }
        }
        hooks.sort_by_key(|a| a.created_at);
        Ok(hooks)
    }

    /// A live webhook of the organization.
    pub async fn get(&self, org: &str, id: &str) -> Result<Option<Webhook>> {
        if id.is_empty() || id.len() > 200 {
            return Ok(None);
        }
        Ok(match self.table.get(&webhook_key(org, id)).await? {
            Some(item) => Some(from_item::<Webhook>(item)?).filter(|h| h.deleted_at.is_none()),
            None => None,
        })
    }

    /// Stores a webhook (new or changed).
    pub async fn put(&self, hook: &Webhook) -> Result<()> {
        let item = to_item(&webhook_key(&hook.organization_id, &hook.id), hook)?;
        self.table.put(item, None).await?;
        Ok(())
    }

    /// Stores a new delivery.
    pub async fn create_delivery(&self, d: &Delivery) -> Result<()> {
        let mut item = to_item(&delivery_key(&d.webhook_id, &d.id), d)?;
        item.insert("version".into(), json!(0));
        let expires = (d.created_at + DELIVERY_RETENTION).timestamp();
        item.insert(TTL.into(), json!(expires));
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(())
    }

    /// A delivery and its version.
    pub async fn delivery(&self, webhook: &str, id: &str) -> Result<Option<(Delivery, i64)>> {
        if id.is_empty() || id.len() > 200 || webhook.is_empty() || webhook.len() > 200 {
            return Ok(None);
        }
        Ok(match self.table.get(&delivery_key(webhook, id)).await? {
            Some(item) => {
                let version = item.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
                Some((from_item(item)?, version))
            }
            None => None,
        })
    }

    /// Writes `d` over version `version`; `false` when someone wrote it meanwhile.
    pub async fn replace_delivery(&self, d: &Delivery, version: i64) -> Result<bool> {
        let mut item = to_item(&delivery_key(&d.webhook_id, &d.id), d)?;
        item.insert("version".into(), json!(version + 1));
        let expires = (d.created_at + DELIVERY_RETENTION).timestamp();
        item.insert(TTL.into(), json!(expires));
        match self
            .table
            .put(item, Some(Condition::eq("version", json!(version))))
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The latest `limit` deliveries of a webhook, newest first.
    pub async fn deliveries(&self, webhook: &str, limit: usize) -> Result<Vec<Delivery>> {
        let page = self
            .table
            .query(
                Query::partition(format!("WEBHOOK#{webhook}"))
                    .range(KeyRange::BeginsWith("DELIVERY#".into()))
                    .backward()
                    .limit(limit),
            )
            .await?;
        page.items.into_iter().map(|i| Ok(from_item(i)?)).collect()
    }
}
