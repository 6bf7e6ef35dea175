//! The Secrets port on Secrets Manager: JSON secrets hold the app's named values. Several
//! secret ids may be given, comma-separated; their keys are merged.

use async_trait::async_trait;
use serde_json::json;
use std::collections::HashMap;
use tokio::sync::OnceCell;

use super::client::{AwsConfig, Service};
use crate::secrets::Secrets;
use crate::{StorageError, StorageResult};

/// The JSON secrets `secret_ids`, fetched once per cold start.
#[derive(Debug)]
pub struct SecretsManager {
    config: AwsConfig,
    secret_ids: Vec<String>,
    cache: OnceCell<HashMap<String, String>>,
}

impl SecretsManager {
    /// Reads the secrets `secret_ids` (comma-separated) through `config`.
    pub fn new(config: &AwsConfig, secret_ids: &str) -> Self {
        Self {
            config: config.clone(),
            secret_ids: secret_ids
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            cache: OnceCell::new(),
        }
    }

    async fn load(&self) -> StorageResult<HashMap<String, String>> {
        let mut all = HashMap::new();
        for id in &self.secret_ids {
            let out = self
                .config
                .call_json(
                    Service::SecretsManager,
                    "GetSecretValue",
                    &json!({ "SecretId": id }),
                )
                .await
                .map_err(|e| e.into_storage("Secrets Manager GetSecretValue"))?;
            let raw = out["SecretString"]
                .as_str()
                .ok_or_else(|| StorageError::Backend("secret has no string value".into()))?;
            let values: HashMap<String, String> = serde_json::from_str(raw).map_err(|_| {
                StorageError::Backend("secret is not a JSON object of strings".into())
            })?;
            all.extend(values);
        }
        Ok(all)
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
