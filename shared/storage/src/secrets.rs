//! The Secrets port: named secret values, cached after the first read.

use async_trait::async_trait;

use crate::StorageResult;

/// Well-known secret: the HMAC key of session and other tokens.
pub const JWT_SECRET: &str = "JWT_SECRET";
/// Well-known secret: the base64 AES-256 key for data at rest.
pub const ENCRYPTION_KEY: &str = "ENCRYPTION_KEY";

/// Reads secrets.
#[async_trait]
pub trait Secrets: Send + Sync + 'static {
    /// The secret named `name`; an error when it does not exist.
    async fn get(&self, name: &str) -> StorageResult<String>;
}
