//! The `webhook-delivery` function: each SQS record is one attempt of one delivery; records
//! whose handling hit a store failure are reported as batch item failures
//! (`ReportBatchItemFailures`) and come back, the others are deleted by Lambda.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use postiz_web::AppState;
use postiz_webhooks::{Deliverer, DeliveryConfig, WebhookRepo};

/// The worker on the app's table, queue and keys, with the retry rules from the environment.
pub fn deliverer(state: &AppState) -> Deliverer {
    let a = &state.adapters;
    Deliverer::new(
        WebhookRepo::new(a.table.clone()),
        a.queue.clone(),
        a.clock.clone(),
        state.keys.clone(),
        DeliveryConfig::from_env(),
    )
}

/// Handles a batch: every record once; the ids of the records to deliver again.
pub async fn handle(deliverer: &Deliverer, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let body = record.body.unwrap_or_default();
        if let Err(e) = deliverer.process(&body).await {
            tracing::warn!(message_id = %id, error = %e, "webhook attempt failed; the message comes back");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
