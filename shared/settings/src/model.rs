//! Records as stored and as Postiz's JSON shows them (camelCase).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A saved post template: `content` is the editor's state, kept as the opaque string the
/// web app sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostSet {
    /// Set id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// Name shown in the picker.
    pub name: String,
    /// The editor's serialised state.
    pub content: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A text the editor can insert into a post; at most one per organization is added to new
/// posts automatically (`autoAdd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// Signature id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// The signature's HTML.
    pub content: String,
    /// Added to new posts automatically. Stored as the organization's default pointer, so
    /// exactly one signature can hold it; the stored copy is filled in when read.
    #[serde(default)]
    pub auto_add: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Set when deleted (kept, as Postiz soft-deletes); absent while live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The banner colour of an announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AnnouncementColor {
    /// Blue.
    Info,
    /// Amber.
    Warning,
    /// Red.
    Error,
}

impl AnnouncementColor {
    /// Parses `INFO`, `WARNING` or `ERROR`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "INFO" => Some(Self::Info),
            "WARNING" => Some(Self::Warning),
            "ERROR" => Some(Self::Error),
            _ => None,
        }
    }
}

/// A message from the platform's administrators to every user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// Announcement id.
    pub id: String,
    /// Title (the banner's text).
    pub title: String,
    /// Body shown when the banner is opened.
    pub description: String,
    /// Banner colour.
    pub color: AnnouncementColor,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}
