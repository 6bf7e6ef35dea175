//! What a provider does: deliver one message, telling a refusal that will not change from
//! a failure worth another try.

use async_trait::async_trait;
use postiz_core::email::EmailMessage;

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Refused for good (a bad address, a rejected sender): trying again will not help.
    Permanent(String),
    /// The provider could not be reached or asked to slow down: try again later.
    Transient(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Permanent(m) | Self::Transient(m) => f.write_str(m),
        }
    }
}

/// An email provider.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Delivers `message`; `id` is unique per queued message (an idempotency key).
    async fn deliver(&self, id: &str, message: &EmailMessage) -> Result<(), SendError>;
}
