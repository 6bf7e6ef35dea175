//! The rules behind `/autopost*`: an organization's feeds (public https, only its own
//! channels, the plan's `autoPost`), switching them on and off, and the web app's test of a
//! feed. Saving an active feed, or switching one on, queues a run at once.

use postiz_billing::{Billing, BillingRepo};
use postiz_core::validate::Checks;
use postiz_core::{new_id, Clock, Error, Result};
use postiz_fetch::GuardedFetcher;
use postiz_integrations::ChannelRepo;
use postiz_storage::schema::AUTOPOST_QUEUE;
use postiz_storage::{Queue, Table};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

use crate::feed::{self, Read};
use crate::model::AutoPost;
use crate::repo::AutopostRepo;

/// The message of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMessage {
    /// Owner.
    #[serde(rename = "o")]
    pub org: String,
    /// The autopost.
    #[serde(rename = "a")]
    pub autopost: String,
}

/// Queues a run of `autopost` after `delay`.
pub async fn queue_run(
    queue: &dyn Queue,
    org: &str,
    autopost: &str,
    delay: Duration,
) -> Result<()> {
    let msg = RunMessage {
        org: org.to_string(),
        autopost: autopost.to_string(),
    };
    queue
        .send(
            AUTOPOST_QUEUE,
            &serde_json::to_string(&msg).unwrap_or_default(),
            delay,
        )
        .await?;
    Ok(())
}

/// An autopost as the routes receive it (`AutopostDto`).
#[derive(Debug, Clone, Default)]
pub struct AutopostInput {
    /// Name.
    pub title: Option<String>,
    /// Fixed text.
    pub content: Option<String>,
    /// Feed URL.
    pub url: Option<String>,
    /// The newest item's link when tested.
    pub last_url: Option<String>,
    /// Stored only.
    pub on_slot: Option<bool>,
    /// Post the newest item at once.
    pub sync_last: Option<bool>,
    /// Read every hour.
    pub active: Option<bool>,
    /// AI picture.
    pub add_picture: Option<bool>,
    /// AI text.
    pub generate_content: Option<bool>,
    /// Channel ids; `None` when missing.
    pub integrations: Option<Vec<String>>,
}

/// The autopost rules.
#[derive(Clone)]
pub struct AutopostService {
    repo: AutopostRepo,
    channels: ChannelRepo,
    queue: Arc<dyn Queue>,
    clock: Arc<dyn Clock>,
    billing: Billing,
    fetcher: GuardedFetcher,
}

/// Postiz's message for a feed URL that is not a public https one.
pub const UNSAFE_URL: &str =
    "URL must be a public HTTPS URL and cannot point to internal network addresses";

impl AutopostService {
    /// The service on the table and the autopost queue.
    pub fn new(table: Arc<dyn Table>, queue: Arc<dyn Queue>, clock: Arc<dyn Clock>) -> Self {
        Self {
            repo: AutopostRepo::new(table.clone()),
            channels: ChannelRepo::new(table.clone()),
            queue,
            clock,
            billing: Billing::from_env(BillingRepo::new(table)),
            fetcher: GuardedFetcher::new(feed::feed_policy()),
        }
    }

    /// The same service reading feeds with `fetcher`.
    pub fn with_fetcher(mut self, fetcher: GuardedFetcher) -> Self {
        self.fetcher = fetcher;
        self
    }

    /// `GET /autopost`: Postiz's rows (`integrations` as the JSON text of `[{id}]`), with the
    /// last run's time and error.
    pub async fn list(&self, org: &str) -> Result<Value> {
        let mut rows = Vec::new();
        for a in self.repo.list(org).await? {
            let (state, _) = self.repo.state(&a.id).await?;
            let mut row = view(&a);
            row["lastRunAt"] = json!(state.last_run_at);
            row["lastError"] = json!(state.last_error);
            row["drafts"] = json!(state.created);
            rows.push(row);
        }
        Ok(Value::Array(rows))
    }

