//! Postiz as an OAuth 2.0 authorization server, so that outside AI agents (Claude, ChatGPT,
//! any MCP client) can be granted access to an organization without pasting its API key.
//!
//! - Clients: an organization's own app (`/user/oauth-app`, confidential, `pca_…`) or a
//!   client that registers itself (RFC 7591 `/oauth/register`, `pcd_…`; a public client
//!   proves itself with PKCE S256, a confidential one with its secret).
//! - `/oauth/authorize`: the consent screen checks the request; the signed-in user approves
//!   (a code valid 10 minutes, used once) or denies.
//! - `/oauth/token`: the code (with the PKCE verifier, the secret, the same redirect URI)
//!   becomes a `pos_` bearer token acting for the organization the user chose. Tokens do
//!   not expire (as Postiz); revoking the grant (`/user/approved-apps`) or deleting the app
//!   stops them at once.
//!
//! Beyond Postiz: secrets, codes and tokens are stored as SHA-256 hashes and compared in
//! constant time; a code used twice is refused and the token its first use issued revoked
//! (RFC 6749 §4.1.2); an organization's app honours PKCE when the client sends it; a redirect
//! URI that differs from the registered one is refused rather than ignored.

mod apps;
pub mod model;
pub mod repo;
mod secrets;
mod server;
pub mod uris;

use postiz_core::Clock;
use std::sync::Arc;

pub use apps::{AppInput, PictureRef};
pub use model::{Authorization, Grant, OAuthApp};
pub use repo::OAuthRepo;
pub use server::{AuthorizeRequest, Decision, Registration, TokenRequest};

/// Scopes a token carries (Postiz reports these; every token may read and write).
pub const SCOPES: &str = "mcp:read mcp:write";

/// How long an authorization code may wait for its exchange (Postiz: 10 minutes).
pub const CODE_LIFETIME_SECS: i64 = 600;

/// How long a registered client nobody authorized is kept (Postiz prunes them after 30 days).
pub const UNUSED_CLIENT_SECS: i64 = 30 * 24 * 3600;

/// Clients one network address may register per hour: registration needs no account, so
/// this bounds what a script can write (unused clients also expire in 30 days).
pub const REGISTRATIONS_PER_ADDRESS: postiz_storage::throttle::Limit =
    postiz_storage::throttle::Limit {
        scope: "oauth-register-address",
        max: 30,
        window_secs: 3600,
        message: "Too many client registrations from this address, please try again later",
    };

/// Settings of the authorization server.
#[derive(Debug, Clone, Default)]
pub struct OAuthConfig {
    /// Hosts registered clients may redirect to (with their subdomains); empty: any
    /// (`DCR_VERIFIED_DOMAINS`, comma-separated, as Postiz).
    pub verified_domains: Vec<String>,
}

impl OAuthConfig {
    /// From `DCR_VERIFIED_DOMAINS`.
    pub fn from_env() -> Self {
        let verified_domains = std::env::var("DCR_VERIFIED_DOMAINS")
            .unwrap_or_default()
            .split(',')
            .map(|d| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        Self { verified_domains }
    }
}

/// The authorization server's rules over its records.
#[derive(Clone)]
pub struct OAuth {
    repo: OAuthRepo,
    clock: Arc<dyn Clock>,
    config: Arc<OAuthConfig>,
}

impl OAuth {
    /// The service over `repo`.
    pub fn new(repo: OAuthRepo, clock: Arc<dyn Clock>, config: OAuthConfig) -> Self {
        Self {
            repo,
            clock,
            config: Arc::new(config),
        }
    }

    /// What the `pos_` access token grants, or `None` for an unknown or revoked token (or
    /// anything that is not a `pos_` token).
    pub async fn grant(&self, token: &str) -> postiz_core::Result<Option<Grant>> {
        if !token.starts_with("pos_") || token.len() > 200 {
            return Ok(None);
        }
        self.repo.grant(&secrets::hash(token)).await
    }
}
