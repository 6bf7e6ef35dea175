//! The token refresh job: every channel whose token expires within the horizon is
//! refreshed, each under its own lock; one failing never stops the others.

use chrono::Duration;
use postiz_core::{Clock, Result};
use std::sync::Arc;

use crate::service::{Channels, RefreshOutcome};

/// Counts of one run.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefreshReport {
    /// Tokens refreshed.
    pub refreshed: usize,
    /// Channels marked `refreshNeeded`.
    pub dead: usize,
    /// Temporary failures, retried next run.
    pub later: usize,
    /// Channels another run was refreshing.
    pub locked: usize,
    /// Errors of our own (storage), logged.
    pub errors: usize,
}

/// The job.
#[derive(Clone)]
pub struct RefreshJob {
    channels: Channels,
    clock: Arc<dyn Clock>,
    horizon: Duration,
}

/// Most channels handled by one run (the next run continues).
const BATCH: usize = 500;

impl RefreshJob {
    /// Refreshes tokens expiring within `horizon`.
    pub fn new(channels: Channels, clock: Arc<dyn Clock>, horizon: Duration) -> Self {
        Self {
            channels,
            clock,
            horizon,
        }
    }

    /// One run.
    pub async fn run(&self) -> Result<RefreshReport> {
        let due = self
            .channels
            .repo
            .expiring(self.clock.now() + self.horizon, BATCH)
            .await?;
        let mut report = RefreshReport::default();
        for (org, id) in due {
            let outcome = match self.channels.repo.get(&org, &id).await {
                Ok(Some(c)) => self.channels.refresh(&c).await,
                Ok(None) => continue,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(RefreshOutcome::Refreshed) => report.refreshed += 1,
                Ok(RefreshOutcome::Dead) => report.dead += 1,
                Ok(RefreshOutcome::Later) => report.later += 1,
                Ok(RefreshOutcome::Locked) => report.locked += 1,
                Err(e) => {
                    tracing::error!(channel_id = %id, error = %e, "refresh failed");
                    report.errors += 1;
                }
            }
        }
        tracing::info!(?report, "token refresh run");
        Ok(report)
    }
}
