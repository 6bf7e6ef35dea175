//! One scheduler run: read the due index from the cursor's hour up to `now + horizon`, send
//! each due post (or each post whose publishing lease lapsed) to the queue, and move the
//! cursor past hours left empty. Reads are proportional to the entries due, never to the
//! posts stored.

use chrono::{DateTime, Duration, DurationRound, Utc};
use futures_util::stream::{self, StreamExt};
use postiz_core::{Clock, Result};
use serde::Serialize;
use std::sync::Arc;

use crate::dispatch::Dispatcher;
use crate::model::PostState;
use crate::plugs::PlugRuns;
use crate::repo::PostRepo;

/// Entries read per query page.
const PAGE: usize = 200;
/// Messages sent at once.
const PARALLEL_SENDS: usize = 32;
/// How far back the first run ever looks (Postiz's missing-post sweep looks back 2 days).
const FIRST_LOOK_BACK_HOURS: i64 = 48;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    /// Hour buckets queried.
    pub buckets: usize,
    /// Index queries made.
    pub queries: usize,
    /// Entries read from the index.
    pub read: usize,
    /// Messages sent.
    pub sent: usize,
    /// Of those, posts whose lease had lapsed.
    pub redriven: usize,
    /// Entries skipped (lease still live, or changed meanwhile).
    pub skipped: usize,
    /// Plug runs sent.
    pub plug_runs: usize,
}

/// The scheduler.
#[derive(Clone)]
pub struct Scheduler {
    repo: PostRepo,
    dispatcher: Dispatcher,
    plugs: PlugRuns,
    clock: Arc<dyn Clock>,
}

fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

impl Scheduler {
    /// A scheduler sending what the dispatcher's horizon covers, and the plug runs due.
    pub fn new(
        repo: PostRepo,
        dispatcher: Dispatcher,
        plugs: PlugRuns,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            dispatcher,
            plugs,
            clock,
        }
    }

    /// One run.
    pub async fn run(&self) -> Result<SweepReport> {
        let now = self.clock.now();
        let until = now + self.dispatcher.horizon;
        let first = match self.repo.cursor().await? {
            Some(c) => hour_of(c),
            None => hour_of(now - Duration::hours(FIRST_LOOK_BACK_HOURS)),
        };
        let mut report = SweepReport::default();
        let mut hour = first;
        let mut all_clean = true;
        while hour <= until {
            report.buckets += 1;
            let clean = self.sweep_bucket(hour, until, &mut report).await?;
            all_clean &= clean;
            // Past hours left empty never fill again: entries are only written at >= now.
            if all_clean && hour + Duration::hours(1) <= hour_of(now) {
                self.repo.advance_cursor(hour + Duration::hours(1)).await?;
            }
            hour += Duration::hours(1);
        }
        report.plug_runs = self.plugs.sweep().await?;
        Ok(report)
    }

    /// Sends every due entry of one bucket; true when none was left behind.
    async fn sweep_bucket(
        &self,
        hour: DateTime<Utc>,
        until: DateTime<Utc>,
        report: &mut SweepReport,
    ) -> Result<bool> {
        let mut clean = true;
        let mut after: Option<postiz_storage::Item> = None;
        loop {
            let (posts, next) = self.repo.due_page(hour, until, PAGE, after).await?;
            report.queries += 1;
            report.read += posts.len();
            let now = self.clock.now();
            let results: Vec<(bool, bool)> = stream::iter(posts)
                .map(|mut p| async move {
                    let redrive = p.state == PostState::Publishing;
                    if redrive && p.lease_until.is_some_and(|u| u > now) {
                        return (false, false);
                    }
                    match self.dispatcher.dispatch(&mut p).await {
                        Ok(sent) => (sent, redrive),
                        Err(e) => {
                            tracing::warn!(post_id = %p.id, error = %e, "dispatch failed; next run retries");
                            (false, false)
                        }
                    }
                })
                .buffer_unordered(PARALLEL_SENDS)
                .collect()
                .await;
            for (sent, redrive) in results {
                if sent {
                    report.sent += 1;
                    report.redriven += usize::from(redrive);
                } else {
                    report.skipped += 1;
                    clean = false;
                }
            }
            match next {
                Some(n) => after = Some(n),
                None => return Ok(clean),
            }
        }
    }
}
