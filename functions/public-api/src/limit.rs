//! The limit on `POST /public/v1/posts`: `API_LIMIT` requests (default 90) per organization
//! per clock hour, counted atomically in the table so it holds across concurrent Lambdas.
//!
//! Postiz opens a window at the first request and, once over the limit, blocks for an hour
//! from that moment; here the windows are clock hours, so a blocked organization is free
//! again at the top of the hour (at most the same wait, never longer).

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use postiz_core::{Clock, Result};
use postiz_storage::throttle::{Limit, Throttle};
use postiz_storage::Table;
use std::sync::Arc;

/// The verdict on one request, with the headers to send either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The limit per window.
    pub limit: i64,
    /// Requests left in this window.
    pub remaining: i64,
    /// Seconds until the window resets.
    pub reset: i64,
    /// Over the limit: answer 429.
    pub blocked: bool,
}

impl Verdict {
    /// `X-RateLimit-*`, and `Retry-After` when blocked.
    pub fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        let mut put = |name: &'static str, v: i64| {
            h.insert(HeaderName::from_static(name), HeaderValue::from(v));
        };
        put("x-ratelimit-limit", self.limit);
        put("x-ratelimit-remaining", self.remaining);
        put("x-ratelimit-reset", self.reset);
        if self.blocked {
            put("retry-after", self.reset);
        }
        h
    }
}

/// Counts requests per organization and window (the table-backed
/// [`Throttle`](postiz_storage::throttle::Throttle), one atomic increment per request).
#[derive(Clone)]
pub struct RateLimiter {
    counter: Throttle,
    limit: Limit,
}

impl RateLimiter {
    /// A limiter allowing `limit` requests per hour.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>, limit: i64) -> Self {
        Self {
            counter: Throttle::new(table, clock),
            limit: Limit {
                scope: "public-posts",
                max: limit.max(1),
                window_secs: 3600,
                message: "Too many requests",
            },
        }
    }

    /// The limit from `API_LIMIT` (default 90).
    pub fn from_env(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        let limit = std::env::var("API_LIMIT")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(90);
        Self::new(table, clock, limit)
    }

    /// Counts one request of `org` and says whether it may go on.
    pub async fn hit(&self, org: &str) -> Result<Verdict> {
        let counted = self.counter.hit(&self.limit, org).await?;
        Ok(Verdict {
            limit: self.limit.max,
            remaining: (self.limit.max - counted.count).max(0),
            reset: counted.resets_in,
            blocked: counted.count > self.limit.max,
        })
    }
}
