//! Lambda entry point of the `post-scheduler` function (EventBridge, every minute): one
//! scheduler run per event.

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let gate = Arc::new(postiz_posts::LocalGate::default());
    let scheduler = postiz_posts_fn::module(&state, gate).await.scheduler;
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        let scheduler = scheduler.clone();
        async move { Ok::<_, lambda_runtime::Error>(serde_json::to_value(scheduler.run().await?)?) }
    }))
    .await
}
