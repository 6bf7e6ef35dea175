//! A local pool of queue workers: what the SQS event source does for a Lambda, for the jobs
//! of `postiz-server`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::Queue;

/// What a handler did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Handled: delete it.
    Delete,
    /// Keep it, hidden this long (its next attempt is due then).
    KeepFor(Duration),
    /// Failed: it comes back after its visibility timeout.
    Retry,
}

/// Receives from the queue `name` forever, `handle`-ing up to `concurrency` message bodies
/// at once, each hidden for `visibility` while it is handled. The handlers in flight belong
/// to the pool: aborting it stops them too, as a killed process would.
pub async fn run_pool<F, Fut>(
    queue: Arc<dyn Queue>,
    name: &'static str,
    concurrency: usize,
    visibility: Duration,
    handle: F,
) where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Done> + Send + 'static,
{
    let handle = Arc::new(handle);
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut running = JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        // Receive only when a slot is free, at most as many messages as there are free slots.
        if slots.acquire().await.is_err() {
            return;
        }
        let free = slots.available_permits().clamp(1, 10);
        let msgs = match queue
            .receive(name, free, visibility, Duration::from_secs(1))
            .await
        {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(queue = name, error = %e, "queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for m in msgs {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (queue, handle) = (queue.clone(), handle.clone());
            running.spawn(async move {
                let outcome = match handle(m.body).await {
                    Done::Delete => queue.ack(name, &m.receipt).await,
                    Done::KeepFor(wait) => queue.change_visibility(name, &m.receipt, wait).await,
                    Done::Retry => Ok(()),
                };
                if let Err(e) = outcome {
                    tracing::warn!(queue = name, error = %e, "a handled message was not deleted or kept");
                }
                drop(permit);
            });
        }
    }
}
