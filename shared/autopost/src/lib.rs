//! RSS/Atom autopost: an organization's feeds ([`AutopostService`]), read every hour and at
//! once when switched on ([`Runner`]); every item not seen before becomes a draft per channel
//! at the next free slot, with the configured text (or the AI's) and the item's link.
//!
//! The hourly schedule fans out one queue message per active feed ([`fan_out`]); a worker
//! runs each ([`process`]).

pub mod feed;
pub mod model;
pub mod repo;
pub mod runner;
pub mod service;

use postiz_core::Result;
use postiz_storage::pool::Done;
use postiz_storage::schema::AUTOPOST_QUEUE;
use postiz_storage::Queue;
use std::sync::Arc;
use std::time::Duration;

pub use model::{AutoPost, FeedState};
pub use repo::AutopostRepo;
pub use runner::{RunReport, Runner};
pub use service::{queue_run, AutopostInput, AutopostService, RunMessage};

/// The hourly run: one message per active autopost, spread over `spread` so that feeds are
/// not all read in the same second. How many were queued.
pub async fn fan_out(repo: &AutopostRepo, queue: &dyn Queue, spread: Duration) -> Result<usize> {
    let active = repo.active().await?;
    let spread_ms = spread.as_millis().max(1) as u64;
    for (org, id) in &active {
        let offset = id
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        let delay = Duration::from_millis(offset % spread_ms);
        queue_run(queue, org, id, delay).await?;
    }
    Ok(active.len())
}

/// Handles one queue message: runs its autopost. `Err` means the message must come back.
pub async fn process(runner: &Runner, body: &str) -> Result<RunReport> {
    let Ok(msg) = serde_json::from_str::<RunMessage>(body) else {
        tracing::warn!("unreadable autopost message dropped");
        return Ok(RunReport {
            skipped: Some("unreadable message".into()),
            ..RunReport::default()
        });
    };
    runner.run(&msg.org, &msg.autopost).await
}

/// Local mode: runs feeds from the queue, up to `concurrency` at once, forever.
pub async fn run_pool(
    runner: Runner,
    queue: Arc<dyn Queue>,
    concurrency: usize,
    visibility: Duration,
) {
    postiz_storage::pool::run_pool(
        queue,
        AUTOPOST_QUEUE,
        concurrency,
        visibility,
        move |body| {
            let runner = runner.clone();
            async move {
                match process(&runner, &body).await {
                    Ok(_) => Done::Delete,
                    Err(e) => {
                        tracing::warn!(error = %e, "autopost run failed; the message comes back");
                        Done::Retry
                    }
                }
            }
        },
    )
    .await
}
