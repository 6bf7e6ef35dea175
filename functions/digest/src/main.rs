//! Lambda entry point of the `digest` function (EventBridge schedule).

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let job = postiz_digest_fn::job(&state);
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        let job = job.clone();
        async move { Ok::<_, lambda_runtime::Error>(serde_json::to_value(job.run().await?)?) }
    }))
    .await
}
