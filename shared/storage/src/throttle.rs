//! Attempt limits that hold across processes and Lambdas: counters in the table, one item
//! per subject (a hashed email, an IP address) and fixed window, expiring with the window.

use postiz_core::crypto::sha256_hex;
use postiz_core::{Clock, Error, Result};
use std::sync::Arc;

use crate::{ItemExt, Key, Table};

/// How many attempts of one kind a subject may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is counted (part of the key).
    pub scope: &'static str,
    /// Attempts allowed per window; the next one is refused.
    pub max: i64,
    /// Window length in seconds.
    pub window_secs: i64,
    /// What the refused caller is told.
    pub message: &'static str,
}

/// Counts attempts per subject and window in the table.
#[derive(Clone)]
pub struct Throttle {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

const COUNT: &str = "count";

impl Throttle {
    /// Counters in `table`, windows on `clock`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// The current window's start and end (seconds).
    fn window(&self, limit: &Limit) -> (i64, i64) {
        let now = self.clock.now_secs();
        let start = now - now.rem_euclid(limit.window_secs);
        (start, start + limit.window_secs)
    }

    /// The counter's key: the subject hashed (no email in a key), the window in the sort key.
    fn key(&self, limit: &Limit, subject: &str) -> Key {
        let (start, _) = self.window(limit);
        Key::new(
            format!("THROTTLE#{}#{}", limit.scope, sha256_hex(subject)),
            format!("W#{start}"),
        )
    }

    /// Refuses (429, with the seconds until the window ends) when `subject` used up `limit`.
    pub async fn check(&self, limit: &Limit, subject: &str) -> Result<()> {
        let used = match self.table.get(&self.key(limit, subject)).await? {
            Some(item) => item.int(COUNT).unwrap_or(0),
            None => 0,
        };
        if used < limit.max {
            return Ok(());
        }
        let (_, end) = self.window(limit);
        Err(Error::TooManyRequests {
            message: limit.message.into(),
            retry_after: (end - self.clock.now_secs()).max(1) as u64,
        })
    }

    /// Counts one attempt of `subject`; the count so far in the window.
    pub async fn record(&self, limit: &Limit, subject: &str) -> Result<i64> {
        let (_, end) = self.window(limit);
        Ok(self
            .table
            .increment(&self.key(limit, subject), COUNT, 1, Some(end + 60))
            .await?)
    }

    /// Forgets `subject`'s attempts in the window (a successful login ends a run of failures).
    pub async fn clear(&self, limit: &Limit, subject: &str) -> Result<()> {
        self.table.delete(&self.key(limit, subject), None).await?;
        Ok(())
    }
}
