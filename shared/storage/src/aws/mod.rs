//! AWS adapters: DynamoDB, SQS, S3 and Secrets Manager through the AWS SDK for Rust.
//! Clients are built once per cold start from the standard configuration chain, so
//! `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points them at an emulator.

mod blobs;
mod dynamo;
mod expr;
mod provision;
mod queue;
mod secrets;

pub use aws_config::SdkConfig;
pub use blobs::S3Blobs;
pub use dynamo::DynamoTable;
pub use provision::Provisioner;
pub use queue::SqsQueue;
pub use secrets::SecretsManager;

use crate::StorageError;

/// Loads the shared SDK configuration (region, credentials, endpoint overrides).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// Maps any SDK error to a backend error, keeping the service's message.
pub(crate) fn sdk_err<E>(e: E) -> StorageError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    StorageError::Backend(msg)
}
