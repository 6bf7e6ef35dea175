//! Lambda entry point of the `media` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::telemetry::init(true);
    let state = postiz_web::lambda::state_from_env().await?;
    let ctx = postiz_media_fn::Ctx::new(&state).await;
    postiz_web::lambda::serve(postiz_media_fn::router(ctx), state).await
}
