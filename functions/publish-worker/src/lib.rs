//! The `publish-worker` function: each SQS record through the publisher; records that must
//! come back are reported as batch item failures (`ReportBatchItemFailures`), the others
//! are deleted by Lambda.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use postiz_posts::{worker, PostsModule, TableGate};
use postiz_web::AppState;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The module with a concurrency gate shared by every worker instance (slot items on the
/// table, renewed with the post's lease, lapsing a minute after a worker dies).
pub async fn module(state: &AppState) -> PostsModule {
    let a = &state.adapters;
    let gate = Arc::new(TableGate::new(
        a.table.clone(),
        a.clock.clone(),
        chrono::Duration::seconds(60),
    ));
    postiz_posts_fn::publishing_module(state, gate).await
}

/// The time a message may need, from its start to its end: a video's download, upload and
/// processing by the network (`PUBLISH_MESSAGE_BUDGET_SECS`, default 300 s). A message is
/// started only while the invocation has at least this much time left.
pub fn message_budget() -> Duration {
    let secs = std::env::var("PUBLISH_MESSAGE_BUDGET_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// Handles a batch until `deadline` (the invocation's): each record is published, or, when
/// less than `budget` remains, handed back untouched so that Lambda never stops mid-message
/// for lack of time. The ids of records to deliver again (store failures and the records
/// not started).
pub async fn handle(
    module: &PostsModule,
    event: SqsEvent,
    deadline: Option<SystemTime>,
    budget: Duration,
) -> SqsBatchResponse {
    let mut failures = Vec::new();
    let mut out_of_time = false;
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        out_of_time = out_of_time
            || deadline.is_some_and(|d| {
                d.duration_since(SystemTime::now())
                    .map_or(true, |left| left < budget)
            });
        if out_of_time {
            tracing::info!(message_id = %id, "not enough time left in this invocation; the message comes back");
        } else {
            let body = record.body.unwrap_or_default();
            match worker::process(&module.publisher, &body).await {
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(message_id = %id, error = %e, "publish failed; the message comes back")
                }
            }
        }
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        failures.push(failure);
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
