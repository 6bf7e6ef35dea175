//! Records as stored and as Postiz's JSON shows them (camelCase).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member's role in an organization, lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// A regular member.
    User,
    /// Manages members and settings.
    Admin,
    /// The organization's owner.
    Superadmin,
}

impl Role {
    /// Parses `USER`, `ADMIN` or `SUPERADMIN`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "USER" => Some(Role::User),
            "ADMIN" => Some(Role::Admin),
            "SUPERADMIN" => Some(Role::Superadmin),
            _ => None,
        }
    }

    /// True for ADMIN and SUPERADMIN.
    pub fn is_admin(self) -> bool {
        self >= Role::Admin
    }
}

/// A profile picture reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Picture {
    /// Media id.
    pub id: String,
    /// Public URL.
    pub path: String,
}

/// A person who can log in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id.
    pub id: String,
    /// Email, lower-cased.
    pub email: String,
    /// Login provider (`LOCAL` for email + password).
    pub provider_name: String,
    /// Id at the login provider, for non-local users.
    pub provider_id: Option<String>,
    /// Password hash (argon2id, or bcrypt for imported users); never sent to clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Short biography.
    pub bio: Option<String>,
    /// Profile picture.
    pub picture: Option<Picture>,
    /// Platform staff flag (not an organization role).
    pub is_super_admin: bool,
    /// False until the emailed activation link is used (when verification is on).
    pub activated: bool,
    /// Offset in minutes the user picked.
    pub timezone: i64,
    /// Email me when a post is published.
    pub send_success_emails: bool,
    /// Email me when a post fails.
    pub send_failure_emails: bool,
    /// Email me streak reminders.
    pub send_streak_emails: bool,
    /// When the user last opened the notifications list.
    #[serde(default)]
    pub last_read_notifications: Option<DateTime<Utc>>,
    /// Sessions issued before this instant (milliseconds since the epoch) are refused.
    #[serde(default)]
    pub sessions_valid_after: i64,
    /// Set when the user deleted their account (the row stays, anonymised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A tenant: everything else belongs to one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Organization id.
    pub id: String,
    /// Company name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// The public API key, encrypted (AES-256-GCM).
    pub api_key_encrypted: Option<String>,
    /// SHA-256 of the public API key, for lookup.
    pub api_key_hash: Option<String>,
    /// May start a trial.
    pub allow_trial: bool,
    /// Is in a trial.
    pub is_trailing: bool,
    /// Start of the current posting streak.
    pub streak_since: Option<DateTime<Utc>>,
    /// Whether the editor offers to shorten links: `ASK` (Postiz's default), `YES` or `NO`.
    #[serde(default = "ShortlinkPreference::ask")]
    pub shortlink: ShortlinkPreference,
    /// Set when its owner deleted their account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An organization's short-link preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ShortlinkPreference {
    /// Ask each time a post has links.
    Ask,
    /// Always shorten.
    Yes,
    /// Never shorten.
    No,
}

impl ShortlinkPreference {
    /// The default, `ASK`.
    pub fn ask() -> Self {
        Self::Ask
    }

    /// Parses `ASK`, `YES` or `NO`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ASK" => Some(Self::Ask),
            "YES" => Some(Self::Yes),
            "NO" => Some(Self::No),
            _ => None,
        }
    }
}

/// A user's membership in an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// Membership id.
    pub id: String,
    /// The member.
    pub user_id: String,
    /// The organization.
    pub organization_id: String,
    /// The member's role.
    pub role: Role,
    /// Disabled memberships cannot act in the organization.
    pub disabled: bool,
    /// When the user joined.
    pub created_at: DateTime<Utc>,
}
