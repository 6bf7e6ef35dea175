//! The `publish-worker` function: each SQS record through the publisher; records that must
//! come back are reported as batch item failures (`ReportBatchItemFailures`), the others
//! are deleted by Lambda.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use postiz_posts::{worker, PostsModule, TableGate};
use postiz_web::AppState;
use std::sync::Arc;

/// The module with a concurrency gate shared by every worker instance (slot items on the
/// table, renewed with the post's lease, lapsing a minute after a worker dies).
pub async fn module(state: &AppState) -> PostsModule {
    let a = &state.adapters;
    let gate = Arc::new(TableGate::new(
        a.table.clone(),
        a.clock.clone(),
        chrono::Duration::seconds(60),
    ));
    postiz_posts_fn::module(state, gate).await
}

/// Handles a batch; the ids of records to deliver again (store failures only).
pub async fn handle(module: &PostsModule, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let body = record.body.unwrap_or_default();
        if let Err(e) = worker::process(&module.publisher, &body).await {
            tracing::warn!(message_id = %id, error = %e, "publish failed; the message comes back");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
