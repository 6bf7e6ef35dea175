//! The state every handler gets: services built once from the adapters.

use postiz_accounts::Accounts;
use postiz_core::Result;
use postiz_storage::AppKeys;
use std::sync::Arc;

use crate::bootstrap::Adapters;
use crate::config::{accounts_config, WebConfig};

/// Shared application state: one `Arc`, so a request clones one pointer, not every service.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind [`AppState`].
pub struct Services {
    /// Accounts service.
    pub accounts: Arc<Accounts>,
    /// HTTP settings.
    pub web: Arc<WebConfig>,
    /// Token signing and encryption of data at rest, read from the secrets on first use.
    pub keys: Arc<AppKeys>,
    /// The adapters, for routers that need a port directly.
    pub adapters: Adapters,
    /// The plans and their limits (configured once from the environment; open while Stripe
    /// is off).
    pub billing: postiz_billing::Billing,
    /// The OAuth authorization server (apps, grants, `pos_` tokens).
    pub oauth: postiz_oauth::OAuth,
}

impl AppState {
    /// A setting that may be a secret: the environment variable `name` when set (not blank),
    /// else the key `name` of the app's secrets (on AWS, the secrets the function is given).
    pub async fn setting(&self, name: &str) -> Option<String> {
        match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
            _ => self
                .adapters
                .secrets
                .get(name)
                .await
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
        }
    }

    /// Builds the services (the app secrets are read when first needed).
    pub async fn new(adapters: Adapters, web: WebConfig) -> Result<Self> {
        let keys = Arc::new(AppKeys::new(adapters.secrets.clone()));
        let accounts = Accounts::new(
            adapters.table.clone(),
            keys.clone(),
            adapters.clock.clone(),
            adapters.mailer.clone(),
            accounts_config(),
        );
        let billing = postiz_billing::Billing::from_env(postiz_billing::BillingRepo::new(
            adapters.table.clone(),
        ));
        let oauth = postiz_oauth::OAuth::new(
            postiz_oauth::OAuthRepo::new(adapters.table.clone()),
            adapters.clock.clone(),
            postiz_oauth::OAuthConfig::from_env(),
        );
        Ok(Self(Arc::new(Services {
            accounts: Arc::new(accounts),
            web: Arc::new(web),
            keys,
            adapters,
            billing,
            oauth,
        })))
    }
}
