//! Background jobs of the local server, on tokio timers (EventBridge schedules in AWS).

use postiz_web::AppState;
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
