//! The `webhook-delivery` function: each SQS record is a delivery's message, handled for its
//! next attempt. A record to keep (the next attempt not due yet) is hidden until then with
//! `ChangeMessageVisibility` and reported as a batch item failure (`ReportBatchItemFailures`)
//! so that Lambda does not delete it; so is a record whose handling hit a store failure (it
//! comes back after the queue's visibility timeout). Lambda deletes the others.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use postiz_storage::schema::WEBHOOK_QUEUE;
use postiz_storage::Queue;
use postiz_web::AppState;
use postiz_webhooks::{Deliverer, DeliveryConfig, WebhookRepo};

/// The worker on the app's table, queue and keys, with the retry rules from the environment.
pub fn deliverer(state: &AppState) -> Deliverer {
    let a = &state.adapters;
    Deliverer::new(
        WebhookRepo::new(a.table.clone()),
        a.clock.clone(),
        state.keys.clone(),
        DeliveryConfig::from_env(),
    )
}

/// Handles a batch: every record once; the ids of the records to keep.
pub async fn handle(deliverer: &Deliverer, queue: &dyn Queue, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let body = record.body.unwrap_or_default();
        let keep = match deliverer.process(&body).await {
            Ok(handled) => match handled.keep_for() {
                Some(wait) => {
                    let receipt = record.receipt_handle.unwrap_or_default();
                    if let Err(e) = queue.change_visibility(WEBHOOK_QUEUE, &receipt, wait).await {
                        tracing::warn!(message_id = %id, error = %e, "could not hide the message until its next attempt");
                    }
                    true
                }
                None => false,
            },
            Err(e) => {
                tracing::warn!(message_id = %id, error = %e, "webhook attempt failed; the message comes back");
                true
            }
        };
        if keep {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
