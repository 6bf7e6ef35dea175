//! Lambda entry point of the `webhook-delivery` function (SQS event source).

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let deliverer = postiz_webhook_delivery_fn::deliverer(&state);
    let queue = state.adapters.queue.clone();
    lambda_runtime::run(service_fn(|e: LambdaEvent<SqsEvent>| {
        let (deliverer, queue) = (deliverer.clone(), queue.clone());
        async move {
            Ok::<_, lambda_runtime::Error>(
                postiz_webhook_delivery_fn::handle(&deliverer, queue.as_ref(), e.payload).await,
            )
        }
    }))
    .await
}
