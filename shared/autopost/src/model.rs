//! The stored autopost and what its runs remember.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An organization's feed (`AutopostDto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoPost {
    /// Id.
    pub id: String,
    /// Owner.
    pub organization_id: String,
    /// Name shown in the list.
    pub title: String,
    /// The post text when the AI does not write it.
    #[serde(default)]
    pub content: Option<String>,
    /// The feed (public https, checked again at every read).
    pub url: String,
    /// The newest item's link when last read (set by the web app's test to skip what the feed
    /// holds already).
    #[serde(default)]
    pub last_url: Option<String>,
    /// Stored as Postiz does; drafts always go to the next free slot.
    #[serde(default)]
    pub on_slot: bool,
    /// Post the feed's newest item on the first run.
    #[serde(default)]
    pub sync_last: bool,
    /// Read every hour.
    pub active: bool,
    /// Add an AI picture (with AI on).
    #[serde(default)]
    pub add_picture: bool,
    /// Let the AI write the text (with AI on).
    #[serde(default)]
    pub generate_content: bool,
    /// Channels of the drafts; empty means every active channel.
    #[serde(default)]
    pub integrations: Vec<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Soft-deleted.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What the runs of one autopost remember.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedState {
    /// Hashes of the items already seen, oldest first (at most [`SEEN_CAP`]).
    #[serde(default)]
    pub seen: Vec<String>,
    /// A first run happened: what the feed held then was settled.
    #[serde(default)]
    pub primed: bool,
    /// The feed's `ETag`, for a conditional GET.
    #[serde(default)]
    pub etag: Option<String>,
    /// The feed's `Last-Modified`, for a conditional GET.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// The last run.
    #[serde(default)]
    pub last_run_at: Option<DateTime<Utc>>,
    /// Why the last run failed, if it did.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Drafts created so far.
    #[serde(default)]
    pub created: u64,
}

/// Items remembered per feed: more than any feed lists at once.
pub const SEEN_CAP: usize = 2000;

impl FeedState {
    /// Whether the item hashed `key` was seen.
    pub fn has_seen(&self, key: &str) -> bool {
        self.seen.iter().any(|k| k == key)
    }

    /// Remembers `key` (the oldest are forgotten past [`SEEN_CAP`]).
    pub fn remember(&mut self, key: &str) {
        if !self.has_seen(key) {
            self.seen.push(key.to_string());
        }
        if self.seen.len() > SEEN_CAP {
            let extra = self.seen.len() - SEEN_CAP;
            self.seen.drain(..extra);
        }
    }
}
