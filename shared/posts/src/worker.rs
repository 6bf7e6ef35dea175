//! Consuming the publish queue: one message through the publisher (used by the Lambda
//! handler and by the local worker pool), and the local pool itself.

use postiz_core::Result;
use postiz_storage::schema::PUBLISH_QUEUE;
use postiz_storage::Queue;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::dispatch::PublishMessage;
use crate::plugs::PlugMessage;
use crate::publisher::{Outcome, Publisher};
use crate::scheduler::Scheduler;

/// Handles one message body. `Ok` means the message can be deleted (a post whose provider
/// is at its cap waits in the due index, not in the queue); `Err` means it must be
/// delivered again after its visibility timeout (a store failure).
pub async fn process(publisher: &Publisher, body: &str) -> Result<Outcome> {
    if let (None, Some(plug)) = (PublishMessage::parse(body), PlugMessage::parse(body)) {
        let span = tracing::info_span!("plug_run", run = %plug.plug_run, org = %plug.org);
        let outcome = publisher.plug_runs().handle(&plug).instrument(span).await?;
        tracing::info!(run = %plug.plug_run, ?outcome, "plug run handled");
        return Ok(Outcome::Plug(outcome));
    }
    let Some(msg) = PublishMessage::parse(body) else {
        tracing::warn!(body, "unreadable publish message dropped");
        return Ok(Outcome::Skipped("unreadable message"));
    };
    let span = tracing::info_span!("publish", post_id = %msg.id, org = %msg.org);
    let outcome = publisher.handle(&msg).instrument(span).await?;
    tracing::info!(post_id = %msg.id, ?outcome, "publish message handled");
    Ok(outcome)
}

/// Local mode: receives from the embedded queue and handles up to `concurrency` messages at
/// once, forever.
pub async fn run_pool(
    publisher: Publisher,
    queue: Arc<dyn Queue>,
    concurrency: usize,
    visibility: Duration,
) {
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    loop {
        // Receive only when a slot is free, at most as many messages as there are free slots.
        if slots.acquire().await.is_err() {
            return;
        }
        let free = slots.available_permits().clamp(1, 10);
        let msgs = match queue
            .receive(PUBLISH_QUEUE, free, visibility, Duration::from_secs(1))
            .await
        {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "publish queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for m in msgs {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (publisher, queue) = (publisher.clone(), queue.clone());
            tokio::spawn(async move {
                match process(&publisher, &m.body).await {
                    Ok(_) => {
                        if let Err(e) = queue.ack(PUBLISH_QUEUE, &m.receipt).await {
                            tracing::warn!(error = %e, "ack failed; the message comes back and is skipped");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "publish failed; the message comes back"),
                }
                drop(permit);
            });
        }
    }
}

/// Local mode: a scheduler run every `every`.
pub async fn run_scheduler(scheduler: Scheduler, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match scheduler.run().await {
            Ok(r) if r.sent > 0 => {
                tracing::debug!(sent = r.sent, redriven = r.redriven, "scheduler run")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler run failed"),
        }
    }
}
