//! Lambda entry point of the `integrations` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run_with(|state| {
        postiz_integrations_fn::router(postiz_integrations_fn::Ctx::new(state))
    })
    .await
}
