//! The one error type of the application layer. `postiz-web` maps it to HTTP in one place.

/// What went wrong, in terms the HTTP layer can answer with the right status and body.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Field validation failed: 400 `{"statusCode":400,"message":[...],"error":"Bad Request"}`.
    #[error("{}", .0.join("; "))]
    Validation(Vec<String>),
    /// A bad request with one message: 400 `{"statusCode":400,"message":"..."}`.
    #[error("{0}")]
    BadRequest(String),
    /// A bad request answered as plain text, as Postiz's `/auth/register` and `/auth/login` do.
    #[error("{0}")]
    PlainBadRequest(String),
    /// A post refused for one channel: 400 `{"statusCode":400,"provider","name","message"}`.
    #[error("{message}")]
    PostInvalid {
        /// Provider identifier of the channel.
        provider: String,
        /// Channel name.
        name: String,
        /// Why.
        message: String,
    },
    /// No valid session: 401 with an empty body, the `auth` cookie cleared.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Public API authentication failed: 401 `{"msg":"..."}`.
    #[error("{0}")]
    PublicAuth(String),
    /// Refused with Postiz's `{"msg": ...}` body and the given status (e.g. 409 when a
    /// channel connection is refused).
    #[error("{msg}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Message for the user.
        msg: String,
    },
    /// Authenticated but not allowed: 403 `{"statusCode":403,"message":"..."}`.
    #[error("{0}")]
    Forbidden(String),
    /// The request body is larger than accepted: 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not in a format the route reads (a JSON route given another
    /// `Content-Type`): 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many attempts in a window (logins, resets, uploads): 429; retry after the seconds.
    #[error("{message}")]
    TooManyRequests {
        /// Message for the user.
        message: String,
        /// Seconds until the window reopens.
        retry_after: u64,
    },
    /// The organization's plan does not allow it: 402 `{"statusCode":402,"message","url"}`,
    /// `url` being the billing page (Postiz's `SubscriptionException`).
    #[error("{message}")]
    PaymentRequired {
        /// Message for the user.
        message: String,
        /// Where to change the plan.
        url: String,
    },
    /// Nothing of that id in the caller's organization: 404.
    #[error("{0}")]
    NotFound(String),
    /// The write lost a race or would break a uniqueness rule: 409.
    #[error("{0}")]
    Conflict(String),
    /// The request is understood but its content is refused (an AI safety system's
    /// rejection): 422 `{"statusCode":422,"message":"..."}`.
    #[error("{0}")]
    Unprocessable(String),
    /// A service we called failed (an AI model): 502 with `message`; `detail` is logged only.
    #[error("{message}: {detail}")]
    BadGateway {
        /// Message for the user.
        message: String,
        /// What the service answered (logged, never shown).
        detail: String,
    },
    /// An OAuth 2.0 endpoint's refusal (RFC 6749 §5.2, RFC 7591 §3.2.2): `{error,
    /// error_description}` with `status` (400, or 401 for a client that failed to
    /// authenticate).
    #[error("{error}: {}", description.as_deref().unwrap_or("-"))]
    OAuth {
        /// HTTP status.
        status: u16,
        /// The error code (`invalid_grant`, `invalid_client`, ...).
        error: &'static str,
        /// What went wrong, for the client's developer.
        description: Option<String>,
    },
    /// A dependency is unavailable (store, queue, secret): 503.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected state: 500 with a generic message; the detail is logged only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result with the application error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A validation error with one message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Validation(vec![message.into()])
    }

    /// The refusal (400) of an action whose feature this server does not have yet.
    pub fn not_built(feature: &str) -> Self {
        Error::BadRequest(format!("{feature} is not available on this server yet"))
    }

    /// Postiz's answer (400 `Unauthorized`) to a platform administrator's route called by
    /// anyone else.
    pub fn platform_admins_only() -> Self {
        Error::BadRequest("Unauthorized".into())
    }

    /// A platform administrator's route of a feature not built yet: `Unauthorized` for
    /// anyone else (as Postiz answers), the feature's refusal for administrators.
    pub fn admin_feature_not_built(platform_admin: bool, feature: &str) -> Self {
        if platform_admin {
            Self::not_built(feature)
        } else {
            Self::platform_admins_only()
        }
    }

    /// An OAuth refusal with status 400 (401 for `invalid_client`).
    pub fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        let description = description.into();
        Error::OAuth {
            status: if error == "invalid_client" { 401 } else { 400 },
            error,
            description: (!description.is_empty()).then_some(description),
        }
    }

    /// An internal error from anything displayable.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string())
    }
}
