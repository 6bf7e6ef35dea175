//! Lambda entry point of the `autopost-scheduler` function (EventBridge schedule, hourly).

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            let queued = postiz_autopost_worker_fn::fan_out(&state).await?;
            tracing::info!(queued, "autopost runs queued");
            Ok::<_, lambda_runtime::Error>(json!({ "queued": queued }))
        }
    }))
    .await
}
