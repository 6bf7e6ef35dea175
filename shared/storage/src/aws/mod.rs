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

/// The shared SDK configuration (region, credentials, endpoint overrides).
///
/// When the region and static credentials are in the environment (always so in Lambda, and in
/// the tests), the configuration is built from them directly: loading the SDK's default
/// provider chains costs about 7 ms of every cold start. Otherwise the default chains apply.
pub async fn sdk_config() -> aws_config::SdkConfig {
    match env_config(None) {
        Some(config) => config,
        None => aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(https_client())
            .load()
            .await
            .into_builder()
            .retry_config(retry_config())
            .build(),
    }
}

/// [`sdk_config`] from the environment's credentials and region, sending every call to
/// `endpoint` (an emulator, or a proxy in front of one).
pub fn sdk_config_for(endpoint: &str) -> Option<aws_config::SdkConfig> {
    env_config(Some(endpoint))
}

/// The SDK's HTTPS client: hyper with rustls on ring (see the workspace manifest).
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Retries of throttled and failed calls (`ProvisionedThroughputExceeded`, `Throttling`,
/// 5xx): five attempts with exponential backoff and jitter, the SDK's standard mode.
fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(5)
}

fn env_config(endpoint: Option<&str>) -> Option<aws_config::SdkConfig> {
    use aws_config::timeout::TimeoutConfig;
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"))?;
    let credentials = aws_credential_types::Credentials::new(
        var("AWS_ACCESS_KEY_ID")?,
        var("AWS_SECRET_ACCESS_KEY")?,
        var("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    let mut builder = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .retry_config(retry_config())
        .http_client(https_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_millis(3100))
                .build(),
        )
        .time_source(aws_smithy_async::time::SystemTimeSource::new());
    if let Some(sleep) = aws_smithy_async::rt::sleep::default_async_sleep() {
        builder = builder.sleep_impl(sleep);
    }
    if let Some(url) = endpoint
        .map(str::to_string)
        .or_else(|| var("AWS_ENDPOINT_URL"))
    {
        builder = builder.endpoint_url(url);
    }
    Some(builder.build())
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
