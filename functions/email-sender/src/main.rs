//! Lambda entry point of the `email-sender` function (SQS event source).

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let sender = postiz_email_sender_fn::sender(&state)
        .await?
        .ok_or("EMAIL_PROVIDER names no email provider")?;
    lambda_runtime::run(service_fn(|e: LambdaEvent<SqsEvent>| {
        let sender = sender.clone();
        async move {
            Ok::<_, lambda_runtime::Error>(postiz_email_sender_fn::handle(&sender, e.payload).await)
        }
    }))
    .await
}
