//! The state every handler gets: services built once from the adapters.

use postiz_accounts::Accounts;
use postiz_core::crypto::Cipher;
use postiz_core::jwt::JwtSigner;
use postiz_core::Result;
use postiz_storage::secrets::{ENCRYPTION_KEY, JWT_SECRET};
use std::sync::Arc;

use crate::bootstrap::Adapters;
use crate::config::{accounts_config, WebConfig};

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    /// Accounts service.
    pub accounts: Arc<Accounts>,
    /// HTTP settings.
    pub web: Arc<WebConfig>,
    /// Encryption of data at rest (provider tokens, API keys).
    pub cipher: Cipher,
    /// The adapters, for routers that need a port directly.
    pub adapters: Adapters,
}

impl AppState {
    /// Builds the services, reading the app secrets once.
    pub async fn new(adapters: Adapters, web: WebConfig) -> Result<Self> {
        let started = std::time::Instant::now();
        let jwt = JwtSigner::new(adapters.secrets.get(JWT_SECRET).await?);
        let cipher = Cipher::from_secret(&adapters.secrets.get(ENCRYPTION_KEY).await?)?;
        tracing::debug!(
            ms = started.elapsed().as_secs_f64() * 1e3,
            "app secrets read"
        );
        let accounts = Accounts::new(
            adapters.table.clone(),
            jwt,
            cipher.clone(),
            adapters.clock.clone(),
            adapters.mailer.clone(),
            accounts_config(),
        );
        Ok(Self {
            accounts: Arc::new(accounts),
            web: Arc::new(web),
            cipher,
            adapters,
        })
    }
}
