//! Lambda entry point of the `publish-worker` function (SQS event source).

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let module = postiz_publish_worker_fn::module(&state).await;
    let budget = postiz_publish_worker_fn::message_budget();
    lambda_runtime::run(service_fn(|e: LambdaEvent<SqsEvent>| {
        let module = module.clone();
        async move {
            let deadline = Some(e.context.deadline());
            Ok::<_, lambda_runtime::Error>(
                postiz_publish_worker_fn::handle(&module, e.payload, deadline, budget).await,
            )
        }
    }))
    .await
}
