//! AWS adapters: DynamoDB, SQS, S3 and Secrets Manager through one signed HTTPS client
//! ([`AwsConfig`]). The configuration is read once per cold start from the environment, so
//! `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points the adapters at an emulator.

mod blobs;
mod client;
mod dynamo;
mod expr;
mod provision;
mod queue;
mod secrets;

pub use blobs::S3Blobs;
pub use client::AwsConfig;
pub use dynamo::DynamoTable;
pub use provision::Provisioner;
pub use queue::SqsQueue;
pub use secrets::SecretsManager;

use crate::StorageResult;

/// The configuration from the environment (region and credentials as Lambda sets them,
/// endpoint overrides for emulators).
pub fn config_from_env() -> StorageResult<AwsConfig> {
    AwsConfig::from_env(None)
}

/// [`config_from_env`], sending every call to `endpoint` (an emulator, or a proxy in front
/// of one).
pub fn config_for(endpoint: &str) -> StorageResult<AwsConfig> {
    AwsConfig::from_env(Some(endpoint))
}