    /// `POST /autopost`: `{id, active}`.
    pub async fn create(&self, org: &str, input: AutopostInput) -> Result<Value> {
        if self.billing.enabled() && !self.billing.plan(org).await?.tier.plan().auto_post {
            return Err(self
                .billing
                .payment_required("Your plan does not include RSS autopost"));
        }
        let now = self.clock.now();
        let mut a = AutoPost {
            id: new_id(),
            organization_id: org.to_string(),
            title: String::new(),
            content: None,
            url: String::new(),
            last_url: None,
            on_slot: false,
            sync_last: false,
            active: true,
            add_picture: false,
            generate_content: false,
            integrations: Vec::new(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.apply(org, &mut a, input).await?;
        self.repo.put(&a).await?;
        self.start_if_active(&a).await;
        Ok(json!({"id": a.id, "active": a.active}))
    }

    /// `PUT /autopost/:id`: `{id, active}`. A changed URL starts over (nothing seen yet).
    pub async fn update(&self, org: &str, id: &str, input: AutopostInput) -> Result<Value> {
        let Some(mut a) = self.repo.get(org, id).await? else {
            return Err(not_found());
        };
        let was = (a.active, a.url.clone());
        self.apply(org, &mut a, input).await?;
        a.updated_at = self.clock.now();
        self.repo.put(&a).await?;
        if a.url != was.1 {
            self.forget(&a.id).await?;
        }
        if !was.0 || a.url != was.1 {
            self.start_if_active(&a).await;
        }
        Ok(json!({"id": a.id, "active": a.active}))
    }

    /// `DELETE /autopost/:id`: soft delete; its runs stop.
    pub async fn delete(&self, org: &str, id: &str) -> Result<Value> {
        let Some(mut a) = self.repo.get(org, id).await? else {
            return Err(not_found());
        };
        let now = self.clock.now();
        a.deleted_at = Some(now);
        a.updated_at = now;
        self.repo.put(&a).await?;
        Ok(view(&a))
    }

    /// `POST /autopost/:id/active`: the row; switching on runs it at once.
    pub async fn set_active(&self, org: &str, id: &str, active: bool) -> Result<Value> {
        let Some(mut a) = self.repo.get(org, id).await? else {
            return Err(not_found());
        };
        let was = a.active;
        a.active = active;
        a.updated_at = self.clock.now();
        self.repo.put(&a).await?;
        if active && !was {
            self.start_if_active(&a).await;
        }
        Ok(view(&a))
    }

    /// `POST /autopost/send?url=`: the feed's newest item, `{success, date, url, description}`;
    /// `{success: false, message}` when it cannot be read.
    pub async fn test(&self, url: &str) -> Result<Value> {
        if let Err(e) = self.check_url(url).await {
            return Ok(json!({"success": false, "message": e.to_string()}));
        }
        match feed::read(&self.fetcher, url.trim(), None, None).await {
            Ok(Read::Items { items, .. }) => match items.last() {
                Some(newest) => Ok(json!({
                    "success": true,
                    "date": newest.published,
                    "url": newest.link,
                    "description": if newest.text.is_empty() { &newest.title } else { &newest.text },
                })),
                None => Ok(json!({"success": false, "message": "The feed has no items"})),
            },
            Ok(Read::NotModified) => {
                Ok(json!({"success": false, "message": "The feed answered 304"}))
            }
            Err(e) => Ok(json!({"success": false, "message": e.to_string()})),
        }
    }

    async fn apply(&self, org: &str, a: &mut AutoPost, input: AutopostInput) -> Result<()> {
        Checks::new()
            .length("title", input.title.as_deref(), 1, 255)
            .required("url", input.url.as_deref())
            .check(
                input
                    .content
                    .as_deref()
                    .is_none_or(|c| c.chars().count() <= 5000),
                "content must be shorter than or equal to 5000 characters",
            )
            .finish()?;
        let url = input.url.unwrap_or_default().trim().to_string();
        self.check_url(&url).await?;
        let wanted = self
            .channels
            .check_owned(org, input.integrations.unwrap_or_default())
            .await?;
        a.title = input.title.unwrap_or_default().trim().to_string();
        a.content = input.content.filter(|c| !c.trim().is_empty());
        a.url = url;
        a.last_url = input.last_url.filter(|l| !l.trim().is_empty());
        a.on_slot = input.on_slot.unwrap_or(a.on_slot);
        a.sync_last = input.sync_last.unwrap_or(a.sync_last);
        a.active = input.active.unwrap_or(a.active);
        a.add_picture = input.add_picture.unwrap_or(a.add_picture);
        a.generate_content = input.generate_content.unwrap_or(a.generate_content);
        a.integrations = wanted;
        Ok(())
    }

    async fn check_url(&self, url: &str) -> Result<()> {
        self.fetcher
            .check_public(url)
            .await
            .map(|_| ())
            .map_err(|_| Error::invalid(UNSAFE_URL))
    }

    /// A new URL is a new feed: what the old one showed is forgotten.
    async fn forget(&self, id: &str) -> Result<()> {
        let (_, version) = self.repo.state(id).await?;
        if version > 0 {
            self.repo
                .save_state(id, &crate::model::FeedState::default(), version)
                .await?;
        }
        Ok(())
    }

    async fn start_if_active(&self, a: &AutoPost) {
        if !a.active {
            return;
        }
        if let Err(e) = queue_run(
            self.queue.as_ref(),
            &a.organization_id,
            &a.id,
            Duration::ZERO,
        )
        .await
        {
            tracing::warn!(autopost = %a.id, error = %e, "first run not queued; the hourly run takes it");
        }
    }
}

fn not_found() -> Error {
    Error::NotFound("Autopost not found".into())
}

/// A row as Postiz returns it.
pub fn view(a: &AutoPost) -> Value {
    let integrations: Vec<Value> = a.integrations.iter().map(|id| json!({"id": id})).collect();
    json!({
        "id": a.id,
        "organizationId": a.organization_id,
        "title": a.title,
        "content": a.content,
        "onSlot": a.on_slot,
        "syncLast": a.sync_last,
        "url": a.url,
        "lastUrl": a.last_url,
        "active": a.active,
        "addPicture": a.add_picture,
        "generateContent": a.generate_content,
        "integrations": Value::Array(integrations).to_string(),
        "createdAt": a.created_at,
        "updatedAt": a.updated_at,
        "deletedAt": a.deleted_at,
    })
}
