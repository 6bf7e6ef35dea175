//! The stored post: one channel's thread (a root message and its comments) in one item, so
//! its state moves with one conditional write and each message's outcome is recorded with it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a post is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PostState {
    /// Saved, never scheduled.
    Draft,
    /// Waiting for its time.
    Queue,
    /// Claimed by a worker that is sending it.
    Publishing,
    /// Every message was accepted by the network.
    Published,
    /// Failed; `error` says why.
    Error,
}

impl PostState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PostState::Draft => "DRAFT",
            PostState::Queue => "QUEUE",
            PostState::Publishing => "PUBLISHING",
            PostState::Published => "PUBLISHED",
            PostState::Error => "ERROR",
        }
    }
}

/// A media reference attached to a message (`image` in Postiz).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaRef {
    /// Media id (may be empty for external URLs).
    #[serde(default)]
    pub id: String,
    /// URL or path of the file.
    pub path: String,
    /// Alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    /// Video thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// Thumbnail position (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_timestamp: Option<f64>,
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Message id (the root's id is the post's id).
    pub id: String,
    /// Sanitised HTML.
    pub content: String,
    /// Minutes to wait after the previous message.
    #[serde(default)]
    pub delay: i64,
    /// Attached media.
    #[serde(default)]
    pub image: Vec<MediaRef>,
    /// The network's id once accepted.
    #[serde(default)]
    pub release_id: Option<String>,
    /// The public URL once accepted.
    #[serde(default)]
    pub release_url: Option<String>,
    /// Set just before a request for this message leaves: if no release id follows, the
    /// outcome is unknown and the message is never resent blindly.
    #[serde(default)]
    pub sending_since: Option<DateTime<Utc>>,
    /// When the network accepted it.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

/// One channel's thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    /// Post id (the root message's id).
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// Thread group id.
    pub group: String,
    /// Channel id.
    pub integration_id: String,
    /// The channel's provider identifier.
    pub provider_identifier: String,
    /// When it goes out (UTC instant).
    pub publish_date: DateTime<Utc>,
    /// State.
    pub state: PostState,
    /// The messages, root first.
    pub parts: Vec<Part>,
    /// Provider settings, with `__type`.
    #[serde(default)]
    pub settings: Value,
    /// Repeat every N days.
    #[serde(default)]
    pub interval_in_days: Option<i64>,
    /// Names of the tags attached.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Replace links with short links.
    #[serde(default)]
    pub short_link: bool,
    /// WEB, API, ...
    #[serde(default)]
    pub creation_method: String,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Random token of the current publishing attempt; its writes are conditional on it.
    #[serde(default)]
    pub lease_token: Option<String>,
    /// The attempt's claim lapses at this time unless renewed.
    #[serde(default)]
    pub lease_until: Option<DateTime<Utc>>,
    /// Bumped each time the post is queued again after a final state, so idempotency keys
    /// of a deliberate republish differ from the first run's.
    #[serde(default)]
    pub round: u32,
    /// Publishing attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// When the scheduler must look at it next (only while it is unfinished).
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// A repeating post's next occurrence, planned when a round ended (PUBLISHED or ERROR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_at: Option<DateTime<Utc>>,
    /// A repeat marker item exists for this post.
    #[serde(default)]
    pub repeat_marker: bool,
    /// Optimistic-concurrency version: every write is conditional on the one it read.
    #[serde(default)]
    pub version: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Deletion time (soft delete).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Post {
    /// The root message.
    pub fn root(&self) -> &Part {
        &self.parts[0]
    }

    /// True while the publisher still owes it a final state.
    pub fn unfinished(&self) -> bool {
        self.deleted_at.is_none() && matches!(self.state, PostState::Queue | PostState::Publishing)
    }

    /// True for a live repeating post whose last round ended and whose next one is planned.
    pub fn awaits_repeat(&self) -> bool {
        self.deleted_at.is_none()
            && self.interval_in_days.is_some()
            && self.repeat_at.is_some()
            && matches!(self.state, PostState::Published | PostState::Error)
    }

    /// True while the scheduler must look at it: unfinished, or waiting for its next round.
    pub fn scheduled(&self) -> bool {
        self.due_at.is_some() && (self.unfinished() || self.awaits_repeat())
    }

    /// The first occurrence of a repeating post (`publishDate` + k × interval, k ≥ 1) strictly
    /// after `after`; `None` for a one-off post.
    pub fn occurrence_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let step = Duration::days(self.interval_in_days?.max(1));
        let mut steps = 1;
        if after > self.publish_date {
            steps = ((after - self.publish_date).num_seconds() / step.num_seconds()).max(1);
        }
        let mut at = self
            .publish_date
            .checked_add_signed(step.checked_mul(i32::try_from(steps).ok()?)?)?;
        while at <= after {
            at = at.checked_add_signed(step)?;
        }
        Some(at)
    }

    /// Plans the next round of a repeating post: its first occurrence after `after` (a
    /// round that just ended passes `now + REPEAT_MARGIN`, so a round finished early or late
    /// never repeats the same occurrence). A one-off or deleted post plans nothing.
    pub fn plan_repeat(&mut self, after: DateTime<Utc>) {
        self.repeat_at = match self.deleted_at {
            None => self.occurrence_after(after),
            Some(_) => None,
        };
        if self.repeat_at.is_some() || matches!(self.state, PostState::Published | PostState::Error)
        {
            self.due_at = self.repeat_at;
        }
    }
}

/// A repeat round starts only after this much time has passed since the previous one, and one
/// whose time passed longer ago than this (the server was down) moves to the next occurrence
/// instead of posting late (Postiz's re-anchoring).
pub const REPEAT_MARGIN: Duration = Duration::hours(2);

/// An organization's tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// Tag id.
    pub id: String,
    /// Name (unique per organization among live tags).
    pub name: String,
    /// Colour.
    pub color: String,
    /// Owning organization.
    pub org_id: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Deletion time (soft delete).
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An internal team comment on a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    /// Comment id.
    pub id: String,
    /// The post.
    pub post_id: String,
    /// Owning organization.
    pub organization_id: String,
    /// Author.
    pub user_id: String,
    /// Text.
    pub content: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}
