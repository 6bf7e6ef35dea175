//! Lambda entry point of the `webhook-delivery` function (SQS event source).

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let deliverer = postiz_webhook_delivery_fn::deliverer(&state);
    lambda_runtime::run(service_fn(|e: LambdaEvent<SqsEvent>| {
        let deliverer = deliverer.clone();
        async move {
            Ok::<_, lambda_runtime::Error>(
                postiz_webhook_delivery_fn::handle(&deliverer, e.payload).await,
            )
        }
    }))
    .await
}
