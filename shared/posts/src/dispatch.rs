//! Turning a due post into a queue message that arrives at its time, and moving its due
//! entry to the re-drive time, so a lost or dead-lettered message is sent again.

use chrono::{DateTime, Duration, Utc};
use postiz_core::{Clock, Error, Result};
use postiz_storage::queue::MAX_DELAY;
use postiz_storage::schema::PUBLISH_QUEUE;
use postiz_storage::Queue;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::model::{Post, PostState};
use crate::repo::PostRepo;

/// Body of a message on the publish queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishMessage {
    /// Organization.
    pub org: String,
    /// Post id.
    pub id: String,
}

impl PublishMessage {
    /// Parses a message body.
    pub fn parse(body: &str) -> Option<Self> {
        serde_json::from_str(body).ok()
    }
}

/// When the scheduler looks at a dispatched post again if no worker settled it.
pub const REDRIVE_AFTER: i64 = 180;

/// Sends due posts to the publish queue.
#[derive(Clone)]
pub struct Dispatcher {
    queue: Arc<dyn Queue>,
    repo: PostRepo,
    clock: Arc<dyn Clock>,
    /// Posts due within this much of now are sent at once (with a delay).
    pub horizon: Duration,
}

impl Dispatcher {
    /// A dispatcher sending posts due within `horizon`.
    pub fn new(
        queue: Arc<dyn Queue>,
        repo: PostRepo,
        clock: Arc<dyn Clock>,
        horizon: Duration,
    ) -> Self {
        Self {
            queue,
            repo,
            clock,
            horizon,
        }
    }

    /// True when the post should be sent now rather than left to a later scheduler run.
    pub fn is_due(&self, p: &Post) -> bool {
        p.scheduled()
            && p.due_at
                .is_some_and(|d| d <= self.clock.now() + self.horizon)
    }

    /// Sends the post's message, timed to arrive at its publish date (its next occurrence for
    /// a repeating post; at once for a post whose publishing lease lapsed), then moves its due
    /// entry to the re-drive time.
    /// Returns false when the post changed meanwhile (the change set its own due time).
    pub async fn dispatch(&self, p: &mut Post) -> Result<bool> {
        let now = self.clock.now();
        let arrive: DateTime<Utc> = match p.state {
            PostState::Queue => p.publish_date.max(now),
            PostState::Publishing if p.lease_until.is_none_or(|u| u <= now) => now,
            PostState::Published | PostState::Error if p.awaits_repeat() => {
                p.repeat_at.unwrap_or(now).max(now)
            }
            _ => return Ok(false),
        };
        let delay = (arrive - now).to_std().unwrap_or_default().min(MAX_DELAY);
        let body = serde_json::to_string(&PublishMessage {
            org: p.organization_id.clone(),
            id: p.id.clone(),
        })
        .map_err(Error::internal)?;
        self.queue.send(PUBLISH_QUEUE, &body, delay).await?;
        p.due_at = Some(arrive + Duration::seconds(REDRIVE_AFTER));
        p.updated_at = now;
        self.repo.save(p).await
    }
}
