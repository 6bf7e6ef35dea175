//! SSRF-guarded fetching of user-supplied URLs.
//!
//! Every fetch of a URL that came from a user (media upload-from-url, RSS, webhooks, avatars) goes
//! through [`GuardedFetcher`]. It accepts only `http`/`https`, resolves the host itself and refuses
//! when any resolved address is loopback, private, link-local or otherwise not public
//! ([`is_forbidden`]), pins the connection to the vetted addresses (a DNS rebind between check and
//! connect cannot switch the target), follows redirects by hand re-checking every hop, and caps
//! total time and body size.

mod addr;
mod fetch;

use std::net::SocketAddr;
use std::time::Duration;

pub use addr::is_forbidden;
pub use fetch::{Answered, GuardedFetcher, Streamed};
pub use url::Url;

/// What a [`GuardedFetcher`] may fetch, and how much.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Allow private, loopback and other non-public addresses (self-hosted networks). Off by default.
    pub allow_private: bool,
    /// Refuse `http://` URLs, including redirect targets. On by default.
    pub https_only: bool,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Total time for the whole fetch: resolution, every redirect hop and the body.
    pub timeout: Duration,
    /// Time allowed to establish each TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: u8,
    /// Exact socket addresses allowed even though their IP is forbidden (tests: a local server).
    pub allow_addrs: Vec<SocketAddr>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            allow_private: false,
            https_only: true,
            max_bytes: 50 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 5,
            allow_addrs: Vec::new(),
        }
    }
}

impl FetchPolicy {
    /// The default policy, with `allow_private` read from `FETCH_ALLOW_PRIVATE` (`true` or `1`).
    pub fn from_env() -> Self {
        Self {
            allow_private: env_flag(std::env::var("FETCH_ALLOW_PRIVATE").ok().as_deref()),
            ..Self::default()
        }
    }
}

impl FetchPolicy {
    /// The policy for URLs users give (uploads from a URL, videos to preview): `https` only
    /// and no private addresses, unless `FETCH_ALLOW_PRIVATE` allows both (self-hosted
    /// networks, tests); bodies up to `max_bytes`.
    pub fn user_urls(max_bytes: u64) -> Self {
        let mut policy = Self::from_env();
        policy.https_only = !policy.allow_private;
        policy.max_bytes = max_bytes;
        policy
    }
}

fn env_flag(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        v == "1" || v.eq_ignore_ascii_case("true")
    })
}

/// A fetched body.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: bytes::Bytes,
    /// The `Content-Type` header of the final response, if any.
    pub content_type: Option<String>,
    /// The URL the body came from, after redirects.
    pub final_url: Url,
    /// The `ETag` header of the final response, if any.
    pub etag: Option<String>,
    /// The `Last-Modified` header of the final response, if any.
    pub last_modified: Option<String>,
}

/// Why a fetch did not happen or did not succeed. The messages are safe to show to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL, a redirect target or a resolved address is not allowed by the policy.
    #[error("URL not allowed: {0}")]
    Refused(String),
    /// The body is larger than `max_bytes`.
    #[error("the response is larger than the allowed size")]
    TooLarge,
    /// Network error, timeout, too many redirects or a non-2xx status.
    #[error("fetch failed: {0}")]
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_flag_accepts_true_and_1_only() {
        for (value, expected) in [
            (None, false),
            (Some(""), false),
            (Some("0"), false),
            (Some("false"), false),
            (Some("yes"), false),
            (Some("1"), true),
            (Some("true"), true),
            (Some("TRUE"), true),
            (Some(" true "), true),
        ] {
            assert_eq!(env_flag(value), expected, "{value:?}");
        }
    }

    #[test]
    fn default_policy_is_strict() {
        let p = FetchPolicy::default();
        assert!(!p.allow_private);
        assert!(p.https_only);
        assert_eq!(p.max_redirects, 5);
        assert_eq!(p.timeout, Duration::from_secs(30));
        assert!(p.allow_addrs.is_empty());
    }
}
