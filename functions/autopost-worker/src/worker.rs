//! Lambda entry point of the `autopost-worker` function (SQS event source).

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let runner = postiz_autopost_worker_fn::runner(&state).await?;
    lambda_runtime::run(service_fn(|e: LambdaEvent<SqsEvent>| {
        let runner = runner.clone();
        async move {
            Ok::<_, lambda_runtime::Error>(
                postiz_autopost_worker_fn::handle(&runner, e.payload).await,
            )
        }
    }))
    .await
}
