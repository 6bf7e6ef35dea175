//! Lambda entry point of the `autopost` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let ctx = postiz_autopost_fn::Ctx::new(&state);
    postiz_web::lambda::serve(postiz_autopost_fn::router(ctx), state).await
}
