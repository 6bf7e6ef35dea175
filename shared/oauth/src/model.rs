//! The records of the authorization server, as stored and as Postiz's web app reads them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How a client proves itself at the token endpoint.
pub const AUTH_METHOD_NONE: &str = "none";
/// The client secret in the token request's form.
pub const AUTH_METHOD_POST: &str = "client_secret_post";
/// The client secret in HTTP Basic authentication.
pub const AUTH_METHOD_BASIC: &str = "client_secret_basic";

/// An application that may ask users for access: an organization's own app (`pca_…`, one per
/// organization, created in Settings > Developers) or a client that registered itself
/// (`pcd_…`, RFC 7591: Claude, ChatGPT, any MCP client).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthApp {
    /// Record id.
    pub id: String,
    /// The public client id.
    pub client_id: String,
    /// The owning organization (none for registered clients).
    pub organization_id: Option<String>,
    /// Shown on the consent screen.
    pub name: String,
    /// Shown on the consent screen.
    pub description: Option<String>,
    /// Media library id of the app's picture.
    pub picture_id: Option<String>,
    /// Its URL.
    pub picture_path: Option<String>,
    /// Where users go back after consent (an organization's app), or the first registered one.
    pub redirect_url: String,
    /// Every registered redirect URI (registered clients).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Registered by the client itself.
    pub dynamic: bool,
    /// `none` (a public client proving itself with PKCE), `client_secret_post` or
    /// `client_secret_basic`.
    pub token_endpoint_auth_method: String,
    /// SHA-256 of the client secret (hex); the secret itself is shown once.
    pub secret_hash: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Deleted by its organization (its tokens are revoked with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl OAuthApp {
    /// A public client: no secret, PKCE instead.
    pub fn is_public(&self) -> bool {
        self.token_endpoint_auth_method == AUTH_METHOD_NONE
    }

    /// `picture` as Postiz includes it (`{id, path}`), or null.
    fn picture(&self) -> Value {
        match (&self.picture_id, &self.picture_path) {
            (Some(id), Some(path)) => json!({ "id": id, "path": path }),
            _ => Value::Null,
        }
    }

    /// The app as `/user/oauth-app` answers it: every field but the secret.
    pub fn to_postiz_json(&self) -> Value {
        json!({
            "id": self.id,
            "organizationId": self.organization_id,
            "name": self.name,
            "description": self.description,
            "pictureId": self.picture_id,
            "picture": self.picture(),
            "redirectUrl": self.redirect_url,
            "clientId": self.client_id,
            "dynamic": self.dynamic,
            "tokenEndpointAuthMethod": self.token_endpoint_auth_method,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "deletedAt": self.deleted_at,
        })
    }

    /// The app as the consent screen shows it (`GET /oauth/authorize`).
    pub fn to_consent_json(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "picture": self.picture(),
            "clientId": self.client_id,
            "redirectUrl": self.redirect_url,
        })
    }
}

/// A user's grant of one app to one organization: at most one per (app, user, organization),
/// replaced by each new approval; its access token is the one live token of the grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    /// Id (what `DELETE /user/approved-apps/:id` takes).
    pub id: String,
    /// The app's client id.
    pub client_id: String,
    /// The app's record id.
    pub oauth_app_id: String,
    /// Who approved.
    pub user_id: String,
    /// For which organization.
    pub organization_id: String,
    /// SHA-256 of the live access token; none once revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
    /// First approved.
    pub created_at: DateTime<Utc>,
    /// Last token issued.
    pub updated_at: DateTime<Utc>,
    /// Revoked by the user, or with its app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Authorization {
    /// The grant as `/user/approved-apps` lists it, with its app.
    pub fn to_postiz_json(&self, app: &OAuthApp) -> Value {
        json!({
            "id": self.id,
            "oauthAppId": self.oauth_app_id,
            "userId": self.user_id,
            "organizationId": self.organization_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "revokedAt": self.revoked_at,
            "oauthApp": app.to_postiz_json(),
        })
    }
}

/// A code handed to the client through the user's browser, exchanged once for a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCode {
    /// The app's client id.
    pub client_id: String,
    /// Who approved.
    pub user_id: String,
    /// For which organization.
    pub organization_id: String,
    /// PKCE: base64url SHA-256 of the verifier the client must show.
    pub code_challenge: Option<String>,
    /// The redirect URI of the request, which the token request must repeat.
    pub redirect_uri: Option<String>,
    /// Seconds since the epoch after which the code is refused.
    pub expires_at: i64,
    /// When it was exchanged (a second use is refused and revokes what the first issued).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<DateTime<Utc>>,
    /// SHA-256 of the token the exchange issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
}

/// What an access token grants: acting for one organization, approved by one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The app's client id.
    pub client_id: String,
    /// Who approved.
    pub user_id: String,
    /// The organization the token acts for.
    pub organization_id: String,
    /// The authorization it belongs to.
    pub authorization_id: String,
}
