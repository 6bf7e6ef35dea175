//! The Secrets port on Secrets Manager: one JSON secret holds the app's named values.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use std::collections::HashMap;
use tokio::sync::OnceCell;

use super::sdk_err;
use crate::secrets::Secrets;
use crate::{StorageError, StorageResult};

/// The JSON secret `secret_id`, fetched once per cold start.
#[derive(Debug)]
pub struct SecretsManager {
    client: Client,
    secret_id: String,
    cache: OnceCell<HashMap<String, String>>,
}

impl SecretsManager {
    /// Reads the secret `secret_id` through `config`.
    pub fn new(config: &aws_config::SdkConfig, secret_id: &str) -> Self {
        Self {
            client: Client::new(config),
            secret_id: secret_id.to_string(),
            cache: OnceCell::new(),
        }
    }

    async fn load(&self) -> StorageResult<HashMap<String, String>> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(sdk_err)?;
        let raw = out
            .secret_string()
            .ok_or_else(|| StorageError::Backend("secret has no string value".into()))?;
        serde_json::from_str(raw)
            .map_err(|_| StorageError::Backend("secret is not a JSON object of strings".into()))
    }
}

#[async_trait]
impl Secrets for SecretsManager {
    async fn get(&self, name: &str) -> StorageResult<String> {
        let all = self.cache.get_or_try_init(|| self.load()).await?;
        all.get(name)
            .cloned()
            .ok_or_else(|| StorageError::Backend(format!("secret {name} is not set")))
    }
}
