//! How a provider call can fail, in the terms the publisher and the API act on.

use std::time::Duration;

/// The classification every provider maps its HTTP errors into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The token is expired or revoked: refresh it (or reconnect) and try again.
    #[error("refresh needed: {0}")]
    RefreshNeeded(String),
    /// The network is busy or down: try again later (after `retry_after` when it says).
    #[error("temporary failure: {message}")]
    Transient {
        /// When the network asked us to come back.
        retry_after: Option<Duration>,
        /// What happened.
        message: String,
    },
    /// The content or settings are refused: the user must change them.
    #[error("{user_message}")]
    BadRequest {
        /// The message shown to the user.
        user_message: String,
    },
    /// Anything else, including a request whose outcome is unknown (timeout after sending).
    #[error("unknown error: {0}")]
    Unknown(String),
    /// The provider does not offer this operation.
    #[error("not supported by this provider: {0}")]
    NotSupported(&'static str),
}

impl ProviderError {
    /// A bad request with a user-facing message.
    pub fn bad(message: impl Into<String>) -> Self {
        ProviderError::BadRequest {
            user_message: message.into(),
        }
    }

    /// A transient failure without a retry hint.
    pub fn transient(message: impl Into<String>) -> Self {
        ProviderError::Transient {
            retry_after: None,
            message: message.into(),
        }
    }
}

/// Result of a provider call.
pub type ProviderResult<T> = Result<T, ProviderError>;
