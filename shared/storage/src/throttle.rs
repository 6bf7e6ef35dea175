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

/// One attempt counted: the attempts of the window so far, and when the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Attempts in the window, this one included.
    pub count: i64,
    /// Seconds until the window ends (at least 1).
    pub resets_in: i64,
}

impl Throttle {
    /// Counters in `table`, windows on `clock`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// The counter of `subject` in the current window, and the seconds left in it. Windows
    /// are aligned on the clock (an hour's start at the top of the hour); the subject is
    /// hashed (no email in a key).
    fn window(&self, limit: &Limit, subject: &str) -> (Key, i64, i64) {
        let now = self.clock.now_secs();
        let start = now - now.rem_euclid(limit.window_secs);
        let end = start + limit.window_secs;
        let key = Key::new(
            format!("THROTTLE#{}#{}", limit.scope, sha256_hex(subject)),
            format!("W#{start}"),
        );
        (key, end, (end - now).max(1))
    }

    fn refused(limit: &Limit, resets_in: i64) -> Error {
        Error::TooManyRequests {
            message: limit.message.into(),
            retry_after: resets_in as u64,
        }
    }

    /// Refuses (429, with the seconds until the window ends) when `subject` used up `limit`,
    /// without counting (a login checks before it knows whether the attempt failed).
    pub async fn check(&self, limit: &Limit, subject: &str) -> Result<()> {
        let (key, _, resets_in) = self.window(limit, subject);
        let used = match self.table.get(&key).await? {
            Some(item) => item.int(COUNT).unwrap_or(0),
            None => 0,
        };
        if used < limit.max {
            return Ok(());
        }
        Err(Self::refused(limit, resets_in))
    }

    /// Counts one attempt of `subject` (one atomic increment).
    pub async fn hit(&self, limit: &Limit, subject: &str) -> Result<Counted> {
        let (key, end, resets_in) = self.window(limit, subject);
        let count = self.table.increment(&key, COUNT, 1, Some(end + 60)).await?;
        Ok(Counted { count, resets_in })
    }

    /// Counts one attempt of `subject` and refuses it (429) past `limit`.
    pub async fn admit(&self, limit: &Limit, subject: &str) -> Result<()> {
        let counted = self.hit(limit, subject).await?;
        if counted.count > limit.max {
            return Err(Self::refused(limit, counted.resets_in));
        }
        Ok(())
    }

    /// Forgets `subject`'s attempts in the window (a successful login ends a run of failures).
    pub async fn clear(&self, limit: &Limit, subject: &str) -> Result<()> {
        let (key, _, _) = self.window(limit, subject);
        self.table.delete(&key, None).await?;
        Ok(())
    }
}
