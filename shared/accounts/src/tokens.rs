//! The signed tokens of accounts. Every token names its kind, so one kind is never accepted
//! as another (a reset link is not a session).

use serde::{Deserialize, Serialize};

/// A login session (the `auth` cookie or header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionClaims {
    /// Always `session`.
    pub kind: String,
    /// User id.
    pub id: String,
    /// User email (informational; authorization reloads the user).
    pub email: String,
    /// Token id, for revocation at logout.
    pub jti: String,
    /// Issued at, seconds.
    pub iat: i64,
    /// Issued at, milliseconds (compared with the user's `sessionsValidAfter`).
    #[serde(default)]
    pub iat_ms: i64,
    /// Expires at, seconds.
    pub exp: i64,
}

/// A team invite link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteClaims {
    /// Always `invite`.
    pub kind: String,
    /// Invite id (single use).
    pub id: String,
    /// Organization to join.
    pub org_id: String,
    /// Invited address.
    pub email: String,
    /// Role given on joining.
    pub role: String,
    /// Expiry, milliseconds since the epoch (as Postiz's `timeLimit`).
    pub time_limit: i64,
}

/// A password reset link, or an account activation link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkClaims {
    /// `reset` or `activate`.
    pub kind: String,
    /// Link id (single use).
    pub jti: String,
    /// User id.
    pub id: String,
    /// Expiry, milliseconds since the epoch.
    pub expires: i64,
}
