//! The autopost jobs. `autopost-scheduler` (EventBridge, hourly) queues one run per active
//! feed, spread over ten minutes; `autopost-worker` (SQS) runs each: records whose run hit a
//! store failure are reported as batch item failures and come back.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use postiz_autopost::{AutopostRepo, Runner};
use postiz_posts::LocalGate;
use postiz_web::AppState;
use std::sync::Arc;
use std::time::Duration;

/// How the hourly run spreads the feeds' reads.
pub const SPREAD: Duration = Duration::from_secs(600);

/// The runner on the app's ports: drafts through the posts service, the AI (and the media
/// library for its pictures) when an OpenAI key is set.
pub async fn runner(state: &AppState) -> postiz_core::Result<Runner> {
    let a = &state.adapters;
    let module = postiz_posts_fn::module(state, Arc::new(LocalGate::default())).await;
    let ai = postiz_ai::Ai::with_key(state.setting("OPENAI_API_KEY").await)?;
    let media = ai.as_ref().map(|_| {
        postiz_media::MediaService::with_env_urls(a.table.clone(), a.blobs.clone(), a.clock.clone())
    });
    Ok(Runner::new(
        AutopostRepo::new(a.table.clone()),
        module.posts,
        a.clock.clone(),
        ai,
        media,
    ))
}

/// Handles a batch: every record once; the ids of the records to deliver again.
pub async fn handle(runner: &Runner, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let body = record.body.unwrap_or_default();
        if let Err(e) = postiz_autopost::process(runner, &body).await {
            tracing::warn!(message_id = %id, error = %e, "autopost run failed; the message comes back");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}

/// The hourly fan-out; how many runs were queued.
pub async fn fan_out(state: &AppState) -> postiz_core::Result<usize> {
    let a = &state.adapters;
    postiz_autopost::fan_out(
        &AutopostRepo::new(a.table.clone()),
        a.queue.as_ref(),
        SPREAD,
    )
    .await
}
