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

    /// The same error with every credential in its text masked ([`postiz_core::redact`]):
    /// error texts quote request URLs, and some networks take tokens in URLs.
    pub fn redacted(self) -> Self {
        use postiz_core::redact::secrets_owned as mask;
        match self {
            ProviderError::RefreshNeeded(m) => ProviderError::RefreshNeeded(mask(m)),
            ProviderError::Transient {
                retry_after,
                message,
            } => ProviderError::Transient {
                retry_after,
                message: mask(message),
            },
            ProviderError::BadRequest { user_message } => ProviderError::BadRequest {
                user_message: mask(user_message),
            },
            ProviderError::Unknown(m) => ProviderError::Unknown(mask(m)),
            ProviderError::NotSupported(what) => ProviderError::NotSupported(what),
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

/// What one of Postiz's mapped error cases asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    /// Reconnect or refresh the channel (`refresh-token`, and `disconnect`, which marks the
    /// channel `refreshNeeded` too).
    Refresh,
    /// Try again later (`retry`).
    Retry,
    /// The user must change the post (`bad-body`).
    Bad,
}

/// One mapped error case: when an error body contains `needle`, the call failed as `kind`
/// with the user-facing `message` (Postiz's wording).
#[derive(Debug, Clone, Copy)]
pub struct ErrorCase {
    /// Text the network's error body contains.
    pub needle: &'static str,
    /// What the caller does about it.
    pub kind: Mapped,
    /// What the user is told.
    pub message: &'static str,
}

impl ErrorCase {
    /// A `bad-body` case.
    pub const fn bad(needle: &'static str, message: &'static str) -> Self {
        ErrorCase {
            needle,
            kind: Mapped::Bad,
            message,
        }
    }

    /// A `refresh-token` (or `disconnect`) case.
    pub const fn refresh(needle: &'static str, message: &'static str) -> Self {
        ErrorCase {
            needle,
            kind: Mapped::Refresh,
            message,
        }
    }

    /// A `retry` case.
    pub const fn retry(needle: &'static str, message: &'static str) -> Self {
        ErrorCase {
            needle,
            kind: Mapped::Retry,
            message,
        }
    }

    /// The error this case stands for.
    pub fn error(&self) -> ProviderError {
        match self.kind {
            Mapped::Refresh => ProviderError::RefreshNeeded(self.message.into()),
            Mapped::Retry => ProviderError::transient(self.message),
            Mapped::Bad => ProviderError::bad(self.message),
        }
    }
}

/// The first case (in table order, as Postiz checks them) whose needle `body` contains.
pub fn first_match(body: &str, cases: &[ErrorCase]) -> Option<ProviderError> {
    cases
        .iter()
        .find(|c| body.contains(c.needle))
        .map(ErrorCase::error)
}

/// Whether Postiz's fetch retries an answer before it looks at any mapped case: a 429, or a
/// body that says it is rate limited.
pub fn rate_limited(status: u16, body: &str) -> bool {
    status == 429 || body.contains("rate_limit_exceeded") || body.contains("Rate limit")
}

/// [`first_match`], with a matched case made transient (keeping its message) when the answer
/// is rate limited, as Postiz retries those whatever the case says.
pub fn first_match_or_retry(status: u16, body: &str, cases: &[ErrorCase]) -> Option<ProviderError> {
    let mapped = first_match(body, cases)?;
    if !rate_limited(status, body) {
        return Some(mapped);
    }
    Some(match mapped {
        ProviderError::RefreshNeeded(message)
        | ProviderError::BadRequest {
            user_message: message,
        } => ProviderError::transient(message),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: &[ErrorCase] = &[
        ErrorCase::retry("busy", "Try later"),
        ErrorCase::refresh("revoked", "Reconnect"),
        ErrorCase::bad("too long", "Shorten it"),
        ErrorCase::bad("long", "never reached for 'too long'"),
    ];

    #[test]
    fn the_first_case_in_table_order_wins() {
        assert_eq!(
            first_match("text is too long", CASES),
            Some(ProviderError::bad("Shorten it"))
        );
        assert_eq!(
            first_match("token revoked", CASES),
            Some(ProviderError::RefreshNeeded("Reconnect".into()))
        );
        assert_eq!(
            first_match("server busy", CASES),
            Some(ProviderError::transient("Try later"))
        );
        assert_eq!(first_match("fine", CASES), None);
    }

    #[test]
    fn a_rate_limited_answer_keeps_the_case_message_but_is_retried() {
        assert_eq!(
            first_match_or_retry(429, "text is too long", CASES),
            Some(ProviderError::transient("Shorten it"))
        );
        assert_eq!(
            first_match_or_retry(400, "too long: Rate limit", CASES),
            Some(ProviderError::transient("Shorten it"))
        );
        assert_eq!(
            first_match_or_retry(400, "text is too long", CASES),
            Some(ProviderError::bad("Shorten it"))
        );
    }
}
