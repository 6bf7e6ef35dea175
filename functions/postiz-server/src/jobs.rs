//! Background jobs of the local server, on tokio timers (EventBridge schedules in AWS).

use postiz_posts::{worker, LocalGate};
use postiz_web::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// The running jobs; dropping or aborting stops them.
#[derive(Debug)]
pub struct Jobs(JoinSet<()>);

impl Jobs {
    /// Stops every job.
    pub fn abort(mut self) {
        self.0.abort_all();
    }
}

/// Starts the jobs that apply to the configured storage.
pub async fn spawn(state: &AppState) -> Jobs {
    let mut set = JoinSet::new();
    // The token refresh job, every 15 minutes (an EventBridge schedule in AWS).
    let refresh = postiz_token_refresh_fn::job(state).await;
    set.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(15 * 60));
        loop {
            tick.tick().await;
            if let Err(e) = refresh.run().await {
                tracing::warn!(error = %e, "token refresh run failed");
            }
        }
    });
    // Publishing: the scheduler every second (EventBridge every minute in AWS) and a pool of
    // workers on the queue (the publish-worker Lambda in AWS).
    let module = postiz_posts_fn::publishing_module(state, Arc::new(LocalGate::default())).await;
    let every = Duration::from_millis(env_number("SCHEDULER_TICK_MS", 1000));
    set.spawn(worker::run_scheduler(module.scheduler.clone(), every));
    set.spawn(worker::run_pool(
        module.publisher.clone(),
        state.adapters.queue.clone(),
        env_number("PUBLISH_CONCURRENCY", 64) as usize,
        // Short, so the messages a killed process held come back soon after a restart.
        Duration::from_secs(15),
    ));
    // Outgoing webhooks: a pool of delivery workers on their queue (the webhook-delivery
    // Lambda in AWS).
    let a = &state.adapters;
    let deliverer = postiz_webhooks::Deliverer::new(
        postiz_webhooks::WebhookRepo::new(a.table.clone()),
        a.clock.clone(),
        state.keys.clone(),
        postiz_webhooks::DeliveryConfig::from_env(),
    );
    set.spawn(postiz_webhooks::run_pool(
        deliverer,
        a.queue.clone(),
        env_number("WEBHOOK_CONCURRENCY", 16) as usize,
        Duration::from_secs(30),
    ));
    // RSS autopost: the fan-out every hour (`AUTOPOST_TICK_SECS`; an EventBridge schedule in
    // AWS) and a pool of runners on its queue (the autopost-worker Lambda).
    match postiz_autopost_worker_fn::runner(state).await {
        Ok(runner) => {
            let repo = postiz_autopost::AutopostRepo::new(a.table.clone());
            let queue = a.queue.clone();
            let every = Duration::from_secs(env_number("AUTOPOST_TICK_SECS", 3600).max(1));
            let spread = every.min(postiz_autopost_worker_fn::SPREAD) / 2;
            set.spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await; // not at start: activation runs a feed at once
                loop {
                    tick.tick().await;
                    if let Err(e) = postiz_autopost::fan_out(&repo, queue.as_ref(), spread).await {
                        tracing::warn!(error = %e, "autopost fan-out failed");
                    }
                }
            });
            set.spawn(postiz_autopost::run_pool(
                runner,
                a.queue.clone(),
                env_number("AUTOPOST_CONCURRENCY", 4) as usize,
                Duration::from_secs(300),
            ));
        }
        Err(e) => tracing::warn!(error = %e, "RSS autopost is off: its runner could not start"),
    }
    // Email: senders on the email queue (the email-sender Lambda in AWS), when a provider
    // is configured (without one, messages go to the outbox folder instead).
    match postiz_email_sender_fn::sender(state).await {
        Ok(Some(sender)) => {
            set.spawn(postiz_email::run_pool(
                sender,
                a.queue.clone(),
                env_number("EMAIL_CONCURRENCY", 4) as usize,
                Duration::from_secs(env_number("EMAIL_RETRY_SECS", 60)),
            ));
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "email is off: its provider is set up wrongly"),
    }
    // Notification emails: due digests and streak reminders every minute
    // (`DIGEST_TICK_SECS`; an EventBridge schedule every 15 minutes in AWS).
    let digest = postiz_digest_fn::job(state);
    let every = Duration::from_secs(env_number("DIGEST_TICK_SECS", 60).max(1));
    set.spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = digest.run().await {
                tracing::warn!(error = %e, "notification job run failed");
            }
        }
    });
    if let Some(store) = state.adapters.embedded.clone() {
        // DynamoDB deletes expired items itself; the embedded store sweeps them here.
        set.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                match store.sweep_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(removed = n, "expired items swept"),
                    Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
                }
            }
        });
    }
    Jobs(set)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
