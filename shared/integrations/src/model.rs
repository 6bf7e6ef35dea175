//! The channel record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A default posting time: minutes after midnight UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingTime {
    /// Minutes after midnight UTC.
    pub time: i64,
}

/// Postiz's default posting times.
pub fn default_posting_times() -> Vec<PostingTime> {
    [120, 400, 700].map(|time| PostingTime { time }).to_vec()
}

/// A connected social account of an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Channel id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// The account's id on the network.
    pub internal_id: String,
    /// Display name.
    pub name: String,
    /// Avatar URL.
    pub picture: Option<String>,
    /// Provider identifier (`mastodon`, `x`, ...).
    pub provider_identifier: String,
    /// Access token, encrypted (AES-256-GCM); never returned by a route.
    pub token: String,
    /// Refresh token, encrypted; never returned by a route.
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub token_expiration: Option<DateTime<Utc>>,
    /// Handle on the network.
    pub profile: Option<String>,
    /// Disabled by the user (posts fail).
    pub disabled: bool,
    /// A page must still be chosen (two-step providers).
    pub in_between_steps: bool,
    /// The token is dead: the user must reconnect.
    pub refresh_needed: bool,
    /// Default posting times.
    pub posting_times: Vec<PostingTime>,
    /// Credential form values (JSON), encrypted; never returned by a route.
    pub custom_instance_details: Option<String>,
    /// Customer ("group") the channel belongs to.
    pub customer_id: Option<String>,
    /// The account the channel was connected through (pages share their user's).
    pub root_internal_id: String,
    /// Provider-specific extra settings, a JSON string (default `"[]"`).
    pub additional_settings: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Deletion time (soft delete).
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The picture Postiz shows for a channel without one (a file of its web app).
pub const NO_PICTURE: &str = "/no-picture.jpg";

impl Channel {
    /// The channel's picture, or Postiz's placeholder when it has none.
    pub fn picture_or_default(&self) -> &str {
        self.picture
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or(NO_PICTURE)
    }
}

/// A customer ("group") channels can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// Customer id.
    pub id: String,
    /// Name, unique within the organization.
    pub name: String,
    /// Owning organization.
    pub org_id: String,
}
